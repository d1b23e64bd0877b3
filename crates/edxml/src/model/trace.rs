//! TraceHeaderList: the hops a package took and its business type.

use time::PrimitiveDateTime;

use crate::codes::BusinessDocType;

/// TraceHeaderList — hops and the business block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceHeaderList {
    /// The `id` attribute, when present.
    pub id: Option<String>,
    /// The `version` attribute, when present.
    pub version: Option<String>,
    /// TraceHeader — one per unit or axis that handled the package.
    pub hops: Vec<TraceHeader>,
    /// Bussiness (sic; Bkav writes `Business`) — the business type.
    pub business: Option<Business>,
}

/// TraceHeader — one hop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceHeader {
    /// OrganId of the unit that handled the package.
    pub organ_id: String,
    /// Timestamp — when it did (Vietnam time).
    pub timestamp: Option<PrimitiveDateTime>,
}

/// Bussiness — what the package does to the document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Business {
    /// DocumentId — the earlier document concerned (update).
    pub document_id: Option<String>,
    /// BussinessDocType — new, revoke, update or replace.
    pub doc_type: Option<BusinessDocType>,
    /// BussinessDocReason — free-text reason.
    pub reason: Option<String>,
    /// Paper — whether a paper copy is also sent.
    pub paper: Option<bool>,
    /// BussinessDocumentInfo — what an update changes.
    pub document_info: Option<BusinessDocumentInfo>,
    /// ReplacementInfoList/ReplacementInfo — what a replacement replaces.
    pub replacements: Vec<ReplacementInfo>,
    /// StaffInfo — the clerk (văn thư) who sent it.
    pub staff: Option<StaffInfo>,
}

/// BussinessDocumentInfo — what an update (cập nhật) changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusinessDocumentInfo {
    /// DocumentInfo — the document's metadata changed.
    pub document_info: Option<bool>,
    /// DocumentReceiver — the recipient list changed.
    pub document_receiver: Option<bool>,
    /// ReceiverList/Receiver — recipients added or removed.
    pub receivers: Vec<Receiver>,
}

/// Receiver — a recipient added to or removed from the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Receiver {
    /// OrganId of the recipient.
    pub organ_id: String,
    /// ReceiverType — `0` removed from the recipients, `1` added.
    pub receiver_type: Option<u32>,
}

/// ReplacementInfo — a document replaced, per recipient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplacementInfo {
    /// DocumentId of the document replaced.
    pub document_id: String,
    /// OrganIdList/OrganId — recipients whose copy is replaced.
    pub organ_ids: Vec<String>,
}

/// StaffInfo — a member of staff (cán bộ) and their unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffInfo {
    /// Department — phòng, ban.
    pub department: Option<String>,
    /// DepartmentId.
    pub department_id: Option<String>,
    /// Staff — họ tên cán bộ.
    pub staff: Option<String>,
    /// StaffId.
    pub staff_id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
}
