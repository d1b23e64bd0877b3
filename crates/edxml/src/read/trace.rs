//! Reads `TraceHeaderList`, its hops and the business block.

use crate::codes::BusinessDocType;
use crate::error::ReadError;
use crate::model::{
    Business, BusinessDocumentInfo, Receiver, ReplacementInfo, StaffInfo, TraceHeader,
    TraceHeaderList,
};
use crate::read::el::El;

/// Reads `TraceHeaderList`; hops and `Bussiness` may come in any order.
pub(crate) fn trace_header_list(el: &El<'_>) -> Result<TraceHeaderList, ReadError> {
    Ok(TraceHeaderList {
        id: el.attr("id").map(str::to_owned),
        version: el.attr("version").map(str::to_owned),
        hops: el
            .children("TraceHeader")
            .iter()
            .map(|h| {
                Ok(TraceHeader {
                    organ_id: h.req("OrganId"),
                    timestamp: h.opt_timestamp("Timestamp")?,
                })
            })
            .collect::<Result<_, ReadError>>()?,
        business: el.child("Bussiness").map(|b| business(&b)).transpose()?,
    })
}

/// Reads `StaffInfo`.
pub(crate) fn staff_info(el: &El<'_>) -> StaffInfo {
    StaffInfo {
        department: el.opt("Department"),
        department_id: el.opt("DepartmentId"),
        staff: el.opt("Staff"),
        staff_id: el.opt("StaffId"),
        email: el.opt("Email"),
        mobile: el.opt("Mobile"),
    }
}

fn business(el: &El<'_>) -> Result<Business, ReadError> {
    Ok(Business {
        document_id: el.opt("DocumentId"),
        doc_type: el
            .opt_u32("BussinessDocType")?
            .map(BusinessDocType::from_code),
        reason: el.opt("BussinessDocReason"),
        paper: el.opt_bool("Paper")?,
        document_info: el
            .child("BussinessDocumentInfo")
            .map(|i| document_info(&i))
            .transpose()?,
        replacements: el
            .child("ReplacementInfoList")
            .map(|l| {
                l.children("ReplacementInfo")
                    .iter()
                    .map(|r| ReplacementInfo {
                        document_id: r.req("DocumentId"),
                        organ_ids: r
                            .child("OrganIdList")
                            .map(|o| o.texts("OrganId"))
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        staff: el.child("StaffInfo").map(|s| staff_info(&s)),
    })
}

fn document_info(el: &El<'_>) -> Result<BusinessDocumentInfo, ReadError> {
    let receivers = match el.child("ReceiverList") {
        Some(list) => list
            .children("Receiver")
            .iter()
            .map(|r| {
                Ok(Receiver {
                    organ_id: r.req("OrganId"),
                    receiver_type: r.opt_u32("ReceiverType")?,
                })
            })
            .collect::<Result<_, ReadError>>()?,
        None => Vec::new(),
    };
    Ok(BusinessDocumentInfo {
        document_info: el.opt_bool("DocumentInfo")?,
        document_receiver: el.opt_bool("DocumentReceiver")?,
        receivers,
    })
}
