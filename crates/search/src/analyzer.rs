//! Bộ phân tích tiếng Việt — the Vietnamese analyzer.
//!
//! Vietnamese is written in syllables separated by spaces; a word is one to
//! four syllables ("đường", "giao thông", "ủy ban nhân dân") and no crate
//! segments words (see `architecture.md`). So the index holds three views of
//! every text, each a tantivy tokenizer:
//!
//! - [`EXACT`]: syllables in NFC and lower case, diacritics kept ("đường");
//!   a match here means the asker typed the marks the text has.
//! - [`FOLDED`]: the same syllables with diacritics folded and đ → d
//!   ("duong"); a query typed without marks matches here.
//! - [`PAIRS`]: each two adjacent folded syllables of one run of text joined
//!   by a space ("duong giao", "giao thong"); a document holding the query's
//!   words as written, syllables side by side, scores above one that has the
//!   same syllables scattered, without the cost of positional phrase queries.
//!
//! Every token keeps the byte offsets of its syllable in the text given to
//! the tokenizer, so highlighting works on the stored text with its marks.
//! Input that is not in NFC (a phone keyboard sends "ê" + U+0301 for "ế")
//! is normalised before it is cut; stored text is normalised on the way in
//! (see [`crate::index`]) so its offsets are those of the stored string.
//!
//! The cutting is written here rather than composed from tantivy's filters:
//! tantivy's ASCII folding filter folds the letters, but its simple
//! tokenizer splits on the combining marks of decomposed text and its
//! filters cannot emit the adjacent pairs with the offsets of both syllables.

use std::borrow::Cow;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::is_nfc_quick;

/// Name of the exact-diacritics tokenizer in the index.
pub const EXACT: &str = "vi_exact";
/// Name of the folded tokenizer in the index.
pub const FOLDED: &str = "vi_folded";
/// Name of the adjacent-pairs tokenizer in the index.
pub const PAIRS: &str = "vi_pairs";

/// Longest syllable kept, in bytes: anything longer is not a word (a hash,
/// a pasted URL) and would only bloat the term dictionary.
const MAX_SYLLABLE_BYTES: usize = 64;

/// One syllable of a text: where it is and its two forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syllable {
    /// Byte offset of its first character in the (NFC) text.
    pub from: usize,
    /// Byte offset just after it.
    pub to: usize,
    /// Lower case, NFC, with diacritics.
    pub exact: String,
    /// Lower case, no diacritics, đ → d.
    pub folded: String,
    /// Whether a break (punctuation, a line end) stands between this
    /// syllable and the one before; pairs never span a break.
    pub after_break: bool,
}

/// `text` in NFC, borrowed when it already is (checked cheaply first).
fn to_nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// Normalises text to NFC; the index stores text in this form.
pub fn nfc(text: &str) -> String {
    to_nfc(text).into_owned()
}

/// Folds one lower-case character: its base letter without marks, đ → d;
/// a lone combining mark gives nothing.
fn fold_char(c: char, out: &mut String) {
    if c == 'đ' || c == 'Đ' {
        out.push('d');
        return;
    }
    for d in c.nfd() {
        if !('\u{300}'..='\u{36f}').contains(&d) {
            out.extend(d.to_lowercase());
        }
    }
}

/// Whether `c` belongs inside a syllable. Letters, digits and combining
/// marks do; so do the joiners of a document number ("12/2025/NQ-HĐND"
/// stays one token) when a letter or digit follows, handled by the caller.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

/// Characters that end a phrase: syllables on both sides are not paired.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
            | '['
            | ']'
            | '"'
            | '\n'
            | '\r'
            | '\t'
            | '…'
            | '–'
            | '—'
            | '“'
            | '”'
            | '«'
            | '»'
    )
}

/// Cuts an NFC text into syllables with their offsets.
pub fn syllables(text: &str) -> Vec<Syllable> {
    let mut out = Vec::new();
    let mut broken = true;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) {
            if is_break(c) {
                broken = true;
            }
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, n)) = chars.peek() {
            let joins = matches!(n, '/' | '-' | '.' | '_')
                && text[i + n.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(|after| after.is_alphanumeric())
                && text[start..i].chars().any(|x| x.is_ascii_digit());
            if is_word_char(n) || joins {
                end = i + n.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let surface = &text[start..end];
        if surface.len() > MAX_SYLLABLE_BYTES {
            broken = true;
            continue;
        }
        let exact: String = surface.chars().flat_map(char::to_lowercase).collect();
        let mut folded = String::with_capacity(exact.len());
        for ch in exact.chars() {
            fold_char(ch, &mut folded);
        }
        out.push(Syllable {
            from: start,
            to: end,
            exact,
            folded,
            after_break: broken,
        });
        broken = false;
    }
    out
}

/// Folds a whole text for matching ("Đường" → "duong").
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in to_nfc(text).chars().flat_map(char::to_lowercase) {
        fold_char(c, &mut out);
    }
    out
}

/// Whether a text carries any Vietnamese diacritic or đ.
pub fn has_marks(text: &str) -> bool {
    let lower: String = to_nfc(text).chars().flat_map(char::to_lowercase).collect();
    fold(text) != lower
}

/// Which view of the syllables a tokenizer emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Exact,
    Folded,
    Pairs,
}

