//! Time-based one-time passwords (RFC 6238) as a second factor for staff:
//! six digits, thirty-second steps, one step of clock drift allowed.

use base64::Engine as _;
use rand::RngCore as _;
use totp_rs::{Algorithm, Secret, TOTP};

fn totp(secret_b32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// A new random secret, base32 as authenticator apps expect.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The time step `code` belongs to, if it is valid for `secret` within one
/// step of `unix_seconds`. Callers record the step so a code works once.
pub fn check(secret_b32: &str, code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32)?;
    let now_step = unix_seconds / 30;
    [now_step.saturating_sub(1), now_step, now_step + 1]
        .into_iter()
        .find(|step| constant_eq(&t.generate(step * 30), &code))
        .and_then(|step| i64::try_from(step).ok())
}

fn constant_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The code for `secret` at `unix_seconds` (tests and the setup page).
pub fn code_at(secret_b32: &str, unix_seconds: u64) -> Option<String> {
    totp(secret_b32).map(|t| t.generate(unix_seconds))
}

/// "Nghị trường", percent-encoded for the address.
const ISSUER: &str = "Ngh%E1%BB%8B%20tr%C6%B0%E1%BB%9Dng";

/// The `otpauth://` address an authenticator app scans.
pub fn provisioning_url(secret_b32: &str, username: &str) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{username}?secret={secret_b32}&issuer={ISSUER}&digits=6&period=30"
    )
}

/// The address as a QR code, as an SVG image encoded in a data URL, so
/// no markup from a library is put into the page unescaped.
pub fn qr_data_url(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let b64 = base64::engine::general_purpose::STANDARD.encode(svg);
    Some(format!("data:image/svg+xml;base64,{b64}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_checks_within_one_step_only() {
        let secret = new_secret();
        let now = 1_780_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            check(&secret, &code, now),
            Some(i64::try_from(now / 30).unwrap())
        );
        assert!(
            check(&secret, &code, now + 30).is_some(),
            "one step of drift is allowed"
        );
        assert!(check(&secret, &code, now + 120).is_none());
        assert!(check(&secret, "12345", now).is_none());
        assert!(check(&secret, "abcdef", now).is_none());
    }

    #[test]
    fn the_qr_code_is_an_svg_data_url() {
        let url = qr_data_url(&provisioning_url(&new_secret(), "vanphong")).unwrap();
        assert!(url.starts_with("data:image/svg+xml;base64,"));
    }
}
