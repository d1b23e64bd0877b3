//! Sổ theo dõi nghị quyết — the register of a council's resolutions: their
//! number and symbol, kind, dates, field, the bodies that carry them out,
//! what must be reported, how they relate to one another, and whether each
//! one is in force on a given day (domain-vn.md §4.4, §5.3).
//!
//! # Numbers and symbols
//!
//! Numbers run from 01 each calendar year and per issuing body (Nghị định
//! 30/2020/NĐ-CP Điều 15). A normative resolution (văn bản quy phạm pháp
//! luật, Luật Ban hành văn bản quy phạm pháp luật) carries the year inside
//! its symbol and has its own series: `12/2026/NQ-HĐND`. An individual
//! resolution (cá biệt) does not: `45/NQ-HĐND`. The two series are counted
//! apart, so 12/2026/NQ-HĐND and 12/NQ-HĐND of the same year coexist.
//!
//! # In force or not
//!
//! A resolution's status on a day ([`Register::validity_at`]) follows from
//! its own dates and from the relations other resolutions have to it:
//!
//! - chưa có hiệu lực before its effective date;
//! - hết hiệu lực toàn bộ from the day after the last day it states, from
//!   the day a resolution replacing or repealing it takes effect, or when
//!   every resolution it details (hướng dẫn, quy định chi tiết) has ended —
//!   a detailing text ends with the text it details;
//! - hết hiệu lực một phần from the day an amending or partly repealing
//!   resolution takes effect, or when some but not all of the resolutions
//!   it details have ended;
//! - còn hiệu lực otherwise.
//!
//! A relation takes effect on its own date, by default the acting
//! resolution's effective date. The later fate of the acting resolution
//! does not bring the target back: a repealed text is not revived when the
//! text that repealed it ends.
//!
//! Relations typed by hand can be wrong and even circular (A details B,
//! B details A). The end dates are computed once for the whole register as
//! the greatest fixed point of "ends at the earlier of its own end and the
//! latest end of what it details", which is well defined and reached in at
//! most as many rounds as there are resolutions, whatever cycles exist;
//! [`Register::issues`] lists the cycles and the other faults found so the
//! office can mend them, and [`Register::check_relation`] refuses a new
//! relation that would add one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

use crate::org::{CommitteeKind, coded_enum};

coded_enum! {
    /// Loại nghị quyết — whether a resolution is a legal normative document.
    ResolutionKind, "resolution kind" {
        /// Nghị quyết quy phạm pháp luật — year in the symbol, own series.
        Normative = "qppl", "Nghị quyết quy phạm pháp luật";
        /// Nghị quyết cá biệt.
        Individual = "ca_biet", "Nghị quyết cá biệt";
    }
}

/// Why a number, a resolution or a relation was refused; shown to staff as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolutionError {
    /// The text is not a resolution number and symbol.
    #[error(
        "Số, ký hiệu “{0}” không đúng mẫu: số/năm/NQ-cơ quan cho nghị quyết quy phạm pháp luật (12/2026/NQ-HĐND) hoặc số/NQ-cơ quan cho nghị quyết cá biệt (45/NQ-HĐND)."
    )]
    Format(String),
    /// The number is 0 or too large.
    #[error("Số nghị quyết phải từ 1 đến {max}.")]
    Number {
        /// The largest number accepted.
        max: u32,
    },
    /// The year in the symbol is out of range.
    #[error("Năm trong ký hiệu phải từ {min} đến {max}.")]
    Year {
        /// Earliest year.
        min: i32,
        /// Latest year.
        max: i32,
    },
    /// A normative symbol whose year is not the year of adoption.
    #[error("Năm trong ký hiệu ({symbol}) phải là năm thông qua ({adopted}).")]
    YearMismatch {
        /// The year in the symbol.
        symbol: i32,
        /// The year of adoption.
        adopted: i32,
    },
    /// The kind chosen does not match the symbol.
    #[error(
        "Loại nghị quyết không khớp với ký hiệu: nghị quyết quy phạm pháp luật có năm trong ký hiệu, nghị quyết cá biệt thì không."
    )]
    KindMismatch,
    /// The number is taken in its series.
    #[error("Số {0} đã có trong sổ nghị quyết của năm này.")]
    Duplicate(String),
    /// The title (trích yếu) is empty, too long or holds control characters.
    #[error("Trích yếu nội dung phải có từ 1 đến {max} ký tự, không chứa ký tự điều khiển.")]
    Title {
        /// The limit.
        max: usize,
    },
    /// Dates out of order.
    #[error(
        "Ngày có hiệu lực không được trước ngày thông qua, và ngày hết hiệu lực không được trước ngày có hiệu lực."
    )]
    Dates,
    /// A relation from a resolution to itself.
    #[error("Một nghị quyết không thể thay thế, sửa đổi, bãi bỏ hay hướng dẫn chính nó.")]
    SelfRelation,
    /// A relation naming a resolution that is not in the register.
    #[error("Không tìm thấy nghị quyết có mã {0} trong sổ.")]
    Unknown(i64),
    /// The same relation twice.
    #[error("Quan hệ này đã được ghi trong sổ.")]
    DuplicateRelation,
    /// Acting on a resolution adopted later.
    #[error("Nghị quyết {actor} thông qua trước nghị quyết {target} nên không thể {verb} nó.")]
    Chronology {
        /// The acting resolution.
        actor: String,
        /// The target.
        target: String,
        /// What it would do.
        verb: &'static str,
    },
    /// An individual resolution changing a normative one.
    #[error(
        "Nghị quyết cá biệt không thể {0} nghị quyết quy phạm pháp luật; phải dùng nghị quyết quy phạm pháp luật."
    )]
    IndividualOnNormative(&'static str),
    /// A relation across councils other than a repeal.
    #[error("Nghị quyết của Hội đồng nhân dân khác chỉ có thể bị bãi bỏ, không thể bị {0}.")]
    CrossCouncil(&'static str),
    /// A relation dated before the acting resolution was adopted.
    #[error("Ngày quan hệ có hiệu lực không được trước ngày thông qua nghị quyết tác động.")]
    RelationDate,
    /// The new relation would close a loop.
    #[error("Quan hệ này tạo thành vòng lặp giữa các nghị quyết ({0}).")]
    Cycle(String),
    /// A reporting duty with no content.
    #[error("Nghĩa vụ báo cáo phải ghi rõ nội dung báo cáo.")]
    ReportingDuty,
}

/// The largest number a series reaches in our register.
pub const MAX_NUMBER: u32 = 99_999;
/// Years a symbol may carry.
pub const YEARS: std::ops::RangeInclusive<i32> = 1945..=2199;
/// The longest issuer part of a symbol ("HĐND", "TTHĐND").
const MAX_ISSUER_CHARS: usize = 20;
/// The longest trích yếu kept.
pub const MAX_TITLE_CHARS: usize = 1_000;

/// Số, ký hiệu of a resolution: `12/2026/NQ-HĐND` or `45/NQ-HĐND`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResolutionNumber {
    /// Số, from 1.
    pub number: u32,
    /// Năm, present exactly for normative resolutions.
    pub year: Option<i32>,
    /// The issuer part after `NQ-`: "HĐND", "TTHĐND".
    pub issuer: String,
}

impl ResolutionNumber {
    /// The kind the symbol shows: a year means normative.
    pub fn kind(&self) -> ResolutionKind {
        match self.year {
            Some(_) => ResolutionKind::Normative,
            None => ResolutionKind::Individual,
        }
    }

    /// Ký hiệu alone, as edXML's `CodeNotation` carries it: `2026/NQ-HĐND`.
    pub fn notation(&self) -> String {
        match self.year {
            Some(year) => format!("{year}/NQ-{}", self.issuer),
            None => format!("NQ-{}", self.issuer),
        }
    }
}

/// Numbers below 10 are written with a leading zero, as documents print
/// them ("03/2022/NQ-HĐND").
impl fmt::Display for ResolutionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{}", self.number, self.notation())
    }
}

