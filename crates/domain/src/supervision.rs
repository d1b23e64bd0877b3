//! Giám sát — supervision by the council and its bodies, from the year's
//! programme to the last recommendation carried out (domain-vn.md §4).
//!
//! ```text
//! Programme (chương trình giám sát năm)
//!   └─ Delegation (đoàn giám sát), set up by a resolution or a decision
//!        Planned → Established → InProgress → Reporting → Concluded → FollowingUp → Closed
//!        plan, outline, reports of the supervised bodies, visits, conclusion
//!          └─ Recommendation → Task (nhiệm vụ) with a lead body, due date, evidence
//! ```
//!
//! Tasks carry the six statuses of domain-vn.md §4.3. The same tasks serve
//! the resolutions adopted after questioning and the conclusions of the
//! Standing Committee ([`TaskSource`]). A delegation's file closes only
//! when every task is done, not when the conclusion is issued.
//!
//! [`due_actions`] is what a scheduler calls every day: the reminders 15, 7
//! and 3 days before a task is due and, once it is overdue, the escalation
//! ladder, each action with a key so it is sent once however often the
//! scheduler runs.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::calendar::{WorkingCalendar, local_date};
use crate::dedup::trigram_similarity;
use crate::machine::TransitionError;
use crate::org::coded_enum;
use crate::petition::DocumentRef;
use crate::rules::Deadlines;

coded_enum! {
    /// Chủ thể giám sát — who supervises.
    Conductor, "supervising body" {
        /// Hội đồng nhân dân.
        Council = "hdnd", "Hội đồng nhân dân";
        /// Thường trực HĐND.
        StandingCommittee = "thuong_truc", "Thường trực HĐND";
        /// Ban của HĐND.
        Committee = "ban", "Ban của HĐND";
        /// Tổ đại biểu HĐND.
        DeputyGroup = "to_dai_bieu", "Tổ đại biểu HĐND";
        /// Đại biểu HĐND, on their own.
        Deputy = "dai_bieu", "Đại biểu HĐND";
    }
}

impl Conductor {
    /// The kind of document that sets up its delegations: a resolution
    /// (`NQ`) for the council, a decision (`QĐ`) for its bodies; a deputy
    /// supervising alone sets up none.
    pub fn decision_kind(self) -> Option<&'static str> {
        match self {
            Self::Council => Some("NQ"),
            Self::StandingCommittee | Self::Committee | Self::DeputyGroup => Some("QĐ"),
            Self::Deputy => None,
        }
    }
}

coded_enum! {
    /// Mảng công tác giám sát (GS-01…GS-12 of domain-vn.md §4.1).
    Stream, "supervision stream" {
        /// GS-01 Thẩm tra báo cáo.
        ReportReview = "gs01", "GS-01 Thẩm tra báo cáo";
        /// GS-02 Giám sát văn bản quy phạm pháp luật.
        NormativeDocuments = "gs02", "GS-02 Giám sát văn bản quy phạm pháp luật";
        /// GS-03 Chất vấn.
        Questioning = "gs03", "GS-03 Chất vấn";
        /// GS-04 Giải trình.
        Explanation = "gs04", "GS-04 Giải trình";
        /// GS-05 Giám sát chuyên đề.
        Thematic = "gs05", "GS-05 Giám sát chuyên đề";
        /// GS-06 Khiếu nại, tố cáo, kiến nghị, phản ánh.
        Complaints = "gs06", "GS-06 Khiếu nại, tố cáo, kiến nghị, phản ánh";
        /// GS-07 Giải quyết kiến nghị cử tri.
        VoterPetitions = "gs07", "GS-07 Giải quyết kiến nghị cử tri";
        /// GS-08 Thi hành pháp luật.
        LawEnforcement = "gs08", "GS-08 Thi hành pháp luật";
        /// GS-09 Lấy phiếu tín nhiệm.
        Confidence = "gs09", "GS-09 Lấy phiếu tín nhiệm";
        /// GS-10 Thực hiện nghị quyết về giám sát.
        SupervisionResolutions = "gs10", "GS-10 Thực hiện nghị quyết về giám sát";
        /// GS-11 Theo dõi kết luận, kiến nghị giám sát.
        FollowUp = "gs11", "GS-11 Theo dõi kết luận, kiến nghị giám sát";
        /// GS-12 Giám sát lại, xử lý trách nhiệm.
        ReSupervision = "gs12", "GS-12 Giám sát lại, xử lý trách nhiệm";
    }
}

/// Why a supervision record or a change to it was refused; shown as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SupervisionError {
    /// The state does not allow the event.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A required text is empty, too long or holds control characters.
    #[error("{field} phải có từ 1 đến {max} ký tự, không chứa ký tự điều khiển.")]
    Text {
        /// The field, in Vietnamese.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// The founding document is of the wrong kind for the conductor.
    #[error(
        "Đoàn giám sát của {conductor} phải được thành lập bằng văn bản loại {kind} (ví dụ 12/{kind}-HĐND)."
    )]
    DecisionKind {
        /// Who supervises.
        conductor: &'static str,
        /// The kind required.
        kind: &'static str,
    },
    /// A deputy supervising alone has no delegation.
    #[error("Đại biểu giám sát riêng lẻ không thành lập đoàn giám sát.")]
    NoDelegation,
    /// Not exactly one head.
    #[error("Đoàn giám sát phải có đúng một Trưởng đoàn.")]
    Head,
    /// A person listed twice.
    #[error("Một người chỉ giữ một vai trò trong đoàn giám sát.")]
    DuplicateMember,
    /// Nobody to supervise.
    #[error("Phải có ít nhất một đối tượng chịu sự giám sát.")]
    NoSubjects,
    /// A date range that ends before it starts.
    #[error("Thời gian kết thúc không được trước thời gian bắt đầu.")]
    Period,
    /// A report from a body not supervised by the delegation.
    #[error("Cơ quan này không phải đối tượng chịu sự giám sát của đoàn.")]
    NotASubject,
    /// Follow-up with nothing to follow.
    #[error("Kết luận giám sát chưa có kiến nghị nào để giao thực hiện.")]
    NoRecommendations,
    /// A recommendation left without a due date and evidence.
    #[error("Kiến nghị “{0}” chưa được giao thời hạn và sản phẩm cần đạt.")]
    Unplanned(String),
    /// A plan for a recommendation of another conclusion.
    #[error("Kiến nghị được giao không thuộc kết luận giám sát này.")]
    UnknownRecommendation,
    /// The file cannot close while tasks are open.
    #[error("Chưa thể đóng hồ sơ giám sát: còn {0} nhiệm vụ chưa hoàn thành.")]
    OpenTasks(usize),
    /// The due date is not after the assignment.
    #[error("Thời hạn thực hiện phải sau ngày giao nhiệm vụ.")]
    DueNotAfterAssignment,
    /// The lead body also listed as co-operating.
    #[error("Cơ quan chủ trì không đồng thời là cơ quan phối hợp.")]
    LeadAlsoCo,
    /// A completion report without evidence.
    #[error("Báo cáo hoàn thành phải kèm văn bản, tài liệu chứng minh kết quả.")]
    NoEvidence,
    /// An extension already waits for an answer.
    #[error("Đã có đề nghị gia hạn đang chờ xem xét.")]
    RequestPending,
    /// No extension request to answer.
    #[error("Không có đề nghị gia hạn nào đang chờ xem xét.")]
    NoRequest,
    /// An extension not later than the current due date.
    #[error("Thời hạn mới phải sau thời hạn hiện tại ({}).", dmy(*.0))]
    NotLater(Date),
    /// A new due date in the past.
    #[error("Thời hạn mới phải sau ngày hôm nay.")]
    DueInPast,
    /// A result to grade that was never submitted.
    #[error("Cơ quan chưa báo cáo hoàn thành nên chưa có kết quả để đánh giá.")]
    NoSubmission,
    /// Grading without the reason.
    #[error("Phải ghi rõ lý do, phần việc còn lại hoặc yêu cầu chưa đáp ứng.")]
    NoteRequired,
    /// Marking overdue before the due date has passed.
    #[error("Nhiệm vụ chưa quá hạn (hạn {}).", dmy(*.0))]
    NotOverdue(Date),
    /// An escalation policy that cannot be used.
    #[error(
        "Các bước xử lý quá hạn phải theo đúng thứ tự, không trùng, mỗi bước từ 1 đến 365 ngày; ngày nhắc hạn từ 1 đến 365, không trùng."
    )]
    Policy,
}

/// The longest free text kept in a supervision record.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Trims `input` and checks it is non-empty, bounded and printable.
fn text(field: &'static str, input: &str) -> Result<String, SupervisionError> {
    let t = input.trim();
    let bad = t
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || crate::text::is_invisible(c));
    if t.is_empty() || t.chars().count() > MAX_TEXT_CHARS || bad {
        return Err(SupervisionError::Text {
            field,
            max: MAX_TEXT_CHARS,
        });
    }
    Ok(t.to_owned())
}

// --- Programme ----------------------------------------------------------

/// Một nội dung của chương trình giám sát năm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeTopic {
    /// Tên chuyên đề, nội dung giám sát.
    pub title: String,
    /// The work stream.
    pub stream: Stream,
    /// Who carries it out.
    pub conductor: Conductor,
    /// The body conducting it (the Ban, the Tổ), when not the council.
    pub body_id: Option<i64>,
    /// Quý (1–4) it is planned for, when set.
    pub quarter: Option<u8>,
}

/// Chương trình giám sát năm — adopted at the previous year-end session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// Store identifier.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The year it covers.
    pub year: i32,
    /// The resolution or decision adopting it.
    pub adopted_by: Option<DocumentRef>,
    /// Its topics.
    pub topics: Vec<ProgrammeTopic>,
}

/// Topics of a programme for `year` that repeat one supervised in the two
/// years before (the rule Tổ đại biểu quy chế set, domain-vn.md §4.2):
/// pairs of (topic index, earlier year, earlier title). Titles are compared
/// without diacritics or case, with trigram similarity at or above
/// `threshold` (0.6 catches rewordings such as "Việc thực hiện chính sách"
/// against "Thực hiện chính sách").
pub fn repeated_topics(
    topics: &[ProgrammeTopic],
    year: i32,
    earlier: &[(i32, String)],
    threshold: f64,
) -> Vec<(usize, i32, String)> {
    let mut out = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        let folded = crate::vntext::normalize(&topic.title);
        for (y, title) in earlier {
            if !(year - 2..year).contains(y) {
                continue;
            }
            let other = crate::vntext::normalize(title);
            if folded == other || trigram_similarity(&folded, &other) >= threshold {
                out.push((i, *y, title.clone()));
            }
        }
    }
    out
}

// --- Delegation ---------------------------------------------------------

coded_enum! {
    /// Trạng thái đoàn giám sát.
    DelegationStatus, "delegation status" {
        /// Dự kiến — in the programme, not yet set up.
        Planned = "du_kien", "Dự kiến";
        /// Đã thành lập — decision issued.
        Established = "da_thanh_lap", "Đã thành lập";
        /// Đang giám sát — plan sent, reports and visits under way.
        InProgress = "dang_giam_sat", "Đang giám sát";
        /// Đang xây dựng báo cáo kết quả giám sát.
        Reporting = "dang_bao_cao", "Đang xây dựng báo cáo";
        /// Đã có kết luận, kiến nghị.
        Concluded = "da_ket_luan", "Đã kết luận";
        /// Đang theo dõi thực hiện kiến nghị.
        FollowingUp = "dang_theo_doi", "Đang theo dõi thực hiện kiến nghị";
        /// Đã đóng hồ sơ — every recommendation carried out.
        Closed = "da_dong", "Đã đóng hồ sơ";
        /// Đã hủy — taken out of the programme before it started.
        Cancelled = "da_huy", "Đã hủy";
    }
}

