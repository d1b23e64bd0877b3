//! Tài liệu kỳ họp — the documents of a session: what kind each is, who may
//! read it, how secret it is, and its life cycle from draft to published.
//!
//! A document belongs to a session and, usually, to one agenda item. The
//! office uploads it (a new upload of the same document is a new version),
//! submits it, the Thường trực approves it, and the office publishes it to
//! its audience. Deputies only ever see the version last published, so a
//! new version under review does not take the old one away from them.

use crate::machine::TransitionError;
use crate::org::coded_enum;

coded_enum! {
    /// Loại tài liệu.
    DocumentKind, "document kind" {
        /// Tờ trình — the proposal of the body that asks for a resolution.
        Proposal = "to_trinh", "Tờ trình";
        /// Dự thảo nghị quyết.
        DraftResolution = "du_thao_nq", "Dự thảo nghị quyết";
        /// Báo cáo thẩm tra của Ban.
        VerificationReport = "bao_cao_tham_tra", "Báo cáo thẩm tra";
        /// Báo cáo.
        Report = "bao_cao", "Báo cáo";
        /// Tài liệu khác.
        Other = "khac", "Tài liệu khác";
    }
}

coded_enum! {
    /// Định dạng tệp, decided from the content, never from the name.
    FileFormat, "file format" {
        /// PDF.
        Pdf = "pdf", "PDF";
        /// Word (Office Open XML).
        Docx = "docx", "DOCX";
        /// Excel (Office Open XML).
        Xlsx = "xlsx", "XLSX";
    }
}

impl FileFormat {
    /// The MIME type to serve the file with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

coded_enum! {
    /// Độ mật — how widely a document may travel.
    Classification, "classification" {
        /// Thường — may be downloaded by its audience.
        Normal = "thuong", "Thường";
        /// Hạn chế — read in the browser only, watermarked.
        Restricted = "han_che", "Hạn chế";
        /// Mật — read in the browser only, watermarked.
        Secret = "mat", "Mật";
    }
}

impl Classification {
    /// Whether the document is shown only in the browser, watermarked with
    /// the reader's name, and never handed out as a file.
    pub fn is_confidential(self) -> bool {
        self != Self::Normal
    }
}

coded_enum! {
    /// Trạng thái tài liệu.
    DocumentStatus, "document status" {
        /// Nháp — the office is preparing it.
        Draft = "nhap", "Nháp";
        /// Chờ duyệt — submitted for approval.
        Submitted = "cho_duyet", "Chờ duyệt";
        /// Đã duyệt — approved, not yet sent out.
        Approved = "da_duyet", "Đã duyệt";
        /// Đã phát hành — its audience can read it.
        Published = "da_phat_hanh", "Đã phát hành";
        /// Đã thu hồi — taken back; nobody outside the office sees it.
        Withdrawn = "da_thu_hoi", "Đã thu hồi";
    }
}

coded_enum! {
    /// What can happen to a document.
    DocumentEvent, "document event" {
        /// Send for approval.
        Submit = "trinh_duyet", "trình duyệt";
        /// Approve (Thường trực HĐND).
        Approve = "duyet", "duyệt";
        /// Send back to the office with a reason.
        Reject = "tra_lai", "trả lại";
        /// Publish to the audience.
        Publish = "phat_hanh", "phát hành";
        /// A new version was uploaded; it must be approved again.
        Revise = "cap_nhat_phien_ban", "cập nhật phiên bản";
        /// Take it back from everyone.
        Withdraw = "thu_hoi", "thu hồi";
        /// Take a withdrawn document up again as a draft.
        Reopen = "mo_lai", "mở lại";
    }
}

impl DocumentStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: DocumentEvent) -> Result<DocumentStatus, TransitionError> {
        use DocumentEvent as E;
        use DocumentStatus as S;
        let next = match (self, event) {
            (S::Draft, E::Submit) => S::Submitted,
            (S::Submitted, E::Approve) => S::Approved,
            (S::Submitted, E::Reject) => S::Draft,
            (S::Approved, E::Publish) => S::Published,
            (S::Draft | S::Submitted | S::Approved | S::Published, E::Revise) => S::Draft,
            (S::Draft | S::Submitted | S::Approved | S::Published, E::Withdraw) => S::Withdrawn,
            (S::Withdrawn, E::Reopen) => S::Draft,
            _ => {
                return Err(TransitionError {
                    subject: "tài liệu",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }

    /// Whether the version last published stays readable by the audience
    /// in this state. A revised document keeps its published version out
    /// until the new one is published; a withdrawn one shows nothing.
    pub fn keeps_published_version(self) -> bool {
        self != Self::Withdrawn
    }
}

/// Đối tượng được xem — one grant of a document's audience.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AudienceGrant {
    /// Every deputy of the council.
    AllDeputies,
    /// The members of one committee (Ban), by body id.
    Committee(i64),
    /// Invited guests (khách mời).
    Guests,
    /// One named person, by user id.
    Person(i64),
}

impl AudienceGrant {
    /// The stored code and referenced id.
    pub fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Self::AllDeputies => ("dai_bieu", None),
            Self::Committee(id) => ("ban", Some(id)),
            Self::Guests => ("khach_moi", None),
            Self::Person(id) => ("ca_nhan", Some(id)),
        }
    }

