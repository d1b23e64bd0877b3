//! Per-council rules: what it takes to pass a decision, how votes are
//! labelled, when attendance is too low, how long answers may take.
//!
//! Every number here is data in the council's settings, with the law's value
//! as the default (domain-vn.md: the legal basis changed three times in
//! 2025–2026). Thresholds are computed in integers; no floats decide a vote.

use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, HolidayRules, WorkingCalendar};

use crate::org::coded_enum;

coded_enum! {
    /// Điều kiện thông qua — the rule that decides whether a vote passes.
    MajorityRule, "majority rule" {
        /// Quá nửa tổng số đại biểu (Điều 35.2): approvals × 2 > total.
        MoreThanHalf = "qua_nua", "Quá nửa tổng số đại biểu";
        /// Ít nhất hai phần ba tổng số đại biểu (Điều 35.2, 38.5: dismissal):
        /// approvals × 3 ≥ total × 2.
        AtLeastTwoThirds = "it_nhat_hai_phan_ba", "Ít nhất hai phần ba tổng số đại biểu";
        /// Trên hai phần ba số đại biểu hiện có (Điều 49.2, a council below two
        /// thirds of its seats): approvals × 3 > in office × 2.
        MoreThanTwoThirds = "tren_hai_phan_ba", "Trên hai phần ba số đại biểu";
    }
}

impl MajorityRule {
    /// Whether `approvals` out of `denominator` meets the rule.
    ///
    /// ```
    /// use nghitruong_domain::rules::MajorityRule;
    /// assert!(MajorityRule::MoreThanHalf.passes(43, 85));
    /// assert!(!MajorityRule::MoreThanHalf.passes(42, 84)); // exactly half is not more
    /// assert!(MajorityRule::AtLeastTwoThirds.passes(40, 60));
    /// assert!(!MajorityRule::MoreThanTwoThirds.passes(40, 60));
    /// ```
    pub fn passes(self, approvals: u32, denominator: u32) -> bool {
        let (a, d) = (u64::from(approvals), u64::from(denominator));
        if d == 0 {
            return false;
        }
        match self {
            Self::MoreThanHalf => a * 2 > d,
            Self::AtLeastTwoThirds => a * 3 >= d * 2,
            Self::MoreThanTwoThirds => a * 3 > d * 2,
        }
    }

    /// The smallest number of approvals that passes out of `denominator`.
    pub fn threshold(self, denominator: u32) -> u32 {
        let d = u64::from(denominator);
        let t = match self {
            Self::MoreThanHalf => d / 2 + 1,
            Self::AtLeastTwoThirds => (d * 2).div_ceil(3),
            Self::MoreThanTwoThirds => (d * 2) / 3 + 1,
        };
        u32::try_from(t).unwrap_or(u32::MAX).max(1)
    }
}

coded_enum! {
    /// Mẫu số — which count of deputies a rule is measured against.
    Denominator, "denominator" {
        /// Số đại biểu hiện có — deputies currently holding office.
        InOffice = "hien_co", "Số đại biểu hiện có";
        /// Số đại biểu theo luật định — statutory seats.
        Statutory = "luat_dinh", "Số đại biểu theo luật định";
    }
}

impl Denominator {
    /// Picks the count this denominator names.
    pub fn pick(self, statutory: u32, in_office: u32) -> u32 {
        match self {
            Self::InOffice => in_office,
            Self::Statutory => statutory,
        }
    }
}

/// Nhãn lựa chọn biểu quyết — how the three ballot options read in this council.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteLabels {
    /// Approve; "Tán thành" by default.
    pub approve: String,
    /// Reject; "Không tán thành" by default.
    pub reject: String,
    /// Abstain; "Không biểu quyết" by default.
    pub abstain: String,
}

impl Default for VoteLabels {
    fn default() -> Self {
        Self {
            approve: "Tán thành".into(),
            reject: "Không tán thành".into(),
            abstain: "Không biểu quyết".into(),
        }
    }
}

/// A ratio of two small integers, such as 2/3 for the attendance warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    /// Numerator.
    pub num: u32,
    /// Denominator; never zero in a valid rule set.
    pub den: u32,
}

impl Ratio {
    /// Whether `part` out of `whole` is below this ratio.
    pub fn is_below(self, part: u32, whole: u32) -> bool {
        u64::from(part) * u64::from(self.den) < u64::from(whole) * u64::from(self.num)
    }
}

