//! Chuẩn hóa văn bản tiếng Việt để so khớp — Vietnamese text prepared for
//! matching petitions: Unicode NFC, lower case, diacritics folded (đ → d),
//! punctuation dropped, the abbreviations secretaries use expanded (QL,
//! BHYT, GCNQSDĐ, UBND, …), and stop syllables marked.
//!
//! A petition typed without diacritics ("Cu tri xa Long Phuoc de nghi…")
//! and the same petition typed with them give the same folded syllables,
//! so everything that compares petitions works on [`Token::folded`]. The
//! accented form and the capital letters are kept beside it because they
//! carry what folding loses: "chợ" (a market) is not "cho" (for), and a
//! capitalised run after "xã" is a place name.
//!
//! Stop syllables (của, và, các, cho, được, …) and stop phrases (đề nghị,
//! kiến nghị, cử tri, phản ánh, …) say nothing about what a petition asks
//! for, so [`match_terms`] leaves them out. They are matched on the folded
//! form, so a text and its unaccented twin give the same terms; phrases are
//! matched whole, so "nghị" stays in "nghị định"; a single syllable is a
//! stop only when its folded form is not also a content word ("cho" could
//! be "chợ", "tu" is in "đầu tư"); nothing inside a name written with a
//! capital mid-sentence is a stop; negations ("không", "chưa") never are.
//!
//! [`crate::text::fold`] is the folding used here.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::text::fold;

/// One syllable, number or document number of a text, after expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// As written (NFC, lower case, with diacritics); for an expansion,
    /// the expansion's syllable.
    pub surface: String,
    /// Folded for matching: no diacritics, đ → d, lower case.
    pub folded: String,
    /// Written with a leading capital (or a digit) as a name would be.
    pub capitalised: bool,
    /// Comes from expanding an abbreviation.
    pub expanded: bool,
    /// Punctuation (or the start of the text) stands before it: the
    /// character, or `'^'` at the start.
    pub gap: Option<char>,
    /// A stop syllable, left out of matching terms.
    pub stop: bool,
    /// A number or a document number ("2287/qd-ttg").
    pub numeric: bool,
}

/// When an abbreviation is expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// Always.
    Always,
    /// Only before a number or code ("QL 23", "ĐT 269D").
    BeforeNumber,
    /// Only when typed in capitals and not before a number ("TT Đình Cả",
    /// but "TT 01" is a circular).
    CapitalsNotBeforeNumber,
}

