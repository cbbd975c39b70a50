//! Argon2id hashes of PINs (a staff account's sign-in PIN, a member's payment PIN): a PHC
//! string with its own random salt, never the PIN itself.

use crate::{DeskError, DeskResult, ErrorCode};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::OsRng;

/// The hash of a PIN whose shape the caller has checked.
pub(crate) fn hash(pin: &str) -> DeskResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DeskError::new(ErrorCode::Internal, format!("PIN 无法加密：{e}")))
}

/// Whether `pin` is the one hashed (a damaged hash matches nothing).
pub(crate) fn matches(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok()).unwrap_or(false)
}
