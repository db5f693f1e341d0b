//! Electronic signatures on reading reports (21 CFR Part 11 §11.50, §11.70, §11.200).
//!
//! **What is signed.** Let *content* be the report's JSON object without its `signature` member,
//! and *manifestation* the signature block without `signature_hex` (signer id, printed name,
//! UTC time, meaning, algorithm, public key, key fingerprint, content hash). The Ed25519
//! signature covers
//!
//! ```text
//! "echolab-report-signature-v1\n" || canonical({"manifestation": manifestation, "report": content})
//! ```
//!
//! where `canonical` is RFC 8785 JSON ([`crate::report::canonical`]). The block is stored inside
//! the report (§11.70): the name, time and meaning cannot be separated from the content or moved
//! to another report without breaking the signature.
//!
//! **Verification** ([`verify_report_bytes`]) checks, in order: the file parses; the signature
//! block is well-formed (lowercase hex, RFC 3339 UTC time); the fingerprint matches the embedded
//! public key; the content hash matches; the Ed25519 signature verifies (strict); the report parses
//! strictly with status `signed`; and the file bytes are exactly echolab's rendering of the
//! content, so any byte edit (even one that leaves the meaning unchanged) is reported. The
//! embedded key is only as trustworthy as its source: the signer is trusted only through the
//! lab's certificate of that key ([`lab`]), checked against the lab's public key (a file kept
//! outside the database, or the key pinned in it) and the lab's revocations.

pub mod keys;
pub mod lab;
mod sign;
mod verify;

pub use keys::{
    EncryptedKey, KdfParams, MIN_PASSPHRASE_CHARS, generate_key, key_fingerprint, parse_public_key,
    unlock,
};
pub use sign::{
    SIGNATURE_DOMAIN, amendment_draft, content_sha256, record_sha256, sign_report,
    sign_report_certified, signing_payload,
};
pub use verify::{Verification, verify_report, verify_report_bytes};

/// Errors of key handling and signing.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The passphrase does not open the reader's key.
    #[error("wrong passphrase: the reader's signing key was not unlocked")]
    WrongPassphrase,
    /// A new passphrase is too short.
    #[error("passphrase too short: at least {0} characters are required")]
    WeakPassphrase(usize),
    /// A stored key or key parameter is malformed.
    #[error("signing key: {0}")]
    KeyFormat(String),
    /// The report cannot be signed in its current state.
    #[error("cannot sign: {0}")]
    NotSignable(String),
    /// The report could not be canonicalized.
    #[error("cannot canonicalize report: {0}")]
    Canonical(String),
}
