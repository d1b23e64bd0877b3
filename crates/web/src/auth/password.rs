//! Password hashing with Argon2id (the `argon2` crate's defaults: 19 MiB,
//! two passes, one lane, the OWASP minimum), run off the async threads.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password into a PHC string. Blocking: call from
/// `spawn_blocking` or the command line.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("failed to hash password: {e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, checked when the account does not
/// exist so that the answer takes as long either way.
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash("không có tài khoản này")
            .unwrap_or_else(|_| "$argon2id$v=19$m=19456,t=2,p=1$x$y".into())
    })
}

/// Hashes on the blocking pool.
pub async fn hash_async(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// Verifies on the blocking pool.
pub async fn verify_async(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("mật-khẩu-đủ-dài").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("mật-khẩu-đủ-dài", &phc));
        assert!(!verify("mat-khau-du-dai", &phc));
        assert!(!verify("mật-khẩu-đủ-dài", "không phải hash"));
    }
}
