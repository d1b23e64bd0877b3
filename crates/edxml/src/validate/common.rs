//! The finding collector and the checks both package kinds share.

use time::Date;

use crate::dates::format_date;
use crate::model::{Organization, StaffInfo};
use crate::organ_id::{OrganId, OrganIdError};
use crate::path;
use crate::validate::{Finding, OrganIdPolicy, Rule, Severity, ValidateOptions};

/// Character limits Bkav's checker declares (probably from the QCVN tables).
/// `Website` is left out: its declared limit of 20 is evidently a typo.
pub(crate) mod limits {
    pub(crate) const ORGAN_NAME: usize = 200;
    pub(crate) const ORGAN_ADD: usize = 250;
    pub(crate) const EMAIL: usize = 100;
    pub(crate) const PHONE: usize = 20;
    pub(crate) const CODE_NUMBER: usize = 11;
    pub(crate) const CODE_NOTATION: usize = 30;
    pub(crate) const PLACE: usize = 50;
    pub(crate) const TYPE_NAME: usize = 100;
    pub(crate) const SUBJECT: usize = 500;
    pub(crate) const SIGNER: usize = 100;
    pub(crate) const FULL_NAME: usize = 50;
    pub(crate) const SPHERE: usize = 100;
    pub(crate) const TYPER_NOTATION: usize = 10;
    pub(crate) const APPENDIX: usize = 250;
    pub(crate) const TO_PLACE: usize = 150;
    pub(crate) const ATTACHMENT_NAME: usize = 200;
}

/// Collects findings.
pub(crate) struct Report<'o> {
    options: &'o ValidateOptions,
    findings: Vec<Finding>,
}

impl<'o> Report<'o> {
    pub(crate) fn new(options: &'o ValidateOptions) -> Self {
        Self {
            options,
            findings: Vec::new(),
        }
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Records a finding with the rule's usual severity.
    pub(crate) fn push(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        let severity = match (rule, self.options.organ_ids) {
            (Rule::NonCanonicalOrganId, OrganIdPolicy::RequireCanonical) => Severity::Error,
            _ => rule.default_severity(),
        };
        self.findings.push(Finding {
            rule,
            severity,
            path: path.into(),
            message: message.into(),
        });
    }

    /// Reports `value` when it is empty; `what` names it in the message.
    pub(crate) fn required(&mut self, value: &str, path: &str, what: &str) {
        if value.is_empty() {
            self.push(
                Rule::MissingField,
                path,
                format!("{what} is missing or empty"),
            );
        }
    }

    /// Reports `value` when it is absent or empty, as a recommendation.
    pub(crate) fn recommended(&mut self, value: Option<&str>, path: &str, what: &str) {
        if value.is_none_or(str::is_empty) {
            self.push(
                Rule::RecommendedMissing,
                path,
                format!("{what} is missing; every known sender fills it"),
            );
        }
    }

    /// Checks an organisation code: required, lenient, then canonical.
    pub(crate) fn organ_id(&mut self, value: &str, path: &str) {
        if value.is_empty() {
            self.push(
                Rule::MissingField,
                path,
                "organisation code (OrganId) is missing or empty",
            );
            return;
        }
        if let Err(e) = OrganId::parse_lenient(value) {
            self.push(
                Rule::InvalidOrganId,
                path,
                format!("organisation code {value:?} is not valid: {e}"),
            );
            return;
        }
        if let Err(OrganIdError::NotCanonical { reason }) = OrganId::parse_strict(value) {
            self.push(
                Rule::NonCanonicalOrganId,
                path,
                format!("organisation code {value} is not in the form AAA.BB.CC.DDD: {reason}"),
            );
        }
    }

    /// Reports text longer than `limit` characters.
    pub(crate) fn max_len(&mut self, value: Option<&str>, limit: usize, path: &str) {
        let Some(value) = value else { return };
        let len = value.chars().count();
        if len > limit {
            self.push(
                Rule::TooLong,
                path,
                format!("text has {len} characters, more than the {limit} receivers accept"),
            );
        }
    }

    /// Reports a non-empty e-mail address that cannot be one.
    pub(crate) fn email(&mut self, value: Option<&str>, path: &str) {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return;
        };
        if !looks_like_email(value) {
            self.push(
                Rule::InvalidEmail,
                path,
                format!("{value:?} is not an e-mail address"),
            );
        }
        self.max_len(Some(value), limits::EMAIL, path);
    }

