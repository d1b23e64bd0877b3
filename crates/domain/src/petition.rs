//! Kiến nghị cử tri — a voter petition from the meeting where it was raised
//! to the answer, its grading, the report at the session, and carry-over
//! when it is not resolved (domain-vn.md §3.4–3.5).
//!
//! The life cycle:
//!
//! ```text
//! Captured → Aggregated → Classified → Forwarded → Answered → Evaluated → Reported → Closed
//!     │           │            │          (đôn đốc)                  │          │
//!     └───────────┴────────────┴→ AnsweredOnSpot → (Reported) → Closed   carry-over (link)
//!     └───────────┴→ Merged (into the petition that keeps its sources)
//! ```
//!
//! Overdue is a flag computed from the due date and today's date, not a
//! state. Unresolved and partly resolved petitions are carried over to the
//! next period as a new petition linked to the old one; a petition voters
//! raise again is linked to the earlier one as a repeat (tái kiến nghị).
//!
//! Every transition returns a [`Transition`] for the caller to write to the
//! audit trail; the status changes only through these methods.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::calendar::{WorkingCalendar, local_date};
use crate::machine::TransitionError;
use crate::org::{CommitteeKind, coded_enum};
use crate::rules::Deadlines;

coded_enum! {
    /// Trạng thái kiến nghị — where a petition stands.
    PetitionStatus, "petition status" {
        /// Mới ghi nhận — typed at the meeting or imported.
        Captured = "moi_ghi_nhan", "Mới ghi nhận";
        /// Đã tổng hợp — taken into the summary of the round.
        Aggregated = "da_tong_hop", "Đã tổng hợp";
        /// Đã phân loại — field, competence and agency set.
        Classified = "da_phan_loai", "Đã phân loại";
        /// Đã trả lời tại hội nghị — answered at the meeting itself.
        AnsweredOnSpot = "tra_loi_tai_cho", "Đã trả lời tại hội nghị";
        /// Đã chuyển — forwarded to the agency with a due date.
        Forwarded = "da_chuyen", "Đã chuyển cơ quan giải quyết";
        /// Đã có văn bản trả lời.
        Answered = "da_tra_loi", "Đã có văn bản trả lời";
        /// Đã đánh giá kết quả giải quyết.
        Evaluated = "da_danh_gia", "Đã đánh giá kết quả";
        /// Đã báo cáo tại kỳ họp.
        Reported = "da_bao_cao", "Đã báo cáo tại kỳ họp";
        /// Đã kết thúc — communicated to voters and closed.
        Closed = "da_ket_thuc", "Đã kết thúc";
        /// Đã gộp — merged into another petition raising the same concern.
        Merged = "da_gop", "Đã gộp vào kiến nghị khác";
    }
}

coded_enum! {
    /// What can happen to a petition; labels are verb phrases for messages.
    PetitionEvent, "petition event" {
        /// Take into the summary (tổng hợp).
        Aggregate = "tong_hop", "tổng hợp";
        /// Merge into another petition (gộp).
        Merge = "gop", "gộp";
        /// Set or correct field, competence, agency (phân loại).
        Classify = "phan_loai", "phân loại";
        /// Record an answer given at the meeting.
        AnswerOnSpot = "tra_loi_tai_cho", "ghi nhận trả lời tại hội nghị";
        /// Forward to the agency (chuyển).
        Forward = "chuyen", "chuyển cơ quan giải quyết";
        /// Record the agency's written answer.
        RecordAnswer = "nhan_tra_loi", "ghi nhận văn bản trả lời";
        /// Urge the agency (đôn đốc).
        Urge = "don_doc", "đôn đốc";
        /// Grade the answer (đánh giá).
        Evaluate = "danh_gia", "đánh giá kết quả";
        /// Include in the report at the session.
        Report = "bao_cao", "báo cáo";
        /// Close after informing voters.
        Close = "ket_thuc", "kết thúc";
        /// Carry over to the next period.
        CarryOver = "chuyen_ky_sau", "chuyển sang kỳ sau";
        /// Link to an earlier petition it repeats (tái kiến nghị).
        MarkRepeat = "danh_dau_tai_kien_nghi", "đánh dấu tái kiến nghị";
    }
}