coded_enum! {
    /// What can happen to a delegation.
    DelegationEvent, "delegation event" {
        /// Issue the founding resolution or decision.
        Establish = "thanh_lap", "thành lập đoàn";
        /// Send the plan and the outline to the supervised bodies.
        SendPlan = "gui_ke_hoach", "gửi kế hoạch giám sát";
        /// Start the report on the results.
        DraftReport = "xay_dung_bao_cao", "xây dựng báo cáo kết quả";
        /// Issue the conclusion and recommendations.
        Conclude = "ket_luan", "ban hành kết luận";
        /// Hand the recommendations out as tasks.
        FollowUp = "theo_doi", "giao nhiệm vụ theo dõi";
        /// Close the file.
        Close = "dong_ho_so", "đóng hồ sơ";
        /// Call it off.
        Cancel = "huy", "hủy";
    }
}

impl DelegationStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: DelegationEvent) -> Result<DelegationStatus, TransitionError> {
        use DelegationEvent as E;
        use DelegationStatus as S;
        let next = match (self, event) {
            (S::Planned, E::Establish) => S::Established,
            (S::Established, E::SendPlan) => S::InProgress,
            (S::InProgress, E::DraftReport) => S::Reporting,
            (S::Reporting, E::Conclude) => S::Concluded,
            (S::Concluded, E::FollowUp) => S::FollowingUp,
            // A conclusion with nothing left to do closes at once.
            (S::Concluded | S::FollowingUp, E::Close) => S::Closed,
            (S::Planned | S::Established, E::Cancel) => S::Cancelled,
            _ => {
                return Err(TransitionError {
                    subject: "đoàn giám sát",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }
}

coded_enum! {
    /// Vai trò trong đoàn giám sát.
    MemberRole, "delegation role" {
        /// Trưởng đoàn.
        Head = "truong_doan", "Trưởng đoàn";
        /// Phó Trưởng đoàn.
        DeputyHead = "pho_truong_doan", "Phó Trưởng đoàn";
        /// Thành viên.
        Member = "thanh_vien", "Thành viên";
        /// Thư ký đoàn.
        Secretary = "thu_ky", "Thư ký";
        /// Mời tham gia — invited from outside the body.
        Invited = "moi_tham_gia", "Mời tham gia";
    }
}

/// A member of a delegation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub person_id: i64,
    /// Their role.
    pub role: MemberRole,
}

/// Kế hoạch giám sát and đề cương báo cáo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Kế hoạch.
    pub plan: DocumentRef,
    /// Đề cương báo cáo sent to the supervised bodies.
    pub outline: Option<DocumentRef>,
    /// The day their reports are due.
    pub reports_due: Date,
    /// First day of the supervision.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// Báo cáo của đối tượng chịu sự giám sát.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectReport {
    /// The supervised body.
    pub body_id: i64,
    /// Its report.
    pub document: DocumentRef,
    /// The day it arrived.
    pub received_on: Date,
}

/// Giám sát trực tiếp — a visit or a working session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// The day.
    pub on: Date,
    /// Where.
    pub place: String,
    /// The body visited.
    pub body_id: Option<i64>,
    /// Biên bản làm việc.
    pub minutes: Option<DocumentRef>,
}

/// Một kiến nghị sau giám sát, before it becomes a [`Task`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Store identifier.
    pub id: i64,
    /// The body it is addressed to.
    pub addressee_id: i64,
    /// What is recommended.
    pub content: String,
}

/// How one recommendation is handed out as a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPlan {
    /// The recommendation.
    pub recommendation_id: i64,
    /// Cơ quan phối hợp.
    pub co_body_ids: Vec<i64>,
    /// Người chịu trách nhiệm, when named.
    pub responsible: Option<String>,
    /// Sản phẩm, kết quả cần đạt.
    pub expected_evidence: String,
    /// Thời hạn.
    pub due: Date,
    /// Whether it is a complex case.
    pub complex: bool,
}

/// Kết luận giám sát (or báo cáo kết quả giám sát with its recommendations).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conclusion {
    /// The conclusion or the resolution on thematic supervision.
    pub document: DocumentRef,
    /// Báo cáo kết quả giám sát.
    pub report: Option<DocumentRef>,
    /// Its recommendations.
    pub recommendations: Vec<Recommendation>,
}

/// One applied transition of a delegation, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationTransition {
    /// The delegation.
    pub delegation_id: i64,
    /// What happened.
    pub event: DelegationEvent,
    /// Status before.
    pub from: DelegationStatus,
    /// Status after.
    pub to: DelegationStatus,
    /// When.
    pub at: OffsetDateTime,
}

/// Đoàn giám sát.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    id: i64,
    council_id: i64,
    programme_id: Option<i64>,
    conductor: Conductor,
    stream: Stream,
    topic: String,
    scope: String,
    status: DelegationStatus,
    decision: Option<DocumentRef>,
    members: Vec<Member>,
    subjects: BTreeSet<i64>,
    plan: Option<Plan>,
    reports: Vec<SubjectReport>,
    visits: Vec<Visit>,
    conclusion: Option<Conclusion>,
}

