//! Mã định danh — the electronic identifier of an agency on the axis.
//!
//! The canonical QCVN 102:2016 form is `AAA.BB.CC.DDD` (13 characters), read
//! right to left: `DDD` is the level-1 unit (an upper-case letter for the
//! group, e.g. `G` government bodies, `H` provinces, then two digits), `CC`
//! the level-2 unit, `BB` level 3 and `AAA` level 4, with zeros for "none".
//! Example: `000.00.00.G22` is Văn phòng Chính phủ.
//!
//! Real traffic also carries codes that do not follow it (`28.22.H17`,
//! `999.010.01.H22`, `vxp.saas.03`), and QĐ 20/2020/QĐ-TTg allows up to 35
//! characters of `0-9A-Z` in dot-separated groups. So there are two checks:
//! [`Strictness::Strict`] for the canonical form and
//! [`Strictness::Lenient`] for anything plausible. The validator rejects
//! what fails the lenient check and warns on what passes only that one.
//! The 2022 amendment (TT 01/2022/TT-BTTTT) changed the structure and its
//! text is not available to us, which is why non-canonical codes are not
//! rejected by default.

use std::fmt;

/// Longest identifier QĐ 20/2020/QĐ-TTg allows.
pub const MAX_LEN: usize = 35;

/// How closely an identifier must follow the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// Exactly `\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}` (QCVN 102:2016).
    Strict,
    /// Dot-separated groups of ASCII letters and digits, at most
    /// [`MAX_LEN`] characters in all.
    Lenient,
}

/// Why text is not an identifier under the chosen [`Strictness`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrganIdError {
    /// The text is empty.
    #[error("identifier is empty")]
    Empty,
    /// Longer than [`MAX_LEN`] characters.
    #[error("identifier has {len} characters, more than {MAX_LEN}")]
    TooLong {
        /// Length in characters.
        len: usize,
    },
    /// A character other than an ASCII letter, digit or dot.
    #[error("identifier contains {found:?}; only letters A-Z, digits and dots are allowed")]
    BadCharacter {
        /// The character found.
        found: char,
    },
    /// Two dots in a row, or a dot at either end.
    #[error("identifier has an empty group between dots")]
    EmptyGroup,
    /// Not in the canonical `AAA.BB.CC.DDD` shape.
    #[error("identifier is not in the form AAA.BB.CC.DDD (e.g. 000.00.00.H41): {reason}")]
    NotCanonical {
        /// Which part is off.
        reason: &'static str,
    },
}

/// A checked agency identifier (mã định danh).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganId(String);

impl OrganId {
    /// Checks `text` under `strictness`.
    pub fn parse(text: &str, strictness: Strictness) -> Result<Self, OrganIdError> {
        check_lenient(text)?;
        if strictness == Strictness::Strict {
            check_canonical(text)?;
        }
        Ok(Self(text.to_owned()))
    }

    /// Checks `text` against the canonical QCVN 102:2016 form.
    pub fn parse_strict(text: &str) -> Result<Self, OrganIdError> {
        Self::parse(text, Strictness::Strict)
    }

    /// Checks `text` against the lenient QĐ 20/2020 rule.
    pub fn parse_lenient(text: &str) -> Result<Self, OrganIdError> {
        Self::parse(text, Strictness::Lenient)
    }

    /// Whether the identifier is in the canonical `AAA.BB.CC.DDD` form.
    pub fn is_canonical(&self) -> bool {
        check_canonical(&self.0).is_ok()
    }

    /// The level-1 unit (`DDD`, e.g. `H41`) of a canonical identifier.
    pub fn level1(&self) -> Option<&str> {
        if self.is_canonical() {
            self.0.rsplit('.').next()
        } else {
            None
        }
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for OrganId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_lenient(text: &str) -> Result<(), OrganIdError> {
    if text.is_empty() {
        return Err(OrganIdError::Empty);
    }
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(OrganIdError::TooLong { len });
    }
    if let Some(found) = text
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '.')
    {
        return Err(OrganIdError::BadCharacter { found });
    }
    if text.split('.').any(str::is_empty) {
        return Err(OrganIdError::EmptyGroup);
    }
    Ok(())
}