impl PetitionStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: PetitionEvent) -> Result<PetitionStatus, TransitionError> {
        use PetitionEvent as E;
        use PetitionStatus as S;
        let next = match (self, event) {
            (S::Captured, E::Aggregate) => S::Aggregated,
            (S::Captured | S::Aggregated, E::Merge) => S::Merged,
            (S::Aggregated | S::Classified, E::Classify) => S::Classified,
            (S::Captured | S::Aggregated | S::Classified, E::AnswerOnSpot) => S::AnsweredOnSpot,
            (S::Captured | S::Aggregated | S::Classified, E::MarkRepeat) => self,
            (S::Classified, E::Forward) => S::Forwarded,
            (S::Forwarded, E::Urge) => S::Forwarded,
            (S::Forwarded, E::RecordAnswer) => S::Answered,
            // An evaluation may be corrected until the report is made.
            (S::Answered | S::Evaluated, E::Evaluate) => S::Evaluated,
            (S::Evaluated | S::AnsweredOnSpot, E::Report) => S::Reported,
            (S::Reported | S::AnsweredOnSpot, E::Close) => S::Closed,
            // Carry-over links a new petition; this one keeps its state.
            (S::Evaluated | S::Reported | S::Closed, E::CarryOver) => self,
            _ => {
                return Err(TransitionError {
                    subject: "kiến nghị",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }

    /// Whether the council has taken the petition up, so that the public
    /// portal and open data show it.
    pub fn is_published(self) -> bool {
        matches!(
            self,
            Self::AnsweredOnSpot
                | Self::Forwarded
                | Self::Answered
                | Self::Evaluated
                | Self::Reported
                | Self::Closed
        )
    }

    /// Whether the petition still waits on someone (for dashboards).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Merged)
    }
}

coded_enum! {
    /// Thẩm quyền giải quyết — which level of government must resolve it.
    Competence, "competence" {
        /// Cấp xã.
        Commune = "xa", "Cấp xã";
        /// Cấp huyện — only in records from before 1 July 2025, when
        /// districts were abolished.
        District = "huyen", "Cấp huyện (trước 01/7/2025)";
        /// Cấp tỉnh.
        Province = "tinh", "Cấp tỉnh";
        /// Trung ương — sent on through the Đoàn ĐBQH.
        Central = "trung_uong", "Trung ương";
    }
}

impl Competence {
    /// Whether new petitions can be routed to this level today.
    pub fn is_current(self) -> bool {
        self != Self::District
    }
}

coded_enum! {
    /// Kết quả giải quyết — how the council grades an answer.
    ResultClass, "result class" {
        /// Đã giải quyết xong.
        ResolvedDone = "da_giai_quyet", "Đã giải quyết";
        /// Đang giải quyết, có lộ trình — partly resolved or on a roadmap.
        ResolvedPartly = "dang_giai_quyet", "Đang giải quyết, có lộ trình";
        /// Giải trình, thông tin — explained or informed.
        ExplainedInformed = "giai_trinh", "Giải trình, thông tin cho cử tri";
        /// Chưa giải quyết — with the reason.
        NotResolved = "chua_giai_quyet", "Chưa giải quyết";
    }
}

impl ResultClass {
    /// Whether a petition with this result carries over to the next period.
    pub fn carries_over(self) -> bool {
        matches!(self, Self::ResolvedPartly | Self::NotResolved)
    }
}

coded_enum! {
    /// Luồng kiến nghị — whose petitions a round collects.
    Track, "petition track" {
        /// Kiến nghị gửi kỳ họp HĐND — answered by local agencies.
        Council = "hdnd", "Kiến nghị gửi kỳ họp HĐND";
        /// Kiến nghị gửi kỳ họp Quốc hội — the Đoàn ĐBQH's track: sent on
        /// within 15 days after the National Assembly session, answered
        /// within 60 days.
        Delegation = "doan_dbqh", "Kiến nghị gửi kỳ họp Quốc hội (Đoàn ĐBQH)";
    }
}

coded_enum! {
    /// Hình thức tiếp xúc cử tri — the kind of voter-contact meeting.
    MeetingKind, "meeting kind" {
        /// Trước kỳ họp.
        BeforeSession = "truoc_ky_hop", "Trước kỳ họp";
        /// Sau kỳ họp.
        AfterSession = "sau_ky_hop", "Sau kỳ họp";
        /// Chuyên đề — with a group of voters on one subject.
        Thematic = "chuyen_de", "Theo chuyên đề";
        /// Trực tuyến.
        Online = "truc_tuyen", "Trực tuyến";
    }
}

/// Lĩnh vực (chủ đề) — the topic codes petitions are tagged with, and their
/// Vietnamese names, in the order the office lists them.
pub const TOPICS: &[(&str, &str)] = &[
    ("giao_thong", "Giao thông"),
    ("giao_thong_nong_thon", "Giao thông nông thôn"),
    ("dat_dai", "Đất đai"),
    ("boi_thuong_gpmb", "Bồi thường, giải phóng mặt bằng"),
    ("tai_dinh_cu", "Tái định cư"),
    ("quy_hoach", "Quy hoạch"),
    ("dien", "Điện"),
    ("nuoc_sach", "Nước sạch"),
    ("thoat_nuoc", "Thoát nước"),
    ("thuy_loi", "Thủy lợi"),
    ("nong_nghiep", "Nông nghiệp"),
    ("moi_truong", "Môi trường"),
    ("rac_thai", "Rác thải"),
    ("khoang_san", "Khoáng sản"),
    ("y_te", "Y tế"),
    ("bao_hiem_y_te", "Bảo hiểm y tế"),
    ("bao_hiem_xa_hoi", "Bảo hiểm xã hội"),
    ("an_toan_thuc_pham", "An toàn thực phẩm"),
    ("giao_duc", "Giáo dục"),
    ("co_so_vat_chat_truong_hoc", "Cơ sở vật chất trường học"),
    ("thiet_che_van_hoa", "Thiết chế văn hóa"),
    ("chinh_sach_can_bo", "Chính sách cán bộ"),
    ("nguoi_co_cong", "Người có công"),
    ("an_sinh_xa_hoi", "An sinh xã hội"),
    ("chinh_sach_dan_toc", "Chính sách dân tộc"),
    ("thue_phi", "Thuế, phí"),
    ("cum_cong_nghiep", "Cụm công nghiệp"),
    ("khu_cong_nghiep", "Khu công nghiệp"),
    ("cho_ha_tang_thuong_mai", "Chợ, hạ tầng thương mại"),
    ("nha_chung_cu", "Nhà chung cư"),
    ("trat_tu_do_thi", "Trật tự đô thị"),
    ("an_ninh_trat_tu", "An ninh, trật tự"),
    ("cu_tru_giay_to", "Cư trú, giấy tờ"),
    ("cai_cach_hanh_chinh", "Cải cách hành chính"),
    ("phong_chong_thien_tai", "Phòng, chống thiên tai"),
    ("khac", "Khác"),
];

/// The Vietnamese name of a topic code, or the code itself when unknown.
pub fn topic_label(code: &str) -> &str {
    TOPICS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

/// Số, ký hiệu and date of a document (công văn chuyển, văn bản trả lời).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Số, ký hiệu: "125/HĐND-VP".
    pub number: String,
    /// Ngày ban hành.
    pub date: Date,
}

/// Phân loại — what the petition is about and who must resolve it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Lĩnh vực — the committee field.
    pub field: CommitteeKind,
    /// Chủ đề — a topic code (`giao_thong`, `dat_dai`, …).
    pub topic: String,
    /// Thẩm quyền.
    pub competence: Competence,
    /// Cơ quan giải quyết — the body that must answer, when known.
    pub agency_id: Option<i64>,
}

/// Where the petition was sent and by when it must be answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The agency.
    pub agency_id: i64,
    /// The forwarding letter (công văn chuyển).
    pub letter: DocumentRef,
    /// Ngày chuyển.
    pub forwarded_on: Date,
    /// Hạn trả lời — the last day for the answer.
    pub due: Date,
}

/// Văn bản trả lời — the agency's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The answering document.
    pub document: DocumentRef,
    /// Its summary, as published.
    pub summary: String,
    /// The day the council received it.
    pub received_on: Date,
}

/// Đánh giá — the council's grading of an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The result class.
    pub result: ResultClass,
    /// The reason or roadmap; required when not resolved.
    pub note: String,
    /// When it was graded.
    pub on: Date,
}

/// One applied transition, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The petition.
    pub petition_id: i64,
    /// What happened.
    pub event: PetitionEvent,
    /// Status before.
    pub from: PetitionStatus,
    /// Status after.
    pub to: PetitionStatus,
    /// When.
    pub at: OffsetDateTime,
}

