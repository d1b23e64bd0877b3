//! The message header of a document package and the parts it shares with
//! status packages.

use time::Date;

use crate::codes::Priority;

/// MessageHeader of a document package, in the order VNPT writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageHeader {
    /// From — cơ quan gửi, the sending unit.
    pub from: Organization,
    /// To — the electronic recipients; at least one is required.
    pub to: Vec<Organization>,
    /// DocumentId — by convention `<From.OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`;
    /// some senders put a UUID.
    pub document_id: Option<String>,
    /// Code — số và ký hiệu văn bản.
    pub code: Option<Code>,
    /// PromulgationInfo — địa danh và ngày ban hành.
    pub promulgation: Option<PromulgationInfo>,
    /// DocumentType — loại văn bản.
    pub document_type: Option<DocumentType>,
    /// Subject — trích yếu; required.
    pub subject: String,
    /// Content — a summary, often equal to the subject.
    pub content: Option<String>,
    /// SignerInfo — người ký.
    pub signer: Option<SignerInfo>,
    /// DueDate — hạn xử lý or hạn trả lời.
    pub due_date: Option<Date>,
    /// OtherInfo — priority, circulation, page counts, appendices.
    pub other_info: Option<OtherInfo>,
    /// ResponseFor — documents answered (phúc đáp) or, in a revocation, the
    /// document revoked.
    pub response_for: Vec<ResponseFor>,
    /// SteeringType — kept as the raw number: sources disagree on whether
    /// it counts from 0 or 1.
    pub steering_type: Option<u32>,
    /// ResponseForTask/TaskCode — probably a link to a task (nhiệm vụ).
    pub response_for_task: Option<String>,
    /// ApplicationType — meaning unknown; kept as written.
    pub application_type: Option<String>,
    /// ToPlaces/Place — nơi nhận as printed on the document.
    pub to_places: Vec<String>,
}

/// An organisation in `From` or `To`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Organization {
    /// OrganId — mã định danh (see [`crate::OrganId`]).
    pub organ_id: String,
    /// OrganizationInCharge — cơ quan chủ quản.
    pub organization_in_charge: Option<String>,
    /// OrganName — tên cơ quan.
    pub organ_name: String,
    /// OrganAdd — địa chỉ.
    pub organ_add: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Telephone.
    pub telephone: Option<String>,
    /// Fax.
    pub fax: Option<String>,
    /// Website.
    pub website: Option<String>,
}

/// Code — số (number) and ký hiệu (notation) of a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Code {
    /// CodeNumber — số; text, because senders write things like `74fass22`.
    pub number: String,
    /// CodeNotation — ký hiệu, e.g. `NQ-HĐND`.
    pub notation: String,
}

impl Code {
    /// The combined form `số/ký hiệu`, e.g. `15/NQ-HĐND`.
    pub fn combined(&self) -> String {
        format!("{}/{}", self.number, self.notation)
    }
}

/// PromulgationInfo — where and when the document was issued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromulgationInfo {
    /// Place — địa danh.
    pub place: String,
    /// PromulgationDate — ngày ban hành.
    pub date: Option<Date>,
}

/// DocumentType — the kind of document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentType {
    /// Type — a number whose meaning is not confirmed (samples use 1).
    pub type_code: Option<u32>,
    /// TypeDetail — samples use 0.
    pub type_detail: Option<u32>,
    /// TypeName — tên loại văn bản: "Nghị quyết", "Công văn"…
    pub type_name: String,
}

/// SignerInfo — who signed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerInfo {
    /// Competence — thẩm quyền ký: "TM.", "KT.", "TL."…
    pub competence: Option<String>,
    /// Position — chức vụ.
    pub position: Option<String>,
    /// FullName — họ và tên.
    pub full_name: Option<String>,
}

/// OtherInfo — the remaining format fields of NĐ 30/2020.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtherInfo {
    /// Priority — độ khẩn.
    pub priority: Option<Priority>,
    /// SphereOfPromulgation — phạm vi lưu hành.
    pub sphere_of_promulgation: Option<String>,
    /// TyperNotation — ký hiệu người soạn thảo.
    pub typer_notation: Option<String>,
    /// PromulgationAmount — số lượng bản phát hành.
    pub promulgation_amount: Option<u32>,
    /// PageAmount — số trang.
    pub page_amount: Option<u32>,
    /// ReplyFors — meaning unknown; kept as written.
    pub reply_fors: Option<String>,
    /// Direction — meaning unknown (perhaps "văn bản chỉ đạo").
    pub direction: Option<bool>,
    /// ReferenceCodes — meaning unknown; kept as written.
    pub reference_codes: Option<String>,
    /// Appendixes/Appendix — tên phụ lục.
    pub appendixes: Vec<String>,
}

/// ResponseFor — names an earlier document: the one answered, revoked, or
/// (in a status package) the one the status is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseFor {
    /// OrganId of the unit that issued the earlier document.
    pub organ_id: String,
    /// Code — số/ký hiệu combined, e.g. `7816/VPCP-TTĐT`.
    pub code: String,
    /// PromulgationDate of the earlier document.
    pub promulgation_date: Option<Date>,
    /// DocumentId of the earlier document.
    pub document_id: String,
}

impl ResponseFor {
    /// Whether it names nothing (`<edXML:ResponseFor/>` occurs in traffic).
    pub fn is_empty(&self) -> bool {
        self.organ_id.is_empty()
            && self.code.is_empty()
            && self.document_id.is_empty()
            && self.promulgation_date.is_none()
    }
}