/// Reads a number and symbol as people type or paste it: an optional
/// `Số:` in front, spaces around the slashes, en dashes for hyphens, the
/// Icelandic `Ð` that looks like `Đ`, lower case; the stored form is
/// upper case with `Đ` kept (never folded to `D`).
impl FromStr for ResolutionNumber {
    type Err = ResolutionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let bad = || ResolutionError::Format(input.chars().take(60).collect());
        if input.chars().count() > 100 {
            return Err(bad());
        }
        let cleaned: String = input
            .nfc()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{00D0}' => 'Đ',
                '\u{00F0}' => 'đ',
                '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
                other => other,
            })
            .collect::<String>()
            .to_uppercase();
        let body = cleaned
            .strip_prefix("SỐ:")
            .or_else(|| cleaned.strip_prefix("SỐ"))
            .unwrap_or(&cleaned);
        let parts: Vec<&str> = body.split('/').collect();
        let (number, year, symbol) = match parts.as_slice() {
            [n, y, s] => (*n, Some(*y), *s),
            [n, s] => (*n, None, *s),
            _ => return Err(bad()),
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(number) {
            return Err(bad());
        }
        let number: u32 = number.parse().map_err(|_| bad())?;
        if number == 0 || number > MAX_NUMBER {
            return Err(ResolutionError::Number { max: MAX_NUMBER });
        }
        let year = match year {
            Some(y) if y.len() == 4 && digits(y) => {
                let y: i32 = y.parse().map_err(|_| bad())?;
                if !YEARS.contains(&y) {
                    return Err(ResolutionError::Year {
                        min: *YEARS.start(),
                        max: *YEARS.end(),
                    });
                }
                Some(y)
            }
            Some(_) => return Err(bad()),
            None => None,
        };
        let issuer = symbol.strip_prefix("NQ-").ok_or_else(bad)?;
        let issuer_ok = !issuer.is_empty()
            && issuer.chars().count() <= MAX_ISSUER_CHARS
            && issuer.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == 'Đ')
            });
        if !issuer_ok {
            return Err(bad());
        }
        Ok(Self {
            number,
            year,
            issuer: issuer.to_owned(),
        })
    }
}

coded_enum! {
    /// Loại quan hệ — what one resolution does to another.
    RelationKind, "resolution relation" {
        /// Thay thế — the target ends entirely.
        Replaces = "thay_the", "Thay thế";
        /// Sửa đổi, bổ sung — the amended parts of the target end.
        Amends = "sua_doi_bo_sung", "Sửa đổi, bổ sung";
        /// Bãi bỏ — the target ends entirely.
        Repeals = "bai_bo", "Bãi bỏ";
        /// Bãi bỏ một phần — some provisions of the target end.
        PartlyRepeals = "bai_bo_mot_phan", "Bãi bỏ một phần";
        /// Hướng dẫn, quy định chi tiết — the actor ends with its target.
        Guides = "huong_dan", "Hướng dẫn, quy định chi tiết";
    }
}

impl RelationKind {
    /// The verb for messages ("thay thế").
    fn verb(self) -> &'static str {
        match self {
            Self::Replaces => "thay thế",
            Self::Amends => "sửa đổi, bổ sung",
            Self::Repeals => "bãi bỏ",
            Self::PartlyRepeals => "bãi bỏ một phần",
            Self::Guides => "hướng dẫn",
        }
    }

    /// Whether the relation ends the target entirely.
    pub fn ends_target(self) -> bool {
        matches!(self, Self::Replaces | Self::Repeals)
    }

    /// Whether the relation ends part of the target.
    pub fn ends_part_of_target(self) -> bool {
        matches!(self, Self::Amends | Self::PartlyRepeals)
    }
}

/// One resolution acting on another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The acting (newer) resolution.
    pub actor: i64,
    /// What it does.
    pub kind: RelationKind,
    /// The resolution acted on.
    pub target: i64,
    /// The day the relation takes effect, when not the actor's effective day.
    pub effective_on: Option<Date>,
    /// The provisions concerned ("khoản 2 Điều 3"), empty for the whole text.
    pub provisions: String,
}

coded_enum! {
    /// Kỳ báo cáo — when a reporting duty falls.
    ReportTiming, "report timing" {
        /// Once, by a date.
        Once = "mot_lan", "Một lần";
        /// Every year, by a day and month.
        Yearly = "hang_nam", "Hằng năm";
        /// At the mid-year regular session.
        MidYearSession = "ky_hop_giua_nam", "Tại kỳ họp giữa năm";
        /// At the year-end regular session.
        YearEndSession = "ky_hop_cuoi_nam", "Tại kỳ họp cuối năm";
        /// At every regular session.
        EverySession = "moi_ky_hop", "Tại mỗi kỳ họp thường lệ";
    }
}

/// Nghĩa vụ báo cáo — who must report what on a resolution, and when
/// ("UBND tỉnh báo cáo kết quả thực hiện tại kỳ họp cuối năm").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportingDuty {
    /// The body that reports.
    pub body_id: i64,
    /// What it reports.
    pub content: String,
    /// When.
    pub timing: ReportTiming,
    /// The date for [`ReportTiming::Once`], or the day and month (any year)
    /// for [`ReportTiming::Yearly`]; unused for session timings, which
    /// follow the session calendar.
    pub by: Option<Date>,
}

impl ReportingDuty {
    /// The next day, on or after `from`, by which a dated report is due;
    /// `None` for session timings and for a one-off report already past.
    pub fn next_due(&self, from: Date) -> Option<Date> {
        let by = self.by?;
        match self.timing {
            ReportTiming::Once => (by >= from).then_some(by),
            ReportTiming::Yearly => {
                let in_year = |year: i32| yearly_date(year, by.month(), by.day());
                let this = in_year(from.year())?;
                if this >= from {
                    Some(this)
                } else {
                    in_year(from.year() + 1)
                }
            }
            ReportTiming::MidYearSession
            | ReportTiming::YearEndSession
            | ReportTiming::EverySession => None,
        }
    }
}

/// Day `day` of `month` in `year`, with 29 February falling back to the
/// 28th in common years.
fn yearly_date(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day)
        .or_else(|_| Date::from_calendar_date(year, month, day.saturating_sub(1)))
        .ok()
}

/// Nghị quyết — one entry of the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Store identifier.
    pub id: i64,
    /// The council that adopted it.
    pub council_id: i64,
    /// Số, ký hiệu.
    pub number: ResolutionNumber,
    /// Trích yếu nội dung.
    pub title: String,
    /// Ngày thông qua (the day it was adopted and signed).
    pub adopted_on: Date,
    /// Ngày có hiệu lực.
    pub effective_from: Option<Date>,
    /// The last day it is in force, when the text sets one.
    pub in_force_until: Option<Date>,
    /// Lĩnh vực — the committee whose field it belongs to.
    pub field: Option<CommitteeKind>,
    /// Cơ quan tổ chức thực hiện.
    pub implementing_bodies: Vec<i64>,
    /// Nghĩa vụ báo cáo.
    pub reporting: Vec<ReportingDuty>,
}

impl Resolution {
    /// Normative or individual, from the symbol.
    pub fn kind(&self) -> ResolutionKind {
        self.number.kind()
    }

    /// The day it takes effect: the stated day, or the day of adoption.
    pub fn effective_day(&self) -> Date {
        self.effective_from.unwrap_or(self.adopted_on)
    }

    /// The year its number is counted in.
    pub fn series_year(&self) -> i32 {
        self.number.year.unwrap_or(self.adopted_on.year())
    }

    /// Checks the entry on its own (not against the register), trimming
    /// the title.
    pub fn validate(&mut self) -> Result<(), ResolutionError> {
        let title: String = self
            .title
            .nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if title.is_empty()
            || title.chars().count() > MAX_TITLE_CHARS
            || title
                .chars()
                .any(|c| c.is_control() || crate::text::is_invisible(c))
        {
            return Err(ResolutionError::Title {
                max: MAX_TITLE_CHARS,
            });
        }
        self.title = title;
        if let Some(year) = self.number.year
            && year != self.adopted_on.year()
        {
            return Err(ResolutionError::YearMismatch {
                symbol: year,
                adopted: self.adopted_on.year(),
            });
        }
        let effective = self.effective_day();
        if effective < self.adopted_on || self.in_force_until.is_some_and(|u| u < effective) {
            return Err(ResolutionError::Dates);
        }
        if self.reporting.iter().any(|d| d.content.trim().is_empty()) {
            return Err(ResolutionError::ReportingDuty);
        }
        Ok(())
    }
}

/// Số tiếp theo — the next free number in a series: one more than the
/// highest taken. Gaps left by a withdrawn draft are not reused.
pub fn next_number(taken: impl IntoIterator<Item = u32>) -> u32 {
    taken.into_iter().max().unwrap_or(0).saturating_add(1)
}

coded_enum! {
    /// Tình trạng hiệu lực.
    InForceStatus, "validity" {
        /// Chưa có hiệu lực.
        NotYet = "chua_co_hieu_luc", "Chưa có hiệu lực";
        /// Còn hiệu lực.
        InForce = "con_hieu_luc", "Còn hiệu lực";
        /// Hết hiệu lực một phần.
        PartlyEnded = "het_hieu_luc_mot_phan", "Hết hiệu lực một phần";
        /// Hết hiệu lực toàn bộ.
        Ended = "het_hieu_luc_toan_bo", "Hết hiệu lực toàn bộ";
    }
}

