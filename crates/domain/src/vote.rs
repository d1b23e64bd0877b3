//! Biểu quyết — votes: rounds, ballots, and the result with the rule that
//! decided it.
//!
//! A vote on an agenda item runs in rounds. A round opens, takes at most one
//! ballot from each present deputy holding office, and closes by the chair
//! or its timer; a revote is a new round that keeps the old one. The result
//! is computed in integers and keeps the denominator it was measured against
//! (Điều 35 and 49.2, Luật 72/2025/QH15). A secret round records who voted
//! apart from what was chosen; this module never sees the two together.

use crate::machine::TransitionError;
use crate::org::coded_enum;
use crate::rules::{CouncilRules, Denominator, MajorityRule, VoteLabels};

coded_enum! {
    /// Hình thức biểu quyết.
    VoteMode, "vote mode" {
        /// Biểu quyết công khai — each deputy's choice is recorded by name.
        Named = "cong_khai", "Biểu quyết công khai";
        /// Bỏ phiếu kín — no one can tell who chose what.
        Secret = "bo_phieu_kin", "Bỏ phiếu kín";
    }
}

coded_enum! {
    /// What a vote decides, which picks the rule that applies.
    VotePurpose, "vote purpose" {
        /// Thông qua nghị quyết, quyết định thông thường.
        Ordinary = "thong_thuong", "Thông qua nghị quyết";
        /// Bãi nhiệm, miễn nhiệm (Điều 35.2, 38.5).
        Dismissal = "bai_nhiem", "Bãi nhiệm, miễn nhiệm";
    }
}

coded_enum! {
    /// Lựa chọn trên phiếu — the labels shown come from the council's rules.
    Choice, "ballot choice" {
        /// Tán thành.
        Approve = "tan_thanh", "Tán thành";
        /// Không tán thành.
        Reject = "khong_tan_thanh", "Không tán thành";
        /// Không biểu quyết.
        Abstain = "khong_bieu_quyet", "Không biểu quyết";
    }
}

impl Choice {
    /// The label this council uses for the choice.
    pub fn label_in(self, labels: &VoteLabels) -> &str {
        match self {
            Self::Approve => &labels.approve,
            Self::Reject => &labels.reject,
            Self::Abstain => &labels.abstain,
        }
    }
}

coded_enum! {
    /// Trạng thái một lượt biểu quyết.
    RoundStatus, "vote round status" {
        /// Sẵn sàng — set up, not open yet.
        Ready = "san_sang", "Sẵn sàng";
        /// Đang biểu quyết.
        Open = "dang_bieu_quyet", "Đang biểu quyết";
        /// Đã kết thúc — the result stands.
        Closed = "da_ket_thuc", "Đã kết thúc";
        /// Đã hủy — no result.
        Cancelled = "da_huy", "Đã hủy";
    }
}

coded_enum! {
    /// What can happen to a round.
    RoundEvent, "vote round event" {
        /// The chair opens it.
        Open = "mo", "mở biểu quyết";
        /// The chair closes it.
        Close = "dong", "kết thúc biểu quyết";
        /// Its timer runs out.
        Expire = "het_gio", "hết giờ biểu quyết";
        /// The secretary enters a result counted by hand (the fallback when
        /// electronic voting cannot be used).
        RecordManual = "nhap_ket_qua", "nhập kết quả thủ công";
        /// The chair calls it off.
        Cancel = "huy", "hủy lượt biểu quyết";
    }
}