/// The tokenizer of one view; register with [`register`].
#[derive(Clone, Debug)]
pub struct VietnameseTokenizer {
    view: View,
}

impl VietnameseTokenizer {
    /// Syllables with their marks.
    pub fn exact() -> Self {
        Self { view: View::Exact }
    }
    /// Folded syllables.
    pub fn folded() -> Self {
        Self { view: View::Folded }
    }
    /// Folded adjacent pairs.
    pub fn pairs() -> Self {
        Self { view: View::Pairs }
    }
}

/// The tokens of one text, computed up front (texts are short enough:
/// a document body is capped by the caller).
pub struct VietnameseTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for VietnameseTokenizer {
    type TokenStream<'a> = VietnameseTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        VietnameseTokenStream {
            tokens: tokens(self.view, &to_nfc(text)),
            next: 0,
        }
    }
}

fn tokens(view: View, text: &str) -> Vec<Token> {
    let cut = syllables(text);
    match view {
        View::Exact | View::Folded => cut
            .into_iter()
            .enumerate()
            .map(|(position, s)| Token {
                offset_from: s.from,
                offset_to: s.to,
                position,
                text: if view == View::Exact {
                    s.exact
                } else {
                    s.folded
                },
                position_length: 1,
            })
            .collect(),
        View::Pairs => cut
            .windows(2)
            .enumerate()
            .filter(|(_, w)| !w[1].after_break)
            .map(|(position, w)| Token {
                offset_from: w[0].from,
                offset_to: w[1].to,
                position,
                text: format!("{} {}", w[0].folded, w[1].folded),
                position_length: 2,
            })
            .collect(),
    }
}

impl TokenStream for VietnameseTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

/// Registers the three tokenizers with an index.
pub fn register(index: &tantivy::Index) {
    let manager = index.tokenizers();
    manager.register(EXACT, VietnameseTokenizer::exact());
    manager.register(FOLDED, VietnameseTokenizer::folded());
    manager.register(PAIRS, VietnameseTokenizer::pairs());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(view: View, text: &str) -> Vec<String> {
        tokens(view, &nfc(text))
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn nfc_and_nfd_input_give_the_same_tokens() {
        let composed = "Kiến nghị đường giao thông";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        for view in [View::Exact, View::Folded, View::Pairs] {
            assert_eq!(texts(view, composed), texts(view, &decomposed));
        }
        assert_eq!(
            texts(View::Exact, &decomposed),
            ["kiến", "nghị", "đường", "giao", "thông"]
        );
    }

    #[test]
    fn d_with_stroke_and_every_tone_fold() {
        assert_eq!(fold("Đường ĐÊ điều"), "duong de dieu");
        assert_eq!(
            fold("a à ả ã á ạ ă ằ ẳ ẵ ắ ặ â ầ ẩ ẫ ấ ậ"),
            "a a a a a a a a a a a a a a a a a a"
        );
        assert_eq!(fold("ư ừ ử ữ ứ ự ơ ờ ở ỡ ớ ợ"), "u u u u u u o o o o o o");
        assert_eq!(fold("Ỳ Ỷ Ỹ Ý Ỵ"), "y y y y y");
        assert_eq!(texts(View::Folded, "ĐẦU TƯ"), ["dau", "tu"]);
        assert!(has_marks("đi"));
        assert!(!has_marks("Duong giao thong"));
    }

    #[test]
    fn tones_are_kept_apart_in_the_exact_view() {
        // chợ (market), chờ (wait), chỗ (place), cho (give) fold together
        // and stay apart with their marks.
        let exact = texts(View::Exact, "chợ chờ chỗ cho");
        assert_eq!(exact, ["chợ", "chờ", "chỗ", "cho"]);
        assert_eq!(texts(View::Folded, "chợ chờ chỗ cho"), ["cho"; 4]);
    }

    #[test]
    fn offsets_point_into_the_text_with_its_marks() {
        let text = "Sửa đường, xã Anh Sơn";
        let cut = tokens(View::Folded, text);
        assert_eq!(&text[cut[1].offset_from..cut[1].offset_to], "đường");
        assert_eq!(cut[1].text, "duong");
        let pairs = tokens(View::Pairs, text);
        let shown: Vec<&str> = pairs
            .iter()
            .map(|t| &text[t.offset_from..t.offset_to])
            .collect();
        // No pair across the comma.
        assert_eq!(shown, ["Sửa đường", "xã Anh", "Anh Sơn"]);
        assert_eq!(pairs[2].text, "anh son");
    }

    #[test]
    fn document_numbers_stay_whole_and_junk_is_dropped() {
        assert_eq!(
            texts(View::Exact, "Nghị quyết số 12/2025/NQ-HĐND ngày 1.7"),
            ["nghị", "quyết", "số", "12/2025/nq-hđnd", "ngày", "1.7"]
        );
        assert_eq!(texts(View::Folded, "a-b <script>"), ["a", "b", "script"]);
        let long = "x".repeat(200);
        assert_eq!(
            texts(View::Exact, &format!("một {long} hai")),
            ["một", "hai"]
        );
        assert!(texts(View::Pairs, &format!("một {long} hai")).is_empty());
        assert!(texts(View::Exact, "  … — ").is_empty());
    }
}