fn check_canonical(text: &str) -> Result<(), OrganIdError> {
    let not = |reason| Err(OrganIdError::NotCanonical { reason });
    let groups: Vec<&str> = text.split('.').collect();
    let [aaa, bb, cc, ddd] = groups.as_slice() else {
        return not("it needs four groups");
    };
    let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(aaa, 3) {
        return not("the first group must be 3 digits");
    }
    if !all_digits(bb, 2) || !all_digits(cc, 2) {
        return not("the second and third groups must be 2 digits");
    }
    let mut last = ddd.bytes();
    let letter = last.next().is_some_and(|b| b.is_ascii_uppercase());
    if !letter || ddd.len() != 3 || !last.all(|b| b.is_ascii_digit()) {
        return not("the last group must be an upper-case letter and 2 digits");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_codes_pass_the_strict_check() {
        for code in [
            "000.00.00.G22",
            "000.00.00.H41",
            "001.00.10.H47",
            "000.46.24.H44",
            "777.77.04.D77",
            "000.00.00.A80",
        ] {
            let id = OrganId::parse_strict(code).unwrap();
            assert!(id.is_canonical(), "{code}");
        }
    }

    #[test]
    fn codes_seen_in_traffic_pass_only_the_lenient_check() {
        for code in [
            "01.02.G22",
            "28.22.H17",
            "999.010.01.H22",
            "001.00.20.TT2",
            "02.44.W00",
            "vxp.saas.03",
        ] {
            assert!(OrganId::parse_lenient(code).is_ok(), "{code}");
            assert!(
                matches!(
                    OrganId::parse_strict(code),
                    Err(OrganIdError::NotCanonical { .. })
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn implausible_codes_fail_both_checks() {
        let too_long = "A".repeat(36);
        let cases = [
            ("", OrganIdError::Empty),
            ("000.00..G22", OrganIdError::EmptyGroup),
            (".000", OrganIdError::EmptyGroup),
            ("000 00 00 G22", OrganIdError::BadCharacter { found: ' ' }),
            ("000.00.00.Đ22", OrganIdError::BadCharacter { found: 'Đ' }),
            (too_long.as_str(), OrganIdError::TooLong { len: 36 }),
        ];

        for (code, expected) in cases {
            assert_eq!(
                OrganId::parse_lenient(code),
                Err(expected.clone()),
                "{code:?}"
            );
            assert_eq!(OrganId::parse_strict(code), Err(expected), "{code:?}");
        }
    }

    #[test]
    fn the_strict_check_says_which_group_is_off() {
        let reason = |code| match OrganId::parse_strict(code) {
            Err(OrganIdError::NotCanonical { reason }) => reason,
            other => panic!("{code}: {other:?}"),
        };

        assert_eq!(reason("00.00.00.G22"), "the first group must be 3 digits");
        assert_eq!(
            reason("000.0.00.G22"),
            "the second and third groups must be 2 digits"
        );
        assert_eq!(
            reason("000.00.00.g22"),
            "the last group must be an upper-case letter and 2 digits"
        );
        assert_eq!(
            reason("000.00.00.G2A"),
            "the last group must be an upper-case letter and 2 digits"
        );
        assert_eq!(reason("000.00.00.G22.1"), "it needs four groups");
    }

    #[test]
    fn the_level1_unit_is_the_last_group_of_a_canonical_code() {
        assert_eq!(
            OrganId::parse_strict("000.46.24.H44").unwrap().level1(),
            Some("H44")
        );
        assert_eq!(OrganId::parse_lenient("28.22.H17").unwrap().level1(), None);
    }
}
