//! Mã và nhãn: every coded value of the domain, looked up by its code
//! alone, for texts that keep codes without naming their set (the audit
//! log's JSON: `"status": "dang_hop"`).

use std::collections::HashMap;
use std::sync::LazyLock;

/// `(code, label)` of every value of the listed sets.
macro_rules! pairs_of {
    ($($set:ty),+ $(,)?) => {{
        let mut pairs: Vec<(&'static str, &'static str)> = Vec::new();
        $(pairs.extend(<$set>::ALL.iter().map(|v| (v.as_str(), v.label())));)+
        (pairs, [$(stringify!($set)),+].len())
    }};
}

/// Every coded set, and how many there are (checked against the sources).
fn all_pairs() -> (Vec<(&'static str, &'static str)>, usize) {
    use crate::*;
    pairs_of![
        access::Role,
        access::Permission,
        attendance::AttendanceStatus,
        attendance::CheckInMethod,
        calendar::Holiday,
        consultation::ConsultationStatus,
        consultation::ConsultationEvent,
        consultation::Opinion,
        dedup::EntityKind,
        document::DocumentKind,
        document::FileFormat,
        document::Classification,
        document::DocumentStatus,
        document::DocumentEvent,
        meeting::MeetingKind,
        meeting::MeetingStatus,
        meeting::MeetingEvent,
        meeting::InviteRole,
        meeting::RoomRole,
        org::UnitKind,
        org::CouncilLevel,
        org::CommitteeKind,
        org::BodyKind,
        org::PositionRole,
        org::PersonStatus,
        petition::PetitionStatus,
        petition::PetitionEvent,
        petition::Competence,
        petition::ResultClass,
        petition::Track,
        petition::MeetingKind,
        questioning::QuestionStatus,
        questioning::QuestionEvent,
        resolution::ResolutionKind,
        resolution::RelationKind,
        resolution::ReportTiming,
        resolution::InForceStatus,
        rules::MajorityRule,
        rules::Denominator,
        session::SessionKind,
        session::SessionStatus,
        session::SessionEvent,
        session::AgendaKind,
        session::AgendaStatus,
        speaking::SpeakKind,
        speaking::SpeakStatus,
        speaking::SpeakEvent,
        supervision::Conductor,
        supervision::Stream,
        supervision::DelegationStatus,
        supervision::DelegationEvent,
        supervision::MemberRole,
        supervision::TaskSource,
        supervision::TaskStatus,
        supervision::TaskEvent,
        supervision::EscalationStep,
        vote::VoteMode,
        vote::VotePurpose,
        vote::Choice,
        vote::RoundStatus,
        vote::RoundEvent,
    ]
}

/// Label by code; `None` where two sets give one code different labels.
static LABELS: LazyLock<HashMap<&'static str, Option<&'static str>>> = LazyLock::new(|| {
    let mut labels: HashMap<&'static str, Option<&'static str>> = HashMap::new();
    for (code, label) in all_pairs().0 {
        labels
            .entry(code)
            .and_modify(|known| {
                if *known != Some(label) {
                    *known = None;
                }
            })
            .or_insert(Some(label));
    }
    labels
});

/// The Vietnamese label of `code`, when the code is one of the domain's
/// and means the same in every set that has it.
pub fn label(code: &str) -> Option<&'static str> {
    LABELS.get(code).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_coded_set_of_the_domain_is_listed() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut declared = 0;
        for entry in std::fs::read_dir(src).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            declared += text.matches("\ncoded_enum! {").count();
        }
        assert_eq!(all_pairs().1, declared, "a coded_enum! is missing here");
    }

    #[test]
    fn codes_read_as_their_labels_and_shared_codes_only_when_they_agree() {
        assert_eq!(label("co_mat"), Some("Có mặt"));
        assert_eq!(label("tan_thanh"), Some("Tán thành"));
        assert_eq!(label("khong-co-ma-nay"), None);
        // Codes two sets share with different labels stay unread.
        let (pairs, _) = all_pairs();
        for (code, first) in &pairs {
            let labels: std::collections::BTreeSet<&str> = pairs
                .iter()
                .filter(|(c, _)| c == code)
                .map(|(_, l)| *l)
                .collect();
            if labels.len() == 1 {
                assert_eq!(label(code), Some(*first));
            } else {
                assert_eq!(label(code), None, "{code} has labels {labels:?}");
            }
        }
    }
}