/// Abbreviations seen in petitions and the minutes of voter meetings,
/// folded, with their expansion as it would be written.
const ABBREVIATIONS: &[(&str, &str, When)] = &[
    ("ql", "quốc lộ", When::BeforeNumber),
    ("tl", "tỉnh lộ", When::BeforeNumber),
    ("dt", "đường tỉnh", When::BeforeNumber),
    ("dh", "đường huyện", When::BeforeNumber),
    ("tt", "thị trấn", When::CapitalsNotBeforeNumber),
    ("tp", "thành phố", When::Always),
    ("tx", "thị xã", When::Always),
    ("tphcm", "thành phố Hồ Chí Minh", When::Always),
    ("hcm", "Hồ Chí Minh", When::Always),
    ("ubnd", "ủy ban nhân dân", When::Always),
    ("hdnd", "hội đồng nhân dân", When::Always),
    ("ubmttq", "ủy ban mặt trận tổ quốc", When::Always),
    ("mttq", "mặt trận tổ quốc", When::Always),
    ("ubtu", "ủy ban trung ương", When::Always),
    ("dbqh", "đại biểu quốc hội", When::Always),
    ("qh", "quốc hội", When::Always),
    ("tw", "trung ương", When::Always),
    ("bhyt", "bảo hiểm y tế", When::Always),
    ("bhxh", "bảo hiểm xã hội", When::Always),
    ("bhtn", "bảo hiểm thất nghiệp", When::Always),
    ("gcnqsdd", "giấy chứng nhận quyền sử dụng đất", When::Always),
    ("gcnqsd", "giấy chứng nhận quyền sử dụng đất", When::Always),
    ("gcn", "giấy chứng nhận", When::Always),
    ("qsdd", "quyền sử dụng đất", When::Always),
    ("thpt", "trung học phổ thông", When::Always),
    ("thcs", "trung học cơ sở", When::Always),
    ("gdpt", "giáo dục phổ thông", When::Always),
    ("gd", "giáo dục", When::Always),
    ("kcn", "khu công nghiệp", When::Always),
    ("ccn", "cụm công nghiệp", When::Always),
    ("kdc", "khu dân cư", When::Always),
    ("tdp", "tổ dân phố", When::Always),
    ("tdc", "tái định cư", When::Always),
    ("gpmb", "giải phóng mặt bằng", When::Always),
    ("dtts", "dân tộc thiểu số", When::Always),
    ("dbscl", "đồng bằng sông Cửu Long", When::Always),
    ("ntm", "nông thôn mới", When::Always),
    ("csgt", "cảnh sát giao thông", When::Always),
    ("atgt", "an toàn giao thông", When::Always),
    ("attp", "an toàn thực phẩm", When::Always),
    ("gtvt", "giao thông vận tải", When::Always),
    ("gtnt", "giao thông nông thôn", When::Always),
    ("ptnt", "phát triển nông thôn", When::Always),
    ("tnmt", "tài nguyên môi trường", When::Always),
    ("ldtbxh", "lao động thương binh xã hội", When::Always),
    ("htx", "hợp tác xã", When::Always),
    ("tnhh", "trách nhiệm hữu hạn", When::Always),
    ("mtv", "một thành viên", When::Always),
    ("cty", "công ty", When::Always),
    ("atk", "an toàn khu", When::Always),
    ("tyt", "trạm y tế", When::Always),
    ("ttyt", "trung tâm y tế", When::Always),
    ("bv", "bệnh viện", When::Always),
    ("nvh", "nhà văn hóa", When::Always),
    ("cmnd", "chứng minh nhân dân", When::Always),
    ("cccd", "căn cước công dân", When::Always),
    ("dhqg", "đại học quốc gia", When::Always),
    ("qd", "quyết định", When::Always),
    ("nd", "nghị định", When::Always),
    ("nq", "nghị quyết", When::Always),
    ("ttg", "thủ tướng", When::Always),
    ("ubdt", "ủy ban dân tộc", When::Always),
    ("xh", "xã hội", When::Always),
];

/// Words that differ by region or register for the same thing, written
/// with their diacritics, and the form used for matching.
const SYNONYMS: &[(&[&str], &str)] = &[
    (&["heo"], "lợn"),
    (&["sổ", "đỏ"], "giấy chứng nhận quyền sử dụng đất"),
    (&["sổ", "hồng"], "giấy chứng nhận quyền sở hữu nhà ở"),
    (&["nâng", "phụ", "cấp"], "tăng phụ cấp"),
    (&["nâng", "lương"], "tăng lương"),
    (&["nâng", "mức"], "tăng mức"),
    (&["bán", "chuyên", "trách"], "không chuyên trách"),
    (&["nước", "máy"], "nước sạch"),
];

/// Single stop syllables, folded. Only syllables whose folded form is not
/// also a content word petitions use: "ở" is left out because "o" is also
/// "ô nhiễm", "đã" because of "mỏ đá", "từ" because of "đầu tư", "bị"
/// because of "bí thư", "cho" because of "chợ". Frequent syllables left in
/// weigh little anyway, through inverse document frequency.
const STOP_SYLLABLES: &[&str] = &[
    "cua", "va", "cac", "nhung", "duoc", "la", "tren", "voi", "se", "nay", "nhieu", "theo", "som",
    "vao", "hon", "rat", "mong", "xin", "neu", "them", "nao", "gi", "qua", "hay", "hoac", "nhat",
    "deu", "luon",
];