impl Delegation {
    /// A delegation planned in the programme.
    pub fn plan(
        id: i64,
        council_id: i64,
        programme_id: Option<i64>,
        conductor: Conductor,
        stream: Stream,
        topic: &str,
        scope: &str,
    ) -> Result<Self, SupervisionError> {
        if conductor.decision_kind().is_none() {
            return Err(SupervisionError::NoDelegation);
        }
        Ok(Self {
            id,
            council_id,
            programme_id,
            conductor,
            stream,
            topic: text("Chuyên đề giám sát", topic)?,
            scope: scope.trim().to_owned(),
            status: DelegationStatus::Planned,
            decision: None,
            members: Vec::new(),
            subjects: BTreeSet::new(),
            plan: None,
            reports: Vec::new(),
            visits: Vec::new(),
            conclusion: None,
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
    /// The programme it belongs to.
    pub fn programme_id(&self) -> Option<i64> {
        self.programme_id
    }
    /// Who supervises.
    pub fn conductor(&self) -> Conductor {
        self.conductor
    }
    /// The work stream.
    pub fn stream(&self) -> Stream {
        self.stream
    }
    /// Chuyên đề.
    pub fn topic(&self) -> &str {
        &self.topic
    }
    /// Phạm vi.
    pub fn scope(&self) -> &str {
        &self.scope
    }
    /// Where it stands.
    pub fn status(&self) -> DelegationStatus {
        self.status
    }
    /// The founding document.
    pub fn decision(&self) -> Option<&DocumentRef> {
        self.decision.as_ref()
    }
    /// Members with their roles.
    pub fn members(&self) -> &[Member] {
        &self.members
    }
    /// The supervised bodies.
    pub fn subjects(&self) -> &BTreeSet<i64> {
        &self.subjects
    }
    /// The plan, once sent.
    pub fn plan_doc(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }
    /// Reports received from supervised bodies.
    pub fn reports(&self) -> &[SubjectReport] {
        &self.reports
    }
    /// Visits and working sessions.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }
    /// The conclusion, once issued.
    pub fn conclusion(&self) -> Option<&Conclusion> {
        self.conclusion.as_ref()
    }

    fn apply(
        &mut self,
        event: DelegationEvent,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        let from = self.status;
        let to = from.on(event)?;
        self.status = to;
        Ok(DelegationTransition {
            delegation_id: self.id,
            event,
            from,
            to,
            at: now,
        })
    }

    fn check(&self, event: DelegationEvent) -> Result<(), SupervisionError> {
        self.status.on(event)?;
        Ok(())
    }

    /// Thành lập đoàn — by a resolution for the council, a decision for its
    /// bodies; exactly one head; at least one supervised body.
    pub fn establish(
        &mut self,
        decision: DocumentRef,
        members: Vec<Member>,
        subjects: BTreeSet<i64>,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.check(DelegationEvent::Establish)?;
        let kind = self
            .conductor
            .decision_kind()
            .ok_or(SupervisionError::NoDelegation)?;
        let symbol = decision.number.to_uppercase();
        if !symbol.contains(&format!("/{kind}-")) {
            return Err(SupervisionError::DecisionKind {
                conductor: self.conductor.label(),
                kind,
            });
        }
        let heads = members
            .iter()
            .filter(|m| m.role == MemberRole::Head)
            .count();
        if heads != 1 {
            return Err(SupervisionError::Head);
        }
        let people: BTreeSet<i64> = members.iter().map(|m| m.person_id).collect();
        if people.len() != members.len() {
            return Err(SupervisionError::DuplicateMember);
        }
        if subjects.is_empty() {
            return Err(SupervisionError::NoSubjects);
        }
        self.decision = Some(decision);
        self.members = members;
        self.subjects = subjects;
        self.apply(DelegationEvent::Establish, now)
    }

    /// Sends the plan and the outline; supervision starts.
    pub fn send_plan(
        &mut self,
        plan: Plan,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.check(DelegationEvent::SendPlan)?;
        if plan.to < plan.from {
            return Err(SupervisionError::Period);
        }
        self.plan = Some(plan);
        self.apply(DelegationEvent::SendPlan, now)
    }

    /// Records a supervised body's report (while supervising or reporting).
    pub fn receive_report(&mut self, report: SubjectReport) -> Result<(), SupervisionError> {
        if !matches!(
            self.status,
            DelegationStatus::InProgress | DelegationStatus::Reporting
        ) {
            return Err(TransitionError {
                subject: "đoàn giám sát",
                state: self.status.label(),
                event: "nhận báo cáo của đối tượng giám sát",
            }
            .into());
        }
        if !self.subjects.contains(&report.body_id) {
            return Err(SupervisionError::NotASubject);
        }
        self.reports.push(report);
        Ok(())
    }

    /// Records a visit or working session.
    pub fn record_visit(&mut self, mut visit: Visit) -> Result<(), SupervisionError> {
        if self.status != DelegationStatus::InProgress {
            return Err(TransitionError {
                subject: "đoàn giám sát",
                state: self.status.label(),
                event: "ghi nhận buổi giám sát trực tiếp",
            }
            .into());
        }
        visit.place = text("Địa điểm", &visit.place)?;
        self.visits.push(visit);
        Ok(())
    }

    /// Supervised bodies whose report is late on `today`.
    pub fn missing_reports(&self, today: Date) -> Vec<i64> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        if today <= plan.reports_due {
            return Vec::new();
        }
        let received: BTreeSet<i64> = self.reports.iter().map(|r| r.body_id).collect();
        self.subjects.difference(&received).copied().collect()
    }

    /// Starts the report on the results.
    pub fn draft_report(
        &mut self,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.apply(DelegationEvent::DraftReport, now)
    }

    /// Issues the conclusion with its recommendations.
    pub fn conclude(
        &mut self,
        mut conclusion: Conclusion,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.check(DelegationEvent::Conclude)?;
        for r in &mut conclusion.recommendations {
            r.content = text("Nội dung kiến nghị", &r.content)?;
        }
        self.conclusion = Some(conclusion);
        self.apply(DelegationEvent::Conclude, now)
    }

    /// Turns each recommendation into a task assigned today to its
    /// addressee, as `plans` say (one per recommendation); the caller
    /// supplies the task ids, one per recommendation, in order.
    pub fn follow_up(
        &mut self,
        task_ids: &[i64],
        plans: &[TaskPlan],
        now: OffsetDateTime,
    ) -> Result<(Vec<Task>, DelegationTransition), SupervisionError> {
        self.check(DelegationEvent::FollowUp)?;
        let conclusion = self
            .conclusion
            .as_ref()
            .ok_or(SupervisionError::NoRecommendations)?;
        if conclusion.recommendations.is_empty()
            || task_ids.len() != conclusion.recommendations.len()
        {
            return Err(SupervisionError::NoRecommendations);
        }
        let known: BTreeSet<i64> = conclusion.recommendations.iter().map(|r| r.id).collect();
        if plans.iter().any(|p| !known.contains(&p.recommendation_id)) {
            return Err(SupervisionError::UnknownRecommendation);
        }
        let mut tasks = Vec::new();
        for (r, id) in conclusion.recommendations.iter().zip(task_ids) {
            let plan = plans
                .iter()
                .find(|p| p.recommendation_id == r.id)
                .ok_or_else(|| SupervisionError::Unplanned(r.content.chars().take(80).collect()))?;
            tasks.push(Task::assign(
                NewTask {
                    id: *id,
                    source: TaskSource::ThematicSupervision,
                    source_doc: Some(conclusion.document.clone()),
                    delegation_id: Some(self.id),
                    recommendation_id: Some(r.id),
                    content: r.content.clone(),
                    lead_body_id: r.addressee_id,
                    co_body_ids: plan.co_body_ids.clone(),
                    responsible: plan.responsible.clone(),
                    expected_evidence: plan.expected_evidence.clone(),
                    due: plan.due,
                    complex: plan.complex,
                },
                now,
            )?);
        }
        let transition = self.apply(DelegationEvent::FollowUp, now)?;
        Ok((tasks, transition))
    }

    /// Closes the file: only when every task of the delegation is done.
    pub fn close(
        &mut self,
        tasks: &[Task],
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.check(DelegationEvent::Close)?;
        let open = tasks
            .iter()
            .filter(|t| t.delegation_id == Some(self.id) && t.status != TaskStatus::Done)
            .count();
        if open > 0 {
            return Err(SupervisionError::OpenTasks(open));
        }
        self.apply(DelegationEvent::Close, now)
    }

    /// Calls the delegation off before it starts.
    pub fn cancel(
        &mut self,
        now: OffsetDateTime,
    ) -> Result<DelegationTransition, SupervisionError> {
        self.apply(DelegationEvent::Cancel, now)
    }
}

// --- Tasks --------------------------------------------------------------

coded_enum! {
    /// Nguồn nhiệm vụ — where a task comes from.
    TaskSource, "task source" {
        /// Kiến nghị sau giám sát chuyên đề.
        ThematicSupervision = "gs_chuyen_de", "Giám sát chuyên đề";
        /// Nghị quyết, kết luận sau chất vấn.
        Questioning = "chat_van", "Chất vấn";
        /// Kết luận phiên giải trình.
        Explanation = "giai_trinh", "Giải trình";
        /// Nghị quyết về giám sát.
        SupervisionResolution = "nq_giam_sat", "Nghị quyết về giám sát";
        /// Kết luận của Thường trực HĐND.
        StandingConclusion = "ket_luan_thuong_truc", "Kết luận của Thường trực HĐND";
    }
}

coded_enum! {
    /// Tình trạng thực hiện nhiệm vụ — the six statuses of domain-vn.md §4.3.
    TaskStatus, "task status" {
        /// Hoàn thành — accepted as carried out; the only closed status.
        Done = "hoan_thanh", "Hoàn thành";
        /// Hoàn thành một phần — part accepted, the rest still owed.
        PartlyDone = "hoan_thanh_mot_phan", "Hoàn thành một phần";
        /// Chưa hoàn thành — in progress, not yet due.
        NotDone = "chua_hoan_thanh", "Chưa hoàn thành";
        /// Quá hạn.
        Overdue = "qua_han", "Quá hạn";
        /// Không thực hiện — the council found it was not carried out.
        NotCarriedOut = "khong_thuc_hien", "Không thực hiện";
        /// Chưa đáp ứng yêu cầu — reported done, the result refused.
        NotMeetingRequirement = "chua_dap_ung_yeu_cau", "Chưa đáp ứng yêu cầu";
    }
}

impl TaskStatus {
    /// Whether the task still waits on someone.
    pub fn is_open(self) -> bool {
        self != Self::Done
    }
}

coded_enum! {
    /// What can happen to a task; labels are verb phrases for messages.
    TaskEvent, "task event" {
        /// The agency reports progress with documents.
        ReportProgress = "bao_cao_tien_do", "báo cáo tiến độ";
        /// The agency asks for more time.
        RequestExtension = "de_nghi_gia_han", "đề nghị gia hạn";
        /// The council grants it.
        GrantExtension = "gia_han", "chấp thuận gia hạn";
        /// The council refuses it.
        RefuseExtension = "tu_choi_gia_han", "từ chối gia hạn";
        /// The agency reports it done, with evidence.
        SubmitResult = "bao_cao_hoan_thanh", "báo cáo hoàn thành";
        /// The council accepts the result.
        AcceptResult = "cong_nhan_hoan_thanh", "công nhận hoàn thành";
        /// The council accepts part of it.
        AcceptPartly = "cong_nhan_mot_phan", "công nhận hoàn thành một phần";
        /// The council finds the result short of the requirement.
        RejectResult = "danh_gia_chua_dat", "đánh giá chưa đáp ứng yêu cầu";
        /// The due date has passed (the scheduler's tick).
        MarkOverdue = "chuyen_qua_han", "chuyển quá hạn";
        /// The council finds it was not carried out.
        DeclareNotCarriedOut = "ket_luan_khong_thuc_hien", "kết luận không thực hiện";
        /// Give it again with a new due date (after explanation or re-supervision).
        Reassign = "giao_lai", "giao lại";
    }
}

impl TaskStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: TaskEvent) -> Result<TaskStatus, TransitionError> {
        use TaskEvent as E;
        use TaskStatus as S;
        let next = match (self, event) {
            (S::Done, _) => None,
            (_, E::ReportProgress | E::SubmitResult) => Some(self),
            (S::NotCarriedOut, E::RequestExtension | E::GrantExtension | E::RefuseExtension) => {
                None
            }
            (_, E::RequestExtension | E::RefuseExtension) => Some(self),
            // A granted extension lifts the overdue mark.
            (S::Overdue, E::GrantExtension) => Some(S::NotDone),
            (_, E::GrantExtension) => Some(self),
            (_, E::AcceptResult) => Some(S::Done),
            (_, E::AcceptPartly) => Some(S::PartlyDone),
            (_, E::RejectResult) => Some(S::NotMeetingRequirement),
            (S::NotDone | S::PartlyDone | S::NotMeetingRequirement, E::MarkOverdue) => {
                Some(S::Overdue)
            }
            (S::Overdue | S::NotCarriedOut, E::MarkOverdue) => None,
            (S::NotCarriedOut, E::DeclareNotCarriedOut) => None,
            (_, E::DeclareNotCarriedOut) => Some(S::NotCarriedOut),
            (S::Overdue | S::NotCarriedOut | S::NotMeetingRequirement, E::Reassign) => {
                Some(S::NotDone)
            }
            (S::NotDone | S::PartlyDone, E::Reassign) => None,
        };
        next.ok_or(TransitionError {
            subject: "nhiệm vụ",
            state: self.label(),
            event: event.label(),
        })
    }
}

/// Báo cáo tiến độ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressReport {
    /// The day it was made.
    pub on: Date,
    /// What was done.
    pub text: String,
    /// Documents attached.
    pub documents: Vec<DocumentRef>,
}

/// Đề nghị gia hạn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    /// The day asked.
    pub on: Date,
    /// The due date proposed.
    pub proposed_due: Date,
    /// Why.
    pub reason: String,
}

/// A decision on an extension request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    /// The request.
    pub request: ExtensionRequest,
    /// The day decided.
    pub on: Date,
    /// The new due date when granted; none when refused.
    pub granted_due: Option<Date>,
    /// The due date before.
    pub previous_due: Date,
    /// The reason given when refused.
    pub note: String,
}

/// Báo cáo hoàn thành — the agency's claim that the task is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The day it came.
    pub on: Date,
    /// What was done.
    pub summary: String,
    /// Evidence (văn bản, tài liệu chứng minh).
    pub evidence: Vec<DocumentRef>,
}

/// The council's grading of a submission or its finding on the task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The day.
    pub on: Date,
    /// The status it led to.
    pub status: TaskStatus,
    /// The submission graded, if any.
    pub submission: Option<Submission>,
    /// The reason, the part remaining or the requirement missed.
    pub note: String,
}

/// One applied transition of a task, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskTransition {
    /// The task.
    pub task_id: i64,
    /// What happened.
    pub event: TaskEvent,
    /// Status before.
    pub from: TaskStatus,
    /// Status after.
    pub to: TaskStatus,
    /// When.
    pub at: OffsetDateTime,
}

/// What the office supplies for a new task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    /// Store identifier.
    pub id: i64,
    /// Where it comes from.
    pub source: TaskSource,
    /// The source document (kết luận, nghị quyết).
    pub source_doc: Option<DocumentRef>,
    /// The delegation, for supervision tasks.
    pub delegation_id: Option<i64>,
    /// The recommendation it carries out.
    pub recommendation_id: Option<i64>,
    /// Nội dung nhiệm vụ.
    pub content: String,
    /// Cơ quan chủ trì.
    pub lead_body_id: i64,
    /// Cơ quan phối hợp.
    pub co_body_ids: Vec<i64>,
    /// Người chịu trách nhiệm, when named.
    pub responsible: Option<String>,
    /// Sản phẩm, kết quả cần đạt — the evidence expected.
    pub expected_evidence: String,
    /// Thời hạn.
    pub due: Date,
    /// Whether it is a complex case (30 days for explanation, not 15).
    pub complex: bool,
}

/// Nhiệm vụ — a recommendation tracked until it is carried out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    id: i64,
    source: TaskSource,
    source_doc: Option<DocumentRef>,
    delegation_id: Option<i64>,
    recommendation_id: Option<i64>,
    content: String,
    lead_body_id: i64,
    co_body_ids: Vec<i64>,
    responsible: Option<String>,
    expected_evidence: String,
    assigned_on: Date,
    due: Date,
    complex: bool,
    status: TaskStatus,
    progress: Vec<ProgressReport>,
    request: Option<ExtensionRequest>,
    extensions: Vec<ExtensionDecision>,
    submission: Option<Submission>,
    assessments: Vec<Assessment>,
}

impl Task {
    /// Gives the task today; it starts [`TaskStatus::NotDone`].
    pub fn assign(new: NewTask, now: OffsetDateTime) -> Result<Self, SupervisionError> {
        let assigned_on = local_date(now);
        if new.due <= assigned_on {
            return Err(SupervisionError::DueNotAfterAssignment);
        }
        if new.co_body_ids.contains(&new.lead_body_id) {
            return Err(SupervisionError::LeadAlsoCo);
        }
        let mut co = new.co_body_ids;
        co.sort_unstable();
        co.dedup();
        Ok(Self {
            id: new.id,
            source: new.source,
            source_doc: new.source_doc,
            delegation_id: new.delegation_id,
            recommendation_id: new.recommendation_id,
            content: text("Nội dung nhiệm vụ", &new.content)?,
            lead_body_id: new.lead_body_id,
            co_body_ids: co,
            responsible: new
                .responsible
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
            expected_evidence: text("Sản phẩm, kết quả cần đạt", &new.expected_evidence)?,
            assigned_on,
            due: new.due,
            complex: new.complex,
            status: TaskStatus::NotDone,
            progress: Vec::new(),
            request: None,
            extensions: Vec::new(),
            submission: None,
            assessments: Vec::new(),
        })
    }

