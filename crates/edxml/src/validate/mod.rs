//! Checking a package that was read: required fields, organisation codes,
//! dates, business-type consistency, status codes and attachment references.
//!
//! The validator never fails; it returns [`Finding`]s. An error finding
//! means the package should not be accepted or sent as it is; a warning
//! means it is usable but odd (a non-canonical organisation code, an empty
//! attachment, a DocumentId that disagrees with the header). Codes are in
//! the `EDX1nn` range, after the reader's `EDX0nn`.

mod common;
mod document;
mod status;

use std::fmt;

use time::Date;

use crate::model::Package;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Usable, but worth a look.
    Warning,
    /// The package should not be accepted or sent as it is.
    Error,
}

impl Severity {
    /// The Vietnamese word shown to people: `lỗi` or `cảnh báo`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Warning => "cảnh báo",
            Self::Error => "lỗi",
        }
    }
}

/// The rules the validator checks, each with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `EDX101` (error): a required field is missing or empty (From/OrganId,
    /// To, CodeNumber, CodeNotation, Subject, PromulgationDate; a status
    /// package's StatusCode, ResponseFor and Timestamp; attachment ids and
    /// names; trace hop fields).
    MissingField,
    /// `EDX102` (error): an organisation code fails even the lenient check.
    InvalidOrganId,
    /// `EDX103` (warning, or error under [`OrganIdPolicy::RequireCanonical`]):
    /// an organisation code is not in the canonical `AAA.BB.CC.DDD` form.
    NonCanonicalOrganId,
    /// `EDX104` (error): the same organisation appears twice in `To`.
    DuplicateRecipient,
    /// `EDX105` (error): `Priority` is outside 0–4.
    UnknownPriority,
    /// `EDX106` (error): `BussinessDocType` is outside 0–3.
    UnknownBusinessType,
    /// `EDX107` (error): a revocation, update or replacement does not name
    /// the document it acts on (`ResponseFor`, `Bussiness/DocumentId`,
    /// `ReplacementInfo/DocumentId`).
    MissingOriginal,
    /// `EDX108` (warning): the status code is not one of the nine known.
    UnknownStatusCode,
    /// `EDX109` (error): a manifest entry names a content id no attachment has.
    UnresolvedContentId,
    /// `EDX110` (warning): an attachment is not listed in the manifest.
    UnlistedAttachment,
    /// `EDX111` (warning): an attachment has no content.
    EmptyAttachment,
    /// `EDX112` (error): two attachments share a content id.
    DuplicateContentId,
    /// `EDX113` (warning): a date or time lies after today.
    FutureDate,
    /// `EDX114` (warning): the due date comes before the promulgation date.
    DueBeforePromulgation,
    /// `EDX115` (warning): `DocumentId` in the `<OrganId>,<date>,<số/ký hiệu>`
    /// form disagrees with From, PromulgationDate or Code.
    DocumentIdMismatch,
    /// `EDX116` (warning): text longer than the limit vendors apply.
    TooLong,
    /// `EDX117` (warning): an e-mail address that is not one.
    InvalidEmail,
    /// `EDX118` (warning): a field every known sender fills is missing
    /// (DocumentId, OrganName, Place, TypeName, ContentType…).
    RecommendedMissing,
    /// `EDX119` (error): a rejection (status 02) without a reason in
    /// `Description`.
    RejectionWithoutReason,
    /// `EDX120` (warning): business structure that does not fit the business
    /// type (update details on a replacement, an unknown ReceiverType…).
    InconsistentBusiness,
}

impl Rule {
    /// The stable code, e.g. `EDX103`.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingField => "EDX101",
            Self::InvalidOrganId => "EDX102",
            Self::NonCanonicalOrganId => "EDX103",
            Self::DuplicateRecipient => "EDX104",
            Self::UnknownPriority => "EDX105",
            Self::UnknownBusinessType => "EDX106",
            Self::MissingOriginal => "EDX107",
            Self::UnknownStatusCode => "EDX108",
            Self::UnresolvedContentId => "EDX109",
            Self::UnlistedAttachment => "EDX110",
            Self::EmptyAttachment => "EDX111",
            Self::DuplicateContentId => "EDX112",
            Self::FutureDate => "EDX113",
            Self::DueBeforePromulgation => "EDX114",
            Self::DocumentIdMismatch => "EDX115",
            Self::TooLong => "EDX116",
            Self::InvalidEmail => "EDX117",
            Self::RecommendedMissing => "EDX118",
            Self::RejectionWithoutReason => "EDX119",
            Self::InconsistentBusiness => "EDX120",
        }
    }

    /// The severity under the default options.
    pub fn default_severity(self) -> Severity {
        match self {
            Self::MissingField
            | Self::InvalidOrganId
            | Self::DuplicateRecipient
            | Self::UnknownPriority
            | Self::UnknownBusinessType
            | Self::MissingOriginal
            | Self::UnresolvedContentId
            | Self::DuplicateContentId
            | Self::RejectionWithoutReason => Severity::Error,
            Self::NonCanonicalOrganId
            | Self::UnknownStatusCode
            | Self::UnlistedAttachment
            | Self::EmptyAttachment
            | Self::FutureDate
            | Self::DueBeforePromulgation
            | Self::DocumentIdMismatch
            | Self::TooLong
            | Self::InvalidEmail
            | Self::RecommendedMissing
            | Self::InconsistentBusiness => Severity::Warning,
        }
    }
}

/// What to do with organisation codes that pass only the lenient check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrganIdPolicy {
    /// Warn (the default: such codes occur in real traffic).
    #[default]
    WarnNonCanonical,
    /// Treat them as errors, for deployments whose axis insists.
    RequireCanonical,
}

/// Settings of a validation run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Today's date in Vietnam; dates after it are reported. `None` skips
    /// that check (the crate never reads the clock itself).
    pub today: Option<Date>,
    /// How strictly organisation codes are checked.
    pub organ_ids: OrganIdPolicy,
}

/// One thing the validator found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// How bad it is.
    pub severity: Severity,
    /// The element concerned (see [`crate::path`]); look its line up with
    /// [`crate::SourceMap::line`].
    pub path: String,
    /// What is wrong, in English, lower case.
    pub message: String,
}

impl Finding {
    /// The rule's stable code, e.g. `EDX101`.
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    /// Whether this finding makes the package invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {}",
            self.code(),
            self.severity.label(),
            self.path,
            self.message
        )
    }
}

/// Checks `package` and returns what it found, errors and warnings in
/// document order.
pub fn validate(package: &Package, options: &ValidateOptions) -> Vec<Finding> {
    let mut report = common::Report::new(options);
    match package {
        Package::Document(doc) => document::check(doc, &mut report),
        Package::Status(status) => status::check(status, &mut report),
    }
    report.into_findings()
}

/// Whether `findings` hold no error, i.e. the package is valid.
pub fn is_valid(findings: &[Finding]) -> bool {
    !findings.iter().any(Finding::is_error)
}
