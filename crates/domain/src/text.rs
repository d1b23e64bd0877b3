//! Text typed by people, checked before it is stored: names, usernames,
//! passwords. Every check gives a Vietnamese message that can be shown as is.

use unicode_normalization::UnicodeNormalization;

/// Why a piece of text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing was typed.
    #[error("{field} không được để trống.")]
    Empty {
        /// The field, in Vietnamese.
        field: &'static str,
    },
    /// Too long.
    #[error("{field} dài quá {max} ký tự.")]
    TooLong {
        /// The field, in Vietnamese.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// Holds control characters or markup.
    #[error("{field} chứa ký tự không hợp lệ.")]
    Invalid {
        /// The field, in Vietnamese.
        field: &'static str,
    },
    /// A username outside the allowed letters.
    #[error(
        "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số, dấu chấm, gạch dưới, gạch nối (3–64 ký tự)."
    )]
    Username,
    /// A password too short.
    #[error("Mật khẩu phải có ít nhất {min} ký tự.")]
    PasswordTooShort {
        /// The minimum.
        min: usize,
    },
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A line of text a person typed as a name or title: normalised to NFC,
/// trimmed, inner whitespace collapsed, bounded, free of control characters
/// and angle brackets.
///
/// Angle brackets are refused rather than escaped because no Vietnamese
/// personal or body name needs them; output is escaped everywhere anyway.
pub fn clean_line(field: &'static str, input: &str, max: usize) -> Result<String, TextError> {
    let nfc: String = input.nfc().collect();
    let collapsed = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(TextError::Empty { field });
    }
    if collapsed.chars().count() > max {
        return Err(TextError::TooLong { field, max });
    }
    if collapsed
        .chars()
        .any(|c| c.is_control() || is_invisible(c) || c == '<' || c == '>')
    {
        return Err(TextError::Invalid { field });
    }
    Ok(collapsed)
}

/// A person's full name (họ và tên).
pub fn person_name(input: &str) -> Result<String, TextError> {
    clean_line("Họ và tên", input, 120)
}

/// A username: lower-case ASCII letters, digits, `.`, `_`, `-`; 3 to 64 long.
pub fn username(input: &str) -> Result<String, TextError> {
    let s = input.trim().to_lowercase();
    let ok_len = (3..=64).contains(&s.len());
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok_len && ok_chars {
        Ok(s)
    } else {
        Err(TextError::Username)
    }
}

/// Checks a new password against the policy; the password itself is never
/// echoed back.
pub fn new_password(input: &str) -> Result<(), TextError> {
    if input.chars().count() < MIN_PASSWORD_CHARS {
        return Err(TextError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if input.chars().count() > 256 {
        return Err(TextError::TooLong {
            field: "Mật khẩu",
            max: 256,
        });
    }
    Ok(())
}

/// Characters that change how text looks without showing themselves
/// (direction overrides, zero-width marks) or that stand for bytes that
/// were not valid UTF-8. A name holding one could pass for another name.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fffd}'
    )
}

/// A key that sorts Vietnamese text in dictionary order: ă, â, đ, ê, ô, ơ
/// and ư are letters of their own (a < ă < â < b < … < d < đ), and tone
/// marks only break ties, in the order no mark, huyền, hỏi, ngã, sắc, nặng.
/// Byte order of the key is the dictionary order of the text.
pub fn sort_key(input: &str) -> String {
    const LETTERS: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";
    let mut primary = String::new();
    let mut tones = String::new();
    for c in input.nfc().flat_map(char::to_lowercase) {
        let mut base = String::new();
        let mut tone = '0';
        for d in c.nfd() {
            match d {
                '\u{300}' => tone = '1',
                '\u{309}' => tone = '2',
                '\u{303}' => tone = '3',
                '\u{301}' => tone = '4',
                '\u{323}' => tone = '5',
                other => base.push(other),
            }
        }
        let letter: String = base.nfc().collect();
        match LETTERS.chars().position(|l| letter == l.to_string()) {
            Some(i) => {
                primary.push(char::from(b'A' + u8::try_from(i).unwrap_or(0)));
                tones.push(tone);
            }
            None if letter.chars().all(char::is_whitespace) => {
                primary.push(' ');
                tones.push('0');
            }
            None => {
                primary.push_str(&letter);
                tones.push('0');
            }
        }
    }
    // U+0001 sorts below every letter key; NUL is not allowed in PostgreSQL text.
    format!("{primary}\u{1}{tones}")
}

/// Folds Vietnamese text for matching: NFC, lower case, diacritics removed,
/// đ to d. "Đường Hồ Chí Minh" gives "duong ho chi minh".
pub fn fold(input: &str) -> String {
    input
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_trimmed() {
        // "Nguyễn" typed with a combining tilde and dot below.
        let decomposed = "  Nguye\u{302}\u{303}n   Văn  An ";
        assert_eq!(person_name(decomposed).unwrap(), "Nguyễn Văn An");
    }

    #[test]
    fn empty_long_and_markup_names_are_refused() {
        assert_eq!(
            person_name("   "),
            Err(TextError::Empty {
                field: "Họ và tên"
            })
        );
        assert_eq!(
            person_name(&"a".repeat(121)),
            Err(TextError::TooLong {
                field: "Họ và tên",
                max: 120
            })
        );
        assert_eq!(
            person_name("<script>alert(1)</script>"),
            Err(TextError::Invalid {
                field: "Họ và tên"
            })
        );
        assert_eq!(
            person_name("An\u{0}"),
            Err(TextError::Invalid {
                field: "Họ và tên"
            })
        );
        // A right-to-left override, a zero-width space, a replacement character.
        for sneaky in ["Nguyễn\u{202e}Văn", "Văn\u{200b}An", "\u{fffd}(\u{fffd}"] {
            assert_eq!(
                person_name(sneaky),
                Err(TextError::Invalid {
                    field: "Họ và tên"
                })
            );
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" ChuTich ").unwrap(), "chutich");
        assert_eq!(username("thuky.16681").unwrap(), "thuky.16681");
        assert!(username("ab").is_err());
        assert!(username("chủ tịch").is_err());
        assert!(username("a b c").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(new_password("ngan").is_err());
        assert!(new_password("đủ-dài-rồi-nhé").is_ok());
        assert!(new_password(&"x".repeat(300)).is_err());
    }

    #[test]
    fn vietnamese_dictionary_order() {
        let mut names = vec![
            "Bắc Lý",
            "Bạch Hà",
            "Đại Đồng",
            "Diễn Châu",
            "Con Cuông",
            "Anh Sơn",
            "Ân Phú",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            [
                "Anh Sơn",
                "Ân Phú",
                "Bạch Hà",
                "Bắc Lý",
                "Con Cuông",
                "Diễn Châu",
                "Đại Đồng"
            ]
        );
        // Tones only break ties: "ma" < "mà" < "mả" < "mã" < "má" < "mạ".
        let mut tones = vec!["mạ", "má", "ma", "mã", "mả", "mà"];
        tones.sort_by_key(|n| sort_key(n));
        assert_eq!(tones, ["ma", "mà", "mả", "mã", "má", "mạ"]);
        assert!(sort_key("Xã Anh Sơn") < sort_key("Xã Anh Sơn Đông"));
    }

    #[test]
    fn folding_removes_every_vietnamese_mark() {
        assert_eq!(fold("Đường Hồ Chí Minh"), "duong ho chi minh");
        assert_eq!(
            fold("Kiến nghị cử tri xã Anh Sơn"),
            "kien nghi cu tri xa anh son"
        );
        assert_eq!(fold("ƯỚC Ợ ỮNG"), "uoc o ung");
    }
}