    /// Store identifier.
    pub fn id(&self) -> i64 {
        self.id
    }
    /// Where it comes from.
    pub fn source(&self) -> TaskSource {
        self.source
    }
    /// The source document.
    pub fn source_doc(&self) -> Option<&DocumentRef> {
        self.source_doc.as_ref()
    }
    /// The delegation.
    pub fn delegation_id(&self) -> Option<i64> {
        self.delegation_id
    }
    /// The recommendation.
    pub fn recommendation_id(&self) -> Option<i64> {
        self.recommendation_id
    }
    /// Nội dung.
    pub fn content(&self) -> &str {
        &self.content
    }
    /// Cơ quan chủ trì.
    pub fn lead_body_id(&self) -> i64 {
        self.lead_body_id
    }
    /// Cơ quan phối hợp.
    pub fn co_body_ids(&self) -> &[i64] {
        &self.co_body_ids
    }
    /// Người chịu trách nhiệm.
    pub fn responsible(&self) -> Option<&str> {
        self.responsible.as_deref()
    }
    /// Sản phẩm, kết quả cần đạt.
    pub fn expected_evidence(&self) -> &str {
        &self.expected_evidence
    }
    /// The day it was given.
    pub fn assigned_on(&self) -> Date {
        self.assigned_on
    }
    /// The current due date.
    pub fn due(&self) -> Date {
        self.due
    }
    /// Whether it is a complex case.
    pub fn is_complex(&self) -> bool {
        self.complex
    }
    /// Where it stands.
    pub fn status(&self) -> TaskStatus {
        self.status
    }
    /// Progress reports, oldest first.
    pub fn progress(&self) -> &[ProgressReport] {
        &self.progress
    }
    /// The extension request waiting for an answer.
    pub fn pending_request(&self) -> Option<&ExtensionRequest> {
        self.request.as_ref()
    }
    /// Extension decisions, oldest first.
    pub fn extensions(&self) -> &[ExtensionDecision] {
        &self.extensions
    }
    /// The completion report waiting to be graded.
    pub fn pending_submission(&self) -> Option<&Submission> {
        self.submission.as_ref()
    }
    /// Gradings and findings, oldest first.
    pub fn assessments(&self) -> &[Assessment] {
        &self.assessments
    }

    /// Whether the agency has reported it done by the due date and the
    /// council has not graded it yet: the clock stops for the agency.
    fn awaiting_grade_in_time(&self) -> bool {
        self.submission.as_ref().is_some_and(|s| s.on <= self.due)
    }

    /// Quá hạn on `today`: open, past due, and not waiting on the council
    /// for a result reported in time.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_open() && today > self.due && !self.awaiting_grade_in_time()
    }

    /// Whether it was done by the due date; `None` until done.
    pub fn done_on_time(&self) -> Option<bool> {
        if self.status != TaskStatus::Done {
            return None;
        }
        let last = self.assessments.last()?;
        let reported = last.submission.as_ref().map_or(last.on, |s| s.on);
        Some(reported <= self.due)
    }

    fn apply(
        &mut self,
        event: TaskEvent,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        let from = self.status;
        let to = from.on(event)?;
        self.status = to;
        Ok(TaskTransition {
            task_id: self.id,
            event,
            from,
            to,
            at: now,
        })
    }

    fn check(&self, event: TaskEvent) -> Result<(), SupervisionError> {
        self.status.on(event)?;
        Ok(())
    }

    /// Marks the task a complex case (30 days for the explanation session
    /// instead of 15), or not, while it is open.
    pub fn set_complex(&mut self, complex: bool) -> Result<(), SupervisionError> {
        if !self.status.is_open() {
            return Err(TransitionError {
                subject: "nhiệm vụ",
                state: self.status.label(),
                event: "đánh giá tính phức tạp",
            }
            .into());
        }
        self.complex = complex;
        Ok(())
    }

    /// Báo cáo tiến độ with the documents that show it.
    pub fn report_progress(
        &mut self,
        report: &str,
        documents: Vec<DocumentRef>,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::ReportProgress)?;
        self.progress.push(ProgressReport {
            on: local_date(now),
            text: text("Nội dung báo cáo tiến độ", report)?,
            documents,
        });
        self.apply(TaskEvent::ReportProgress, now)
    }

    /// Đề nghị gia hạn to `proposed_due`, later than the current due date.
    pub fn request_extension(
        &mut self,
        proposed_due: Date,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::RequestExtension)?;
        if self.request.is_some() {
            return Err(SupervisionError::RequestPending);
        }
        if proposed_due <= self.due {
            return Err(SupervisionError::NotLater(self.due));
        }
        if proposed_due <= local_date(now) {
            return Err(SupervisionError::DueInPast);
        }
        self.request = Some(ExtensionRequest {
            on: local_date(now),
            proposed_due,
            reason: text("Lý do đề nghị gia hạn", reason)?,
        });
        self.apply(TaskEvent::RequestExtension, now)
    }

    /// Grants the pending request, to its proposed date or to `due`.
    pub fn grant_extension(
        &mut self,
        due: Option<Date>,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::GrantExtension)?;
        let request = self.request.clone().ok_or(SupervisionError::NoRequest)?;
        let new_due = due.unwrap_or(request.proposed_due);
        if new_due <= self.due {
            return Err(SupervisionError::NotLater(self.due));
        }
        if new_due <= local_date(now) {
            return Err(SupervisionError::DueInPast);
        }
        self.extensions.push(ExtensionDecision {
            request,
            on: local_date(now),
            granted_due: Some(new_due),
            previous_due: self.due,
            note: String::new(),
        });
        self.request = None;
        self.due = new_due;
        self.apply(TaskEvent::GrantExtension, now)
    }

    /// Refuses the pending request, saying why.
    pub fn refuse_extension(
        &mut self,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::RefuseExtension)?;
        let request = self.request.clone().ok_or(SupervisionError::NoRequest)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(SupervisionError::NoteRequired);
        }
        self.extensions.push(ExtensionDecision {
            request,
            on: local_date(now),
            granted_due: None,
            previous_due: self.due,
            note: note.to_owned(),
        });
        self.request = None;
        self.apply(TaskEvent::RefuseExtension, now)
    }

    /// Báo cáo hoàn thành with the evidence; the council grades it next.
    pub fn submit_result(
        &mut self,
        summary: &str,
        evidence: Vec<DocumentRef>,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::SubmitResult)?;
        if evidence.is_empty() {
            return Err(SupervisionError::NoEvidence);
        }
        self.submission = Some(Submission {
            on: local_date(now),
            summary: text("Nội dung báo cáo hoàn thành", summary)?,
            evidence,
        });
        self.apply(TaskEvent::SubmitResult, now)
    }

    fn grade(
        &mut self,
        event: TaskEvent,
        note: &str,
        note_required: bool,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(event)?;
        if self.submission.is_none() {
            return Err(SupervisionError::NoSubmission);
        }
        let note = note.trim();
        if note_required && note.is_empty() {
            return Err(SupervisionError::NoteRequired);
        }
        let submission = self.submission.take();
        let transition = self.apply(event, now)?;
        self.assessments.push(Assessment {
            on: local_date(now),
            status: transition.to,
            submission,
            note: note.to_owned(),
        });
        Ok(transition)
    }

    /// Công nhận hoàn thành — the task closes.
    pub fn accept(
        &mut self,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.grade(TaskEvent::AcceptResult, note, false, now)
    }

    /// Công nhận hoàn thành một phần; `note` says what remains.
    pub fn accept_partly(
        &mut self,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.grade(TaskEvent::AcceptPartly, note, true, now)
    }

    /// Chưa đáp ứng yêu cầu; `note` says what is missing.
    pub fn reject(
        &mut self,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.grade(TaskEvent::RejectResult, note, true, now)
    }

    /// The scheduler's tick: marks the task overdue once `today` is past
    /// the due date (see [`Task::is_overdue`]).
    pub fn mark_overdue(
        &mut self,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::MarkOverdue)?;
        if !self.is_overdue(local_date(now)) {
            return Err(SupervisionError::NotOverdue(self.due));
        }
        self.apply(TaskEvent::MarkOverdue, now)
    }

    /// Kết luận không thực hiện, with the finding.
    pub fn declare_not_carried_out(
        &mut self,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::DeclareNotCarriedOut)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(SupervisionError::NoteRequired);
        }
        let transition = self.apply(TaskEvent::DeclareNotCarriedOut, now)?;
        self.assessments.push(Assessment {
            on: local_date(now),
            status: transition.to,
            submission: None,
            note: note.to_owned(),
        });
        Ok(transition)
    }

    /// Giao lại with a new due date after explanation or re-supervision.
    pub fn reassign(
        &mut self,
        due: Date,
        now: OffsetDateTime,
    ) -> Result<TaskTransition, SupervisionError> {
        self.check(TaskEvent::Reassign)?;
        if due <= local_date(now) {
            return Err(SupervisionError::DueInPast);
        }
        self.due = due;
        self.request = None;
        self.apply(TaskEvent::Reassign, now)
    }
}

// --- Reminders and escalation ------------------------------------------

coded_enum! {
    /// Bước xử lý nhiệm vụ quá hạn, in the order a council climbs them
    /// (domain-vn.md §4.3).
    EscalationStep, "escalation step" {
        /// Đôn đốc lần 1.
        Urge = "don_doc_lan_1", "Đôn đốc lần 1";
        /// Đôn đốc tiếp.
        UrgeAgain = "don_doc_tiep", "Đôn đốc tiếp";
        /// Kiến nghị cấp có thẩm quyền xử lý.
        ReferToAuthority = "kien_nghi_cap_tham_quyen", "Kiến nghị cấp có thẩm quyền xử lý";
        /// Đưa vào phiên giải trình (Luật 121/2025 Điều 40).
        ExplanationSession = "phien_giai_trinh", "Đưa vào phiên giải trình";
        /// Đưa vào nội dung chất vấn.
        Questioning = "chat_van", "Đưa vào nội dung chất vấn";
        /// Tổ chức giám sát lại.
        ReSupervision = "giam_sat_lai", "Tổ chức giám sát lại";
        /// Báo cáo HĐND xem xét.
        ReportToCouncil = "bao_cao_hdnd", "Báo cáo HĐND xem xét";
    }
}

/// One rung of the ladder: the step comes `days` after the previous one
/// (the first after the due date; the one after the explanation session
/// after that session's deadline), counted in working days or in calendar
/// days moved off rest days, as [`WorkingCalendar::due_date`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    /// The step.
    pub step: EscalationStep,
    /// Days after the previous anchor.
    pub days: u32,
    /// Whether `days` are working days.
    pub working: bool,
}

/// When reminders go out and how an overdue task climbs the ladder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    /// Calendar days before the due date a reminder goes out; one falling
    /// on a rest day goes out on the working day before.
    pub reminder_days_before: Vec<u32>,
    /// The ladder, in step order; steps left out are skipped.
    pub ladder: Vec<Rung>,
    /// Calendar days within which the explanation session is held
    /// (Luật 121/2025 Điều 40: 15).
    pub explanation_days: u32,
    /// The same for complex cases (30).
    pub explanation_complex_days: u32,
}

impl Default for EscalationPolicy {
    /// The defaults of the Thanh Hóa "Giám sát số" model (domain-vn.md
    /// §4.3), a good default and not law: urge on the first working day
    /// after the due date, again a working week later, refer to the
    /// authority a week after that, open the explanation session a week
    /// later, put it to questioning on the working day after the
    /// explanation deadline, re-supervise a month later, report to the
    /// council a month after that.
    fn default() -> Self {
        Self::from_deadlines(&Deadlines::default())
    }
}