/// Thời hạn — deadlines in days, each saying whether it counts working days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Days an agency has to answer a forwarded petition.
    pub petition_answer_days: u32,
    /// Whether `petition_answer_days` counts working days.
    pub petition_answer_working_days: bool,
    /// Days a ministry has to answer a petition the National Assembly
    /// forwarded (QĐ 30/2020/QĐ-TTg: 60).
    pub central_answer_days: u32,
    /// Days after a National Assembly session within which the Delegation
    /// sends central-level petitions on (NQLT 72/2025: 15).
    pub delegation_forward_days: u32,
    /// Days before a session that the report on petition results is due.
    pub report_before_session_days: u32,
    /// Days for an explanation session after an overdue recommendation
    /// (Luật 121/2025 Điều 40: 15 calendar days).
    pub explanation_days: u32,
    /// The same for complex cases (30 calendar days).
    pub explanation_complex_days: u32,
    /// Reminders sent this many days before a task is due.
    pub reminder_days_before: Vec<u32>,
    /// Nhắc trả lời xin ý kiến: deputies who have not answered a written
    /// consultation are reminded this many calendar days before its
    /// deadline (rules stored before this setting read the default).
    #[serde(default = "default_consultation_reminders")]
    pub consultation_reminder_days_before: Vec<u32>,
}

/// Three days and one day before a consultation's deadline: time to read
/// the documents, then a last call.
fn default_consultation_reminders() -> Vec<u32> {
    vec![3, 1]
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            petition_answer_days: 30,
            petition_answer_working_days: false,
            central_answer_days: 60,
            delegation_forward_days: 15,
            report_before_session_days: 30,
            explanation_days: 15,
            explanation_complex_days: 30,
            reminder_days_before: vec![15, 7, 3],
            consultation_reminder_days_before: default_consultation_reminders(),
        }
    }
}

/// Quy chế làm việc — the rules a council has set for itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CouncilRules {
    /// Rule for ordinary resolutions.
    pub pass_rule: MajorityRule,
    /// Rule for dismissing a deputy or an elected official.
    pub dismiss_rule: MajorityRule,
    /// Rule while the council has fewer than two thirds of its seats with
    /// eighteen months or less of its term left (Điều 49.2).
    pub degraded_rule: MajorityRule,
    /// What "tổng số đại biểu" is measured as.
    pub denominator: Denominator,
    /// Warn when attendance falls below this share of deputies in office.
    pub quorum_warning: Ratio,
    /// Ballot labels.
    pub vote_labels: VoteLabels,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Seconds a deputy may speak by default in a hall discussion.
    pub speaking_seconds: u32,
    /// Ngày nghỉ: weekly rest days and each year's announced holiday
    /// arrangements (nghỉ bù, làm bù), from which due dates are counted.
    pub holidays: HolidayRules,
}

impl Default for CouncilRules {
    fn default() -> Self {
        Self {
            pass_rule: MajorityRule::MoreThanHalf,
            dismiss_rule: MajorityRule::AtLeastTwoThirds,
            degraded_rule: MajorityRule::MoreThanTwoThirds,
            denominator: Denominator::InOffice,
            quorum_warning: Ratio { num: 2, den: 3 },
            vote_labels: VoteLabels::default(),
            deadlines: Deadlines::default(),
            speaking_seconds: 420,
            holidays: HolidayRules::default(),
        }
    }
}

/// Why a rule set was refused; the message is shown to office staff as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// A vote label is empty, too long, or holds markup or control characters.
    #[error("Nhãn biểu quyết phải có từ 1 đến 40 ký tự, không chứa ký tự điều khiển hay dấu < >.")]
    Label,
    /// Reminder days repeat or are too many.
    #[error("Các mốc nhắc trước hạn không được trùng nhau và tối đa 10 mốc.")]
    Reminders,
    /// Two vote labels are the same.
    #[error("Ba nhãn biểu quyết phải khác nhau.")]
    DuplicateLabel,
    /// A consultation reminder day is zero or beyond the longest deadline.
    #[error("Mốc nhắc trả lời xin ý kiến phải từ 1 đến 90 ngày trước hạn.")]
    ConsultationReminder,
    /// The attendance ratio is not a proper fraction.
    #[error("Tỷ lệ cảnh báo số đại biểu có mặt phải là phân số từ 0 đến 1.")]
    Ratio,
    /// A deadline is zero or unreasonably long.
    #[error("Thời hạn phải từ 1 đến 365 ngày.")]
    Deadline,
    /// The speaking time is out of range.
    #[error("Thời gian phát biểu phải từ 30 giây đến 60 phút.")]
    Speaking,
    /// The holiday arrangements do not make a calendar.
    #[error("{0}")]
    Holidays(#[from] CalendarError),
}