    /// Reads a stored grant back.
    pub fn from_parts(kind: &str, id: Option<i64>) -> Option<Self> {
        match (kind, id) {
            ("dai_bieu", _) => Some(Self::AllDeputies),
            ("ban", Some(id)) => Some(Self::Committee(id)),
            ("khach_moi", _) => Some(Self::Guests),
            ("ca_nhan", Some(id)) => Some(Self::Person(id)),
            _ => None,
        }
    }
}

/// Who is reading: what the audience rules look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reader {
    /// The account.
    pub user_id: i64,
    /// Sees every document of the council in any state (the office, the
    /// chair and the Thường trực, who prepare and approve them).
    pub sees_all: bool,
    /// Holds a deputy's role in the council.
    pub is_deputy: bool,
    /// Holds a guest's role in the council.
    pub is_guest: bool,
    /// The committees (Ban) the reader sits on, by body id.
    pub committees: Vec<i64>,
}

/// Whether `reader` may open a document with this audience and state.
///
/// The store applies the same rule inside its queries (so a list never
/// carries what the reader may not see); this form states it once for
/// tests and for the cases the store does not answer.
pub fn may_read(
    reader: &Reader,
    audience: &[AudienceGrant],
    status: DocumentStatus,
    has_published_version: bool,
) -> bool {
    if reader.sees_all {
        return true;
    }
    if !(has_published_version && status.keeps_published_version()) {
        return false;
    }
    audience.iter().any(|g| match *g {
        AudienceGrant::AllDeputies => reader.is_deputy,
        AudienceGrant::Committee(body) => reader.committees.contains(&body),
        AudienceGrant::Guests => reader.is_guest,
        AudienceGrant::Person(user) => user == reader.user_id,
    })
}

/// Whether a role reads documents as a deputy: the documents shared with
/// all deputies reach the deputies, the chair, the vice-chairs and the
/// members of the Thường trực.
pub fn reads_as_deputy(role: crate::access::Role) -> bool {
    use crate::access::Role as R;
    matches!(
        role,
        R::Deputy | R::Chair | R::ViceChair | R::StandingMember
    )
}

/// Công khai — whether the public portal shows a session document: one of
/// a public session that deputies can already see, of normal
/// classification, published and not withdrawn, and shared with every
/// deputy (a document kept to a committee, to guests or to named people is
/// not for the public, and neither is anything restricted or secret).
pub fn is_public(
    session_open_to_public: bool,
    classification: Classification,
    status: DocumentStatus,
    has_published_version: bool,
    audience: &[AudienceGrant],
) -> bool {
    session_open_to_public
        && classification == Classification::Normal
        && has_published_version
        && status.keeps_published_version()
        && audience.contains(&AudienceGrant::AllDeputies)
}

