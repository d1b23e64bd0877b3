//! Mã điểm danh — the token a QR check-in code carries: the session, the
//! deputy and an expiry, signed with the server's key (HMAC-SHA-256,
//! compared in constant time). See `pages::sessions::qr` for its use.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// What a check-in token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckInClaim {
    /// The session.
    pub session_id: i64,
    /// The deputy.
    pub person_id: i64,
    /// Unix seconds after which it is refused.
    pub expires: i64,
}

/// Why a token was refused; shown to the deputy as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    /// Not made by this server, or altered.
    #[error("Mã QR không hợp lệ. Vui lòng dùng mã do Văn phòng in cho kỳ họp này.")]
    Forged,
    /// Past its time.
    #[error("Mã QR đã hết hạn.")]
    Expired,
    /// Made for another session.
    #[error("Mã QR này không dành cho kỳ họp này.")]
    OtherSession,
    /// Made for another deputy.
    #[error("Mã QR này là của đại biểu khác; mỗi đại biểu chỉ điểm danh cho chính mình.")]
    OtherDeputy,
}

fn mac(key: &[u8], payload: &str) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(b"nghitruong/check-in/v1\0");
    mac.update(payload.as_bytes());
    mac
}

/// The token for `claim`: `<session>.<person>.<expires>.<signature>`.
pub fn sign(key: &[u8], claim: CheckInClaim) -> String {
    let payload = format!("{}.{}.{}", claim.session_id, claim.person_id, claim.expires);
    let tag = mac(key, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Reads and checks a token: signature first (compared in constant time),
/// then time, session and deputy.
pub fn verify(
    key: &[u8],
    token: &str,
    session_id: i64,
    person_id: Option<i64>,
    now: OffsetDateTime,
) -> Result<CheckInClaim, TokenRefusal> {
    if token.len() > 200 {
        return Err(TokenRefusal::Forged);
    }
    let (payload, tag) = token.rsplit_once('.').ok_or(TokenRefusal::Forged)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| TokenRefusal::Forged)?;
    mac(key, payload)
        .verify_slice(&tag)
        .map_err(|_| TokenRefusal::Forged)?;
    let mut parts = payload.split('.').map(str::parse::<i64>);
    let (Some(Ok(s)), Some(Ok(p)), Some(Ok(e)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRefusal::Forged);
    };
    let claim = CheckInClaim {
        session_id: s,
        person_id: p,
        expires: e,
    };
    if now.unix_timestamp() > claim.expires {
        return Err(TokenRefusal::Expired);
    }
    if claim.session_id != session_id {
        return Err(TokenRefusal::OtherSession);
    }
    if person_id != Some(claim.person_id) {
        return Err(TokenRefusal::OtherDeputy);
    }
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claim() -> CheckInClaim {
        CheckInClaim {
            session_id: 7,
            person_id: 42,
            expires: datetime!(2026-12-10 16:59:59 UTC).unix_timestamp(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-12-08 02:00 UTC);

    #[test]
    fn a_signed_token_checks_its_own_deputy_into_its_own_session() {
        let token = sign(KEY, claim());
        assert_eq!(verify(KEY, &token, 7, Some(42), NOW), Ok(claim()));
        assert_eq!(
            verify(KEY, &token, 8, Some(42), NOW),
            Err(TokenRefusal::OtherSession)
        );
        assert_eq!(
            verify(KEY, &token, 7, Some(43), NOW),
            Err(TokenRefusal::OtherDeputy)
        );
        assert_eq!(
            verify(KEY, &token, 7, None, NOW),
            Err(TokenRefusal::OtherDeputy)
        );
    }

    #[test]
    fn forged_altered_and_foreign_tokens_fail_the_signature() {
        let token = sign(KEY, claim());
        let other_key = sign(b"another server's key, 32 bytes..", claim());
        let altered = token.replacen("7.42.", "7.43.", 1);
        let (payload, _) = token.rsplit_once('.').unwrap();
        for bad in [
            other_key.as_str(),
            altered.as_str(),
            payload,
            &format!("{payload}."),
            &format!("{payload}.AAAA"),
            "",
            "7.42.99999999999.",
            &"A".repeat(500),
            &format!("{token}.x"),
        ] {
            assert_eq!(
                verify(KEY, bad, 7, Some(42), NOW),
                Err(TokenRefusal::Forged),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_token_expires_at_the_end_of_the_last_day() {
        let token = sign(KEY, claim());
        assert!(verify(KEY, &token, 7, Some(42), datetime!(2026-12-10 16:59:59 UTC)).is_ok());
        assert_eq!(
            verify(KEY, &token, 7, Some(42), datetime!(2026-12-10 17:00 UTC)),
            Err(TokenRefusal::Expired)
        );
    }
}
