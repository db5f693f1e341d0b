//! Reader key pairs: Ed25519 keys whose private half is encrypted at rest with the passphrase.
//!
//! Encryption: a 256-bit key-encryption key is derived from the passphrase with Argon2id
//! (random 16-byte salt; memory, time and parallelism costs stored with the key), and the 32-byte
//! Ed25519 secret is sealed with XChaCha20-Poly1305 (random 24-byte nonce). The associated data
//! binds the ciphertext to the reader id and public key, so an encrypted key cannot be moved to
//! another reader's record. A wrong passphrase fails authentication and unlocks nothing.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::SigningError;

/// Format tag of [`EncryptedKey`].
pub const KEY_FORMAT: &str = "echolab-key-v1";
/// Shortest accepted passphrase, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// 19 MiB, 2 passes, 1 lane (OWASP's Argon2id baseline).
    fn default() -> Self {
        KdfParams {
            m_cost_kib: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only (256 KiB, 1 pass).
    pub fn insecure_fast_for_tests() -> Self {
        KdfParams {
            m_cost_kib: 256,
            t_cost: 1,
            p_cost: 1,
        }
    }

    /// Upper bounds accepted when reading stored parameters (protects against a record that
    /// asks for absurd memory).
    fn check_bounds(self) -> Result<(), SigningError> {
        if self.m_cost_kib > 4 * 1024 * 1024 || self.t_cost > 64 || self.p_cost > 16 {
            return Err(SigningError::KeyFormat(format!(
                "argon2 parameters out of range: m={} KiB t={} p={}",
                self.m_cost_kib, self.t_cost, self.p_cost
            )));
        }
        Ok(())
    }
}

/// An Ed25519 private key sealed with a passphrase (stored in the readers table as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedKey {
    /// [`KEY_FORMAT`].
    pub format: String,
    /// Always `argon2id`.
    pub kdf: String,
    /// Argon2id costs.
    pub kdf_params: KdfParams,
    /// Salt, lowercase hex.
    pub salt_hex: String,
    /// Always `xchacha20poly1305`.
    pub aead: String,
    /// Nonce, lowercase hex.
    pub nonce_hex: String,
    /// Sealed 32-byte secret + 16-byte tag, lowercase hex.
    pub ciphertext_hex: String,
    /// The matching public key, lowercase hex.
    pub public_key_hex: String,
}

/// Lowercase hex SHA-256 fingerprint of a public key.
pub fn key_fingerprint(public_key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public_key.as_bytes()))
}

/// Parses a 32-byte public key from lowercase hex (uppercase or other forms are rejected so one
/// key has exactly one text form).
pub fn parse_public_key(hex_text: &str) -> Result<VerifyingKey, SigningError> {
    let bytes: [u8; 32] = strict_hex::<32>(hex_text).ok_or_else(|| {
        SigningError::KeyFormat("public key is not 64 lowercase hex digits".into())
    })?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| {
        SigningError::KeyFormat(format!("public key is not a valid Ed25519 point: {e}"))
    })
}

/// Decodes exactly `N` bytes from lowercase hex; `None` for any other form.
pub fn strict_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

fn aad(reader_id: &str, public_key_hex: &str) -> Vec<u8> {
    let mut a = Vec::new();
    a.extend_from_slice(KEY_FORMAT.as_bytes());
    a.push(0);
    a.extend_from_slice(reader_id.as_bytes());
    a.push(0);
    a.extend_from_slice(public_key_hex.as_bytes());
    a
}

fn derive_kek(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<[u8; 32], SigningError> {
    params.check_bounds()?;
    let p = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(32))
        .map_err(|e| SigningError::KeyFormat(format!("argon2 parameters: {e}")))?;
    let mut kek = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(passphrase.as_bytes(), salt, &mut kek)
        .map_err(|e| SigningError::KeyFormat(format!("argon2: {e}")))?;
    Ok(kek)
}