    /// Reports a date after today, when today is known.
    pub(crate) fn not_future(&mut self, date: Option<Date>, path: &str) {
        let (Some(date), Some(today)) = (date, self.options.today) else {
            return;
        };
        if date > today {
            self.push(
                Rule::FutureDate,
                path,
                format!(
                    "{} is after today ({})",
                    format_date(date),
                    format_date(today)
                ),
            );
        }
    }

    /// Checks `From` or `To` at `base`.
    pub(crate) fn organization(&mut self, org: &Organization, base: &str) {
        self.organ_id(&org.organ_id, &path::single(base, "OrganId"));
        self.recommended(
            Some(&org.organ_name),
            &path::single(base, "OrganName"),
            "organisation name (OrganName)",
        );
        let fields = [
            (
                "OrganizationInCharge",
                org.organization_in_charge.as_deref(),
                limits::ORGAN_NAME,
            ),
            (
                "OrganName",
                Some(org.organ_name.as_str()),
                limits::ORGAN_NAME,
            ),
            ("OrganAdd", org.organ_add.as_deref(), limits::ORGAN_ADD),
            ("Telephone", org.telephone.as_deref(), limits::PHONE),
            ("Fax", org.fax.as_deref(), limits::PHONE),
        ];
        for (name, value, limit) in fields {
            self.max_len(value, limit, &path::single(base, name));
        }
        self.email(org.email.as_deref(), &path::single(base, "Email"));
    }

    /// Checks `StaffInfo` at `base`.
    pub(crate) fn staff(&mut self, staff: &StaffInfo, base: &str) {
        self.email(staff.email.as_deref(), &path::single(base, "Email"));
    }
}

/// A deliberately loose shape check: one `@`, something before it, a dot
/// inside the domain, no spaces.
fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes_seen_in_samples_pass_and_broken_ones_do_not() {
        assert!(looks_like_email("vpcp@gov.vn"));
        assert!(looks_like_email("sotttt@ict-hanoi.gov.vn"));
        assert!(!looks_like_email("vpcp.gov.vn"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@c.vn"));
        assert!(!looks_like_email("@c.vn"));
        assert!(!looks_like_email("a@@c.vn"));
    }

    #[test]
    fn a_non_canonical_code_is_an_error_when_the_policy_requires_canonical_codes() {
        let options = ValidateOptions {
            organ_ids: OrganIdPolicy::RequireCanonical,
            ..ValidateOptions::default()
        };
        let mut report = Report::new(&options);

        report.organ_id("28.22.H17", "MessageHeader/To/OrganId");

        let findings = report.into_findings();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, Rule::NonCanonicalOrganId);
        assert_eq!(findings[0].severity, Severity::Error);
    }

    #[test]
    fn organisation_codes_get_one_finding_for_the_worst_problem() {
        let options = ValidateOptions::default();
        let mut report = Report::new(&options);

        report.organ_id("", "a");
        report.organ_id("000 00", "b");
        report.organ_id("28.22.H17", "c");
        report.organ_id("000.00.00.H41", "d");

        let rules: Vec<(Rule, &str)> = report
            .into_findings()
            .iter()
            .map(|f| (f.rule, if f.is_error() { "error" } else { "warning" }))
            .collect();
        assert_eq!(
            rules,
            [
                (Rule::MissingField, "error"),
                (Rule::InvalidOrganId, "error"),
                (Rule::NonCanonicalOrganId, "warning"),
            ]
        );
    }
}
