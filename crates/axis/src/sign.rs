//! Request signing as the axis SDK does it (SDKVXP 2.0.1, see
//! `shared/docs/reference/edxml.md` §8.1): every logical header `X` travels
//! as the HTTP header `XroadVnpt-X`; `XroadVnpt-sign-header-key` lists the
//! names, `XroadVnpt-sign-header` is the compact JSON of the prefixed
//! headers in that order, and `XroadVnpt-hash-header` is the lowercase hex
//! HMAC-SHA256 of that JSON under the system's secret. The secret itself is
//! never sent.
//!
//! Written here rather than taken from a crate: the scheme is the axis's
//! own, and no published crate implements it.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Prefix of every logical header on the wire.
pub const PREFIX: &str = "XroadVnpt-";
/// The header listing the signed header names.
pub const SIGN_KEY: &str = "XroadVnpt-sign-header-key";
/// The header carrying the signed JSON.
pub const SIGN_HEADER: &str = "XroadVnpt-sign-header";
/// The header carrying the HMAC.
pub const HASH_HEADER: &str = "XroadVnpt-hash-header";
/// The header carrying the protocol version.
pub const VERSION_HEADER: &str = "XroadVnpt-version";
/// The protocol version the SDK sends.
pub const VERSION: &str = "3.0.201608";
/// The user agent the SDK sends.
pub const USER_AGENT: &str = "JAVASDKAgent/1.0.0 XRoad/VPCP";

/// The logical headers of one call, in the order they are signed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signed {
    /// `(name, value)` without the prefix.
    pub headers: Vec<(String, String)>,
}

impl Signed {
    /// Starts the headers of a call by `system_id` at `now`.
    pub fn new(content_type: &str, system_id: &str, now: OffsetDateTime) -> Self {
        let mut s = Self::default();
        s.push("Content-Type", content_type);
        s.push("systemid", system_id);
        s.push("timestamp", &timestamp(now));
        s
    }

    /// Adds a logical header.
    pub fn push(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The value of the `sign-header-key` header.
    pub fn key_list(&self) -> String {
        self.headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The compact JSON that is signed.
    pub fn sign_header(&self) -> String {
        sign_json(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// Every HTTP header to send, signature included.
    pub fn http_headers(&self, secret: &str) -> Vec<(String, String)> {
        let json = self.sign_header();
        let mut out: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (format!("{PREFIX}{n}"), v.clone()))
            .collect();
        out.push((SIGN_KEY.into(), self.key_list()));
        out.push((HASH_HEADER.into(), hmac_hex(secret, &json)));
        out.push((SIGN_HEADER.into(), json));
        out.push((VERSION_HEADER.into(), VERSION.into()));
        out
    }
}

/// `{"XroadVnpt-a":"1","XroadVnpt-b":"2"}` in the given order.
pub fn sign_json<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let body: Vec<String> = pairs
        .map(|(n, v)| {
            format!(
                "{}:{}",
                serde_json::Value::String(format!("{PREFIX}{n}")),
                serde_json::Value::String(v.to_owned())
            )
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

/// Lowercase hex HMAC-SHA256 of `message` under `secret`.
pub fn hmac_hex(secret: &str, message: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `hash` is the HMAC of `message` under `secret`, compared in
/// constant time.
pub fn hmac_matches(secret: &str, message: &str, hash: &str) -> bool {
    let Ok(expected) = hex::decode(hash.trim()) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

/// The SDK's `hash-file`: SHA-256 hex written byte by byte without zero
/// padding (`Integer.toHexString(b & 0xFF)`), so it may be shorter than 64
/// characters. Mirrored for compatibility.
pub fn sdk_file_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:x}"))
        .collect()
}

/// Whether `hash` names `bytes`, in the SDK's unpadded form or the usual
/// padded one.
pub fn file_hash_matches(bytes: &[u8], hash: &str) -> bool {
    let hash = hash.trim().to_ascii_lowercase();
    hash == sdk_file_hash(bytes) || hash == hex::encode(Sha256::digest(bytes))
}

/// The SDK's timestamp, `ddMMyyyy'T'HHmmss+SSSS` (milliseconds in four
/// digits), in Vietnam time.
pub fn timestamp(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::macros::offset!(+7));
    format!(
        "{:02}{:02}{:04}T{:02}{:02}{:02}+{:04}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_signature_covers_every_logical_header_in_order() {
        let mut s = Signed::new(
            "application/json",
            "sys-1",
            datetime!(2025-12-04 03:15:30.123 UTC),
        );
        s.push("docId", "abc");
        assert_eq!(s.key_list(), "Content-Type;systemid;timestamp;docId");
        assert_eq!(
            s.sign_header(),
            r#"{"XroadVnpt-Content-Type":"application/json","XroadVnpt-systemid":"sys-1","XroadVnpt-timestamp":"04122025T101530+0123","XroadVnpt-docId":"abc"}"#
        );
        let headers = s.http_headers("bí mật");
        let hash = &headers
            .iter()
            .find(|(n, _)| n == HASH_HEADER)
            .expect("hash")
            .1;
        assert_eq!(hash.len(), 64);
        assert!(hmac_matches("bí mật", &s.sign_header(), hash));
        assert!(!hmac_matches("khác", &s.sign_header(), hash));
        assert!(!hmac_matches("bí mật", &s.sign_header(), "zz"));
        assert!(!headers.iter().any(|(_, v)| v.contains("bí mật")));
    }

    #[test]
    fn the_file_hash_drops_leading_zeros_like_the_sdk_and_both_forms_match() {
        let bytes = b"edxml";
        let quirky = sdk_file_hash(bytes);
        let padded = hex::encode(Sha256::digest(bytes));
        assert!(quirky.len() <= padded.len());
        assert!(file_hash_matches(bytes, &quirky));
        assert!(file_hash_matches(bytes, &padded));
        assert!(!file_hash_matches(b"other", &padded));
    }
}