/// Stop phrases of two or more syllables, folded; as phrases they are
/// unambiguous even without diacritics.
const STOP_PHRASES: &[&str] = &[
    "tai kien nghi",
    "de nghi",
    "kien nghi",
    "cu tri",
    "phan anh",
    "mong muon",
    "cho biet",
    "cho rang",
    "de xuat",
    "buc xuc",
    "lo ngai",
    "quan tam",
    "xem xet",
    "tiep tuc",
    "dong thoi",
    "mot so",
    "hien nay",
    "ba con",
    "nguoi dan",
    "nhan dan",
    "ca nuoc",
    "tong hop",
    "doan chu tich",
    "co quan chuc nang",
    "uy ban trung uong mat tran to quoc viet nam",
    "uy ban trung uong mat tran to quoc",
    "khan truong",
    "chi dao",
    "giai quyet",
];

/// Whether the text carries any Vietnamese diacritic (or đ).
pub fn has_diacritics(input: &str) -> bool {
    input.nfd().any(|c| ('\u{300}'..='\u{36f}').contains(&c)) || input.contains(['đ', 'Đ'])
}

/// Splits `input` into tokens: NFC, abbreviations and synonyms expanded,
/// stop syllables marked.
///
/// ```
/// use nghitruong_domain::vntext::tokens;
/// let folded: Vec<_> = tokens("Nâng cấp QL23, cấp GCNQSDĐ").into_iter().map(|t| t.folded).collect();
/// assert_eq!(
///     folded,
///     ["nang", "cap", "quoc", "lo", "23", "cap", "giay", "chung", "nhan", "quyen", "su", "dung", "dat"]
/// );
/// ```
pub fn tokens(input: &str) -> Vec<Token> {
    let nfc: String = input.nfc().collect();
    let raw = split_raw(&nfc);
    let expanded = expand(&raw);
    let expanded = apply_synonyms(expanded);
    mark_stops(expanded)
}

/// The folded syllables of `input`, stop syllables included, joined by
/// single spaces: the key two spellings of one text share.
///
/// ```
/// use nghitruong_domain::vntext::normalize;
/// assert_eq!(normalize("Cử tri TT Đình Cả (Võ Nhai)"), "cu tri thi tran dinh ca vo nhai");
/// assert_eq!(normalize("Cu tri TT Dinh Ca (Vo Nhai)"), "cu tri thi tran dinh ca vo nhai");
/// ```
pub fn normalize(input: &str) -> String {
    tokens(input)
        .into_iter()
        .map(|t| t.folded)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Terms for similarity: folded syllables that are not stops, and each
/// pair of such syllables standing next to each other with no punctuation
/// or stop between them ("quoc lo", "lo 23").
pub fn match_terms(input: &str) -> Vec<String> {
    terms_of(&tokens(input))
}

/// [`match_terms`] over tokens already made.
pub fn terms_of(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<&str> = None;
    for t in tokens {
        if t.stop {
            prev = None;
            continue;
        }
        if t.gap.is_some() {
            prev = None;
        }
        out.push(t.folded.clone());
        if let Some(p) = prev {
            out.push(format!("{p} {}", t.folded));
        }
        prev = Some(&t.folded);
    }
    out
}

/// A word as cut from the text, before expansion.
struct Raw {
    text: String,
    gap: Option<char>,
}

/// Cuts words at whitespace and punctuation. A run that starts with a digit
/// keeps inner `/ - . ,` before another letter or digit, so document
/// numbers ("34/2019/NĐ-CP") and figures ("1.275", "5,0") stay whole.
fn split_raw(text: &str) -> Vec<Raw> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut gap = Some('^');
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        let joins = matches!(c, '/' | '-' | '.' | ',')
            && current.starts_with(|f: char| f.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if joins {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            out.push(Raw {
                text: std::mem::take(&mut current),
                gap: gap.take(),
            });
        }
        if !c.is_whitespace() && gap.is_none() {
            gap = Some(c);
        }
    }
    if !current.is_empty() {
        out.push(Raw { text: current, gap });
    }
    out
}

fn is_number_like(folded: &str) -> bool {
    folded.starts_with(|c: char| c.is_ascii_digit())
}

fn word(surface: &str, capitalised: bool, expanded: bool, gap: Option<char>) -> Token {
    let lower = surface.to_lowercase();
    let folded = fold(&lower);
    Token {
        numeric: is_number_like(&folded),
        surface: lower,
        folded,
        capitalised,
        expanded,
        gap,
        stop: false,
    }
}