/// Why a petition or a change to it was refused; shown to staff as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PetitionError {
    /// The state does not allow the event.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The text is empty, too long, or holds control characters.
    #[error("Nội dung kiến nghị phải có từ 1 đến {max} ký tự, không chứa ký tự điều khiển.")]
    Text {
        /// The limit.
        max: usize,
    },
    /// A petition raised by nobody.
    #[error("Số lượt cử tri phải lớn hơn 0.")]
    VoterCount,
    /// The due date is not after the forwarding day.
    #[error("Hạn trả lời phải sau ngày chuyển kiến nghị.")]
    DueNotAfterForwarding,
    /// The answer's summary is empty.
    #[error("Nội dung trả lời không được để trống.")]
    EmptyAnswer,
    /// A "not resolved" or "partly resolved" grade without a reason or roadmap.
    #[error("Kết quả “{0}” phải ghi rõ lý do hoặc lộ trình.")]
    NoteRequired(ResultClass),
    /// Carry-over asked for a petition whose result does not carry over.
    #[error("Chỉ kiến nghị chưa giải quyết hoặc đang giải quyết mới được chuyển sang kỳ sau.")]
    NotCarryable,
    /// Carried over once already.
    #[error("Kiến nghị này đã được chuyển sang kỳ sau.")]
    AlreadyCarried,
    /// Merging or linking a petition with itself.
    #[error("Không thể gộp hoặc liên kết kiến nghị với chính nó.")]
    SelfLink,
    /// Merging into a petition that has been forwarded already.
    #[error("Chỉ gộp được vào kiến nghị chưa chuyển cơ quan giải quyết.")]
    MergeTarget,
    /// Forwarding to an agency other than the one classified.
    #[error("Cơ quan nhận khác cơ quan đã phân loại; hãy phân loại lại trước.")]
    AgencyMismatch,
}

/// The longest petition text kept.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// What a secretary or an import supplies for a new petition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPetition {
    /// Store identifier.
    pub id: i64,
    /// The council it belongs to.
    pub council_id: i64,
    /// The period (kỳ họp or đợt tiếp xúc cử tri) it was raised for.
    pub period_id: i64,
    /// Nội dung as said or typed.
    pub text: String,
    /// Số lượt cử tri who raised it.
    pub voter_count: u32,
    /// Mã đơn vị hành chính of the commune where it was raised.
    pub place_code: Option<String>,
    /// The captured opinion it comes from (ý kiến tại hội nghị).
    pub source_id: Option<i64>,
}

/// Kiến nghị cử tri — a petition and everything that happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Petition {
    id: i64,
    council_id: i64,
    period_id: i64,
    text: String,
    voter_count: u32,
    places: BTreeSet<String>,
    sources: BTreeSet<i64>,
    status: PetitionStatus,
    classification: Option<Classification>,
    on_spot_answer: Option<String>,
    assignment: Option<Assignment>,
    urges: Vec<Date>,
    answer: Option<Answer>,
    evaluation: Option<Evaluation>,
    report: Option<String>,
    repeat_of: Option<i64>,
    merged_into: Option<i64>,
    carried_from: Option<i64>,
    carried_to: Option<i64>,
}

impl Petition {
    /// Records a new petition in [`PetitionStatus::Captured`].
    pub fn capture(new: NewPetition) -> Result<Self, PetitionError> {
        let text = new.text.trim().to_owned();
        let bad_char = text
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\t') || crate::text::is_invisible(c));
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS || bad_char {
            return Err(PetitionError::Text {
                max: MAX_TEXT_CHARS,
            });
        }
        if new.voter_count == 0 {
            return Err(PetitionError::VoterCount);
        }
        Ok(Self {
            id: new.id,
            council_id: new.council_id,
            period_id: new.period_id,
            text,
            voter_count: new.voter_count,
            places: new.place_code.into_iter().collect(),
            sources: new.source_id.into_iter().collect(),
            status: PetitionStatus::Captured,
            classification: None,
            on_spot_answer: None,
            assignment: None,
            urges: Vec::new(),
            answer: None,
            evaluation: None,
            report: None,
            repeat_of: None,
            merged_into: None,
            carried_from: None,
            carried_to: None,
        })
    }