/// Generates a new key pair for `reader_id` and seals the private key with `passphrase`.
pub fn generate_key(
    reader_id: &str,
    passphrase: &str,
    params: KdfParams,
) -> Result<(VerifyingKey, EncryptedKey), SigningError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(SigningError::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    let signing = SigningKey::generate(&mut OsRng);
    let public = signing.verifying_key();
    let public_key_hex = hex::encode(public.as_bytes());
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let mut kek = derive_kek(passphrase, &salt, params)?;
    let cipher = XChaCha20Poly1305::new_from_slice(&kek)
        .map_err(|e| SigningError::KeyFormat(format!("cipher key: {e}")))?;
    kek.fill(0);
    let secret = signing.to_bytes();
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &secret,
                aad: &aad(reader_id, &public_key_hex),
            },
        )
        .map_err(|_| SigningError::KeyFormat("encryption failed".into()))?;
    let encrypted = EncryptedKey {
        format: KEY_FORMAT.to_owned(),
        kdf: "argon2id".to_owned(),
        kdf_params: params,
        salt_hex: hex::encode(salt),
        aead: "xchacha20poly1305".to_owned(),
        nonce_hex: hex::encode(nonce),
        ciphertext_hex: hex::encode(sealed),
        public_key_hex,
    };
    Ok((public, encrypted))
}

/// Opens `key` with `passphrase`. Fails with [`SigningError::WrongPassphrase`] when the
/// passphrase (or the reader id it is bound to) does not match.
pub fn unlock(
    reader_id: &str,
    key: &EncryptedKey,
    passphrase: &str,
) -> Result<SigningKey, SigningError> {
    if key.format != KEY_FORMAT || key.kdf != "argon2id" || key.aead != "xchacha20poly1305" {
        return Err(SigningError::KeyFormat(format!(
            "unsupported key format {}/{}/{}",
            key.format, key.kdf, key.aead
        )));
    }
    let salt = hex::decode(&key.salt_hex)
        .map_err(|_| SigningError::KeyFormat("salt is not hex".into()))?;
    let nonce = strict_hex::<24>(&key.nonce_hex)
        .ok_or_else(|| SigningError::KeyFormat("nonce is not 48 lowercase hex digits".into()))?;
    let sealed = hex::decode(&key.ciphertext_hex)
        .map_err(|_| SigningError::KeyFormat("ciphertext is not hex".into()))?;
    let mut kek = derive_kek(passphrase, &salt, key.kdf_params)?;
    let cipher = XChaCha20Poly1305::new_from_slice(&kek)
        .map_err(|e| SigningError::KeyFormat(format!("cipher key: {e}")))?;
    kek.fill(0);
    let mut secret = cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &sealed,
                aad: &aad(reader_id, &key.public_key_hex),
            },
        )
        .map_err(|_| SigningError::WrongPassphrase)?;
    let bytes: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| SigningError::KeyFormat("sealed secret is not 32 bytes".into()))?;
    secret.fill(0);
    let signing = SigningKey::from_bytes(&bytes);
    if hex::encode(signing.verifying_key().as_bytes()) != key.public_key_hex {
        return Err(SigningError::KeyFormat(
            "sealed private key does not match the stored public key".into(),
        ));
    }
    Ok(signing)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unlock_with_right_passphrase_only() {
        let p = KdfParams::insecure_fast_for_tests();
        let (public, enc) = generate_key("r1", "correct horse", p).unwrap();
        let key = unlock("r1", &enc, "correct horse").unwrap();
        assert_eq!(key.verifying_key(), public);
        assert!(matches!(
            unlock("r1", &enc, "correct horsE"),
            Err(SigningError::WrongPassphrase)
        ));
        // Bound to the reader id.
        assert!(matches!(
            unlock("r2", &enc, "correct horse"),
            Err(SigningError::WrongPassphrase)
        ));
        assert!(matches!(
            generate_key("r1", "short", p),
            Err(SigningError::WeakPassphrase(_))
        ));
    }

    #[test]
    fn strict_hex_rejects_uppercase() {
        assert_eq!(strict_hex::<1>("ab"), Some([0xab]));
        assert_eq!(strict_hex::<1>("AB"), None);
        assert_eq!(strict_hex::<1>("abc"), None);
    }
}