impl RoundStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: RoundEvent) -> Result<RoundStatus, TransitionError> {
        use RoundEvent as E;
        use RoundStatus as S;
        let next = match (self, event) {
            (S::Ready, E::Open) => S::Open,
            (S::Open, E::Close | E::Expire) => S::Closed,
            (S::Ready, E::RecordManual) => S::Closed,
            (S::Ready | S::Open, E::Cancel) => S::Cancelled,
            _ => {
                return Err(TransitionError {
                    subject: "lượt biểu quyết",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }

    /// Whether a new round may follow this one (biểu quyết lại).
    pub fn allows_revote(self) -> bool {
        matches!(self, Self::Closed | Self::Cancelled)
    }
}

/// What the system knows about a deputy when they cast a ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voter {
    /// Holds office (not resigned, dismissed, …).
    pub holds_office: bool,
    /// Checked in as present, in the hall or online.
    pub present: bool,
    /// Has already cast a ballot in this round.
    pub has_voted: bool,
}

/// Why a ballot was refused; shown to the deputy as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BallotRefusal {
    /// The round is not open.
    #[error("Lượt biểu quyết chưa mở hoặc đã kết thúc.")]
    NotOpen,
    /// The timer has run out.
    #[error("Đã hết thời gian biểu quyết.")]
    TimeUp,
    /// Not a deputy holding office.
    #[error("Tài khoản này không có quyền biểu quyết tại Hội đồng.")]
    NotEligible,
    /// Not checked in.
    #[error("Đại biểu cần điểm danh có mặt trước khi biểu quyết.")]
    NotPresent,
    /// Already voted in this round.
    #[error("Đại biểu đã biểu quyết trong lượt này; mỗi đại biểu chỉ biểu quyết một lần.")]
    AlreadyVoted,
}

/// Checks whether a ballot may be cast. `time_left` is false once the
/// round's timer has run out (rounds without a timer pass true).
pub fn check_ballot(
    status: RoundStatus,
    time_left: bool,
    voter: Voter,
) -> Result<(), BallotRefusal> {
    if status != RoundStatus::Open {
        return Err(BallotRefusal::NotOpen);
    }
    if !time_left {
        return Err(BallotRefusal::TimeUp);
    }
    if !voter.holds_office {
        return Err(BallotRefusal::NotEligible);
    }
    if !voter.present {
        return Err(BallotRefusal::NotPresent);
    }
    if voter.has_voted {
        return Err(BallotRefusal::AlreadyVoted);
    }
    Ok(())
}

/// How many ballots chose each option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Tán thành.
    pub approve: u32,
    /// Không tán thành.
    pub reject: u32,
    /// Không biểu quyết.
    pub abstain: u32,
}

impl Counts {
    /// Ballots cast.
    pub fn total(&self) -> u32 {
        self.approve + self.reject + self.abstain
    }

    /// Adds one ballot.
    pub fn add(&mut self, choice: Choice) {
        match choice {
            Choice::Approve => self.approve += 1,
            Choice::Reject => self.reject += 1,
            Choice::Abstain => self.abstain += 1,
        }
    }
}

/// The council's size when the round closed: both counts are kept so the
/// result shows what it was measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seats {
    /// Số đại biểu theo luật định.
    pub statutory: u32,
    /// Số đại biểu hiện có.
    pub in_office: u32,
    /// Có mặt (in the hall or online) when the round closed.
    pub present: u32,
}

/// Kết quả biểu quyết, with everything needed to explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The counts.
    pub counts: Counts,
    /// Present deputies who cast no ballot.
    pub not_voted: u32,
    /// The seats snapshot.
    pub seats: Seats,
    /// What the rule was measured against.
    pub denominator_kind: Denominator,
    /// The number it was measured against.
    pub denominator: u32,
    /// The rule that decided.
    pub rule: MajorityRule,
    /// Approvals needed to pass.
    pub threshold: u32,
    /// Thông qua or not.
    pub passed: bool,
}

/// Why a result cannot be right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TallyError {
    /// More ballots than deputies present.
    #[error("Tổng số phiếu ({ballots}) vượt quá số đại biểu có mặt ({present}).")]
    MoreBallotsThanPresent {
        /// Ballots.
        ballots: u32,
        /// Present.
        present: u32,
    },
    /// More deputies present than in office.
    #[error("Số đại biểu có mặt ({present}) vượt quá số đại biểu hiện có ({in_office}).")]
    MorePresentThanInOffice {
        /// Present.
        present: u32,
        /// In office.
        in_office: u32,
    },
}

/// Computes the result of a round.
///
/// The rule is the council's dismissal rule for dismissals; otherwise its
/// pass rule, or the degraded rule while the council has fewer than two
/// thirds of its seats (`degraded`, Điều 49.2), which is always measured
/// against deputies in office.
pub fn tally(
    counts: Counts,
    seats: Seats,
    rules: &CouncilRules,
    purpose: VotePurpose,
    degraded: bool,
) -> Result<Tally, TallyError> {
    if seats.present > seats.in_office {
        return Err(TallyError::MorePresentThanInOffice {
            present: seats.present,
            in_office: seats.in_office,
        });
    }
    if counts.total() > seats.present {
        return Err(TallyError::MoreBallotsThanPresent {
            ballots: counts.total(),
            present: seats.present,
        });
    }
    let (rule, denominator_kind) = match (purpose, degraded) {
        (_, true) => (rules.degraded_rule, Denominator::InOffice),
        (VotePurpose::Dismissal, false) => (rules.dismiss_rule, rules.denominator),
        (VotePurpose::Ordinary, false) => (rules.pass_rule, rules.denominator),
    };
    let denominator = denominator_kind.pick(seats.statutory, seats.in_office);
    Ok(Tally {
        counts,
        not_voted: seats.present - counts.total(),
        seats,
        denominator_kind,
        denominator,
        rule,
        threshold: rule.threshold(denominator),
        passed: rule.passes(counts.approve, denominator),
    })
}