/// Why a resolution ended, or partly ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Cause {
    /// Hết thời hạn — the last day it states has passed.
    Expired,
    /// Bị thay thế bởi.
    ReplacedBy(i64),
    /// Bị bãi bỏ bởi.
    RepealedBy(i64),
    /// Bị sửa đổi, bổ sung bởi.
    AmendedBy(i64),
    /// Bị bãi bỏ một phần bởi.
    PartlyRepealedBy(i64),
    /// The resolution it details (hướng dẫn) ended.
    GuidedEnded(i64),
}

/// A cause and the day it takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ending {
    /// The first day without effect.
    pub on: Date,
    /// Why.
    pub cause: Cause,
}

/// A resolution's status on a day, with the reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    /// The status.
    pub status: InForceStatus,
    /// When and why it ends entirely, if that is known (even if later
    /// than the day asked about).
    pub ends: Option<Ending>,
    /// What has ended part of it by the day asked about, in date order.
    pub partly: Vec<Ending>,
}

/// A fault in the register's data, listed for the office to mend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegisterIssue {
    /// A relation names an id not in the register; it is ignored.
    UnknownResolution {
        /// The relation's actor.
        actor: i64,
        /// The relation's target.
        target: i64,
    },
    /// A relation from a resolution to itself; it is ignored.
    SelfRelation(i64),
    /// Two entries share a number in the same series.
    DuplicateNumber(i64, i64),
    /// Resolutions that act on one another in a loop, in id order.
    Cycle(Vec<i64>),
}

/// Sổ nghị quyết — the resolutions and their relations, with every end
/// date worked out once.
#[derive(Clone, Debug, Default)]
pub struct Register {
    resolutions: BTreeMap<i64, Resolution>,
    relations: Vec<Relation>,
    ends: BTreeMap<i64, Ending>,
    partial: BTreeMap<i64, Vec<Ending>>,
    guided: BTreeMap<i64, BTreeSet<i64>>,
    issues: Vec<RegisterIssue>,
}

impl Register {
    /// Builds the register. Faulty relations are kept out of the
    /// evaluation and listed in [`Register::issues`].
    pub fn new(resolutions: Vec<Resolution>, relations: Vec<Relation>) -> Self {
        let resolutions: BTreeMap<i64, Resolution> =
            resolutions.into_iter().map(|r| (r.id, r)).collect();
        let mut issues = Vec::new();
        let mut kept = Vec::new();
        let mut seen_relations = BTreeSet::new();
        for r in relations {
            if r.actor == r.target {
                issues.push(RegisterIssue::SelfRelation(r.actor));
            } else if !resolutions.contains_key(&r.actor) || !resolutions.contains_key(&r.target) {
                issues.push(RegisterIssue::UnknownResolution {
                    actor: r.actor,
                    target: r.target,
                });
            } else if seen_relations.insert((
                r.actor,
                r.kind,
                r.target,
                r.effective_on,
                r.provisions.clone(),
            )) {
                kept.push(r);
            }
        }
        let mut seen: BTreeMap<(i64, String, ResolutionKind, i32, u32), i64> = BTreeMap::new();
        for r in resolutions.values() {
            let key = (
                r.council_id,
                r.number.issuer.clone(),
                r.kind(),
                r.series_year(),
                r.number.number,
            );
            if let Some(first) = seen.insert(key, r.id) {
                issues.push(RegisterIssue::DuplicateNumber(first, r.id));
            }
        }
        let mut register = Self {
            resolutions,
            relations: kept,
            ends: BTreeMap::new(),
            partial: BTreeMap::new(),
            guided: BTreeMap::new(),
            issues,
        };
        for cycle in register.cycles() {
            register.issues.push(RegisterIssue::Cycle(cycle));
        }
        register.guided = register.guide_map();
        register.ends = register.compute_ends();
        register.partial = register.partial_ends();
        register
    }

    /// The entries, by id.
    pub fn resolutions(&self) -> &BTreeMap<i64, Resolution> {
        &self.resolutions
    }

    /// The relations taken into account.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Faults found in the data.
    pub fn issues(&self) -> &[RegisterIssue] {
        &self.issues
    }

    /// The day a relation takes effect.
    fn relation_day(&self, r: &Relation) -> Option<Date> {
        r.effective_on.or_else(|| {
            self.resolutions
                .get(&r.actor)
                .map(Resolution::effective_day)
        })
    }

    /// Each resolution's own end: its stated last day, or the earliest
    /// replacement or repeal.
    fn own_ends(&self) -> BTreeMap<i64, Ending> {
        let mut ends: BTreeMap<i64, Ending> = BTreeMap::new();
        let mut offer = |id: i64, e: Ending| {
            ends.entry(id)
                .and_modify(|cur| *cur = (*cur).min(e))
                .or_insert(e);
        };
        for r in self.resolutions.values() {
            if let Some(next) = r.in_force_until.and_then(|d| d.next_day()) {
                offer(
                    r.id,
                    Ending {
                        on: next,
                        cause: Cause::Expired,
                    },
                );
            }
        }
        for r in &self.relations {
            let cause = match r.kind {
                RelationKind::Replaces => Cause::ReplacedBy(r.actor),
                RelationKind::Repeals => Cause::RepealedBy(r.actor),
                _ => continue,
            };
            if let Some(on) = self.relation_day(r) {
                offer(r.target, Ending { on, cause });
            }
        }
        ends
    }