/// Expands an abbreviation into tokens, the first carrying `gap`. Words
/// written with a capital in the expansion (proper names) stay capitalised.
fn expansion(text: &str, gap: Option<char>) -> Vec<Token> {
    text.split(' ')
        .enumerate()
        .map(|(i, w)| {
            let cap = w.starts_with(char::is_uppercase);
            word(w, cap, true, if i == 0 { gap } else { None })
        })
        .collect()
}

fn expand(raw: &[Raw]) -> Vec<Token> {
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let folded = fold(&r.text);
        let capitalised = r
            .text
            .starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
        let all_caps = r
            .text
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
        let next_is_number = raw
            .get(i + 1)
            .is_some_and(|n| n.gap.is_none() && n.text.starts_with(|c: char| c.is_ascii_digit()));

        // A road code glued to its number: QL23, ĐT269D, TL16.
        if let Some((prefix, code)) = split_road_code(&folded)
            && let Some((_, full, _)) = ABBREVIATIONS.iter().find(|(a, _, _)| *a == prefix)
        {
            out.extend(expansion(full, r.gap));
            out.push(word(code, true, false, None));
            continue;
        }
        // "ĐT" after "GD" is đào tạo (GD&ĐT), not a provincial road.
        if folded == "dt" && i > 0 && fold(&raw[i - 1].text) == "gd" {
            out.extend(expansion("đào tạo", r.gap));
            continue;
        }
        // "CP" after "công ty" is cổ phần; elsewhere Chính phủ.
        if folded == "cp" {
            let after_company = out
                .iter()
                .rev()
                .take(2)
                .map(|t: &Token| t.folded.as_str())
                .eq(["ty", "cong"]);
            let full = if after_company {
                "cổ phần"
            } else {
                "chính phủ"
            };
            out.extend(expansion(full, r.gap));
            continue;
        }
        let hit = ABBREVIATIONS
            .iter()
            .find(|(a, _, _)| *a == folded)
            .filter(|(_, _, when)| match when {
                When::Always => true,
                When::BeforeNumber => next_is_number,
                When::CapitalsNotBeforeNumber => all_caps && !next_is_number,
            });
        match hit {
            Some((_, full, _)) => out.extend(expansion(full, r.gap)),
            None => out.push(word(&r.text, capitalised, false, r.gap)),
        }
    }
    out
}

/// "ql23" gives ("ql", "23"); "dt269d" gives ("dt", "269d").
fn split_road_code(folded: &str) -> Option<(&str, &str)> {
    for prefix in ["ql", "tl", "dt", "dh"] {
        if let Some(code) = folded.strip_prefix(prefix)
            && code.starts_with(|c: char| c.is_ascii_digit())
            && code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Some((prefix, code));
        }
    }
    None
}

fn apply_synonyms(tokens: Vec<Token>) -> Vec<Token> {
    static FOLDED: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    let folded = FOLDED.get_or_init(|| {
        SYNONYMS
            .iter()
            .map(|(words, _)| words.iter().map(|w| fold(w)).collect())
            .collect()
    });
    // A word with diacritics must match exactly ("sổ đỏ", not "số đo"); a
    // word typed without them matches the folded spelling.
    let same = |t: &Token, w: &str, f: &str| {
        !t.capitalised
            && if has_diacritics(&t.surface) {
                t.surface == w
            } else {
                t.folded == f
            }
    };
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let rest = &tokens[i..];
        let hit = SYNONYMS.iter().zip(folded).find(|((words, _), f)| {
            words.len() <= rest.len()
                && words
                    .iter()
                    .zip(f.iter())
                    .zip(rest)
                    .all(|((w, f), t)| same(t, w, f))
                && rest[1..words.len()].iter().all(|t| t.gap.is_none())
        });
        match hit {
            Some(((words, full), _)) => {
                out.extend(expansion(full, tokens[i].gap));
                i += words.len();
            }
            None => {
                out.push(tokens[i].clone());
                i += 1;
            }
        }
    }
    out
}