/// Whether a council decides by the degraded rule of Điều 49.2: fewer than
/// two thirds of its statutory seats are held and at most eighteen months
/// of the term remain (so no by-election is held).
pub fn is_degraded(
    statutory: u32,
    in_office: u32,
    today: time::Date,
    term_ends: time::Date,
) -> bool {
    let short = u64::from(in_office) * 3 < u64::from(statutory) * 2;
    let months_left = (term_ends.year() - today.year()) * 12
        + (i32::from(u8::from(term_ends.month())) - i32::from(u8::from(today.month())));
    short && months_left <= 18
}

/// A share of the denominator in tenths of a percent, rounded half up, as
/// minutes print it ("43/84 đại biểu, 51,19%" is shown from 5119 / 100).
pub fn basis_points(part: u32, denominator: u32) -> u32 {
    if denominator == 0 {
        return 0;
    }
    let p = u64::from(part) * 10_000;
    let d = u64::from(denominator);
    u32::try_from((p * 2 + d) / (2 * d)).unwrap_or(u32::MAX)
}

/// Writes basis points as Vietnamese do: "51,19%".
pub fn percent_vi(bp: u32) -> String {
    format!("{},{:02}%", bp / 100, bp % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_state_and_event() {
        use RoundStatus as S;
        // Open, Close, Expire, RecordManual, Cancel
        let table: &[(S, [Option<S>; 5])] = &[
            (
                S::Ready,
                [
                    Some(S::Open),
                    None,
                    None,
                    Some(S::Closed),
                    Some(S::Cancelled),
                ],
            ),
            (
                S::Open,
                [
                    None,
                    Some(S::Closed),
                    Some(S::Closed),
                    None,
                    Some(S::Cancelled),
                ],
            ),
            (S::Closed, [None; 5]),
            (S::Cancelled, [None; 5]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in RoundEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
        assert!(S::Closed.allows_revote() && S::Cancelled.allows_revote());
        assert!(!S::Open.allows_revote() && !S::Ready.allows_revote());
    }

    #[test]
    fn every_ballot_condition_is_checked_in_order() {
        let ok = Voter {
            holds_office: true,
            present: true,
            has_voted: false,
        };
        assert_eq!(check_ballot(RoundStatus::Open, true, ok), Ok(()));
        for status in [
            RoundStatus::Ready,
            RoundStatus::Closed,
            RoundStatus::Cancelled,
        ] {
            assert_eq!(check_ballot(status, true, ok), Err(BallotRefusal::NotOpen));
        }
        assert_eq!(
            check_ballot(RoundStatus::Open, false, ok),
            Err(BallotRefusal::TimeUp)
        );
        let gone = Voter {
            holds_office: false,
            ..ok
        };
        assert_eq!(
            check_ballot(RoundStatus::Open, true, gone),
            Err(BallotRefusal::NotEligible)
        );
        let away = Voter {
            present: false,
            ..ok
        };
        assert_eq!(
            check_ballot(RoundStatus::Open, true, away),
            Err(BallotRefusal::NotPresent)
        );
        let twice = Voter {
            has_voted: true,
            ..ok
        };
        assert_eq!(
            check_ballot(RoundStatus::Open, true, twice),
            Err(BallotRefusal::AlreadyVoted)
        );
    }

    fn seats(statutory: u32, in_office: u32, present: u32) -> Seats {
        Seats {
            statutory,
            in_office,
            present,
        }
    }

    fn counts(approve: u32, reject: u32, abstain: u32) -> Counts {
        Counts {
            approve,
            reject,
            abstain,
        }
    }

    #[test]
    fn a_resolution_needs_more_than_half_of_all_deputies_not_of_those_present() {
        let rules = CouncilRules::default();
        // 84 in office, 60 present, 40 approve: a large majority of those
        // present, but not more than half of 84.
        let t = tally(
            counts(40, 15, 5),
            seats(85, 84, 60),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert_eq!((t.denominator, t.threshold, t.passed), (84, 43, false));
        assert_eq!(t.denominator_kind, Denominator::InOffice);
        let t = tally(
            counts(43, 10, 7),
            seats(85, 84, 60),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert!(t.passed);
        assert_eq!(t.not_voted, 0);
    }

    #[test]
    fn a_tie_does_not_pass() {
        let rules = CouncilRules::default();
        let t = tally(
            counts(42, 42, 0),
            seats(84, 84, 84),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert!(!t.passed, "42 of 84 is exactly half, not more");
        let t = tally(
            counts(10, 10, 0),
            seats(20, 20, 20),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert!(!t.passed);
    }

    #[test]
    fn statutory_seats_are_used_when_the_council_says_so() {
        let rules = CouncilRules {
            denominator: Denominator::Statutory,
            ..Default::default()
        };
        let t = tally(
            counts(43, 0, 0),
            seats(86, 84, 84),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert_eq!(
            (t.denominator, t.passed),
            (86, false),
            "43 is not more than half of 86"
        );
    }

    #[test]
    fn dismissal_needs_two_thirds_of_all_deputies() {
        let rules = CouncilRules::default();
        let t = tally(
            counts(56, 0, 0),
            seats(85, 84, 84),
            &rules,
            VotePurpose::Dismissal,
            false,
        )
        .unwrap();
        assert_eq!((t.threshold, t.passed), (56, true), "56 × 3 = 168 ≥ 84 × 2");
        let t = tally(
            counts(55, 0, 0),
            seats(85, 84, 84),
            &rules,
            VotePurpose::Dismissal,
            false,
        )
        .unwrap();
        assert!(!t.passed);
    }

    #[test]
    fn a_degraded_council_needs_more_than_two_thirds_of_deputies_in_office() {
        let rules = CouncilRules {
            denominator: Denominator::Statutory,
            ..Default::default()
        };
        // 50 seats, 30 in office (below two thirds): 20 approvals is exactly
        // two thirds of 30, which is not "more than".
        let t = tally(
            counts(20, 0, 0),
            seats(50, 30, 30),
            &rules,
            VotePurpose::Ordinary,
            true,
        )
        .unwrap();
        assert_eq!(t.rule, MajorityRule::MoreThanTwoThirds);
        assert_eq!(
            (t.denominator_kind, t.denominator),
            (Denominator::InOffice, 30)
        );
        assert_eq!((t.threshold, t.passed), (21, false));
        let t = tally(
            counts(21, 0, 0),
            seats(50, 30, 30),
            &rules,
            VotePurpose::Dismissal,
            true,
        )
        .unwrap();
        assert!(t.passed, "the degraded rule applies to every decision");
    }

    #[test]
    fn impossible_counts_are_refused() {
        let rules = CouncilRules::default();
        assert_eq!(
            tally(
                counts(30, 20, 11),
                seats(85, 84, 60),
                &rules,
                VotePurpose::Ordinary,
                false
            ),
            Err(TallyError::MoreBallotsThanPresent {
                ballots: 61,
                present: 60
            })
        );
        assert_eq!(
            tally(
                counts(1, 0, 0),
                seats(85, 84, 90),
                &rules,
                VotePurpose::Ordinary,
                false
            ),
            Err(TallyError::MorePresentThanInOffice {
                present: 90,
                in_office: 84
            })
        );
        let t = tally(
            Counts::default(),
            seats(85, 84, 0),
            &rules,
            VotePurpose::Ordinary,
            false,
        )
        .unwrap();
        assert!(!t.passed);
    }

    #[test]
    fn counts_add_up() {
        let mut c = Counts::default();
        for choice in [
            Choice::Approve,
            Choice::Approve,
            Choice::Reject,
            Choice::Abstain,
        ] {
            c.add(choice);
        }
        assert_eq!((c.approve, c.reject, c.abstain, c.total()), (2, 1, 1, 4));
        let labels = VoteLabels {
            approve: "Đồng ý".into(),
            ..Default::default()
        };
        assert_eq!(Choice::Approve.label_in(&labels), "Đồng ý");
        assert_eq!(Choice::Reject.label_in(&labels), "Không tán thành");
    }

    #[test]
    fn the_degraded_rule_needs_both_few_deputies_and_little_time() {
        use time::macros::date;
        let end = date!(2031 - 03 - 21);
        assert!(
            !is_degraded(50, 34, date!(2030 - 01 - 01), end),
            "34 of 50 is over two thirds"
        );
        assert!(
            is_degraded(50, 33, date!(2030 - 01 - 01), end),
            "15 months left"
        );
        assert!(
            !is_degraded(50, 33, date!(2027 - 01 - 01), end),
            "50 months left: a by-election"
        );
        assert!(
            is_degraded(50, 33, date!(2029 - 09 - 21), end),
            "exactly 18 months"
        );
    }

    #[test]
    fn percentages_are_rounded_half_up_and_written_the_vietnamese_way() {
        assert_eq!(basis_points(43, 84), 5119);
        assert_eq!(percent_vi(basis_points(43, 84)), "51,19%");
        assert_eq!(percent_vi(basis_points(1, 3)), "33,33%");
        assert_eq!(percent_vi(basis_points(2, 3)), "66,67%");
        assert_eq!(percent_vi(basis_points(84, 84)), "100,00%");
        assert_eq!(basis_points(5, 0), 0);
    }
}