impl CouncilRules {
    /// Checks that the rules make sense before they are stored.
    pub fn validate(&self) -> Result<(), RulesError> {
        let labels = [
            &self.vote_labels.approve,
            &self.vote_labels.reject,
            &self.vote_labels.abstain,
        ];
        for label in labels {
            // A label is shown as typed, so it must already be clean.
            if crate::text::clean_line("Nhãn", label, 40).as_deref() != Ok(label.as_str()) {
                return Err(RulesError::Label);
            }
        }
        if labels[0].trim() == labels[1].trim()
            || labels[0].trim() == labels[2].trim()
            || labels[1].trim() == labels[2].trim()
        {
            return Err(RulesError::DuplicateLabel);
        }
        let q = self.quorum_warning;
        if q.den == 0 || q.num > q.den {
            return Err(RulesError::Ratio);
        }
        let d = &self.deadlines;
        let days = [
            d.petition_answer_days,
            d.central_answer_days,
            d.delegation_forward_days,
            d.report_before_session_days,
            d.explanation_days,
            d.explanation_complex_days,
        ];
        if days
            .iter()
            .chain(&d.reminder_days_before)
            .any(|&n| n == 0 || n > 365)
        {
            return Err(RulesError::Deadline);
        }
        if d.consultation_reminder_days_before
            .iter()
            .any(|&n| n == 0 || n > 90)
        {
            return Err(RulesError::ConsultationReminder);
        }
        for list in [
            &d.reminder_days_before,
            &d.consultation_reminder_days_before,
        ] {
            let mut reminders = list.clone();
            reminders.sort_unstable();
            reminders.dedup();
            if reminders.len() != list.len() || reminders.len() > 10 {
                return Err(RulesError::Reminders);
            }
        }
        if !(30..=3600).contains(&self.speaking_seconds) {
            return Err(RulesError::Speaking);
        }
        self.calendar()?;
        Ok(())
    }

    /// The working-day calendar of the council's holiday rules.
    pub fn calendar(&self) -> Result<WorkingCalendar, CalendarError> {
        WorkingCalendar::new(self.holidays.clone())
    }