    /// Store identifier.
    pub fn id(&self) -> i64 {
        self.id
    }
    /// The council.
    pub fn council_id(&self) -> i64 {
        self.council_id
    }
    /// The period.
    pub fn period_id(&self) -> i64 {
        self.period_id
    }
    /// Nội dung.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// Số lượt cử tri, summed over merged petitions.
    pub fn voter_count(&self) -> u32 {
        self.voter_count
    }
    /// Communes where it was raised, over merged petitions.
    pub fn places(&self) -> &BTreeSet<String> {
        &self.places
    }
    /// Captured opinions it stands for, over merged petitions.
    pub fn sources(&self) -> &BTreeSet<i64> {
        &self.sources
    }
    /// Where it stands.
    pub fn status(&self) -> PetitionStatus {
        self.status
    }
    /// Field, competence and agency, once classified.
    pub fn classification(&self) -> Option<&Classification> {
        self.classification.as_ref()
    }
    /// The answer given at the meeting, if any.
    pub fn on_spot_answer(&self) -> Option<&str> {
        self.on_spot_answer.as_deref()
    }
    /// Agency and due date, once forwarded.
    pub fn assignment(&self) -> Option<&Assignment> {
        self.assignment.as_ref()
    }
    /// Days on which the agency was urged (đôn đốc lần 1, 2, …).
    pub fn urges(&self) -> &[Date] {
        &self.urges
    }
    /// The written answer, once received.
    pub fn answer(&self) -> Option<&Answer> {
        self.answer.as_ref()
    }
    /// The grading, once evaluated.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation.as_ref()
    }
    /// The report it was included in.
    pub fn report(&self) -> Option<&str> {
        self.report.as_deref()
    }
    /// The earlier petition it repeats (tái kiến nghị).
    pub fn repeat_of(&self) -> Option<i64> {
        self.repeat_of
    }
    /// The petition it was merged into.
    pub fn merged_into(&self) -> Option<i64> {
        self.merged_into
    }
    /// The petition of an earlier period it carries over.
    pub fn carried_from(&self) -> Option<i64> {
        self.carried_from
    }
    /// The petition of the next period that carries it over.
    pub fn carried_to(&self) -> Option<i64> {
        self.carried_to
    }

    /// Quá hạn — forwarded, unanswered, and `today` is past the due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == PetitionStatus::Forwarded
            && self.assignment.as_ref().is_some_and(|a| today > a.due)
    }

    /// Whether the answer came by the due date; `None` until answered.
    pub fn answered_on_time(&self) -> Option<bool> {
        let due = self.assignment.as_ref()?.due;
        Some(self.answer.as_ref()?.received_on <= due)
    }

    /// The reminder that falls `today`: one of `days_before` (the council's
    /// [`Deadlines::reminder_days_before`]) equal to the days left.
    pub fn reminder_due(&self, today: Date, days_before: &[u32]) -> Option<u32> {
        if self.status != PetitionStatus::Forwarded {
            return None;
        }
        let left = (self.assignment.as_ref()?.due - today).whole_days();
        days_before.iter().copied().find(|d| i64::from(*d) == left)
    }

    fn apply(
        &mut self,
        event: PetitionEvent,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        let from = self.status;
        let to = from.on(event)?;
        self.status = to;
        Ok(Transition {
            petition_id: self.id,
            event,
            from,
            to,
            at: now,
        })
    }

    fn check(&self, event: PetitionEvent) -> Result<(), PetitionError> {
        self.status.on(event)?;
        Ok(())
    }

    /// Takes the petition into the summary of the round (tổng hợp).
    pub fn aggregate(&mut self, now: OffsetDateTime) -> Result<Transition, PetitionError> {
        self.apply(PetitionEvent::Aggregate, now)
    }

    /// Merges this petition into `target`, which keeps every source, the
    /// sum of voters and the union of places. This one becomes
    /// [`PetitionStatus::Merged`].
    pub fn merge_into(
        &mut self,
        target: &mut Petition,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Merge)?;
        if target.id == self.id {
            return Err(PetitionError::SelfLink);
        }
        let open_target = matches!(
            target.status,
            PetitionStatus::Captured | PetitionStatus::Aggregated | PetitionStatus::Classified
        );
        if !open_target {
            return Err(PetitionError::MergeTarget);
        }
        target.voter_count = target.voter_count.saturating_add(self.voter_count);
        target.places.extend(self.places.iter().cloned());
        target.sources.extend(self.sources.iter().copied());
        target.sources.insert(self.id);
        if target.repeat_of.is_none() {
            target.repeat_of = self.repeat_of;
        }
        self.merged_into = Some(target.id);
        self.apply(PetitionEvent::Merge, now)
    }

    /// Sets or corrects field, competence and agency.
    pub fn classify(
        &mut self,
        classification: Classification,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Classify)?;
        self.classification = Some(classification);
        self.apply(PetitionEvent::Classify, now)
    }

    /// Records the answer given at the meeting by the officials present.
    pub fn answer_on_spot(
        &mut self,
        answer: &str,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::AnswerOnSpot)?;
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(PetitionError::EmptyAnswer);
        }
        self.on_spot_answer = Some(answer.to_owned());
        self.apply(PetitionEvent::AnswerOnSpot, now)
    }

    /// Forwards the petition to `agency_id` with the letter `letter`, to be
    /// answered by `due` (see [`answer_due_date`]).
    pub fn forward(
        &mut self,
        agency_id: i64,
        letter: DocumentRef,
        due: Date,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Forward)?;
        let forwarded_on = local_date(now);
        if due <= forwarded_on {
            return Err(PetitionError::DueNotAfterForwarding);
        }
        let classified = self.classification.as_ref().and_then(|c| c.agency_id);
        if classified.is_some_and(|a| a != agency_id) {
            return Err(PetitionError::AgencyMismatch);
        }
        self.assignment = Some(Assignment {
            agency_id,
            letter,
            forwarded_on,
            due,
        });
        self.apply(PetitionEvent::Forward, now)
    }

    /// Đôn đốc — records that the agency was urged today.
    pub fn urge(&mut self, now: OffsetDateTime) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Urge)?;
        self.urges.push(local_date(now));
        self.apply(PetitionEvent::Urge, now)
    }

    /// Records the agency's written answer, received today.
    pub fn record_answer(
        &mut self,
        document: DocumentRef,
        summary: &str,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::RecordAnswer)?;
        let summary = summary.trim();
        if summary.is_empty() {
            return Err(PetitionError::EmptyAnswer);
        }
        self.answer = Some(Answer {
            document,
            summary: summary.to_owned(),
            received_on: local_date(now),
        });
        self.apply(PetitionEvent::RecordAnswer, now)
    }

    /// Grades the answer. "Not resolved" needs the reason and "partly
    /// resolved" the roadmap, in `note`.
    pub fn evaluate(
        &mut self,
        result: ResultClass,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Evaluate)?;
        let note = note.trim();
        if result.carries_over() && note.is_empty() {
            return Err(PetitionError::NoteRequired(result));
        }
        self.evaluation = Some(Evaluation {
            result,
            note: note.to_owned(),
            on: local_date(now),
        });
        self.apply(PetitionEvent::Evaluate, now)
    }

    /// Includes the petition in the report `report` (its number or title).
    pub fn report_in(
        &mut self,
        report: &str,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::Report)?;
        self.report = Some(report.trim().to_owned());
        self.apply(PetitionEvent::Report, now)
    }

    /// Closes the petition once voters have been informed.
    pub fn close(&mut self, now: OffsetDateTime) -> Result<Transition, PetitionError> {
        self.apply(PetitionEvent::Close, now)
    }

    /// Links this petition to an earlier one it repeats (tái kiến nghị).
    pub fn mark_repeat_of(
        &mut self,
        earlier_id: i64,
        now: OffsetDateTime,
    ) -> Result<Transition, PetitionError> {
        self.check(PetitionEvent::MarkRepeat)?;
        if earlier_id == self.id {
            return Err(PetitionError::SelfLink);
        }
        self.repeat_of = Some(earlier_id);
        self.apply(PetitionEvent::MarkRepeat, now)
    }

    /// Carries an unresolved or partly resolved petition over to the next
    /// period: returns the new petition, already classified as this one
    /// was and linked to it, ready to be forwarded again.
    pub fn carry_over(
        &mut self,
        new_id: i64,
        next_period_id: i64,
        now: OffsetDateTime,
    ) -> Result<(Petition, Transition), PetitionError> {
        self.check(PetitionEvent::CarryOver)?;
        if new_id == self.id {
            return Err(PetitionError::SelfLink);
        }
        if self.carried_to.is_some() {
            return Err(PetitionError::AlreadyCarried);
        }
        let carries = self
            .evaluation
            .as_ref()
            .is_some_and(|e| e.result.carries_over());
        if !carries {
            return Err(PetitionError::NotCarryable);
        }
        let next = Petition {
            id: new_id,
            period_id: next_period_id,
            status: PetitionStatus::Classified,
            on_spot_answer: None,
            assignment: None,
            urges: Vec::new(),
            answer: None,
            evaluation: None,
            report: None,
            merged_into: None,
            carried_from: Some(self.id),
            carried_to: None,
            ..self.clone()
        };
        self.carried_to = Some(new_id);
        let transition = self.apply(PetitionEvent::CarryOver, now)?;
        Ok((next, transition))
    }
}