impl EscalationPolicy {
    /// The default ladder with the council's reminder and explanation days.
    pub fn from_deadlines(deadlines: &Deadlines) -> Self {
        let rung = |step, days, working| Rung {
            step,
            days,
            working,
        };
        Self {
            reminder_days_before: deadlines.reminder_days_before.clone(),
            ladder: vec![
                rung(EscalationStep::Urge, 1, true),
                rung(EscalationStep::UrgeAgain, 5, true),
                rung(EscalationStep::ReferToAuthority, 5, true),
                rung(EscalationStep::ExplanationSession, 5, true),
                rung(EscalationStep::Questioning, 1, true),
                rung(EscalationStep::ReSupervision, 30, false),
                rung(EscalationStep::ReportToCouncil, 30, false),
            ],
            explanation_days: deadlines.explanation_days,
            explanation_complex_days: deadlines.explanation_complex_days,
        }
    }

    /// Checks the policy a council configured.
    pub fn validate(&self) -> Result<(), SupervisionError> {
        let in_range = |d: u32| (1..=365).contains(&d);
        let steps_ordered = self.ladder.windows(2).all(|w| w[0].step < w[1].step);
        let mut reminders = self.reminder_days_before.clone();
        reminders.sort_unstable();
        reminders.dedup();
        let ok = steps_ordered
            && self.ladder.iter().all(|r| in_range(r.days))
            && reminders.len() == self.reminder_days_before.len()
            && reminders.iter().all(|d| in_range(*d))
            && in_range(self.explanation_days)
            && in_range(self.explanation_complex_days);
        if ok {
            Ok(())
        } else {
            Err(SupervisionError::Policy)
        }
    }
}

/// What the scheduler should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ActionKind {
    /// Send the reminder `days_before` the due date.
    Remind {
        /// Which reminder.
        days_before: u32,
    },
    /// Apply [`TaskEvent::MarkOverdue`].
    MarkOverdue,
    /// Take the escalation step (notify the office and the chair, open
    /// the explanation session, …).
    Escalate(EscalationStep),
}

/// One action, with the key the scheduler records so it is done once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Stable across days and runs for the same task, due date and step;
    /// a new due date (an extension, a reassignment) gives new keys.
    pub key: String,
    /// What to do.
    pub kind: ActionKind,
    /// The day it falls due.
    pub on: Date,
    /// For the explanation session, the last day it may be held.
    pub deadline: Option<Date>,
}

/// The working day on or before `day` (the calendar has no such method;
/// no run of rest days is longer than a few weeks, so the walk is short).
fn working_day_on_or_before(calendar: &WorkingCalendar, day: Date) -> Date {
    let mut d = day;
    for _ in 0..60 {
        if calendar.is_working_day(d) {
            return d;
        }
        match d.previous_day() {
            Some(p) => d = p,
            None => return day,
        }
    }
    day
}

/// The reminder days of `task`: (days before, the day it goes out), in
/// the order they go out, leaving out any that fall before the task was
/// given.
pub fn reminder_schedule(
    task: &Task,
    calendar: &WorkingCalendar,
    policy: &EscalationPolicy,
) -> Vec<(u32, Date)> {
    let mut days = policy.reminder_days_before.clone();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.into_iter()
        .filter_map(|d| {
            let raw = task.due.checked_sub(time::Duration::days(i64::from(d)))?;
            let on = working_day_on_or_before(calendar, raw);
            (on >= task.assigned_on).then_some((d, on))
        })
        .collect()
}

/// The ladder for `task`'s current due date: each step, the day it falls
/// due and, for the explanation session, its deadline.
pub fn escalation_schedule(
    task: &Task,
    calendar: &WorkingCalendar,
    policy: &EscalationPolicy,
) -> Vec<(EscalationStep, Date, Option<Date>)> {
    let mut anchor = task.due;
    let mut out = Vec::new();
    for rung in &policy.ladder {
        let on = calendar.due_date(anchor, rung.days, rung.working);
        let deadline = (rung.step == EscalationStep::ExplanationSession).then(|| {
            let days = if task.complex {
                policy.explanation_complex_days
            } else {
                policy.explanation_days
            };
            calendar.due_date(on, days, false)
        });
        out.push((rung.step, on, deadline));
        anchor = deadline.unwrap_or(on);
    }
    out
}

/// What falls due for `task` on `today`: a pure function the scheduler
/// calls each day, as often as it likes; it records the keys it has acted
/// on and skips them.
///
/// - Done tasks need nothing. While a completion report waits for the
///   council's grade, nothing is sent to the agency either: only the
///   overdue mark, if the report came after the due date.
/// - Up to the due date: the latest reminder whose day has come. One that
///   was missed (the server was down) is not sent late once a later one
///   is due; one whose day came before the task was given is not sent.
/// - After it: the overdue mark while the status is still one that can
///   become overdue, and every escalation step whose day has come.
pub fn due_actions(
    task: &Task,
    today: Date,
    calendar: &WorkingCalendar,
    policy: &EscalationPolicy,
) -> Vec<Action> {
    if !task.status.is_open() || task.awaiting_grade_in_time() {
        return Vec::new();
    }
    let prefix = format!("task-{}/due-{}", task.id, task.due);
    let mut out = Vec::new();
    let overdue_mark = |out: &mut Vec<Action>| {
        if today > task.due && task.status.on(TaskEvent::MarkOverdue).is_ok() {
            out.push(Action {
                // A grade in between (a refused result past the due date)
                // needs the mark again, so the key counts the grades.
                key: format!("{prefix}/overdue-{}", task.assessments.len()),
                kind: ActionKind::MarkOverdue,
                on: task.due.next_day().unwrap_or(task.due),
                deadline: None,
            });
        }
    };
    if task.submission.is_some() {
        overdue_mark(&mut out);
        return out;
    }
    if today <= task.due {
        let latest = reminder_schedule(task, calendar, policy)
            .into_iter()
            .filter(|(_, on)| *on <= today)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((days_before, on)) = latest {
            out.push(Action {
                key: format!("{prefix}/remind-{days_before}"),
                kind: ActionKind::Remind { days_before },
                on,
                deadline: None,
            });
        }
        return out;
    }
    overdue_mark(&mut out);
    for (step, on, deadline) in escalation_schedule(task, calendar, policy) {
        if on > today {
            break;
        }
        out.push(Action {
            key: format!("{prefix}/{}", step.as_str()),
            kind: ActionKind::Escalate(step),
            on,
            deadline,
        });
    }
    out
}

