//! Reads the message header of a document package and the parts status
//! packages share with it.

use crate::codes::Priority;
use crate::error::ReadError;
use crate::model::{
    Code, DocumentType, MessageHeader, Organization, OtherInfo, PromulgationInfo, ResponseFor,
    SignerInfo,
};
use crate::read::el::El;

/// Reads `MessageHeader` of a document package.
pub(crate) fn message_header(el: &El<'_>) -> Result<MessageHeader, ReadError> {
    Ok(MessageHeader {
        from: organization(&el.require("From")?)?,
        to: el
            .children("To")
            .iter()
            .map(organization)
            .collect::<Result<_, _>>()?,
        document_id: el.opt("DocumentId"),
        code: el.child("Code").map(|c| Code {
            number: c.req("CodeNumber"),
            notation: c.req("CodeNotation"),
        }),
        promulgation: el
            .child("PromulgationInfo")
            .map(|p| promulgation(&p))
            .transpose()?,
        document_type: el
            .child("DocumentType")
            .map(|d| document_type(&d))
            .transpose()?,
        subject: el.req("Subject"),
        content: el.opt("Content"),
        signer: el.child("SignerInfo").map(|s| SignerInfo {
            competence: s.opt("Competence"),
            position: s.opt("Position"),
            full_name: s.opt("FullName"),
        }),
        due_date: el.opt_date("DueDate")?,
        other_info: el.child("OtherInfo").map(|o| other_info(&o)).transpose()?,
        response_for: el
            .children("ResponseFor")
            .iter()
            .map(response_for)
            .collect::<Result<_, _>>()?,
        steering_type: el.opt_u32("SteeringType")?,
        response_for_task: el.child("ResponseForTask").map(|t| t.req("TaskCode")),
        application_type: el.opt("ApplicationType"),
        to_places: el
            .child("ToPlaces")
            .map(|t| t.texts("Place"))
            .unwrap_or_default(),
    })
}

/// Reads `From` or `To`; the `OrganId` element must be there.
pub(crate) fn organization(el: &El<'_>) -> Result<Organization, ReadError> {
    Ok(Organization {
        organ_id: el.require("OrganId")?.text().to_owned(),
        organization_in_charge: el.opt("OrganizationInCharge"),
        organ_name: el.req("OrganName"),
        organ_add: el.opt("OrganAdd"),
        email: el.opt("Email"),
        telephone: el.opt("Telephone"),
        fax: el.opt("Fax"),
        website: el.opt("Website"),
    })
}

/// Reads `ResponseFor`; an empty one reads as all fields empty.
pub(crate) fn response_for(el: &El<'_>) -> Result<ResponseFor, ReadError> {
    Ok(ResponseFor {
        organ_id: el.req("OrganId"),
        code: el.req("Code"),
        promulgation_date: el.opt_date("PromulgationDate")?,
        document_id: el.req("DocumentId"),
    })
}

fn promulgation(el: &El<'_>) -> Result<PromulgationInfo, ReadError> {
    Ok(PromulgationInfo {
        place: el.req("Place"),
        date: el.opt_date("PromulgationDate")?,
    })
}

fn document_type(el: &El<'_>) -> Result<DocumentType, ReadError> {
    Ok(DocumentType {
        type_code: el.opt_u32("Type")?,
        type_detail: el.opt_u32("TypeDetail")?,
        type_name: el.req("TypeName"),
    })
}

fn other_info(el: &El<'_>) -> Result<OtherInfo, ReadError> {
    Ok(OtherInfo {
        priority: el.opt_u32("Priority")?.map(Priority::from_code),
        sphere_of_promulgation: el.opt("SphereOfPromulgation"),
        typer_notation: el.opt("TyperNotation"),
        promulgation_amount: el.opt_u32("PromulgationAmount")?,
        page_amount: el.opt_u32("PageAmount")?,
        reply_fors: el.opt("ReplyFors"),
        direction: el.opt_bool("Direction")?,
        reference_codes: el.opt("ReferenceCodes"),
        appendixes: el
            .child("Appendixes")
            .map(|a| a.texts("Appendix"))
            .unwrap_or_default(),
    })
}