/// Hạn trả lời — the due date for an answer to a petition forwarded on
/// `forwarded_on`: the council's deadline for local agencies, or the 60
/// calendar days of QĐ 30/2020/QĐ-TTg for central ones, counted on
/// `calendar` (see [`WorkingCalendar::due_date`]).
pub fn answer_due_date(
    calendar: &WorkingCalendar,
    deadlines: &Deadlines,
    competence: Competence,
    forwarded_on: Date,
) -> Date {
    match competence {
        Competence::Central => {
            calendar.due_date(forwarded_on, deadlines.central_answer_days, false)
        }
        Competence::Commune | Competence::District | Competence::Province => calendar.due_date(
            forwarded_on,
            deadlines.petition_answer_days,
            deadlines.petition_answer_working_days,
        ),
    }
}

/// Nhắc hạn trả lời — what the agency is told about answers due on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnswerReminder {
    /// The due date is this many days away (one of the council's
    /// reminder days, such as 15, 7 or 3).
    DaysBefore(u32),
    /// The due date has passed with the answer missing.
    Overdue,
}

impl AnswerReminder {
    /// A stable key, so that each reminder is sent once.
    pub fn key(self) -> String {
        match self {
            Self::DaysBefore(d) => format!("nhac-{d}"),
            Self::Overdue => "qua-han".to_owned(),
        }
    }
}

/// The reminder owed on `today` for answers due on `due`, given the days
/// before the due date at which the council reminds (`days_before`): from
/// the day after `due` the overdue notice; otherwise the nearest reminder
/// day already reached, so a server that was stopped for a while sends the
/// one that matters now rather than every one it missed; `None` before the
/// first. Calendar days, counted to the due date itself.
pub fn answer_reminder(due: Date, today: Date, days_before: &[u32]) -> Option<AnswerReminder> {
    let left = (due - today).whole_days();
    if left < 0 {
        return Some(AnswerReminder::Overdue);
    }
    days_before
        .iter()
        .copied()
        .filter(|&d| left <= i64::from(d))
        .min()
        .map(AnswerReminder::DaysBefore)
}

/// Kỳ họp Quốc hội — the dates of the National Assembly session a round of
/// the Delegation's track reports to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblySession {
    /// Ngày khai mạc.
    pub opening: Date,
    /// Ngày bế mạc.
    pub closing: Date,
}

/// The NA session's dates are not a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Ngày bế mạc kỳ họp Quốc hội phải sau hoặc trùng ngày khai mạc.")]
pub struct ClosingBeforeOpening;

impl AssemblySession {
    /// A session from its opening and closing days.
    pub fn new(opening: Date, closing: Date) -> Result<Self, ClosingBeforeOpening> {
        if closing < opening {
            return Err(ClosingBeforeOpening);
        }
        Ok(Self { opening, closing })
    }

    /// Hạn gửi kiến nghị: the day by which the Delegation must have sent
    /// the petitions of a round opened on `round_opened_on` to the NA
    /// Standing Committee — `days` (15 under NQLT 72, Chương IV; the
    /// council's `Deadlines::delegation_forward_days`) before opening for
    /// contact before the session, `days` after closing for contact during
    /// or after it. Calendar days, as NQLT 72 counts them.
    pub fn send_by(&self, round_opened_on: Date, days: u32) -> Date {
        let days = time::Duration::days(i64::from(days));
        if round_opened_on < self.opening {
            self.opening - days
        } else {
            self.closing + days
        }
    }
}

/// Where a round of the Delegation's track stands against its sending window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendingWindow {
    /// Still open: this many days left, the deadline day included.
    Open {
        /// Days until the deadline (0 on the day itself).
        days_left: i64,
    },
    /// The deadline has passed with petitions not yet sent.
    Overdue {
        /// Days past the deadline.
        days_late: i64,
    },
}

impl SendingWindow {
    /// The state on `today` of a window that closes on `send_by`.
    pub fn on(send_by: Date, today: Date) -> Self {
        let days = (send_by - today).whole_days();
        if days >= 0 {
            Self::Open { days_left: days }
        } else {
            Self::Overdue { days_late: -days }
        }
    }
}