/// The watermark line drawn over a confidential document: who reads it
/// and when, so any photograph of the screen names its source.
pub fn watermark(reader_name: &str, at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::macros::offset!(+7));
    format!(
        "{reader_name} · {:02}/{:02}/{} {:02}:{:02}",
        at.day(),
        u8::from(at.month()),
        at.year(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_a_public_session_s_normal_published_document_for_all_deputies_is_public() {
        use Classification as C;
        use DocumentStatus as S;
        let all = [AudienceGrant::AllDeputies];
        let everyone = [AudienceGrant::AllDeputies, AudienceGrant::Guests];
        assert!(is_public(true, C::Normal, S::Published, true, &all));
        assert!(is_public(true, C::Normal, S::Published, true, &everyone));
        // A revised document keeps its published version public.
        assert!(is_public(true, C::Normal, S::Draft, true, &all));
        assert!(!is_public(false, C::Normal, S::Published, true, &all));
        assert!(!is_public(true, C::Restricted, S::Published, true, &all));
        assert!(!is_public(true, C::Secret, S::Published, true, &all));
        assert!(!is_public(true, C::Normal, S::Withdrawn, true, &all));
        assert!(!is_public(true, C::Normal, S::Approved, false, &all));
        for kept in [
            AudienceGrant::Committee(3),
            AudienceGrant::Guests,
            AudienceGrant::Person(7),
        ] {
            assert!(!is_public(true, C::Normal, S::Published, true, &[kept]));
        }
        assert!(!is_public(true, C::Normal, S::Published, true, &[]));
    }

    #[test]
    fn deputies_chair_and_standing_members_read_as_deputies() {
        use crate::access::Role;
        let deputies: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| reads_as_deputy(*r))
            .collect();
        assert_eq!(
            deputies,
            [
                Role::Chair,
                Role::ViceChair,
                Role::StandingMember,
                Role::Deputy
            ]
        );
    }

    use super::*;

    /// Every (state, event) pair, written out: `None` where refused.
    #[test]
    fn every_document_state_and_event() {
        use DocumentStatus as S;
        // Submit, Approve, Reject, Publish, Revise, Withdraw, Reopen
        let table: &[(S, [Option<S>; 7])] = &[
            (
                S::Draft,
                [
                    Some(S::Submitted),
                    None,
                    None,
                    None,
                    Some(S::Draft),
                    Some(S::Withdrawn),
                    None,
                ],
            ),
            (
                S::Submitted,
                [
                    None,
                    Some(S::Approved),
                    Some(S::Draft),
                    None,
                    Some(S::Draft),
                    Some(S::Withdrawn),
                    None,
                ],
            ),
            (
                S::Approved,
                [
                    None,
                    None,
                    None,
                    Some(S::Published),
                    Some(S::Draft),
                    Some(S::Withdrawn),
                    None,
                ],
            ),
            (
                S::Published,
                [
                    None,
                    None,
                    None,
                    None,
                    Some(S::Draft),
                    Some(S::Withdrawn),
                    None,
                ],
            ),
            (
                S::Withdrawn,
                [None, None, None, None, None, None, Some(S::Draft)],
            ),
        ];
        assert_eq!(table.len(), S::ALL.len(), "every state has a row");
        for (state, row) in table {
            assert_eq!(row.len(), DocumentEvent::ALL.len());
            for (event, want) in DocumentEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
    }

    #[test]
    fn a_refused_transition_explains_itself_in_vietnamese() {
        let err = DocumentStatus::Draft
            .on(DocumentEvent::Publish)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Không thể phát hành khi tài liệu đang ở trạng thái “Nháp”."
        );
    }

    fn deputy(user_id: i64) -> Reader {
        Reader {
            user_id,
            is_deputy: true,
            committees: vec![7],
            ..Reader::default()
        }
    }

    #[test]
    fn the_audience_decides_who_reads_a_published_document() {
        use AudienceGrant as G;
        let published = DocumentStatus::Published;
        let guest = Reader {
            user_id: 3,
            is_guest: true,
            ..Reader::default()
        };
        assert!(may_read(&deputy(1), &[G::AllDeputies], published, true));
        assert!(!may_read(&guest, &[G::AllDeputies], published, true));
        assert!(may_read(&guest, &[G::Guests], published, true));
        assert!(may_read(&deputy(1), &[G::Committee(7)], published, true));
        assert!(!may_read(&deputy(1), &[G::Committee(8)], published, true));
        assert!(may_read(&guest, &[G::Person(3)], published, true));
        assert!(!may_read(&deputy(1), &[G::Person(3)], published, true));
        assert!(
            !may_read(&deputy(1), &[], published, true),
            "no grant, no reader"
        );
    }

    #[test]
    fn nothing_unpublished_or_withdrawn_reaches_the_audience() {
        use AudienceGrant as G;
        for status in DocumentStatus::ALL {
            assert!(!may_read(&deputy(1), &[G::AllDeputies], *status, false));
        }
        assert!(!may_read(
            &deputy(1),
            &[G::AllDeputies],
            DocumentStatus::Withdrawn,
            true
        ));
        assert!(
            may_read(&deputy(1), &[G::AllDeputies], DocumentStatus::Draft, true),
            "a revised document keeps its published version readable"
        );
        let office = Reader {
            sees_all: true,
            ..Reader::default()
        };
        assert!(may_read(&office, &[], DocumentStatus::Draft, false));
    }

    #[test]
    fn grants_round_trip_through_their_stored_form() {
        for g in [
            AudienceGrant::AllDeputies,
            AudienceGrant::Committee(4),
            AudienceGrant::Guests,
            AudienceGrant::Person(9),
        ] {
            let (kind, id) = g.parts();
            assert_eq!(AudienceGrant::from_parts(kind, id), Some(g));
        }
        assert_eq!(AudienceGrant::from_parts("ban", None), None);
        assert_eq!(AudienceGrant::from_parts("khac", Some(1)), None);
    }

    #[test]
    fn only_normal_documents_leave_the_browser() {
        assert!(!Classification::Normal.is_confidential());
        assert!(Classification::Restricted.is_confidential());
        assert!(Classification::Secret.is_confidential());
    }

    #[test]
    fn the_watermark_names_the_reader_and_the_hall_time() {
        let at = time::macros::datetime!(2026-12-08 01:05 UTC);
        assert_eq!(
            watermark("Nguyễn Văn An", at),
            "Nguyễn Văn An · 08/12/2026 08:05"
        );
    }
}