    /// The targets each resolution details.
    fn guide_map(&self) -> BTreeMap<i64, BTreeSet<i64>> {
        let mut guided: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for r in self
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::Guides)
        {
            guided.entry(r.actor).or_default().insert(r.target);
        }
        guided
    }

    /// The greatest fixed point of end(x) = min(own(x), latest end of
    /// the targets x details, once all of them have one), reached from the
    /// own ends with a work list: an end only ever moves earlier and each
    /// value is one of the finitely many own ends, so it terminates, and
    /// only the resolutions detailing a changed one are looked at again.
    fn compute_ends(&self) -> BTreeMap<i64, Ending> {
        let mut ends = self.own_ends();
        let guided = &self.guided;
        let mut guiders: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for (actor, targets) in guided {
            for t in targets {
                guiders.entry(*t).or_default().insert(*actor);
            }
        }
        let mut work: BTreeSet<i64> = guided.keys().copied().collect();
        while let Some(actor) = work.pop_first() {
            let Some(targets) = guided.get(&actor) else {
                continue;
            };
            let mut latest: Option<Ending> = None;
            for t in targets {
                let Some(e) = ends.get(t) else {
                    latest = None;
                    break;
                };
                if latest.is_none_or(|l| e.on > l.on) {
                    latest = Some(Ending {
                        on: e.on,
                        cause: Cause::GuidedEnded(*t),
                    });
                }
            }
            let Some(latest) = latest else { continue };
            if ends.get(&actor).is_none_or(|cur| latest.on < cur.on) {
                ends.insert(actor, latest);
                work.extend(guiders.get(&actor).into_iter().flatten().copied());
            }
        }
        ends
    }

    /// The amendments and partial repeals of each resolution.
    fn partial_ends(&self) -> BTreeMap<i64, Vec<Ending>> {
        let mut partial: BTreeMap<i64, Vec<Ending>> = BTreeMap::new();
        for r in self
            .relations
            .iter()
            .filter(|r| r.kind.ends_part_of_target())
        {
            let cause = match r.kind {
                RelationKind::Amends => Cause::AmendedBy(r.actor),
                _ => Cause::PartlyRepealedBy(r.actor),
            };
            if let Some(on) = self.relation_day(r) {
                partial
                    .entry(r.target)
                    .or_default()
                    .push(Ending { on, cause });
            }
        }
        partial
    }

    /// The status of resolution `id` on `day`; `None` when it is not in
    /// the register.
    pub fn validity_at(&self, id: i64, day: Date) -> Option<Validity> {
        let resolution = self.resolutions.get(&id)?;
        let ends = self.ends.get(&id).copied();
        let mut partly: Vec<Ending> = self
            .partial
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|e| e.on <= day)
            .copied()
            .collect();
        for t in self.guided.get(&id).into_iter().flatten() {
            if let Some(e) = self.ends.get(t).filter(|e| e.on <= day) {
                partly.push(Ending {
                    on: e.on,
                    cause: Cause::GuidedEnded(*t),
                });
            }
        }
        partly.sort();
        let status = if ends.is_some_and(|e| e.on <= day) {
            InForceStatus::Ended
        } else if day < resolution.effective_day() {
            InForceStatus::NotYet
        } else if !partly.is_empty() {
            InForceStatus::PartlyEnded
        } else {
            InForceStatus::InForce
        };
        Some(Validity {
            status,
            ends,
            partly,
        })
    }

    /// Every resolution's status on `day`, by id.
    pub fn statuses_at(&self, day: Date) -> BTreeMap<i64, InForceStatus> {
        self.resolutions
            .keys()
            .filter_map(|id| Some((*id, self.validity_at(*id, day)?.status)))
            .collect()
    }

    /// The next free number in the series of `council_id`, issuer,
    /// kind and year.
    pub fn next_number(
        &self,
        council_id: i64,
        issuer: &str,
        kind: ResolutionKind,
        year: i32,
    ) -> u32 {
        next_number(
            self.resolutions
                .values()
                .filter(|r| {
                    r.council_id == council_id
                        && r.number.issuer == issuer
                        && r.kind() == kind
                        && r.series_year() == year
                })
                .map(|r| r.number.number),
        )
    }

    /// Checks a new or edited entry (same id replaces) against the
    /// register: its own rules, the kind it claims, and a free number.
    pub fn check_resolution(
        &self,
        resolution: &mut Resolution,
        claimed: ResolutionKind,
    ) -> Result<(), ResolutionError> {
        if resolution.kind() != claimed {
            return Err(ResolutionError::KindMismatch);
        }
        resolution.validate()?;
        let clash = self.resolutions.values().any(|r| {
            r.id != resolution.id
                && r.council_id == resolution.council_id
                && r.number.issuer == resolution.number.issuer
                && r.kind() == resolution.kind()
                && r.series_year() == resolution.series_year()
                && r.number.number == resolution.number.number
        });
        if clash {
            return Err(ResolutionError::Duplicate(resolution.number.to_string()));
        }
        Ok(())
    }

    /// Checks a new relation against the register.
    pub fn check_relation(&self, relation: &Relation) -> Result<(), ResolutionError> {
        if relation.actor == relation.target {
            return Err(ResolutionError::SelfRelation);
        }
        let actor = self
            .resolutions
            .get(&relation.actor)
            .ok_or(ResolutionError::Unknown(relation.actor))?;
        let target = self
            .resolutions
            .get(&relation.target)
            .ok_or(ResolutionError::Unknown(relation.target))?;
        let same = |r: &&Relation| {
            r.actor == relation.actor && r.target == relation.target && r.kind == relation.kind
        };
        if self.relations.iter().any(|r| same(&r)) {
            return Err(ResolutionError::DuplicateRelation);
        }
        let verb = relation.kind.verb();
        if actor.adopted_on < target.adopted_on {
            return Err(ResolutionError::Chronology {
                actor: actor.number.to_string(),
                target: target.number.to_string(),
                verb,
            });
        }
        if relation.kind != RelationKind::Guides
            && actor.kind() == ResolutionKind::Individual
            && target.kind() == ResolutionKind::Normative
        {
            return Err(ResolutionError::IndividualOnNormative(verb));
        }
        if actor.council_id != target.council_id
            && !matches!(
                relation.kind,
                RelationKind::Repeals | RelationKind::PartlyRepeals
            )
        {
            return Err(ResolutionError::CrossCouncil(verb));
        }
        if relation.effective_on.is_some_and(|d| d < actor.adopted_on) {
            return Err(ResolutionError::RelationDate);
        }
        // Would the new edge close a loop? Only if the actor is already
        // reachable from the target.
        if let Some(path) = self.path(relation.target, relation.actor) {
            let names: Vec<String> = std::iter::once(&relation.actor)
                .chain(path.iter())
                .filter_map(|id| self.resolutions.get(id))
                .map(|r| r.number.to_string())
                .collect();
            return Err(ResolutionError::Cycle(names.join(" → ")));
        }
        Ok(())
    }

    /// The relation graph as adjacency lists, actor to targets.
    fn adjacency(&self) -> BTreeMap<i64, BTreeSet<i64>> {
        let mut adj: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for r in &self.relations {
            adj.entry(r.actor).or_default().insert(r.target);
        }
        adj
    }

    /// A path of relations from `from` to `to`, both included, if any.
    fn path(&self, from: i64, to: i64) -> Option<Vec<i64>> {
        let adj = self.adjacency();
        let mut parent: BTreeMap<i64, i64> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                let mut path = vec![to];
                let mut cur = to;
                while let Some(p) = parent.get(&cur) {
                    path.push(*p);
                    cur = *p;
                }
                path.reverse();
                return Some(path);
            }
            for next in adj.get(&node).into_iter().flatten() {
                if seen.insert(*next) {
                    parent.insert(*next, node);
                    queue.push_back(*next);
                }
            }
        }
        None
    }

    /// The strongly connected components with more than one member
    /// (Tarjan's algorithm, iterative so a long chain cannot overflow
    /// the stack), each sorted, in order of their smallest id.
    fn cycles(&self) -> Vec<Vec<i64>> {
        let adj = self.adjacency();
        let mut index: BTreeMap<i64, usize> = BTreeMap::new();
        let mut low: BTreeMap<i64, usize> = BTreeMap::new();
        let mut on_stack = BTreeSet::new();
        let mut stack = Vec::new();
        let mut out = Vec::new();
        let mut counter = 0;
        let empty = BTreeSet::new();
        for &root in adj.keys() {
            if index.contains_key(&root) {
                continue;
            }
            // Frames: (node, its successors, position in them).
            let mut frames: Vec<(i64, Vec<i64>, usize)> = Vec::new();
            index.insert(root, counter);
            low.insert(root, counter);
            counter += 1;
            stack.push(root);
            on_stack.insert(root);
            frames.push((
                root,
                adj.get(&root).unwrap_or(&empty).iter().copied().collect(),
                0,
            ));
            while let Some(frame) = frames.last_mut() {
                let node = frame.0;
                if let Some(&next) = frame.1.get(frame.2) {
                    frame.2 += 1;
                    match index.get(&next).copied() {
                        None => {
                            index.insert(next, counter);
                            low.insert(next, counter);
                            counter += 1;
                            stack.push(next);
                            on_stack.insert(next);
                            let succ = adj.get(&next).unwrap_or(&empty).iter().copied().collect();
                            frames.push((next, succ, 0));
                        }
                        Some(i) if on_stack.contains(&next) => {
                            let l = low[&node].min(i);
                            low.insert(node, l);
                        }
                        Some(_) => {}
                    }
                    continue;
                }
                frames.pop();
                if let Some(parent) = frames.last() {
                    let l = low[&parent.0].min(low[&node]);
                    low.insert(parent.0, l);
                }
                if low[&node] == index[&node] {
                    let mut component = Vec::new();
                    while let Some(member) = stack.pop() {
                        on_stack.remove(&member);
                        component.push(member);
                        if member == node {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort_unstable();
                        out.push(component);
                    }
                }
            }
        }
        out.sort();
        out
    }
}

/// The issuer part of the symbol of resolutions a People's Council adopts
/// in session (`NQ-HĐND`).
pub const COUNCIL_ISSUER: &str = "HĐND";

/// Leading words an agenda item's title carries that are not part of the
/// resolution's trích yếu, removed in this order.
const AGENDA_PREFIXES: [&str; 5] = [
    "biểu quyết ",
    "thông qua ",
    "tờ trình và ",
    "dự thảo ",
    "nghị quyết ",
];

/// Removes `prefix` from the front of `text`, ignoring letter case.
fn strip_prefix_folded<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let mut rest = text.char_indices();
    for want in prefix.chars() {
        let (_, got) = rest.next()?;
        if !got.to_lowercase().eq(want.to_lowercase()) {
            return None;
        }
    }
    Some(rest.next().map_or("", |(i, _)| &text[i..]))
}

/// Trích yếu of the resolution a session adopts, from the title of the
/// agenda item voted on: "Biểu quyết thông qua Nghị quyết về dự toán ngân
/// sách năm 2027" gives "Về dự toán ngân sách năm 2027". A title that is
/// nothing but those words is kept whole.
pub fn title_on_adoption(agenda_title: &str) -> String {
    let whole: String = agenda_title.nfc().collect();
    let whole = whole.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut rest = whole.as_str();
    for prefix in AGENDA_PREFIXES {
        if let Some(r) = strip_prefix_folded(rest, prefix) {
            rest = r.trim_start();
        }
    }
    if rest.to_lowercase() == "nghị quyết" {
        return whole;
    }
    let mut chars = rest.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => whole,
    }
}