fn mark_stops(mut tokens: Vec<Token>) -> Vec<Token> {
    let phrases: Vec<Vec<&str>> = STOP_PHRASES
        .iter()
        .map(|p| p.split(' ').collect())
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        // A capital mid-sentence starts a name; keep it.
        let t = &tokens[i];
        let sentence_start = matches!(t.gap, Some('^' | '.' | '!' | '?' | ':' | ';'));
        if t.capitalised && !sentence_start && !t.expanded {
            i += 1;
            continue;
        }
        let phrase = phrases.iter().find(|p| {
            p.len() <= tokens.len() - i
                && p.iter().zip(&tokens[i..]).all(|(w, t)| *w == t.folded)
                && tokens[i + 1..i + p.len()].iter().all(|t| t.gap.is_none())
        });
        if let Some(p) = phrase {
            for t in &mut tokens[i..i + p.len()] {
                t.stop = true;
            }
            i += p.len();
            continue;
        }
        if !tokens[i].numeric && STOP_SYLLABLES.contains(&tokens[i].folded.as_str()) {
            tokens[i].stop = true;
        }
        i += 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.folded).collect()
    }

    fn content(s: &str) -> Vec<String> {
        tokens(s)
            .into_iter()
            .filter(|t| !t.stop)
            .map(|t| t.folded)
            .collect()
    }

    #[test]
    fn a_petition_typed_without_diacritics_normalises_like_the_accented_one() {
        let accented = "Cử tri xã Long Phước (Bến Cầu) phản ánh công ty đốt vỏ xe gây ô nhiễm.";
        let plain = "Cu tri xa Long Phuoc (Ben Cau) phan anh cong ty dot vo xe gay o nhiem.";
        assert_eq!(normalize(accented), normalize(plain));
        assert_eq!(match_terms(accented), match_terms(plain));
    }

    #[test]
    fn decomposed_input_is_composed_first() {
        assert_eq!(normalize("Nguye\u{302}\u{303}n"), normalize("Nguyễn"));
        assert_eq!(tokens("Nguye\u{302}\u{303}n")[0].surface, "nguyễn");
    }

    #[test]
    fn road_codes_expand_glued_or_spaced() {
        for text in ["QL23", "QL 23", "Quốc lộ 23", "quoc lo 23"] {
            assert_eq!(folded(text), ["quoc", "lo", "23"], "{text}");
        }
        assert_eq!(folded("ĐT269D"), ["duong", "tinh", "269d"]);
        assert_eq!(folded("ĐT 269D"), ["duong", "tinh", "269d"]);
        assert_eq!(folded("TL16"), ["tinh", "lo", "16"]);
        // Without a number, ĐT is left alone; after GD it is đào tạo.
        assert_eq!(folded("số ĐT"), ["so", "dt"]);
        assert_eq!(folded("Sở GD&ĐT"), ["so", "giao", "duc", "dao", "tao"]);
    }

    #[test]
    fn common_abbreviations_expand() {
        let cases = [
            ("BHYT", "bao hiem y te"),
            ("BHXH", "bao hiem xa hoi"),
            ("GCNQSDĐ", "giay chung nhan quyen su dung dat"),
            ("GCN QSDĐ", "giay chung nhan quyen su dung dat"),
            ("gcnqsdd", "giay chung nhan quyen su dung dat"),
            ("sổ đỏ", "giay chung nhan quyen su dung dat"),
            ("so do", "giay chung nhan quyen su dung dat"),
            ("UBND tỉnh", "uy ban nhan dan tinh"),
            ("HĐND", "hoi dong nhan dan"),
            ("trường THPT", "truong trung hoc pho thong"),
            ("THCS", "trung hoc co so"),
            ("TP Kon Tum", "thanh pho kon tum"),
            ("TP.HCM", "thanh pho ho chi minh"),
            ("KCN VSIP1", "khu cong nghiep vsip1"),
            ("TT Đình Cả", "thi tran dinh ca"),
            ("Công ty CP Môi trường", "cong ty co phan moi truong"),
            ("NĐ-CP của CP", "nghi dinh chinh phu cua chinh phu"),
            ("heo bị dịch", "lon bi dich"),
            ("nâng phụ cấp", "tang phu cap"),
            ("nang phu cap", "tang phu cap"),
            ("nâng cấp đường", "nang cap duong"),
            ("người làm bán chuyên trách", "nguoi lam khong chuyen trach"),
            ("số đo", "so do"),
        ];
        for (text, want) in cases {
            assert_eq!(normalize(text), want, "{text}");
        }
    }

    #[test]
    fn abbreviations_keep_names_capitalised() {
        let t = tokens("TP.HCM");
        assert!(!t[0].capitalised && t[2].capitalised, "{t:?}");
        assert!(t.iter().all(|t| t.expanded));
    }

    #[test]
    fn a_circular_number_is_not_a_town() {
        assert_eq!(folded("TT 13"), ["tt", "13"]);
    }

    #[test]
    fn document_numbers_and_figures_stay_whole() {
        assert_eq!(
            folded("Quyết định 2287/QĐ-TTg ngày 31/12/2020"),
            ["quyet", "dinh", "2287/qd-ttg", "ngay", "31/12/2020"]
        );
        assert_eq!(folded("QD 2287/QD-TTg"), ["quyet", "dinh", "2287/qd-ttg"]);
        assert_eq!(folded("1.275 tỷ, 5,0 lần"), ["1.275", "ty", "5,0", "lan"]);
        assert_eq!(folded("2018, nay"), ["2018", "nay"]);
    }

    #[test]
    fn stop_phrases_go_but_their_syllables_stay_elsewhere() {
        assert_eq!(
            content("Cử tri đề nghị sửa Nghị định 34 của Chính phủ"),
            ["sua", "nghi", "dinh", "34", "chinh", "phu"]
        );
        assert_eq!(
            content("Cu tri de nghi sua Nghi dinh 34 cua Chinh phu"),
            ["sua", "nghi", "dinh", "34", "chinh", "phu"]
        );
    }

    #[test]
    fn syllables_that_fold_onto_content_words_are_not_stops() {
        // "chợ" folds to "cho", "ô nhiễm" to "o nhiem", "đầu tư" to "dau tu".
        assert_eq!(
            content("đường qua chợ An Bình"),
            ["duong", "cho", "an", "binh"]
        );
        assert_eq!(content("gây ô nhiễm"), ["gay", "o", "nhiem"]);
        assert_eq!(content("vốn đầu tư của tỉnh"), ["von", "dau", "tu", "tinh"]);
        assert_eq!(content("von dau tu cua tinh"), ["von", "dau", "tu", "tinh"]);
    }

    #[test]
    fn negations_and_names_are_kept() {
        assert_eq!(
            content("cột điện đã chôn nhưng không có điện"),
            ["cot", "dien", "da", "chon", "khong", "co", "dien"]
        );
        // "Vào" capitalised mid-sentence is part of a name.
        assert_eq!(content("bản Nà Vào"), ["ban", "na", "vao"]);
    }

    #[test]
    fn terms_are_syllables_and_adjacent_pairs_not_across_stops_or_punctuation() {
        assert_eq!(
            match_terms("nâng cấp QL23, trạm y tế"),
            [
                "nang", "cap", "nang cap", "quoc", "cap quoc", "lo", "quoc lo", "23", "lo 23",
                "tram", "y", "tram y", "te", "y te"
            ]
        );
        assert_eq!(match_terms("đường và cầu"), ["duong", "cau"]);
    }

    #[test]
    fn the_start_and_punctuation_are_recorded_as_gaps() {
        let t = tokens("Xã A. Thôn B");
        assert_eq!(t[0].gap, Some('^'));
        assert_eq!(t[1].gap, None);
        assert_eq!(t[2].gap, Some('.'));
    }

    #[test]
    fn diacritics_are_detected() {
        assert!(has_diacritics("đường"));
        assert!(has_diacritics("Đ"));
        assert!(has_diacritics("cử tri"));
        assert!(!has_diacritics("cu tri de nghi"));
    }
}