/// A date as people write it in Vietnam (dd/mm/yyyy), for messages.
fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    /// Monday 2 March 2026, 09:00 in Việt Nam.
    const NOW: OffsetDateTime = datetime!(2026-03-02 02:00 UTC);

    /// Noon in Việt Nam on `day`.
    fn at(day: Date) -> OffsetDateTime {
        day.with_hms(5, 0, 0).unwrap().assume_utc()
    }

    fn doc(number: &str) -> DocumentRef {
        DocumentRef {
            number: number.into(),
            date: date!(2026 - 03 - 02),
        }
    }

    fn new_task(id: i64, due: Date) -> NewTask {
        NewTask {
            id,
            source: TaskSource::ThematicSupervision,
            source_doc: Some(doc("45/KL-HĐND")),
            delegation_id: Some(1),
            recommendation_id: Some(10),
            content: "Hoàn thành bồi thường, giải phóng mặt bằng tuyến đường ven sông Lam".into(),
            lead_body_id: 7,
            co_body_ids: vec![8, 9, 8],
            responsible: Some(" Giám đốc Sở Xây dựng ".into()),
            expected_evidence: "Báo cáo kết quả và quyết định phê duyệt phương án".into(),
            due,
            complex: false,
        }
    }

    fn task(due: Date) -> Task {
        Task::assign(new_task(1, due), NOW).unwrap()
    }

    /// A task driven through real transitions to `status`.
    fn in_status(status: TaskStatus) -> Task {
        use TaskEvent as E;
        use TaskStatus as S;
        let mut t = task(date!(2026 - 06 - 30));
        let path: &[TaskEvent] = match status {
            S::NotDone => &[],
            S::Done => &[E::SubmitResult, E::AcceptResult],
            S::PartlyDone => &[E::SubmitResult, E::AcceptPartly],
            S::NotMeetingRequirement => &[E::SubmitResult, E::RejectResult],
            S::Overdue => &[E::MarkOverdue],
            S::NotCarriedOut => &[E::DeclareNotCarriedOut],
        };
        for event in path {
            fire(&mut t, *event).unwrap();
        }
        assert_eq!(t.status(), status);
        t
    }

    /// Applies `event` through the task's method with valid arguments,
    /// supplying what the event needs (a request, a submission, a late
    /// day) when the status would allow it.
    fn fire(t: &mut Task, event: TaskEvent) -> Result<TaskTransition, SupervisionError> {
        use TaskEvent as E;
        let late = at(date!(2026 - 07 - 15));
        let request = || ExtensionRequest {
            on: date!(2026 - 03 - 02),
            proposed_due: date!(2026 - 09 - 30),
            reason: "Chờ bố trí vốn".into(),
        };
        let submission = || Submission {
            on: date!(2026 - 06 - 01),
            summary: "Đã hoàn thành".into(),
            evidence: vec![doc("88/BC-SXD")],
        };
        match event {
            E::ReportProgress => {
                t.report_progress("Đã bồi thường 80% diện tích", vec![doc("60/BC-SXD")], NOW)
            }
            E::RequestExtension => {
                t.request_extension(date!(2026 - 09 - 30), "Chờ bố trí vốn", NOW)
            }
            E::GrantExtension => {
                if t.status.on(event).is_ok() && t.request.is_none() {
                    t.request = Some(request());
                }
                t.grant_extension(None, NOW)
            }
            E::RefuseExtension => {
                if t.status.on(event).is_ok() && t.request.is_none() {
                    t.request = Some(request());
                }
                t.refuse_extension("Không có lý do chính đáng", NOW)
            }
            E::SubmitResult => t.submit_result("Đã hoàn thành", vec![doc("88/BC-SXD")], NOW),
            E::AcceptResult | E::AcceptPartly | E::RejectResult => {
                if t.status.on(event).is_ok() && t.submission.is_none() {
                    t.submission = Some(submission());
                }
                match event {
                    E::AcceptResult => t.accept("", NOW),
                    E::AcceptPartly => t.accept_partly("Còn 2 hộ chưa nhận tiền", NOW),
                    _ => t.reject("Chưa có quyết định phê duyệt", NOW),
                }
            }
            E::MarkOverdue => t.mark_overdue(late),
            E::DeclareNotCarriedOut => t.declare_not_carried_out("Không triển khai", NOW),
            E::Reassign => t.reassign(date!(2026 - 12 - 31), NOW),
        }
    }

    /// Every (state, event) pair, written out: `n` where refused. The same
    /// table is checked on [`TaskStatus::on`] and, through the methods,
    /// on a real task.

    #[test]
    fn dates_in_refusals_read_as_in_vietnam() {
        let due = date!(2026 - 11 - 10);
        assert_eq!(
            SupervisionError::NotLater(due).to_string(),
            "Thời hạn mới phải sau thời hạn hiện tại (10/11/2026)."
        );
        assert_eq!(
            SupervisionError::NotOverdue(due).to_string(),
            "Nhiệm vụ chưa quá hạn (hạn 10/11/2026)."
        );
    }
    #[test]
    fn every_task_state_and_event() {
        use TaskStatus as S;
        let n = None;
        // ReportProgress, RequestExtension, GrantExtension, RefuseExtension,
        // SubmitResult, AcceptResult, AcceptPartly, RejectResult,
        // MarkOverdue, DeclareNotCarriedOut, Reassign
        let table: &[(S, [Option<S>; 11])] = &[
            (S::Done, [n; 11]),
            (
                S::PartlyDone,
                [
                    Some(S::PartlyDone),
                    Some(S::PartlyDone),
                    Some(S::PartlyDone),
                    Some(S::PartlyDone),
                    Some(S::PartlyDone),
                    Some(S::Done),
                    Some(S::PartlyDone),
                    Some(S::NotMeetingRequirement),
                    Some(S::Overdue),
                    Some(S::NotCarriedOut),
                    n,
                ],
            ),
            (
                S::NotDone,
                [
                    Some(S::NotDone),
                    Some(S::NotDone),
                    Some(S::NotDone),
                    Some(S::NotDone),
                    Some(S::NotDone),
                    Some(S::Done),
                    Some(S::PartlyDone),
                    Some(S::NotMeetingRequirement),
                    Some(S::Overdue),
                    Some(S::NotCarriedOut),
                    n,
                ],
            ),
            (
                S::Overdue,
                [
                    Some(S::Overdue),
                    Some(S::Overdue),
                    Some(S::NotDone),
                    Some(S::Overdue),
                    Some(S::Overdue),
                    Some(S::Done),
                    Some(S::PartlyDone),
                    Some(S::NotMeetingRequirement),
                    n,
                    Some(S::NotCarriedOut),
                    Some(S::NotDone),
                ],
            ),
            (
                S::NotCarriedOut,
                [
                    Some(S::NotCarriedOut),
                    n,
                    n,
                    n,
                    Some(S::NotCarriedOut),
                    Some(S::Done),
                    Some(S::PartlyDone),
                    Some(S::NotMeetingRequirement),
                    n,
                    n,
                    Some(S::NotDone),
                ],
            ),
            (
                S::NotMeetingRequirement,
                [
                    Some(S::NotMeetingRequirement),
                    Some(S::NotMeetingRequirement),
                    Some(S::NotMeetingRequirement),
                    Some(S::NotMeetingRequirement),
                    Some(S::NotMeetingRequirement),
                    Some(S::Done),
                    Some(S::PartlyDone),
                    Some(S::NotMeetingRequirement),
                    Some(S::Overdue),
                    Some(S::NotCarriedOut),
                    Some(S::NotDone),
                ],
            ),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in TaskEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
                let mut t = in_status(*state);
                let got = fire(&mut t, *event);
                match want {
                    Some(next) => {
                        let tr = got.unwrap_or_else(|e| panic!("{state:?} + {event:?}: {e}"));
                        assert_eq!((tr.from, tr.to, t.status()), (*state, *next, *next));
                    }
                    None => {
                        assert!(
                            matches!(got, Err(SupervisionError::Transition(_))),
                            "{state:?} + {event:?}: {got:?}"
                        );
                        assert_eq!(t.status(), *state, "a refused event changes nothing");
                    }
                }
            }
        }
    }

    #[test]
    fn a_refused_task_event_explains_itself_in_vietnamese() {
        let err = TaskStatus::Done
            .on(TaskEvent::RequestExtension)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Không thể đề nghị gia hạn khi nhiệm vụ đang ở trạng thái “Hoàn thành”."
        );
    }

    proptest! {
        /// Whatever the agency and the council do, a done task stays done
        /// and every status reached is one of the six.
        #[test]
        fn done_is_final(events in proptest::collection::vec(proptest::sample::select(TaskEvent::ALL.to_vec()), 0..40)) {
            let mut t = task(date!(2026 - 06 - 30));
            let mut done = false;
            for e in events {
                let before = t.status();
                let result = fire(&mut t, e);
                if done {
                    prop_assert!(result.is_err());
                    prop_assert_eq!(t.status(), TaskStatus::Done);
                }
                if result.is_err() {
                    prop_assert_eq!(t.status(), before);
                }
                done = t.status() == TaskStatus::Done;
            }
        }
    }

    #[test]
    fn a_task_is_checked_when_given() {
        let t = task(date!(2026 - 06 - 30));
        assert_eq!(t.co_body_ids(), &[8, 9]);
        assert_eq!(t.responsible(), Some("Giám đốc Sở Xây dựng"));
        assert_eq!(t.assigned_on(), date!(2026 - 03 - 02));
        assert_eq!(t.status(), TaskStatus::NotDone);
        let mut past = new_task(2, date!(2026 - 03 - 02));
        assert_eq!(
            Task::assign(past.clone(), NOW),
            Err(SupervisionError::DueNotAfterAssignment)
        );
        past.due = date!(2026 - 06 - 30);
        past.co_body_ids = vec![7];
        assert_eq!(
            Task::assign(past.clone(), NOW),
            Err(SupervisionError::LeadAlsoCo)
        );
        past.co_body_ids = vec![];
        past.expected_evidence = "  ".into();
        assert!(matches!(
            Task::assign(past.clone(), NOW),
            Err(SupervisionError::Text {
                field: "Sản phẩm, kết quả cần đạt",
                ..
            })
        ));
        past.expected_evidence = "Báo cáo".into();
        past.content = "a\u{0000}b".into();
        assert!(Task::assign(past, NOW).is_err());
    }

    #[test]
    fn extensions_are_asked_for_and_answered() {
        let mut t = task(date!(2026 - 06 - 30));
        assert_eq!(
            t.grant_extension(None, NOW),
            Err(SupervisionError::NoRequest)
        );
        assert_eq!(
            t.request_extension(date!(2026 - 06 - 30), "Chờ vốn", NOW),
            Err(SupervisionError::NotLater(date!(2026 - 06 - 30)))
        );
        t.request_extension(date!(2026 - 09 - 30), "Chờ vốn", NOW)
            .unwrap();
        assert_eq!(
            t.request_extension(date!(2026 - 10 - 30), "Chờ vốn", NOW),
            Err(SupervisionError::RequestPending)
        );
        assert_eq!(
            t.refuse_extension(" ", NOW),
            Err(SupervisionError::NoteRequired)
        );
        // Overdue when the council answers: granting lifts the mark.
        t.mark_overdue(at(date!(2026 - 07 - 01))).unwrap();
        let later = at(date!(2026 - 07 - 02));
        let tr = t
            .grant_extension(Some(date!(2026 - 08 - 31)), later)
            .unwrap();
        assert_eq!((tr.from, tr.to), (TaskStatus::Overdue, TaskStatus::NotDone));
        assert_eq!(t.due(), date!(2026 - 08 - 31));
        assert_eq!(t.extensions()[0].previous_due, date!(2026 - 06 - 30));
        assert_eq!(t.extensions()[0].granted_due, Some(date!(2026 - 08 - 31)));
        assert!(t.pending_request().is_none());
        t.request_extension(date!(2026 - 12 - 31), "Thêm thời gian", later)
            .unwrap();
        t.refuse_extension("Không có lý do chính đáng", later)
            .unwrap();
        assert_eq!(t.due(), date!(2026 - 08 - 31));
        assert_eq!(t.extensions().len(), 2);
    }

    #[test]
    fn a_result_is_reported_with_evidence_and_graded() {
        let mut t = task(date!(2026 - 06 - 30));
        assert_eq!(t.accept("", NOW), Err(SupervisionError::NoSubmission));
        assert_eq!(
            t.submit_result("Xong", vec![], NOW),
            Err(SupervisionError::NoEvidence)
        );
        t.submit_result("Đã chi trả xong", vec![doc("88/BC-SXD")], NOW)
            .unwrap();
        assert_eq!(t.reject(" ", NOW), Err(SupervisionError::NoteRequired));
        t.reject("Thiếu quyết định phê duyệt", NOW).unwrap();
        assert_eq!(t.status(), TaskStatus::NotMeetingRequirement);
        assert!(t.pending_submission().is_none());
        assert_eq!(t.done_on_time(), None);
        let june = at(date!(2026 - 06 - 20));
        t.submit_result("Bổ sung quyết định", vec![doc("90/QĐ-UBND")], june)
            .unwrap();
        // Waiting on the council after a result reported in time: not overdue.
        assert!(!t.is_overdue(date!(2026 - 07 - 10)));
        assert_eq!(
            t.mark_overdue(at(date!(2026 - 07 - 10))),
            Err(SupervisionError::NotOverdue(date!(2026 - 06 - 30)))
        );
        t.accept("", at(date!(2026 - 07 - 10))).unwrap();
        assert_eq!(t.status(), TaskStatus::Done);
        assert_eq!(t.done_on_time(), Some(true));
        assert_eq!(t.assessments().len(), 2);
        assert_eq!(
            t.assessments()[1].submission.as_ref().unwrap().on,
            date!(2026 - 06 - 20)
        );
    }

    #[test]
    fn a_task_is_overdue_only_after_its_due_date() {
        let mut t = task(date!(2026 - 06 - 30));
        assert!(!t.is_overdue(date!(2026 - 06 - 30)));
        assert!(t.is_overdue(date!(2026 - 07 - 01)));
        assert_eq!(
            t.mark_overdue(at(date!(2026 - 06 - 30))),
            Err(SupervisionError::NotOverdue(date!(2026 - 06 - 30)))
        );
        t.mark_overdue(at(date!(2026 - 07 - 01))).unwrap();
        // Reported late: still overdue until graded.
        t.submit_result("Xong", vec![doc("88/BC-SXD")], at(date!(2026 - 07 - 20)))
            .unwrap();
        assert!(t.is_overdue(date!(2026 - 07 - 21)));
        t.accept("", at(date!(2026 - 07 - 22))).unwrap();
        assert_eq!(t.done_on_time(), Some(false));
        assert!(!t.is_overdue(date!(2026 - 07 - 23)));
    }

    #[test]
    fn reassigning_needs_a_future_date() {
        let mut t = in_status(TaskStatus::NotCarriedOut);
        assert_eq!(
            t.reassign(date!(2026 - 03 - 02), NOW),
            Err(SupervisionError::DueInPast)
        );
        t.reassign(date!(2026 - 12 - 31), NOW).unwrap();
        assert_eq!(
            (t.status(), t.due()),
            (TaskStatus::NotDone, date!(2026 - 12 - 31))
        );
        assert_eq!(t.assessments()[0].status, TaskStatus::NotCarriedOut);
    }

    // --- Delegations ---------------------------------------------------

    fn delegation(conductor: Conductor) -> Delegation {
        Delegation::plan(
            1,
            1,
            Some(3),
            conductor,
            Stream::Thematic,
            "Việc thực hiện chính sách bồi thường, hỗ trợ, tái định cư",
            "Giai đoạn 2021–2025",
        )
        .unwrap()
    }

    fn members() -> Vec<Member> {
        vec![
            Member {
                person_id: 1,
                role: MemberRole::Head,
            },
            Member {
                person_id: 2,
                role: MemberRole::DeputyHead,
            },
            Member {
                person_id: 3,
                role: MemberRole::Member,
            },
            Member {
                person_id: 4,
                role: MemberRole::Secretary,
            },
        ]
    }

    fn plan() -> Plan {
        Plan {
            plan: doc("20/KH-ĐGS"),
            outline: Some(doc("21/ĐC-ĐGS")),
            reports_due: date!(2026 - 04 - 15),
            from: date!(2026 - 04 - 01),
            to: date!(2026 - 05 - 31),
        }
    }

    fn conclusion() -> Conclusion {
        Conclusion {
            document: doc("45/KL-HĐND"),
            report: Some(doc("40/BC-ĐGS")),
            recommendations: vec![
                Recommendation {
                    id: 10,
                    addressee_id: 7,
                    content: "Hoàn thành chi trả bồi thường".into(),
                },
                Recommendation {
                    id: 11,
                    addressee_id: 8,
                    content: "Bố trí đất tái định cư".into(),
                },
            ],
        }
    }

    fn plans() -> Vec<TaskPlan> {
        vec![
            TaskPlan {
                recommendation_id: 10,
                co_body_ids: vec![],
                responsible: None,
                expected_evidence: "Báo cáo kết quả chi trả".into(),
                due: date!(2026 - 09 - 30),
                complex: false,
            },
            TaskPlan {
                recommendation_id: 11,
                co_body_ids: vec![7],
                responsible: Some("Chủ tịch UBND xã".into()),
                expected_evidence: "Quyết định giao đất tái định cư".into(),
                due: date!(2026 - 12 - 31),
                complex: true,
            },
        ]
    }

    /// A delegation driven through real transitions to `status`.
    fn delegation_in(status: DelegationStatus) -> Delegation {
        use DelegationEvent as E;
        use DelegationStatus as S;
        let mut d = delegation(Conductor::StandingCommittee);
        let path: &[DelegationEvent] = match status {
            S::Planned => &[],
            S::Established => &[E::Establish],
            S::InProgress => &[E::Establish, E::SendPlan],
            S::Reporting => &[E::Establish, E::SendPlan, E::DraftReport],
            S::Concluded => &[E::Establish, E::SendPlan, E::DraftReport, E::Conclude],
            S::FollowingUp => &[
                E::Establish,
                E::SendPlan,
                E::DraftReport,
                E::Conclude,
                E::FollowUp,
            ],
            S::Closed => &[
                E::Establish,
                E::SendPlan,
                E::DraftReport,
                E::Conclude,
                E::Close,
            ],
            S::Cancelled => &[E::Cancel],
        };
        for e in path {
            fire_delegation(&mut d, *e).unwrap();
        }
        assert_eq!(d.status(), status);
        d
    }

    fn fire_delegation(
        d: &mut Delegation,
        event: DelegationEvent,
    ) -> Result<DelegationTransition, SupervisionError> {
        use DelegationEvent as E;
        match event {
            E::Establish => d.establish(doc("12/QĐ-HĐND"), members(), BTreeSet::from([7, 8]), NOW),
            E::SendPlan => d.send_plan(plan(), NOW),
            E::DraftReport => d.draft_report(NOW),
            E::Conclude => d.conclude(conclusion(), NOW),
            E::FollowUp => d.follow_up(&[100, 101], &plans(), NOW).map(|(_, t)| t),
            E::Close => d.close(&[], NOW),
            E::Cancel => d.cancel(NOW),
        }
    }

    #[test]
    fn every_delegation_state_and_event() {
        use DelegationStatus as S;
        let n = None;
        // Establish, SendPlan, DraftReport, Conclude, FollowUp, Close, Cancel
        let table: &[(S, [Option<S>; 7])] = &[
            (
                S::Planned,
                [Some(S::Established), n, n, n, n, n, Some(S::Cancelled)],
            ),
            (
                S::Established,
                [n, Some(S::InProgress), n, n, n, n, Some(S::Cancelled)],
            ),
            (S::InProgress, [n, n, Some(S::Reporting), n, n, n, n]),
            (S::Reporting, [n, n, n, Some(S::Concluded), n, n, n]),
            (
                S::Concluded,
                [n, n, n, n, Some(S::FollowingUp), Some(S::Closed), n],
            ),
            (S::FollowingUp, [n, n, n, n, n, Some(S::Closed), n]),
            (S::Closed, [n; 7]),
            (S::Cancelled, [n; 7]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in DelegationEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
                let mut d = delegation_in(*state);
                let got = fire_delegation(&mut d, *event);
                assert_eq!(
                    got.ok().map(|t| t.to),
                    *want,
                    "{state:?} + {event:?} (methods)"
                );
            }
        }
    }

    #[test]
    fn a_delegation_is_set_up_by_the_right_document_with_one_head() {
        let subjects = BTreeSet::from([7]);
        let mut council = delegation(Conductor::Council);
        assert_eq!(
            council.establish(doc("12/QĐ-HĐND"), members(), subjects.clone(), NOW),
            Err(SupervisionError::DecisionKind {
                conductor: "Hội đồng nhân dân",
                kind: "NQ"
            })
        );
        assert!(
            council
                .establish(doc("30/NQ-HĐND"), members(), subjects.clone(), NOW)
                .is_ok()
        );
        let mut d = delegation(Conductor::Committee);
        let mut two_heads = members();
        two_heads[1].role = MemberRole::Head;
        assert_eq!(
            d.establish(doc("12/QĐ-HĐND"), two_heads, subjects.clone(), NOW),
            Err(SupervisionError::Head)
        );
        let mut twice = members();
        twice[2].person_id = 1;
        assert_eq!(
            d.establish(doc("12/QĐ-HĐND"), twice, subjects.clone(), NOW),
            Err(SupervisionError::DuplicateMember)
        );
        assert_eq!(
            d.establish(doc("12/QĐ-HĐND"), members(), BTreeSet::new(), NOW),
            Err(SupervisionError::NoSubjects)
        );
        assert_eq!(d.status(), DelegationStatus::Planned, "nothing was kept");
        assert_eq!(
            Delegation::plan(2, 1, None, Conductor::Deputy, Stream::Thematic, "x", ""),
            Err(SupervisionError::NoDelegation)
        );
        assert!(
            Delegation::plan(2, 1, None, Conductor::Council, Stream::Thematic, " ", "").is_err()
        );
        assert_eq!(
            SupervisionError::DecisionKind {
                conductor: "Hội đồng nhân dân",
                kind: "NQ"
            }
            .to_string(),
            "Đoàn giám sát của Hội đồng nhân dân phải được thành lập bằng văn bản loại NQ (ví dụ 12/NQ-HĐND)."
        );
    }

    #[test]
    fn a_delegation_runs_from_plan_to_closed_file() {
        let mut d = delegation_in(DelegationStatus::Established);
        let mut bad = plan();
        bad.to = date!(2026 - 03 - 01);
        assert_eq!(d.send_plan(bad, NOW), Err(SupervisionError::Period));
        assert!(
            d.receive_report(SubjectReport {
                body_id: 7,
                document: doc("1/BC-SXD"),
                received_on: date!(2026 - 04 - 10)
            })
            .is_err()
        );
        d.send_plan(plan(), NOW).unwrap();
        let report = |body_id| SubjectReport {
            body_id,
            document: doc("1/BC-SXD"),
            received_on: date!(2026 - 04 - 10),
        };
        assert_eq!(
            d.receive_report(report(99)),
            Err(SupervisionError::NotASubject)
        );
        d.receive_report(report(7)).unwrap();
        assert_eq!(d.missing_reports(date!(2026 - 04 - 15)), Vec::<i64>::new());
        assert_eq!(d.missing_reports(date!(2026 - 04 - 16)), vec![8]);
        d.record_visit(Visit {
            on: date!(2026 - 04 - 20),
            place: " UBND xã Hưng Nguyên ".into(),
            body_id: Some(8),
            minutes: None,
        })
        .unwrap();
        assert_eq!(d.visits()[0].place, "UBND xã Hưng Nguyên");
        d.draft_report(NOW).unwrap();
        assert!(
            d.record_visit(Visit {
                on: date!(2026 - 05 - 20),
                place: "x".into(),
                body_id: None,
                minutes: None
            })
            .is_err()
        );
        d.receive_report(report(8)).unwrap();
        d.conclude(conclusion(), NOW).unwrap();
        assert_eq!(
            d.follow_up(&[100], &plans(), NOW).err(),
            Some(SupervisionError::NoRecommendations)
        );
        assert_eq!(
            d.follow_up(&[100, 101], &plans()[..1], NOW).err(),
            Some(SupervisionError::Unplanned("Bố trí đất tái định cư".into()))
        );
        let mut stray = plans();
        stray[0].recommendation_id = 99;
        assert_eq!(
            d.follow_up(&[100, 101], &stray, NOW).err(),
            Some(SupervisionError::UnknownRecommendation)
        );
        assert_eq!(d.status(), DelegationStatus::Concluded, "nothing was kept");
        let (mut tasks, _) = d.follow_up(&[100, 101], &plans(), NOW).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[1].lead_body_id(), 8);
        assert_eq!(tasks[1].due(), date!(2026 - 12 - 31));
        assert_eq!(tasks[1].co_body_ids(), &[7]);
        assert!(tasks[1].is_complex());
        assert_eq!(tasks[0].due(), date!(2026 - 09 - 30));
        assert_eq!(tasks[1].recommendation_id(), Some(11));
        assert_eq!(tasks[0].source_doc().unwrap().number, "45/KL-HĐND");
        // The conclusion is issued, the file stays open until every task is done.
        assert_eq!(d.close(&tasks, NOW), Err(SupervisionError::OpenTasks(2)));
        for t in &mut tasks {
            t.submit_result("Xong", vec![doc("88/BC")], NOW).unwrap();
            t.accept("", NOW).unwrap();
        }
        d.close(&tasks, NOW).unwrap();
        assert_eq!(d.status(), DelegationStatus::Closed);
    }

    #[test]
    fn topics_supervised_in_the_two_years_before_are_flagged() {
        let topic = |title: &str| ProgrammeTopic {
            title: title.into(),
            stream: Stream::Thematic,
            conductor: Conductor::DeputyGroup,
            body_id: Some(4),
            quarter: Some(2),
        };
        let earlier = vec![
            (
                2025,
                "Thực hiện chính sách bồi thường, hỗ trợ, tái định cư".to_owned(),
            ),
            (2023, "Công tác quản lý đất đai".to_owned()),
            (
                2024,
                "Chương trình mục tiêu quốc gia xây dựng nông thôn mới".to_owned(),
            ),
        ];
        let found = repeated_topics(
            &[
                topic("Việc thực hiện chính sách bồi thường, hỗ trợ và tái định cư"),
                topic("Công tác quản lý đất đai"),
                topic("chuong trinh muc tieu quoc gia xay dung nong thon moi"),
                topic("Công tác phòng, chống thiên tai"),
            ],
            2026,
            &earlier,
            0.6,
        );
        let flagged: Vec<(usize, i32)> = found.iter().map(|(i, y, _)| (*i, *y)).collect();
        // 2023 is three years back: allowed again.
        assert_eq!(flagged, vec![(0, 2025), (2, 2024)]);
    }

    // --- Reminders and escalation --------------------------------------

    fn cal() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    #[test]
    fn reminders_go_out_15_7_and_3_days_before_on_working_days() {
        let t = task(date!(2026 - 06 - 30));
        let policy = EscalationPolicy::default();
        assert_eq!(
            reminder_schedule(&t, &cal(), &policy),
            vec![
                (15, date!(2026 - 06 - 15)),
                (7, date!(2026 - 06 - 23)),
                // Saturday 27 June: sent on Friday.
                (3, date!(2026 - 06 - 26)),
            ]
        );
        let kinds = |day| {
            due_actions(&t, day, &cal(), &policy)
                .into_iter()
                .map(|a| a.key)
                .collect::<Vec<_>>()
        };
        assert!(kinds(date!(2026 - 06 - 14)).is_empty());
        assert_eq!(
            kinds(date!(2026 - 06 - 15)),
            vec!["task-1/due-2026-06-30/remind-15"]
        );
        assert_eq!(
            kinds(date!(2026 - 06 - 22)),
            vec!["task-1/due-2026-06-30/remind-15"]
        );
        assert_eq!(
            kinds(date!(2026 - 06 - 23)),
            vec!["task-1/due-2026-06-30/remind-7"]
        );
        assert_eq!(
            kinds(date!(2026 - 06 - 30)),
            vec!["task-1/due-2026-06-30/remind-3"]
        );
    }

    #[test]
    fn a_reminder_falling_in_tet_goes_out_before_it() {
        // Tết 2027: 5 to 9 February (Friday to Tuesday) with nghỉ bù for
        // the weekend; due Friday 12 February, 3 days before is a holiday.
        let c = cal();
        let t = Task::assign(new_task(1, date!(2027 - 02 - 12)), NOW).unwrap();
        let schedule = reminder_schedule(&t, &c, &EscalationPolicy::default());
        let (days, on) = schedule[2];
        assert_eq!(days, 3);
        assert!(c.is_working_day(on));
        assert!(on < date!(2027 - 02 - 09));
        let mut d = on.next_day().unwrap();
        while d <= date!(2027 - 02 - 09) {
            assert!(
                !c.is_working_day(d),
                "{d} lies between {on} and the raw day"
            );
            d = d.next_day().unwrap();
        }
    }

    #[test]
    fn a_task_given_late_gets_only_the_reminders_still_ahead() {
        let mut late = new_task(1, date!(2026 - 03 - 12));
        late.due = date!(2026 - 03 - 12);
        let t = Task::assign(late, NOW).unwrap();
        let schedule = reminder_schedule(&t, &cal(), &EscalationPolicy::default());
        assert_eq!(
            schedule,
            vec![(7, date!(2026 - 03 - 05)), (3, date!(2026 - 03 - 09))]
        );
        assert!(
            due_actions(
                &t,
                date!(2026 - 03 - 02),
                &cal(),
                &EscalationPolicy::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_ladder_climbs_on_the_days_each_step_names() {
        let t = task(date!(2026 - 06 - 30));
        let policy = EscalationPolicy::default();
        let ladder = escalation_schedule(&t, &cal(), &policy);
        use EscalationStep as E;
        assert_eq!(
            ladder,
            vec![
                (E::Urge, date!(2026 - 07 - 01), None),
                (E::UrgeAgain, date!(2026 - 07 - 08), None),
                (E::ReferToAuthority, date!(2026 - 07 - 15), None),
                (
                    E::ExplanationSession,
                    date!(2026 - 07 - 22),
                    Some(date!(2026 - 08 - 06))
                ),
                (E::Questioning, date!(2026 - 08 - 07), None),
                // 30 days from 7 August end on Sunday 6 September.
                (E::ReSupervision, date!(2026 - 09 - 07), None),
                (E::ReportToCouncil, date!(2026 - 10 - 07), None),
            ]
        );
        let mut complex = new_task(1, date!(2026 - 06 - 30));
        complex.complex = true;
        let complex = Task::assign(complex, NOW).unwrap();
        let ladder = escalation_schedule(&complex, &cal(), &policy);
        assert_eq!(ladder[3].2, Some(date!(2026 - 08 - 21)));
        assert_eq!(ladder[4].1, date!(2026 - 08 - 24));
    }

    #[test]
    fn overdue_actions_accumulate_and_stop_when_done() {
        let policy = EscalationPolicy::default();
        let mut t = task(date!(2026 - 06 - 30));
        let keys = |t: &Task, day| {
            due_actions(t, day, &cal(), &policy)
                .into_iter()
                .map(|a| a.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(&t, date!(2026 - 07 - 01)),
            vec![
                "task-1/due-2026-06-30/overdue-0",
                "task-1/due-2026-06-30/don_doc_lan_1",
            ]
        );
        t.mark_overdue(at(date!(2026 - 07 - 01))).unwrap();
        assert_eq!(keys(&t, date!(2026 - 07 - 22)).len(), 4);
        let explanation = &due_actions(&t, date!(2026 - 07 - 22), &cal(), &policy)[3];
        assert_eq!(
            explanation.kind,
            ActionKind::Escalate(EscalationStep::ExplanationSession)
        );
        assert_eq!(explanation.deadline, Some(date!(2026 - 08 - 06)));
        // An extension gives a new due date and new keys.
        t.request_extension(date!(2026 - 09 - 30), "Chờ vốn", at(date!(2026 - 07 - 23)))
            .unwrap();
        t.grant_extension(None, at(date!(2026 - 07 - 23))).unwrap();
        assert_eq!(
            keys(&t, date!(2026 - 09 - 15)),
            vec!["task-1/due-2026-09-30/remind-15"]
        );
        // Reported in time: the clock stops while the council grades.
        t.submit_result("Xong", vec![doc("88/BC")], at(date!(2026 - 09 - 29)))
            .unwrap();
        assert!(keys(&t, date!(2026 - 10 - 20)).is_empty());
        t.accept("", at(date!(2026 - 10 - 21))).unwrap();
        assert!(keys(&t, date!(2027 - 03 - 01)).is_empty());
        // Found not carried out: the ladder goes on without the overdue mark.
        let mut n = in_status(TaskStatus::NotCarriedOut);
        let k = keys(&n, date!(2026 - 07 - 01));
        assert_eq!(k, vec!["task-1/due-2026-06-30/don_doc_lan_1"]);
        n.reassign(date!(2026 - 12 - 31), at(date!(2026 - 07 - 02)))
            .unwrap();
        assert!(keys(&n, date!(2026 - 07 - 02)).is_empty());
    }

    #[test]
    fn a_late_completion_report_pauses_the_ladder_but_not_the_overdue_mark() {
        let policy = EscalationPolicy::default();
        let mut t = task(date!(2026 - 06 - 30));
        t.submit_result("Xong", vec![doc("88/BC")], at(date!(2026 - 07 - 03)))
            .unwrap();
        let keys: Vec<String> = due_actions(&t, date!(2026 - 08 - 01), &cal(), &policy)
            .into_iter()
            .map(|a| a.key)
            .collect();
        assert_eq!(keys, vec!["task-1/due-2026-06-30/overdue-0"]);
        t.mark_overdue(at(date!(2026 - 08 - 01))).unwrap();
        assert!(due_actions(&t, date!(2026 - 08 - 02), &cal(), &policy).is_empty());
        // Refused: the ladder picks up where it was.
        t.reject("Thiếu chứng từ", at(date!(2026 - 08 - 03)))
            .unwrap();
        let steps = due_actions(&t, date!(2026 - 08 - 03), &cal(), &policy);
        assert_eq!(steps.len(), 1 + 4, "{steps:?}");
        assert_eq!(
            steps[0].key, "task-1/due-2026-06-30/overdue-1",
            "marked again"
        );
    }

    #[test]
    fn complexity_can_be_set_while_the_task_is_open() {
        let mut t = task(date!(2026 - 06 - 30));
        t.set_complex(true).unwrap();
        assert!(t.is_complex());
        let ladder = escalation_schedule(&t, &cal(), &EscalationPolicy::default());
        assert_eq!(ladder[3].2, Some(date!(2026 - 08 - 21)));
        let mut done = in_status(TaskStatus::Done);
        assert!(done.set_complex(true).is_err());
    }

    #[test]
    fn policies_are_checked() {
        let mut p = EscalationPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        p.ladder.swap(0, 1);
        assert_eq!(p.validate(), Err(SupervisionError::Policy));
        let mut p = EscalationPolicy::default();
        p.ladder[2].days = 0;
        assert_eq!(p.validate(), Err(SupervisionError::Policy));
        let p = EscalationPolicy {
            reminder_days_before: vec![7, 7],
            ..EscalationPolicy::default()
        };
        assert_eq!(p.validate(), Err(SupervisionError::Policy));
        let deadlines = Deadlines {
            explanation_days: 10,
            reminder_days_before: vec![10, 5],
            ..Deadlines::default()
        };
        let p = EscalationPolicy::from_deadlines(&deadlines);
        assert_eq!(
            (p.explanation_days, p.reminder_days_before),
            (10, vec![10, 5])
        );
    }

    proptest! {
        /// A scheduler that runs every day and records the keys it has
        /// acted on sends each reminder and step once, on the day it
        /// names, in order, and reaches the end of the ladder.
        #[test]
        fn a_daily_scheduler_fires_each_action_once_on_its_day(
            due_offset in 1i64..900,
            lead in 1i64..60,
            complex in any::<bool>(),
            skip in proptest::collection::btree_set(0i64..400, 0..5),
        ) {
            let c = cal();
            let policy = EscalationPolicy::default();
            let due = date!(2025 - 06 - 01) + time::Duration::days(due_offset);
            let given = due - time::Duration::days(lead);
            let mut new = new_task(1, due);
            new.complex = complex;
            let mut t = Task::assign(new, at(given)).unwrap();
            let mut sent: BTreeMap<String, Date> = BTreeMap::new();
            let mut first_seen: BTreeMap<String, Action> = BTreeMap::new();
            let mut day = given;
            let end = due + time::Duration::days(250);
            while day <= end {
                let offset = (day - given).whole_days();
                let actions = due_actions(&t, day, &c, &policy);
                // Called twice the same day, the answer is the same.
                prop_assert_eq!(&actions, &due_actions(&t, day, &c, &policy));
                for a in actions {
                    if let Some(seen) = first_seen.get(&a.key) {
                        prop_assert_eq!(seen, &a, "an action keeps its day and deadline");
                    } else {
                        first_seen.insert(a.key.clone(), a.clone());
                    }
                    // A day the scheduler did not run is caught up later.
                    if skip.contains(&offset) || sent.contains_key(&a.key) {
                        continue;
                    }
                    if !skip.iter().any(|s| given + time::Duration::days(*s) >= a.on && given + time::Duration::days(*s) < day) {
                        prop_assert_eq!(a.on, day, "{} fired on {} not {}", a.key, day, a.on);
                    }
                    if a.kind == ActionKind::MarkOverdue {
                        t.mark_overdue(at(day)).unwrap();
                    }
                    sent.insert(a.key, day);
                }
                day = day.next_day().unwrap();
            }
            let steps: Vec<&String> = sent.keys().filter(|k| !k.contains("remind")).collect();
            prop_assert_eq!(steps.len(), 1 + EscalationStep::ALL.len());
            let reminders = sent.keys().filter(|k| k.contains("remind")).count();
            let expected = reminder_schedule(&t, &c, &policy);
            prop_assert!(reminders <= expected.len());
            if skip.is_empty() {
                let mut distinct: Vec<Date> = expected.iter().map(|(_, on)| *on).collect();
                distinct.dedup();
                prop_assert_eq!(reminders, distinct.len());
            }
            // Steps go out in ladder order (several on one day after a gap).
            let mut by_step: Vec<(EscalationStep, Date)> = sent
                .iter()
                .filter_map(|(k, d)| {
                    let step = EscalationStep::ALL.iter().find(|s| k.ends_with(s.as_str()))?;
                    Some((*step, *d))
                })
                .collect();
            by_step.sort();
            prop_assert_eq!(by_step.len(), EscalationStep::ALL.len());
            prop_assert!(by_step.windows(2).all(|w| w[0].1 <= w[1].1));
        }
    }

    #[test]
    #[ignore = "benchmark: cargo test -p nghitruong-domain --release benchmark -- --ignored --nocapture"]
    fn benchmark_a_daily_pass_over_twenty_thousand_tasks() {
        let c = cal();
        let policy = EscalationPolicy::default();
        let tasks: Vec<Task> = (0..20_000)
            .map(|i| {
                let due = date!(2026 - 04 - 01) + time::Duration::days(i % 400);
                Task::assign(new_task(i, due), NOW).unwrap()
            })
            .collect();
        let today = date!(2026 - 09 - 01);
        let started = std::time::Instant::now();
        let actions: usize = tasks
            .iter()
            .map(|t| due_actions(t, today, &c, &policy).len())
            .sum();
        let elapsed = started.elapsed();
        println!(
            "due_actions over {} tasks on one day: {actions} actions in {elapsed:?} \
             ({:?} a task). Peer: the petition reminder check, Petition::reminder_due, \
             which looks at one due date and no calendar.",
            tasks.len(),
            elapsed / 20_000
        );
    }
}