/// Whether a letter issued on `issued_on` went out after `send_by`, and by
/// how many days.
pub fn days_late(send_by: Date, issued_on: Date) -> Option<i64> {
    let late = (issued_on - send_by).whole_days();
    (late > 0).then_some(late)
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-03-02 02:00 UTC);

    #[test]
    fn answer_reminders_fall_on_the_councils_days_and_once_overdue() {
        let due = date!(2027 - 01 - 15);
        let days = [15, 7, 3];
        let on = |d: Date| answer_reminder(due, d, &days);
        assert_eq!(on(date!(2026 - 12 - 30)), None);
        assert_eq!(
            on(date!(2026 - 12 - 31)),
            Some(AnswerReminder::DaysBefore(15))
        );
        assert_eq!(
            on(date!(2027 - 01 - 07)),
            Some(AnswerReminder::DaysBefore(15))
        );
        assert_eq!(
            on(date!(2027 - 01 - 08)),
            Some(AnswerReminder::DaysBefore(7))
        );
        assert_eq!(
            on(date!(2027 - 01 - 12)),
            Some(AnswerReminder::DaysBefore(3))
        );
        assert_eq!(on(due), Some(AnswerReminder::DaysBefore(3)));
        assert_eq!(on(date!(2027 - 01 - 16)), Some(AnswerReminder::Overdue));
        assert_eq!(answer_reminder(due, date!(2027 - 01 - 10), &[]), None);
        // Walking day by day, the distinct reminders are exactly the
        // council's days and the overdue notice, in that order.
        let mut seen: Vec<AnswerReminder> = Vec::new();
        let mut day = date!(2026 - 12 - 01);
        while day <= date!(2027 - 02 - 01) {
            if let Some(r) = on(day)
                && seen.last() != Some(&r)
            {
                seen.push(r);
            }
            day = day.next_day().unwrap();
        }
        assert_eq!(
            seen,
            vec![
                AnswerReminder::DaysBefore(15),
                AnswerReminder::DaysBefore(7),
                AnswerReminder::DaysBefore(3),
                AnswerReminder::Overdue
            ]
        );
        assert_eq!(AnswerReminder::DaysBefore(7).key(), "nhac-7");
        assert_eq!(AnswerReminder::Overdue.key(), "qua-han");
    }

    #[test]
    fn the_delegation_sends_15_days_before_opening_or_after_closing() {
        let na = AssemblySession::new(date!(2026 - 10 - 20), date!(2026 - 12 - 10)).unwrap();
        // Contact before the session: 15 days before opening.
        assert_eq!(na.send_by(date!(2026 - 09 - 01), 15), date!(2026 - 10 - 05));
        // Contact on the opening day or later: 15 days after closing.
        assert_eq!(na.send_by(date!(2026 - 10 - 20), 15), date!(2026 - 12 - 25));
        assert_eq!(na.send_by(date!(2026 - 12 - 15), 15), date!(2026 - 12 - 25));
        // A one-day session is allowed; closing before opening is not.
        assert!(AssemblySession::new(date!(2026 - 10 - 20), date!(2026 - 10 - 20)).is_ok());
        assert_eq!(
            AssemblySession::new(date!(2026 - 10 - 20), date!(2026 - 10 - 19)),
            Err(ClosingBeforeOpening)
        );
    }

    #[test]
    fn the_sending_window_counts_days_left_and_late() {
        let by = date!(2026 - 12 - 25);
        assert_eq!(
            SendingWindow::on(by, date!(2026 - 12 - 10)),
            SendingWindow::Open { days_left: 15 }
        );
        assert_eq!(
            SendingWindow::on(by, by),
            SendingWindow::Open { days_left: 0 }
        );
        assert_eq!(
            SendingWindow::on(by, date!(2027 - 01 - 02)),
            SendingWindow::Overdue { days_late: 8 }
        );
        assert_eq!(days_late(by, by), None);
        assert_eq!(days_late(by, date!(2026 - 12 - 20)), None);
        assert_eq!(days_late(by, date!(2026 - 12 - 26)), Some(1));
    }

    fn new_petition(id: i64) -> Petition {
        Petition::capture(NewPetition {
            id,
            council_id: 1,
            period_id: 10,
            text: "Đề nghị nâng cấp Quốc lộ 7 đoạn qua xã Anh Sơn.".into(),
            voter_count: 3,
            place_code: Some("17998".into()),
            source_id: Some(100 + id),
        })
        .unwrap()
    }

    fn classification() -> Classification {
        Classification {
            field: CommitteeKind::EconomyBudget,
            topic: "giao_thong".into(),
            competence: Competence::Province,
            agency_id: Some(7),
        }
    }

    fn letter() -> DocumentRef {
        DocumentRef {
            number: "125/HĐND-VP".into(),
            date: date!(2026 - 03 - 02),
        }
    }

    /// A petition driven through real transitions to `status`.
    fn in_status(status: PetitionStatus) -> Petition {
        use PetitionStatus as S;
        let mut p = new_petition(1);
        let path: &[PetitionEvent] = match status {
            S::Captured => &[],
            S::Aggregated => &[PetitionEvent::Aggregate],
            S::Classified => &[PetitionEvent::Aggregate, PetitionEvent::Classify],
            S::AnsweredOnSpot => &[PetitionEvent::AnswerOnSpot],
            S::Forwarded => &[
                PetitionEvent::Aggregate,
                PetitionEvent::Classify,
                PetitionEvent::Forward,
            ],
            S::Answered => &[
                PetitionEvent::Aggregate,
                PetitionEvent::Classify,
                PetitionEvent::Forward,
                PetitionEvent::RecordAnswer,
            ],
            S::Evaluated => &[
                PetitionEvent::Aggregate,
                PetitionEvent::Classify,
                PetitionEvent::Forward,
                PetitionEvent::RecordAnswer,
                PetitionEvent::Evaluate,
            ],
            S::Reported => &[
                PetitionEvent::Aggregate,
                PetitionEvent::Classify,
                PetitionEvent::Forward,
                PetitionEvent::RecordAnswer,
                PetitionEvent::Evaluate,
                PetitionEvent::Report,
            ],
            S::Closed => &[
                PetitionEvent::Aggregate,
                PetitionEvent::Classify,
                PetitionEvent::Forward,
                PetitionEvent::RecordAnswer,
                PetitionEvent::Evaluate,
                PetitionEvent::Report,
                PetitionEvent::Close,
            ],
            S::Merged => &[PetitionEvent::Merge],
        };
        for event in path {
            fire(&mut p, *event).unwrap();
        }
        assert_eq!(p.status(), status);
        p
    }

    /// Applies `event` with valid arguments through the petition's method.
    fn fire(p: &mut Petition, event: PetitionEvent) -> Result<Transition, PetitionError> {
        use PetitionEvent as E;
        match event {
            E::Aggregate => p.aggregate(NOW),
            E::Merge => p.merge_into(&mut new_petition(2), NOW),
            E::Classify => p.classify(classification(), NOW),
            E::AnswerOnSpot => p.answer_on_spot("Đã giải thích tại hội nghị.", NOW),
            E::Forward => p.forward(7, letter(), date!(2026 - 04 - 14), NOW),
            E::RecordAnswer => p.record_answer(letter(), "Sở GTVT đã bố trí vốn năm 2026.", NOW),
            E::Urge => p.urge(NOW),
            E::Evaluate => p.evaluate(ResultClass::NotResolved, "Chưa bố trí được vốn.", NOW),
            E::Report => p.report_in("Báo cáo 45/BC-HĐND", NOW),
            E::Close => p.close(NOW),
            E::CarryOver => p.carry_over(99, 11, NOW).map(|(_, t)| t),
            E::MarkRepeat => p.mark_repeat_of(50, NOW),
        }
    }

    /// Every (state, event) pair, written out: `None` where refused. The
    /// same table is checked on [`PetitionStatus::on`] and, through the
    /// methods, on a real petition.
    #[test]
    fn every_petition_state_and_event() {
        use PetitionStatus as S;
        // Aggregate, Merge, Classify, AnswerOnSpot, Forward, RecordAnswer,
        // Urge, Evaluate, Report, Close, CarryOver, MarkRepeat
        let n = None;
        let table: &[(S, [Option<S>; 12])] = &[
            (
                S::Captured,
                [
                    Some(S::Aggregated),
                    Some(S::Merged),
                    n,
                    Some(S::AnsweredOnSpot),
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Captured),
                ],
            ),
            (
                S::Aggregated,
                [
                    n,
                    Some(S::Merged),
                    Some(S::Classified),
                    Some(S::AnsweredOnSpot),
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Aggregated),
                ],
            ),
            (
                S::Classified,
                [
                    n,
                    n,
                    Some(S::Classified),
                    Some(S::AnsweredOnSpot),
                    Some(S::Forwarded),
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Classified),
                ],
            ),
            (
                S::AnsweredOnSpot,
                [
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Reported),
                    Some(S::Closed),
                    n,
                    n,
                ],
            ),
            (
                S::Forwarded,
                [
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Answered),
                    Some(S::Forwarded),
                    n,
                    n,
                    n,
                    n,
                    n,
                ],
            ),
            (
                S::Answered,
                [n, n, n, n, n, n, n, Some(S::Evaluated), n, n, n, n],
            ),
            (
                S::Evaluated,
                [
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Evaluated),
                    Some(S::Reported),
                    n,
                    Some(S::Evaluated),
                    n,
                ],
            ),
            (
                S::Reported,
                [
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    n,
                    Some(S::Closed),
                    Some(S::Reported),
                    n,
                ],
            ),
            (
                S::Closed,
                [n, n, n, n, n, n, n, n, n, n, Some(S::Closed), n],
            ),
            (S::Merged, [n; 12]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        assert_eq!(PetitionEvent::ALL.len(), 12);
        for (state, row) in table {
            for (event, want) in PetitionEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");

                let mut p = in_status(*state);
                let before = p.clone();
                let got = fire(&mut p, *event);
                match want {
                    Some(to) => {
                        let t = got.unwrap_or_else(|e| panic!("{state:?} + {event:?}: {e}"));
                        assert_eq!((t.from, t.to, t.event), (*state, *to, *event));
                        assert_eq!(p.status(), *to);
                    }
                    None => {
                        assert!(
                            matches!(got, Err(PetitionError::Transition(_))),
                            "{state:?} + {event:?} gave {got:?}"
                        );
                        assert_eq!(p, before, "a refused event changed {state:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_refused_transition_explains_itself_in_vietnamese() {
        let mut p = in_status(PetitionStatus::Captured);
        let err = p
            .forward(7, letter(), date!(2026 - 04 - 14), NOW)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Không thể chuyển cơ quan giải quyết khi kiến nghị đang ở trạng thái “Mới ghi nhận”."
        );
    }

    #[test]
    fn empty_or_sneaky_text_and_zero_voters_are_refused() {
        let base = NewPetition {
            id: 1,
            council_id: 1,
            period_id: 1,
            text: "  ".into(),
            voter_count: 1,
            place_code: None,
            source_id: None,
        };
        assert_eq!(
            Petition::capture(base.clone()).unwrap_err(),
            PetitionError::Text {
                max: MAX_TEXT_CHARS
            }
        );
        let sneaky = NewPetition {
            text: "Đường\u{202e}xấu".into(),
            ..base.clone()
        };
        assert!(Petition::capture(sneaky).is_err());
        let nobody = NewPetition {
            text: "Đề nghị sửa đường.".into(),
            voter_count: 0,
            ..base.clone()
        };
        assert_eq!(
            Petition::capture(nobody).unwrap_err(),
            PetitionError::VoterCount
        );
        let multiline = NewPetition {
            text: "Ý kiến 1.\nÝ kiến 2.".into(),
            ..base
        };
        assert!(Petition::capture(multiline).is_ok());
    }

    #[test]
    fn merging_keeps_every_source_voter_and_place() {
        let mut a = new_petition(1);
        let mut b = Petition::capture(NewPetition {
            id: 2,
            council_id: 1,
            period_id: 10,
            text: "Nang cap QL7 doan qua Anh Son".into(),
            voter_count: 5,
            place_code: Some("17999".into()),
            source_id: Some(202),
        })
        .unwrap();
        b.mark_repeat_of(40, NOW).unwrap();

        b.merge_into(&mut a, NOW).unwrap();

        assert_eq!(b.status(), PetitionStatus::Merged);
        assert_eq!(b.merged_into(), Some(1));
        assert_eq!(a.voter_count(), 8);
        assert_eq!(
            a.places().iter().cloned().collect::<Vec<_>>(),
            vec!["17998".to_owned(), "17999".to_owned()]
        );
        assert_eq!(
            a.sources().iter().copied().collect::<Vec<_>>(),
            vec![2, 101, 202]
        );
        assert_eq!(a.repeat_of(), Some(40));
    }

    #[test]
    fn a_petition_cannot_merge_into_itself_or_into_a_forwarded_one() {
        let mut a = new_petition(1);
        let mut same = new_petition(1);
        assert_eq!(
            a.merge_into(&mut same, NOW).unwrap_err(),
            PetitionError::SelfLink
        );
        let mut forwarded = in_status(PetitionStatus::Forwarded);
        let mut c = new_petition(3);
        assert_eq!(
            c.merge_into(&mut forwarded, NOW).unwrap_err(),
            PetitionError::MergeTarget
        );
        assert_eq!(c.status(), PetitionStatus::Captured);
    }

    #[test]
    fn forwarding_needs_a_due_date_after_today_and_the_classified_agency() {
        let mut p = in_status(PetitionStatus::Classified);
        // NOW is 09:00 on 2 March 2026 in Hà Nội.
        assert_eq!(
            p.forward(7, letter(), date!(2026 - 03 - 02), NOW)
                .unwrap_err(),
            PetitionError::DueNotAfterForwarding
        );
        assert_eq!(
            p.forward(8, letter(), date!(2026 - 04 - 14), NOW)
                .unwrap_err(),
            PetitionError::AgencyMismatch
        );
        p.forward(7, letter(), date!(2026 - 04 - 14), NOW).unwrap();
        let a = p.assignment().unwrap();
        assert_eq!(a.forwarded_on, date!(2026 - 03 - 02));
        assert_eq!(a.due, date!(2026 - 04 - 14));
    }

    #[test]
    fn the_forwarding_day_is_taken_in_vietnam_time() {
        // 18:30 UTC on 1 March is 01:30 on 2 March in Hà Nội.
        let mut p = in_status(PetitionStatus::Classified);
        p.forward(
            7,
            letter(),
            date!(2026 - 03 - 03),
            datetime!(2026-03-01 18:30 UTC),
        )
        .unwrap();
        assert_eq!(p.assignment().unwrap().forwarded_on, date!(2026 - 03 - 02));
    }

    #[test]
    fn overdue_is_a_flag_of_forwarded_petitions_past_their_due_date() {
        let mut p = in_status(PetitionStatus::Forwarded);
        assert!(!p.is_overdue(date!(2026 - 04 - 14)));
        assert!(p.is_overdue(date!(2026 - 04 - 15)));
        p.urge(datetime!(2026-04-16 02:00 UTC)).unwrap();
        assert_eq!(p.urges(), &[date!(2026 - 04 - 16)]);
        assert_eq!(p.status(), PetitionStatus::Forwarded);

        p.record_answer(letter(), "Đã trả lời.", datetime!(2026-04-20 02:00 UTC))
            .unwrap();
        assert!(!p.is_overdue(date!(2026 - 05 - 01)));
        assert_eq!(p.answered_on_time(), Some(false));
    }

    #[test]
    fn an_answer_on_the_due_date_is_on_time() {
        let mut p = in_status(PetitionStatus::Forwarded);
        assert_eq!(p.answered_on_time(), None);
        p.record_answer(letter(), "Đã trả lời.", datetime!(2026-04-14 09:00 UTC))
            .unwrap();
        assert_eq!(p.answered_on_time(), Some(true));
    }

    #[test]
    fn reminders_fall_on_the_configured_days_before_the_due_date() {
        let p = in_status(PetitionStatus::Forwarded);
        let days = Deadlines::default().reminder_days_before;
        assert_eq!(p.reminder_due(date!(2026 - 03 - 30), &days), Some(15));
        assert_eq!(p.reminder_due(date!(2026 - 04 - 07), &days), Some(7));
        assert_eq!(p.reminder_due(date!(2026 - 04 - 11), &days), Some(3));
        assert_eq!(p.reminder_due(date!(2026 - 04 - 12), &days), None);
        let answered = in_status(PetitionStatus::Answered);
        assert_eq!(answered.reminder_due(date!(2026 - 04 - 11), &days), None);
    }

    #[test]
    fn not_resolved_and_partly_resolved_need_a_reason() {
        for result in [ResultClass::NotResolved, ResultClass::ResolvedPartly] {
            let mut p = in_status(PetitionStatus::Answered);
            assert_eq!(
                p.evaluate(result, "  ", NOW).unwrap_err(),
                PetitionError::NoteRequired(result)
            );
            assert_eq!(p.status(), PetitionStatus::Answered);
        }
        let mut p = in_status(PetitionStatus::Answered);
        p.evaluate(ResultClass::ExplainedInformed, "", NOW).unwrap();
        assert_eq!(
            PetitionError::NoteRequired(ResultClass::NotResolved).to_string(),
            "Kết quả “Chưa giải quyết” phải ghi rõ lý do hoặc lộ trình."
        );
    }

    #[test]
    fn an_unresolved_petition_carries_over_once_linked_both_ways() {
        let mut old = in_status(PetitionStatus::Reported);

        let (next, t) = old.carry_over(99, 11, NOW).unwrap();

        assert_eq!(t.event, PetitionEvent::CarryOver);
        assert_eq!(old.status(), PetitionStatus::Reported);
        assert_eq!(old.carried_to(), Some(99));
        assert_eq!(next.id(), 99);
        assert_eq!(next.period_id(), 11);
        assert_eq!(next.status(), PetitionStatus::Classified);
        assert_eq!(next.carried_from(), Some(1));
        assert_eq!(next.classification(), old.classification());
        assert_eq!(next.sources(), old.sources());
        assert!(next.assignment().is_none() && next.evaluation().is_none());
        assert_eq!(
            old.carry_over(100, 11, NOW).unwrap_err(),
            PetitionError::AlreadyCarried
        );
    }

    #[test]
    fn a_resolved_petition_does_not_carry_over() {
        for result in [ResultClass::ResolvedDone, ResultClass::ExplainedInformed] {
            let mut p = in_status(PetitionStatus::Answered);
            p.evaluate(result, "", NOW).unwrap();
            assert_eq!(
                p.carry_over(99, 11, NOW).unwrap_err(),
                PetitionError::NotCarryable
            );
        }
    }

    #[test]
    fn answered_on_the_spot_closes_with_or_without_a_report() {
        let mut p = new_petition(1);
        assert_eq!(
            p.answer_on_spot(" ", NOW).unwrap_err(),
            PetitionError::EmptyAnswer
        );
        p.answer_on_spot("Xã đã sửa xong trong tuần.", NOW).unwrap();
        assert_eq!(p.on_spot_answer(), Some("Xã đã sửa xong trong tuần."));
        p.close(NOW).unwrap();
        assert_eq!(p.status(), PetitionStatus::Closed);
        assert!(!p.status().is_open());
    }

    #[test]
    fn a_repeat_links_to_an_earlier_petition_but_not_to_itself() {
        let mut p = new_petition(5);
        assert_eq!(
            p.mark_repeat_of(5, NOW).unwrap_err(),
            PetitionError::SelfLink
        );
        p.mark_repeat_of(3, NOW).unwrap();
        assert_eq!(p.repeat_of(), Some(3));
    }

    #[test]
    fn due_dates_follow_the_council_deadlines_and_the_central_sixty_days() {
        let cal = WorkingCalendar::default();
        let deadlines = Deadlines::default();
        // 30 calendar days from 1 August 2025 end on Sunday 31 August;
        // 1–2 September is Quốc khánh.
        assert_eq!(
            answer_due_date(
                &cal,
                &deadlines,
                Competence::Province,
                date!(2025 - 08 - 01)
            ),
            date!(2025 - 09 - 03)
        );
        // 60 days from 2 March 2026 is Friday 1 May, a holiday; so Monday 4 May.
        assert_eq!(
            answer_due_date(&cal, &deadlines, Competence::Central, date!(2026 - 03 - 02)),
            date!(2026 - 05 - 04)
        );
        let working = Deadlines {
            petition_answer_days: 15,
            petition_answer_working_days: true,
            ..Deadlines::default()
        };
        assert_eq!(
            answer_due_date(&cal, &working, Competence::Commune, date!(2026 - 02 - 09)),
            date!(2026 - 03 - 09)
        );
    }

    #[test]
    fn codes_match_the_dev_set_and_parse_back() {
        for code in [
            "da_giai_quyet",
            "dang_giai_quyet",
            "giai_trinh",
            "chua_giai_quyet",
        ] {
            assert_eq!(code.parse::<ResultClass>().unwrap().as_str(), code);
        }
        for code in ["xa", "huyen", "tinh", "trung_uong"] {
            assert_eq!(code.parse::<Competence>().unwrap().as_str(), code);
        }
        assert!(!Competence::District.is_current());
        for s in PetitionStatus::ALL {
            assert_eq!(s.as_str().parse::<PetitionStatus>().unwrap(), *s);
        }
    }

    #[test]
    fn only_what_the_council_took_up_is_published() {
        use PetitionStatus as S;
        let published: Vec<S> = S::ALL
            .iter()
            .copied()
            .filter(|s| s.is_published())
            .collect();
        assert_eq!(
            published,
            vec![
                S::AnsweredOnSpot,
                S::Forwarded,
                S::Answered,
                S::Evaluated,
                S::Reported,
                S::Closed
            ]
        );
    }

    #[test]
    fn topic_codes_are_unique_and_named() {
        let codes: BTreeSet<&str> = TOPICS.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), TOPICS.len());
        assert_eq!(topic_label("dat_dai"), "Đất đai");
        assert_eq!(topic_label("la"), "la");
        assert_eq!(Track::Delegation.as_str(), "doan_dbqh");
        assert_eq!(
            "chuyen_de".parse::<MeetingKind>(),
            Ok(MeetingKind::Thematic)
        );
    }
}