    /// The rule in force for ordinary decisions, given the council's size:
    /// the degraded rule applies below two thirds of the statutory seats
    /// (Điều 49.2; whether the remaining term is short enough is decided by
    /// the office, which sets `degraded`).
    pub fn effective_pass_rule(&self, degraded: bool) -> MajorityRule {
        if degraded {
            self.degraded_rule
        } else {
            self.pass_rule
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{DayKind, YearArrangement};
    use time::macros::date;

    #[test]
    fn consultation_reminders_default_and_are_checked() {
        // Rules stored before the setting existed read 3 and 1 days.
        let mut old = serde_json::to_value(CouncilRules::default()).unwrap();
        old["deadlines"]
            .as_object_mut()
            .unwrap()
            .remove("consultation_reminder_days_before");
        let read: CouncilRules = serde_json::from_value(old).unwrap();
        assert_eq!(read.deadlines.consultation_reminder_days_before, vec![3, 1]);
        let with = |days: Vec<u32>| {
            let mut r = CouncilRules::default();
            r.deadlines.consultation_reminder_days_before = days;
            r.validate()
        };
        assert_eq!(with(vec![]), Ok(()));
        assert_eq!(with(vec![90, 1]), Ok(()));
        assert_eq!(with(vec![0]), Err(RulesError::ConsultationReminder));
        assert_eq!(with(vec![91]), Err(RulesError::ConsultationReminder));
        assert_eq!(with(vec![2, 2]), Err(RulesError::Reminders));
    }

    #[test]
    fn holiday_arrangements_are_part_of_the_rules_and_checked() {
        // Rules stored before holidays existed still read, with the defaults.
        let mut old = serde_json::to_value(CouncilRules::default()).unwrap();
        old.as_object_mut().unwrap().remove("holidays");
        let read: CouncilRules = serde_json::from_value(old).unwrap();
        assert_eq!(read.holidays, HolidayRules::default());

        // An announced swap: work Saturday 2027-04-24, rest Friday 2027-04-30's
        // neighbour Monday 2027-05-03 instead of the computed days.
        let mut rules = CouncilRules::default();
        rules.holidays.years.push(YearArrangement {
            year: 2027,
            compensatory_days: Some(vec![date!(2027 - 05 - 03)]),
            make_up_working_days: vec![date!(2027 - 04 - 24)],
            source: "Thông báo số 01/TB-BNV (thử nghiệm)".into(),
            ..YearArrangement::default()
        });
        assert_eq!(rules.validate(), Ok(()));
        let calendar = rules.calendar().unwrap();
        assert_eq!(
            calendar.day_kind(date!(2027 - 05 - 03)),
            DayKind::Compensatory
        );
        assert!(calendar.is_working_day(date!(2027 - 04 - 24)));

        // The same year twice is refused with the calendar's own message.
        let twice = rules.holidays.years[0].clone();
        rules.holidays.years.push(twice);
        let err = rules.validate().unwrap_err();
        assert_eq!(
            err,
            RulesError::Holidays(CalendarError::DuplicateYear(2027))
        );
        assert!(err.to_string().contains("2027"));
    }

    #[test]
    fn more_than_half_needs_strictly_more() {
        let r = MajorityRule::MoreThanHalf;
        assert!(!r.passes(42, 84));
        assert!(r.passes(43, 84));
        assert!(r.passes(43, 85));
        assert!(!r.passes(42, 85));
        assert_eq!(r.threshold(84), 43);
        assert_eq!(r.threshold(85), 43);
    }

    #[test]
    fn two_thirds_rules_differ_exactly_at_the_boundary() {
        // 60 deputies: two thirds is exactly 40.
        assert!(MajorityRule::AtLeastTwoThirds.passes(40, 60));
        assert!(!MajorityRule::MoreThanTwoThirds.passes(40, 60));
        assert!(MajorityRule::MoreThanTwoThirds.passes(41, 60));
        // 85 deputies: two thirds is 56.67.
        assert!(!MajorityRule::AtLeastTwoThirds.passes(56, 85));
        assert!(MajorityRule::AtLeastTwoThirds.passes(57, 85));
        assert!(MajorityRule::MoreThanTwoThirds.passes(57, 85));
        assert_eq!(MajorityRule::AtLeastTwoThirds.threshold(60), 40);
        assert_eq!(MajorityRule::MoreThanTwoThirds.threshold(60), 41);
        assert_eq!(MajorityRule::AtLeastTwoThirds.threshold(85), 57);
    }

    #[test]
    fn thresholds_agree_with_passes_for_every_size() {
        for rule in MajorityRule::ALL {
            for d in 1..=200u32 {
                let t = rule.threshold(d);
                assert!(rule.passes(t, d), "{rule:?} {t}/{d}");
                assert!(!rule.passes(t - 1, d), "{rule:?} {}/{d}", t - 1);
            }
        }
    }

    #[test]
    fn nothing_passes_with_no_deputies() {
        for rule in MajorityRule::ALL {
            assert!(!rule.passes(0, 0));
            assert!(!rule.passes(5, 0));
        }
    }

    #[test]
    fn denominator_picks_the_named_count() {
        assert_eq!(Denominator::InOffice.pick(85, 83), 83);
        assert_eq!(Denominator::Statutory.pick(85, 83), 85);
    }

    #[test]
    fn quorum_warning_is_integer_exact() {
        let two_thirds = Ratio { num: 2, den: 3 };
        assert!(two_thirds.is_below(55, 84)); // 55/84 < 2/3
        assert!(!two_thirds.is_below(56, 84)); // exactly 2/3
    }

    #[test]
    fn defaults_follow_the_law_and_validate() {
        let rules = CouncilRules::default();
        assert_eq!(rules.pass_rule, MajorityRule::MoreThanHalf);
        assert_eq!(rules.dismiss_rule, MajorityRule::AtLeastTwoThirds);
        assert_eq!(rules.vote_labels.approve, "Tán thành");
        assert_eq!(rules.deadlines.central_answer_days, 60);
        assert_eq!(rules.validate(), Ok(()));
        assert_eq!(
            rules.effective_pass_rule(true),
            MajorityRule::MoreThanTwoThirds
        );
    }

    #[test]
    fn invalid_rules_are_refused_with_a_reason() {
        let mut r = CouncilRules::default();
        r.vote_labels.reject = "Tán thành".into();
        assert_eq!(r.validate(), Err(RulesError::DuplicateLabel));

        let mut r = CouncilRules::default();
        r.vote_labels.abstain = " ".into();
        assert_eq!(r.validate(), Err(RulesError::Label));
        r.vote_labels.abstain = "<script>alert(1)</script>".into();
        assert_eq!(r.validate(), Err(RulesError::Label));
        r.vote_labels.abstain = "Không\nbiểu quyết".into();
        assert_eq!(r.validate(), Err(RulesError::Label));

        let mut r = CouncilRules::default();
        r.deadlines.reminder_days_before = vec![3, 3, 3];
        assert_eq!(r.validate(), Err(RulesError::Reminders));

        let r = CouncilRules {
            quorum_warning: Ratio { num: 4, den: 3 },
            ..Default::default()
        };
        assert_eq!(r.validate(), Err(RulesError::Ratio));

        let mut r = CouncilRules::default();
        r.deadlines.petition_answer_days = 0;
        assert_eq!(r.validate(), Err(RulesError::Deadline));

        let r = CouncilRules {
            speaking_seconds: 5,
            ..Default::default()
        };
        assert_eq!(r.validate(), Err(RulesError::Speaking));
    }

    #[test]
    fn partial_rules_fill_in_the_defaults() {
        let r: CouncilRules = serde_json::from_str(r#"{"denominator":"luat_dinh"}"#).unwrap();
        assert_eq!(r.denominator, Denominator::Statutory);
        assert_eq!(r.pass_rule, MajorityRule::MoreThanHalf);
    }
}
