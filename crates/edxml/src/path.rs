//! Element paths used in errors and findings, and the names the reader
//! treats as aliases.
//!
//! A path lists local names from the envelope header down, e.g.
//! `MessageHeader/To[2]/OrganId`: the wrappers `edXML`, `edXMLEnvelope` and
//! `edXMLHeader` are left out because every package has them. A `[n]`
//! (1-based) follows a name when its parent has more than one child of that
//! name. The reader, the source map and the validator all build paths with
//! one helper, so a finding's path finds its line.

/// The name the reader uses for an element whose local name is `local`.
///
/// Bkav spells `Bussiness` as `Business`, and the .NET SDK writes
/// `DigitalSignature` where VNPT writes `Signature`.
pub(crate) fn canonical_name(local: &str) -> &str {
    match local {
        "Business" => "Bussiness",
        "DigitalSignature" => "Signature",
        other => other,
    }
}

/// Whether an element is one of the wrappers left out of paths.
pub(crate) fn is_wrapper(name: &str) -> bool {
    matches!(name, "edXML" | "edXMLEnvelope" | "edXMLHeader")
}

/// The path of the `index`-th (0-based) of `count` children named `name`.
pub(crate) fn child(parent: &str, name: &str, index: usize, count: usize) -> String {
    let mut path = String::with_capacity(parent.len() + name.len() + 5);
    if !parent.is_empty() {
        path.push_str(parent);
        path.push('/');
    }
    path.push_str(name);
    if count > 1 {
        path.push_str(&format!("[{}]", index + 1));
    }
    path
}

/// The path of the only (or first) child named `name`.
pub(crate) fn single(parent: &str, name: &str) -> String {
    child(parent, name, 0, 1)
}

/// Writes a path with the `edXML:` prefix the canonical form gives each
/// element, so that it reads like the file: `edXML:MessageHeader/edXML:From`.
///
/// `Signature` and its children, `AttachmentEncoded`, `Attachment` and the
/// attachment's children other than `ContentTransferEncoded` are written
/// without a prefix in the canonical form, so they are shown without one.
pub fn display_path(path: &str) -> String {
    let unprefixed_tree = path.starts_with("Signature") || path.starts_with("AttachmentEncoded");
    path.split('/')
        .map(|segment| {
            let name = segment.split('[').next().unwrap_or(segment);
            if unprefixed_tree && name != "ContentTransferEncoded" {
                segment.to_owned()
            } else {
                format!("edXML:{segment}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_children_get_a_one_based_index() {
        assert_eq!(child("MessageHeader", "To", 1, 3), "MessageHeader/To[2]");
        assert_eq!(child("MessageHeader", "To", 0, 1), "MessageHeader/To");
        assert_eq!(single("", "MessageHeader"), "MessageHeader");
    }

    #[test]
    fn displayed_paths_carry_the_prefix_the_canonical_form_writes() {
        assert_eq!(
            display_path("MessageHeader/To[2]/OrganId"),
            "edXML:MessageHeader/edXML:To[2]/edXML:OrganId"
        );
        assert_eq!(
            display_path("AttachmentEncoded/Attachment/ContentTransferEncoded"),
            "AttachmentEncoded/Attachment/edXML:ContentTransferEncoded"
        );
        assert_eq!(display_path("Signature/SignedInfo"), "Signature/SignedInfo");
    }

    #[test]
    fn vendor_spellings_map_to_the_vnpt_names() {
        assert_eq!(canonical_name("Business"), "Bussiness");
        assert_eq!(canonical_name("DigitalSignature"), "Signature");
        assert_eq!(canonical_name("From"), "From");
    }
}
