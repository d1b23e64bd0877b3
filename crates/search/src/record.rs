//! What goes into the index and who may see it.

use serde::Serialize;

/// Loại hồ sơ — what kind of record a hit is. Kinds are added as the areas
/// that store them land (documents, petitions, answers, resolutions, tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Kỳ họp — a council session.
    Session,
    /// Nội dung chương trình kỳ họp — an agenda item.
    AgendaItem,
    /// Câu hỏi chất vấn — a question to an official, with its answer.
    Question,
    /// Tài liệu kỳ họp — a session document.
    Document,
    /// Kiến nghị cử tri — a voter petition.
    Petition,
    /// Trả lời kiến nghị — an answer to a petition.
    Answer,
    /// Nghị quyết — a resolution.
    Resolution,
    /// Nhiệm vụ — a task followed up by supervision.
    Task,
}

impl Kind {
    /// Every kind, in the order facets list them.
    pub const ALL: &'static [Kind] = &[
        Kind::Document,
        Kind::Petition,
        Kind::Answer,
        Kind::Resolution,
        Kind::Task,
        Kind::Session,
        Kind::AgendaItem,
        Kind::Question,
    ];

    /// The code stored in the index and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Session => "ky_hop",
            Kind::AgendaItem => "noi_dung",
            Kind::Question => "chat_van",
            Kind::Document => "tai_lieu",
            Kind::Petition => "kien_nghi",
            Kind::Answer => "tra_loi",
            Kind::Resolution => "nghi_quyet",
            Kind::Task => "nhiem_vu",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Session => "Kỳ họp",
            Kind::AgendaItem => "Nội dung kỳ họp",
            Kind::Question => "Chất vấn",
            Kind::Document => "Tài liệu",
            Kind::Petition => "Kiến nghị cử tri",
            Kind::Answer => "Trả lời kiến nghị",
            Kind::Resolution => "Nghị quyết",
            Kind::Task => "Nhiệm vụ",
        }
    }

    /// The kind of a code, if it is one.
    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == code)
    }
}

/// Đối tượng được xem — one group allowed to see a record. A record lists
/// every group that may see it; an asker's [`Scope`] lists every group they
/// belong to; a record is visible when the two share one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Everyone, signed in or not (công khai).
    Public,
    /// Everyone holding any role in the council.
    Council(i64),
    /// Holders of one role (its code, e.g. `dai_bieu`) in the council.
    CouncilRole(i64, &'static str),
    /// One person (a deputy on a confidential document's list, the author).
    Person(i64),
    /// One account, by user id (a session document names its readers by
    /// account).
    User(i64),
    /// Whoever holds a seat in one body (a committee, a Ban) on the day
    /// they search; the asker's seats are looked up when they ask.
    Body(i64),
    /// The officers of one agency (the agency a petition was sent to).
    Agency(i64),
}

/// The wildcard council that a grant covering every council holds.
const ANY_COUNCIL: &str = "*";

impl Audience {
    /// The terms a record with this audience carries in the index. Council
    /// audiences also carry the wildcard council, which a grant valid in
    /// every council (the administrator's) matches.
    pub(crate) fn record_terms(&self) -> Vec<String> {
        match self {
            Audience::Public => vec!["public".into()],
            Audience::Council(c) => vec![format!("council:{c}"), format!("council:{ANY_COUNCIL}")],
            Audience::CouncilRole(c, role) => vec![
                format!("council:{c}:role:{role}"),
                format!("council:{ANY_COUNCIL}:role:{role}"),
            ],
            Audience::Person(p) => vec![format!("person:{p}")],
            Audience::User(u) => vec![format!("user:{u}")],
            Audience::Body(b) => vec![format!("body:{b}")],
            Audience::Agency(a) => vec![format!("agency:{a}")],
        }
    }
}

/// Phạm vi — who is asking: the groups they belong to. Built by the caller
/// from the signed-in user's grants; the index applies it inside the query,
/// so nothing outside it is returned, counted or faceted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub(crate) terms: Vec<String>,
}

impl Scope {
    /// Someone not signed in: public records only.
    pub fn public() -> Self {
        Self {
            terms: vec!["public".into()],
        }
    }

    /// A signed-in person: public records plus what `person_id` is named on.
    pub fn person(person_id: Option<i64>) -> Self {
        let mut scope = Self::public();
        if let Some(p) = person_id {
            scope.terms.push(format!("person:{p}"));
        }
        scope
    }

    /// Leaves out what is public: for a signed-in searcher whose pages do
    /// not include the public ones (an agency officer reads those on the
    /// portal), so no result leads to a page they cannot open.
    pub fn without_public(mut self) -> Self {
        self.terms.retain(|t| t != "public");
        self
    }

    /// Adds a role held in a council (`None`: in every council).
    pub fn with_role(mut self, council_id: Option<i64>, role: &str) -> Self {
        let council = council_id.map_or_else(|| ANY_COUNCIL.to_string(), |c| c.to_string());
        self.terms.push(format!("council:{council}"));
        self.terms.push(format!("council:{council}:role:{role}"));
        self
    }

    /// Adds the account itself (documents that name their readers).
    pub fn with_user(mut self, user_id: i64) -> Self {
        self.terms.push(format!("user:{user_id}"));
        self
    }

    /// Adds a body (committee, Ban) the person holds a seat in today.
    pub fn with_body(mut self, body_id: i64) -> Self {
        self.terms.push(format!("body:{body_id}"));
        self
    }

    /// Adds the agency the person works for.
    pub fn with_agency(mut self, agency_id: i64) -> Self {
        self.terms.push(format!("agency:{agency_id}"));
        self
    }
}

/// Một hồ sơ — one searchable record, as its area describes it.
#[derive(Clone, Debug)]
pub struct Record {
    /// Kind.
    pub kind: Kind,
    /// Its identifier within its kind; `(kind, id)` is the stable key.
    pub id: i64,
    /// The council it belongs to.
    pub council_id: Option<i64>,
    /// The council's name, shown as the council facet's label.
    pub council_name: Option<String>,
    /// Lĩnh vực — its field (Giao thông, Đất đai, …).
    pub field: Option<String>,
    /// Kỳ — the period it belongs to ("2026", "Kỳ họp thứ 2").
    pub period: Option<String>,
    /// Trạng thái — where it stands, as a label.
    pub status: Option<String>,
    /// Title.
    pub title: String,
    /// Body text (extracted text of a document, a petition's content).
    pub body: String,
    /// Its date, ISO 8601 (`2026-12-04`).
    pub date: Option<String>,
    /// Where the record is shown in the application.
    pub url: String,
    /// Where the public portal shows it, for a record with the
    /// [`Audience::Public`] audience (the portal's search links there).
    pub public_url: Option<String>,
    /// Who may see it; a record with no audience is seen by no one.
    pub audience: Vec<Audience>,
}