/// Nghị quyết thông qua tại kỳ họp — the register entry an adopted draft
/// resolution becomes: the next number of the council's series for its
/// kind and year (Điều 15, Nghị định 30/2020), issuer `HĐND`, adopted and
/// in force from `adopted_on` unless the office later records otherwise.
/// Checked against the register like any entry typed by hand.
pub fn on_adoption(
    register: &Register,
    council_id: i64,
    kind: ResolutionKind,
    agenda_title: &str,
    adopted_on: Date,
) -> Result<Resolution, ResolutionError> {
    let year = adopted_on.year();
    let number = register.next_number(council_id, COUNCIL_ISSUER, kind, year);
    if number > MAX_NUMBER {
        return Err(ResolutionError::Number { max: MAX_NUMBER });
    }
    let mut resolution = Resolution {
        id: 0,
        council_id,
        number: ResolutionNumber {
            number,
            year: (kind == ResolutionKind::Normative).then_some(year),
            issuer: COUNCIL_ISSUER.to_owned(),
        },
        title: title_on_adoption(agenda_title),
        adopted_on,
        effective_from: None,
        in_force_until: None,
        field: None,
        implementing_bodies: Vec::new(),
        reporting: Vec::new(),
    };
    register.check_resolution(&mut resolution, kind)?;
    Ok(resolution)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn num(s: &str) -> ResolutionNumber {
        s.parse().unwrap()
    }

    /// A resolution of council 1 adopted and in force on `adopted`.
    fn res(id: i64, number: &str, adopted: Date) -> Resolution {
        Resolution {
            id,
            council_id: 1,
            number: num(number),
            title: "Quy định mức chi hỗ trợ".into(),
            adopted_on: adopted,
            effective_from: None,
            in_force_until: None,
            field: Some(CommitteeKind::EconomyBudget),
            implementing_bodies: vec![7],
            reporting: vec![],
        }
    }

    fn rel(actor: i64, kind: RelationKind, target: i64) -> Relation {
        Relation {
            actor,
            kind,
            target,
            effective_on: None,
            provisions: String::new(),
        }
    }

    #[test]
    fn adoption_titles_drop_the_agenda_words() {
        for (agenda, want) in [
            (
                "Biểu quyết thông qua Nghị quyết về dự toán ngân sách địa phương năm 2027",
                "Về dự toán ngân sách địa phương năm 2027",
            ),
            (
                "Biểu quyết thông qua Nghị quyết quy định bảng giá đất giai đoạn 2027–2031",
                "Quy định bảng giá đất giai đoạn 2027–2031",
            ),
            (
                "TỜ TRÌNH VÀ DỰ THẢO NGHỊ QUYẾT  về   phí tham quan",
                "Về phí tham quan",
            ),
            ("Dự thảo nghị quyết", "Dự thảo nghị quyết"),
            ("Kế hoạch đầu tư công", "Kế hoạch đầu tư công"),
            ("", ""),
        ] {
            assert_eq!(title_on_adoption(agenda), want, "{agenda:?}");
        }
    }

    #[test]
    fn an_adopted_draft_takes_the_next_number_of_its_series() {
        let day = date!(2026 - 12 - 10);
        let empty = Register::new(vec![], vec![]);
        let first = on_adoption(
            &empty,
            1,
            ResolutionKind::Individual,
            "Biểu quyết thông qua Nghị quyết về dự toán",
            day,
        )
        .unwrap();
        assert_eq!(first.number.to_string(), "01/NQ-HĐND");
        assert_eq!(first.title, "Về dự toán");
        assert_eq!(first.adopted_on, day);
        assert_eq!(first.effective_day(), day);
        // Normative and individual series, other years and other councils
        // are counted apart.
        let register = Register::new(
            vec![
                res(1, "07/NQ-HĐND", date!(2026 - 07 - 10)),
                res(2, "03/2026/NQ-HĐND", date!(2026 - 07 - 10)),
                res(3, "40/NQ-HĐND", date!(2025 - 12 - 10)),
                Resolution {
                    council_id: 2,
                    ..res(4, "90/NQ-HĐND", date!(2026 - 07 - 10))
                },
                res(5, "50/NQ-TTHĐND", date!(2026 - 07 - 10)),
            ],
            vec![],
        );
        let individual = on_adoption(
            &register,
            1,
            ResolutionKind::Individual,
            "Nghị quyết về phí",
            day,
        )
        .unwrap();
        assert_eq!(individual.number.to_string(), "08/NQ-HĐND");
        let normative = on_adoption(
            &register,
            1,
            ResolutionKind::Normative,
            "Nghị quyết quy định giá đất",
            day,
        )
        .unwrap();
        assert_eq!(normative.number.to_string(), "04/2026/NQ-HĐND");
        let next_year = on_adoption(
            &register,
            1,
            ResolutionKind::Normative,
            "Nghị quyết quy định giá đất",
            date!(2027 - 01 - 05),
        )
        .unwrap();
        assert_eq!(next_year.number.to_string(), "01/2027/NQ-HĐND");
    }

    #[test]
    fn adoption_refuses_what_the_register_refuses() {
        let day = date!(2026 - 12 - 10);
        let empty = Register::new(vec![], vec![]);
        assert_eq!(
            on_adoption(&empty, 1, ResolutionKind::Individual, "  ", day),
            Err(ResolutionError::Title {
                max: MAX_TITLE_CHARS
            })
        );
        let full = Register::new(vec![res(1, "99999/NQ-HĐND", day)], vec![]);
        assert_eq!(
            on_adoption(&full, 1, ResolutionKind::Individual, "Về phí", day),
            Err(ResolutionError::Number { max: MAX_NUMBER })
        );
    }

    #[test]
    fn numbers_are_written_as_documents_print_them() {
        let n = num("12/2026/NQ-HĐND");
        assert_eq!(
            n,
            ResolutionNumber {
                number: 12,
                year: Some(2026),
                issuer: "HĐND".into()
            }
        );
        assert_eq!(n.kind(), ResolutionKind::Normative);
        assert_eq!(n.to_string(), "12/2026/NQ-HĐND");
        assert_eq!(n.notation(), "2026/NQ-HĐND");
        let i = num("3/NQ-HĐND");
        assert_eq!(i.kind(), ResolutionKind::Individual);
        assert_eq!(i.to_string(), "03/NQ-HĐND");
        assert_eq!(i.notation(), "NQ-HĐND");
        assert_eq!(num("171/NQ-TTHĐND").issuer, "TTHĐND");
    }

    #[test]
    fn numbers_typed_or_pasted_loosely_are_read() {
        let want = num("03/2022/NQ-HĐND");
        for typed in [
            "Số: 03/2022/NQ-HĐND",
            "số 3 / 2022 / nq-hđnd",
            "03/2022/NQ–HĐND",
            // Icelandic Eth in place of Đ, and a decomposed Đ-less form.
            "03/2022/NQ-H\u{00D0}ND",
            "  03/2022/NQ-HĐND\n",
        ] {
            assert_eq!(num(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        let format = |s: &str| {
            matches!(
                s.parse::<ResolutionNumber>(),
                Err(ResolutionError::Format(_))
            )
        };
        for bad in [
            "",
            "NQ-HĐND",
            "12/2026/QĐ-UBND",
            "12/26/NQ-HĐND",
            "12/2026/NQ-",
            "12/2026/NQ-HĐND/1",
            "12a/NQ-HĐND",
            "-1/NQ-HĐND",
            "12/NQ-HĐND<script>",
            "12/NQ-HD ND'; DROP TABLE x",
            "12/NQ-HĐND--VP",
            "1234567/NQ-HĐND",
        ] {
            assert!(
                format(bad),
                "{bad:?} -> {:?}",
                bad.parse::<ResolutionNumber>()
            );
        }
        assert!(format(&"1".repeat(5000)));
        assert_eq!(
            "0/NQ-HĐND".parse::<ResolutionNumber>(),
            Err(ResolutionError::Number { max: MAX_NUMBER })
        );
        assert_eq!(
            "100000/NQ-HĐND".parse::<ResolutionNumber>(),
            Err(ResolutionError::Number { max: MAX_NUMBER })
        );
        assert_eq!(
            "1/3000/NQ-HĐND".parse::<ResolutionNumber>(),
            Err(ResolutionError::Year {
                min: 1945,
                max: 2199
            })
        );
        let msg = "12/26/NQ-HĐND"
            .parse::<ResolutionNumber>()
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("Số, ký hiệu “12/26/NQ-HĐND” không đúng mẫu"),
            "{msg}"
        );
    }

    proptest! {
        #[test]
        fn every_number_round_trips_through_text(
            number in 1u32..=MAX_NUMBER,
            year in proptest::option::of(1945i32..=2199),
            issuer in "(HĐND|TTHĐND|[A-Z]{1,4}Đ?[A-Z0-9]{0,4})(-[A-ZĐ0-9]{1,4})?",
        ) {
            let n = ResolutionNumber { number, year, issuer };
            prop_assert_eq!(n.to_string().parse::<ResolutionNumber>(), Ok(n.clone()));
        }

        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<ResolutionNumber>();
        }
    }

    #[test]
    fn each_series_is_numbered_on_its_own() {
        let mut other_council = res(5, "4/2026/NQ-HĐND", date!(2026 - 03 - 01));
        other_council.council_id = 2;
        let register = Register::new(
            vec![
                res(1, "1/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                res(2, "2/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                res(3, "15/NQ-HĐND", date!(2026 - 03 - 01)),
                res(4, "9/2025/NQ-HĐND", date!(2025 - 12 - 10)),
                res(6, "40/NQ-HĐND", date!(2025 - 12 - 10)),
                other_council,
            ],
            vec![],
        );
        let next = |kind, year| register.next_number(1, "HĐND", kind, year);
        assert_eq!(next(ResolutionKind::Normative, 2026), 3);
        assert_eq!(next(ResolutionKind::Individual, 2026), 16);
        assert_eq!(next(ResolutionKind::Normative, 2025), 10);
        assert_eq!(next(ResolutionKind::Individual, 2025), 41);
        assert_eq!(next(ResolutionKind::Normative, 2027), 1);
        assert_eq!(
            register.next_number(1, "TTHĐND", ResolutionKind::Individual, 2026),
            1
        );
        assert_eq!(
            register.next_number(2, "HĐND", ResolutionKind::Normative, 2026),
            5
        );
        assert_eq!(next_number([3, 9, 4]), 10);
        assert!(register.issues().is_empty(), "{:?}", register.issues());
    }

    #[test]
    fn a_new_entry_is_checked_against_the_register() {
        let register = Register::new(
            vec![
                res(1, "12/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                res(2, "12/NQ-HĐND", date!(2026 - 03 - 01)),
            ],
            vec![],
        );
        let mut same = res(3, "12/2026/NQ-HĐND", date!(2026 - 07 - 10));
        assert_eq!(
            register.check_resolution(&mut same, ResolutionKind::Normative),
            Err(ResolutionError::Duplicate("12/2026/NQ-HĐND".into()))
        );
        // The individual number 12 is free again next year.
        let mut next_year = res(3, "12/NQ-HĐND", date!(2027 - 01 - 05));
        assert_eq!(
            register.check_resolution(&mut next_year, ResolutionKind::Individual),
            Ok(())
        );
        // Editing an entry keeps its own number.
        let mut edited = res(1, "12/2026/NQ-HĐND", date!(2026 - 03 - 01));
        edited.title = "  Quy định   mức chi\n".into();
        assert_eq!(
            register.check_resolution(&mut edited, ResolutionKind::Normative),
            Ok(())
        );
        assert_eq!(edited.title, "Quy định mức chi");
        let mut wrong_kind = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
        assert_eq!(
            register.check_resolution(&mut wrong_kind, ResolutionKind::Individual),
            Err(ResolutionError::KindMismatch)
        );
        let mut wrong_year = res(4, "13/2025/NQ-HĐND", date!(2026 - 03 - 01));
        assert_eq!(
            wrong_year.validate(),
            Err(ResolutionError::YearMismatch {
                symbol: 2025,
                adopted: 2026
            })
        );
        let mut early = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
        early.effective_from = Some(date!(2026 - 02 - 01));
        assert_eq!(early.validate(), Err(ResolutionError::Dates));
        let mut backwards = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
        backwards.effective_from = Some(date!(2026 - 03 - 15));
        backwards.in_force_until = Some(date!(2026 - 03 - 14));
        assert_eq!(backwards.validate(), Err(ResolutionError::Dates));
        for title in ["", "   ", "a\u{0007}b", "a\u{200B}b"] {
            let mut bad = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
            bad.title = title.into();
            assert_eq!(bad.validate(), Err(ResolutionError::Title { max: 1000 }));
        }
        let mut long = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
        long.title = "ă".repeat(MAX_TITLE_CHARS + 1);
        assert!(long.validate().is_err());
        let mut duty = res(4, "13/2026/NQ-HĐND", date!(2026 - 03 - 01));
        duty.reporting.push(ReportingDuty {
            body_id: 7,
            content: " ".into(),
            timing: ReportTiming::YearEndSession,
            by: None,
        });
        assert_eq!(duty.validate(), Err(ResolutionError::ReportingDuty));
    }

    #[test]
    fn a_resolution_is_pending_then_in_force_then_expired() {
        let mut r = res(1, "5/2026/NQ-HĐND", date!(2026 - 03 - 01));
        r.effective_from = Some(date!(2026 - 03 - 15));
        r.in_force_until = Some(date!(2026 - 12 - 31));
        let register = Register::new(vec![r], vec![]);
        let status = |d| register.validity_at(1, d).unwrap().status;
        assert_eq!(status(date!(2026 - 03 - 01)), InForceStatus::NotYet);
        assert_eq!(status(date!(2026 - 03 - 14)), InForceStatus::NotYet);
        assert_eq!(status(date!(2026 - 03 - 15)), InForceStatus::InForce);
        assert_eq!(status(date!(2026 - 12 - 31)), InForceStatus::InForce);
        let v = register.validity_at(1, date!(2027 - 01 - 01)).unwrap();
        assert_eq!(v.status, InForceStatus::Ended);
        assert_eq!(
            v.ends,
            Some(Ending {
                on: date!(2027 - 01 - 01),
                cause: Cause::Expired
            })
        );
        assert_eq!(register.validity_at(99, date!(2026 - 06 - 01)), None);
    }

    #[test]
    fn replacement_ends_the_old_one_when_the_new_one_takes_effect() {
        let old = res(1, "6/2021/NQ-HĐND", date!(2021 - 07 - 10));
        let mut new = res(2, "12/2026/NQ-HĐND", date!(2026 - 03 - 01));
        new.effective_from = Some(date!(2026 - 03 - 15));
        // The newer one is later repealed itself: the old one stays ended.
        let repealer = res(3, "30/2026/NQ-HĐND", date!(2026 - 09 - 01));
        let register = Register::new(
            vec![old, new, repealer],
            vec![
                rel(2, RelationKind::Replaces, 1),
                rel(3, RelationKind::Repeals, 2),
            ],
        );
        let v = |id, d| register.validity_at(id, d).unwrap();
        assert_eq!(v(1, date!(2026 - 03 - 14)).status, InForceStatus::InForce);
        let ended = v(1, date!(2026 - 03 - 15));
        assert_eq!(ended.status, InForceStatus::Ended);
        assert_eq!(ended.ends.unwrap().cause, Cause::ReplacedBy(2));
        assert_eq!(v(2, date!(2026 - 09 - 01)).status, InForceStatus::Ended);
        assert_eq!(
            v(2, date!(2026 - 09 - 01)).ends.unwrap().cause,
            Cause::RepealedBy(3)
        );
        assert_eq!(v(1, date!(2027 - 01 - 01)).status, InForceStatus::Ended);
        // Before it ends, the known end is reported ahead.
        assert_eq!(
            v(1, date!(2026 - 01 - 01)).ends.unwrap().on,
            date!(2026 - 03 - 15)
        );
    }

    #[test]
    fn the_earliest_ending_wins() {
        let mut old = res(1, "6/2021/NQ-HĐND", date!(2021 - 07 - 10));
        old.in_force_until = Some(date!(2026 - 12 - 31));
        let mut repeal = rel(2, RelationKind::Repeals, 1);
        repeal.effective_on = Some(date!(2026 - 06 - 01));
        let register = Register::new(
            vec![old, res(2, "7/2026/NQ-HĐND", date!(2026 - 05 - 01))],
            vec![repeal],
        );
        assert_eq!(
            register.validity_at(1, date!(2026 - 06 - 01)).unwrap().ends,
            Some(Ending {
                on: date!(2026 - 06 - 01),
                cause: Cause::RepealedBy(2)
            })
        );
    }

    #[test]
    fn amendments_and_partial_repeals_end_part_of_a_resolution() {
        let mut amend = rel(2, RelationKind::Amends, 1);
        amend.provisions = "khoản 2 Điều 3".into();
        let mut partly = rel(3, RelationKind::PartlyRepeals, 1);
        partly.effective_on = Some(date!(2026 - 08 - 01));
        let register = Register::new(
            vec![
                res(1, "6/2021/NQ-HĐND", date!(2021 - 07 - 10)),
                res(2, "3/2026/NQ-HĐND", date!(2026 - 04 - 01)),
                res(3, "9/2026/NQ-HĐND", date!(2026 - 07 - 15)),
            ],
            vec![amend, partly],
        );
        let v = |d| register.validity_at(1, d).unwrap();
        assert_eq!(v(date!(2026 - 03 - 31)).status, InForceStatus::InForce);
        let april = v(date!(2026 - 04 - 01));
        assert_eq!(april.status, InForceStatus::PartlyEnded);
        assert_eq!(april.partly.len(), 1);
        assert_eq!(april.ends, None);
        let august = v(date!(2026 - 08 - 01));
        assert_eq!(
            august.partly,
            vec![
                Ending {
                    on: date!(2026 - 04 - 01),
                    cause: Cause::AmendedBy(2)
                },
                Ending {
                    on: date!(2026 - 08 - 01),
                    cause: Cause::PartlyRepealedBy(3)
                },
            ]
        );
    }

    #[test]
    fn a_detailing_resolution_ends_with_what_it_details() {
        let mut t1 = res(1, "1/2025/NQ-HĐND", date!(2025 - 01 - 10));
        t1.in_force_until = Some(date!(2026 - 06 - 30));
        let t2 = res(2, "2/2025/NQ-HĐND", date!(2025 - 01 - 10));
        let register = Register::new(
            vec![
                t1,
                t2,
                res(3, "5/2025/NQ-HĐND", date!(2025 - 02 - 10)),
                res(4, "6/2025/NQ-HĐND", date!(2025 - 02 - 10)),
                res(5, "20/2026/NQ-HĐND", date!(2026 - 09 - 01)),
            ],
            vec![
                rel(3, RelationKind::Guides, 1),
                rel(4, RelationKind::Guides, 1),
                rel(4, RelationKind::Guides, 2),
                rel(5, RelationKind::Replaces, 2),
            ],
        );
        let v = |id, d| register.validity_at(id, d).unwrap();
        // Detailing only 1: ends with it.
        let three = v(3, date!(2026 - 07 - 01));
        assert_eq!(three.status, InForceStatus::Ended);
        assert_eq!(three.ends.unwrap().cause, Cause::GuidedEnded(1));
        // Detailing 1 and 2: partly ended when 1 ends, ended when 2 does.
        let four = v(4, date!(2026 - 07 - 01));
        assert_eq!(four.status, InForceStatus::PartlyEnded);
        assert_eq!(four.partly[0].cause, Cause::GuidedEnded(1));
        let four = v(4, date!(2026 - 09 - 01));
        assert_eq!(four.status, InForceStatus::Ended);
        assert_eq!(
            four.ends,
            Some(Ending {
                on: date!(2026 - 09 - 01),
                cause: Cause::GuidedEnded(2)
            })
        );
    }

    #[test]
    fn circular_relations_are_evaluated_and_reported() {
        let mut a = res(1, "1/2025/NQ-HĐND", date!(2025 - 01 - 10));
        a.in_force_until = Some(date!(2025 - 12 - 31));
        let b = res(2, "2/2025/NQ-HĐND", date!(2025 - 01 - 10));
        let c = res(3, "3/2025/NQ-HĐND", date!(2025 - 01 - 10));
        let d = res(4, "4/2025/NQ-HĐND", date!(2025 - 01 - 10));
        let e = res(5, "5/2025/NQ-HĐND", date!(2025 - 01 - 10));
        let register = Register::new(
            vec![a, b, c, d, e],
            vec![
                // 1 ⇄ 2 detail each other; 1 expires, so both end.
                rel(1, RelationKind::Guides, 2),
                rel(2, RelationKind::Guides, 1),
                // 3 → 4 → 3 detail each other and nothing ends them.
                rel(3, RelationKind::Guides, 4),
                rel(4, RelationKind::Guides, 3),
                // 5 repeals itself: ignored and reported.
                rel(5, RelationKind::Repeals, 5),
                // An unknown id: ignored and reported.
                rel(9, RelationKind::Repeals, 1),
            ],
        );
        let day = date!(2026 - 01 - 01);
        assert_eq!(
            register.validity_at(1, day).unwrap().status,
            InForceStatus::Ended
        );
        assert_eq!(
            register.validity_at(2, day).unwrap().status,
            InForceStatus::Ended
        );
        assert_eq!(register.validity_at(3, day).unwrap().ends, None);
        assert_eq!(
            register.validity_at(5, day).unwrap().status,
            InForceStatus::InForce
        );
        assert_eq!(
            register.issues(),
            &[
                RegisterIssue::SelfRelation(5),
                RegisterIssue::UnknownResolution {
                    actor: 9,
                    target: 1
                },
                RegisterIssue::Cycle(vec![1, 2]),
                RegisterIssue::Cycle(vec![3, 4]),
            ]
        );
    }

    #[test]
    fn a_long_chain_of_detailing_resolutions_is_evaluated_without_overflow() {
        let n: i64 = 20_000;
        let mut resolutions: Vec<Resolution> = (1..=n)
            .map(|i| {
                let number = u32::try_from(i).unwrap();
                let mut r = res(i, &format!("{number}/2025/NQ-HĐND"), date!(2025 - 01 - 10));
                r.number.number = number;
                r
            })
            .collect();
        resolutions[usize::try_from(n - 1).unwrap()].in_force_until = Some(date!(2025 - 12 - 31));
        // i details i + 1; and the last details the first, closing a loop.
        let mut relations: Vec<Relation> = (1..n)
            .map(|i| rel(i, RelationKind::Guides, i + 1))
            .collect();
        relations.push(rel(n, RelationKind::Guides, 1));
        let register = Register::new(resolutions, relations);
        let statuses = register.statuses_at(date!(2026 - 01 - 01));
        assert!(statuses.values().all(|s| *s == InForceStatus::Ended));
        assert_eq!(register.issues().len(), 1);
    }

    #[test]
    fn new_relations_are_checked() {
        let mut other = res(6, "8/2026/NQ-HĐND", date!(2026 - 05 - 01));
        other.council_id = 2;
        let register = Register::new(
            vec![
                res(1, "6/2021/NQ-HĐND", date!(2021 - 07 - 10)),
                res(2, "12/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                res(3, "40/NQ-HĐND", date!(2026 - 03 - 01)),
                res(4, "14/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                res(5, "15/2026/NQ-HĐND", date!(2026 - 03 - 01)),
                other,
            ],
            vec![
                rel(2, RelationKind::Replaces, 1),
                rel(4, RelationKind::Guides, 2),
                rel(5, RelationKind::Guides, 4),
            ],
        );
        let check = |r: Relation| register.check_relation(&r);
        assert_eq!(
            check(rel(2, RelationKind::Amends, 2)),
            Err(ResolutionError::SelfRelation)
        );
        assert_eq!(
            check(rel(2, RelationKind::Amends, 77)),
            Err(ResolutionError::Unknown(77))
        );
        assert_eq!(
            check(rel(2, RelationKind::Replaces, 1)),
            Err(ResolutionError::DuplicateRelation)
        );
        assert_eq!(
            check(rel(1, RelationKind::Repeals, 2)),
            Err(ResolutionError::Chronology {
                actor: "06/2021/NQ-HĐND".into(),
                target: "12/2026/NQ-HĐND".into(),
                verb: "bãi bỏ"
            })
        );
        assert_eq!(
            check(rel(3, RelationKind::Amends, 2)),
            Err(ResolutionError::IndividualOnNormative("sửa đổi, bổ sung"))
        );
        assert_eq!(check(rel(3, RelationKind::Guides, 2)), Ok(()));
        assert_eq!(
            check(rel(6, RelationKind::Replaces, 2)),
            Err(ResolutionError::CrossCouncil("thay thế"))
        );
        assert_eq!(check(rel(6, RelationKind::Repeals, 2)), Ok(()));
        let mut early = rel(2, RelationKind::Amends, 1);
        early.effective_on = Some(date!(2026 - 01 - 01));
        assert_eq!(check(early), Err(ResolutionError::RelationDate));
        assert_eq!(
            check(rel(2, RelationKind::Guides, 5)),
            Err(ResolutionError::Cycle(
                "12/2026/NQ-HĐND → 15/2026/NQ-HĐND → 14/2026/NQ-HĐND → 12/2026/NQ-HĐND".into()
            ))
        );
        assert_eq!(
            ResolutionError::IndividualOnNormative("thay thế").to_string(),
            "Nghị quyết cá biệt không thể thay thế nghị quyết quy phạm pháp luật; phải dùng nghị quyết quy phạm pháp luật."
        );
    }

    #[test]
    fn duplicate_numbers_already_stored_are_reported() {
        let register = Register::new(
            vec![
                res(1, "6/2021/NQ-HĐND", date!(2021 - 07 - 10)),
                res(2, "6/2021/NQ-HĐND", date!(2021 - 09 - 10)),
            ],
            vec![],
        );
        assert_eq!(register.issues(), &[RegisterIssue::DuplicateNumber(1, 2)]);
    }

    #[test]
    fn dated_reporting_duties_say_when_the_next_report_is_due() {
        let duty = |timing, by| ReportingDuty {
            body_id: 7,
            content: "Báo cáo kết quả thực hiện".into(),
            timing,
            by,
        };
        let yearly = duty(ReportTiming::Yearly, Some(date!(2024 - 02 - 29)));
        assert_eq!(
            yearly.next_due(date!(2025 - 01 - 10)),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            yearly.next_due(date!(2027 - 03 - 01)),
            Some(date!(2028 - 02 - 29))
        );
        let once = duty(ReportTiming::Once, Some(date!(2026 - 11 - 15)));
        assert_eq!(
            once.next_due(date!(2026 - 11 - 15)),
            Some(date!(2026 - 11 - 15))
        );
        assert_eq!(once.next_due(date!(2026 - 11 - 16)), None);
        let session = duty(ReportTiming::YearEndSession, None);
        assert_eq!(session.next_due(date!(2026 - 01 - 01)), None);
    }

    fn arb_relation(n: i64) -> impl Strategy<Value = Relation> {
        (
            1..=n,
            proptest::sample::select(RelationKind::ALL.to_vec()),
            1..=n,
            proptest::option::of(0u8..60),
        )
            .prop_map(|(actor, kind, target, offset)| Relation {
                actor,
                kind,
                target,
                effective_on: offset
                    .map(|o| date!(2025 - 01 - 01) + time::Duration::days(i64::from(o) * 7)),
                provisions: String::new(),
            })
    }

    fn arb_register() -> impl Strategy<Value = (Vec<Resolution>, Vec<Relation>)> {
        let n = 8;
        (
            proptest::collection::vec((0u16..400, proptest::option::of(0u16..400)), 8),
            proptest::collection::vec(arb_relation(n), 0..20),
        )
            .prop_map(|(dates, relations)| {
                let resolutions = dates
                    .into_iter()
                    .zip(1i64..)
                    .map(|((start, len), id)| {
                        let adopted =
                            date!(2025 - 01 - 01) + time::Duration::days(i64::from(start));
                        let mut r = res(id, &format!("{id}/NQ-HĐND"), adopted);
                        r.in_force_until =
                            len.map(|l| adopted + time::Duration::days(i64::from(l)));
                        r
                    })
                    .collect();
                (resolutions, relations)
            })
    }

    proptest! {
        /// Whatever the relations (cycles included), the statuses do not
        /// depend on the order they were stored in, and a resolution that
        /// has ended stays ended.
        #[test]
        fn statuses_are_order_free_and_endings_final(
            (resolutions, relations) in arb_register(),
            seed in any::<u64>(),
        ) {
            let forward = Register::new(resolutions.clone(), relations.clone());
            let mut shuffled = relations;
            let len = shuffled.len();
            if len > 1 {
                for i in 0..len {
                    let j = usize::try_from(seed.rotate_left(u32::try_from(i % 64).unwrap()) % len as u64).unwrap();
                    shuffled.swap(i, j);
                }
            }
            let mut reversed_res = resolutions;
            reversed_res.reverse();
            let other = Register::new(reversed_res, shuffled);
            let mut ended: BTreeSet<i64> = BTreeSet::new();
            let mut day = date!(2025 - 01 - 01);
            while day < date!(2027 - 01 - 01) {
                let a = forward.statuses_at(day);
                prop_assert_eq!(&a, &other.statuses_at(day));
                for (id, status) in &a {
                    if ended.contains(id) {
                        prop_assert_eq!(*status, InForceStatus::Ended);
                    }
                    if *status == InForceStatus::Ended {
                        ended.insert(*id);
                    }
                }
                day += time::Duration::days(5);
            }
        }
    }

    /// A province over twenty years: its own resolutions and those of 100
    /// communes, with replacements, amendments and detailing chains.
    fn province_scale(n: i64) -> (Vec<Resolution>, Vec<Relation>) {
        // A fixed linear congruential sequence: the same register every run.
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |m: i64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            i64::try_from((seed >> 33) % u64::try_from(m).unwrap()).unwrap()
        };
        let start = date!(2007 - 01 - 01);
        let resolutions: Vec<Resolution> = (1..=n)
            .map(|id| {
                let adopted = start + time::Duration::days(id * 7300 / n);
                let mut r = res(id, "1/NQ-HĐND", adopted);
                r.council_id = 1 + next(101);
                r.number.number = u32::try_from(id).unwrap();
                if next(10) == 0 {
                    r.in_force_until = Some(adopted + time::Duration::days(365 * (1 + next(5))));
                }
                r
            })
            .collect();
        let kinds = RelationKind::ALL;
        let relations = (0..n * 3 / 5)
            .map(|_| {
                let actor = 2 + next(n - 1);
                let target = 1 + next(actor - 1);
                let kind = kinds[usize::try_from(next(5)).unwrap()];
                rel(actor, kind, target)
            })
            .collect();
        (resolutions, relations)
    }

    /// The peer: the same fixed point computed the plain way, sweeping every
    /// detailing relation until nothing changes (what `compute_ends` did
    /// before the work list).
    fn sweep_ends(register: &Register) -> BTreeMap<i64, Ending> {
        let mut ends = register.own_ends();
        loop {
            let mut changed = false;
            for (actor, targets) in &register.guided {
                let mut latest: Option<Ending> = None;
                for t in targets {
                    match ends.get(t) {
                        Some(e) if latest.is_none_or(|l| e.on > l.on) => {
                            latest = Some(Ending {
                                on: e.on,
                                cause: Cause::GuidedEnded(*t),
                            });
                        }
                        Some(_) => {}
                        None => {
                            latest = None;
                            break;
                        }
                    }
                }
                if let Some(l) = latest
                    && ends.get(actor).is_none_or(|cur| l.on < cur.on)
                {
                    ends.insert(*actor, l);
                    changed = true;
                }
            }
            if !changed {
                return ends;
            }
        }
    }

    #[test]
    #[ignore = "benchmark: cargo test -p nghitruong-domain --release benchmark -- --ignored --nocapture"]
    fn benchmark_register_of_fifty_thousand_resolutions() {
        let (resolutions, relations) = province_scale(50_000);
        let started = std::time::Instant::now();
        let register = Register::new(resolutions, relations);
        let built = started.elapsed();
        let started = std::time::Instant::now();
        let statuses = register.statuses_at(date!(2026 - 12 - 04));
        let evaluated = started.elapsed();
        let started = std::time::Instant::now();
        let worked = register.compute_ends();
        let work_list = started.elapsed();
        let started = std::time::Instant::now();
        let swept = sweep_ends(&register);
        let peer = started.elapsed();
        assert_eq!(worked, swept);
        assert_eq!(
            swept, register.ends,
            "the work list reaches the same fixed point"
        );
        let ended = statuses
            .values()
            .filter(|s| **s == InForceStatus::Ended)
            .count();
        println!(
            "{} resolutions, {} relations: register built in {built:?} (checks, cycle search \
             and end dates), every status on one day in {evaluated:?}; {ended} ended, {} \
             issues. End dates alone: work list {work_list:?}; peer, sweeping every \
             detailing relation until nothing changes: {peer:?}",
            register.resolutions().len(),
            register.relations().len(),
            register.issues().len(),
        );
        // The worst case for sweeping: a detailing chain whose end is
        // found at the far end of the id order, one step per sweep.
        let n: i64 = 5_000;
        let mut chain: Vec<Resolution> = (1..=n)
            .map(|i| res(i, "1/NQ-HĐND", date!(2025 - 01 - 10)))
            .collect();
        chain[usize::try_from(n - 1).unwrap()].in_force_until = Some(date!(2025 - 12 - 31));
        let links = (1..n)
            .map(|i| rel(i, RelationKind::Guides, i + 1))
            .collect();
        let register = Register::new(chain, links);
        let started = std::time::Instant::now();
        let worked = register.compute_ends();
        let work_list = started.elapsed();
        let started = std::time::Instant::now();
        let swept = sweep_ends(&register);
        let peer = started.elapsed();
        assert_eq!(worked, swept);
        println!(
            "a chain of {n} detailing resolutions: work list {work_list:?}; peer, sweeping: {peer:?}"
        );
    }
}
