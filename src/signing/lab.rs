//! The lab's trust anchor: one Ed25519 lab key certifies each reader's public key at
//! enrolment, and revokes it (revocation, or rotation to a new key). A report's signer is
//! trusted only when the report carries a certificate of the signing key that verifies under
//! the lab's public key, the signature was made inside the certificate's validity, and no
//! revocation signed by the lab covers the key at the signing time. Earlier signatures of a
//! revoked key stay valid.
//!
//! **What is signed.** Certificate: `"echolab-reader-certificate-v1\n" || canonical(cert without
//! signature_hex)`; revocation: `"echolab-key-revocation-v1\n" || canonical(revocation without
//! signature_hex)` (RFC 8785 JSON, [`crate::report::canonical`]).
//!
//! The lab's private key is sealed with the lab passphrase exactly like a reader's key
//! ([`super::keys`], bound to the id [`LAB_KEY_ID`]); its public key is pinned in the reading
//! database and written to a file (`lab-key.json`) to keep outside it.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SigningError;
use super::keys::{key_fingerprint, parse_public_key, strict_hex};
use crate::report::canonical::to_canonical_bytes;
use crate::report::{ReaderCertificate, SignatureBlock, parse_utc};

/// Domain-separation prefix of certificate signatures.
pub const CERT_DOMAIN: &[u8] = b"echolab-reader-certificate-v1\n";
/// Domain-separation prefix of revocation signatures.
pub const REVOCATION_DOMAIN: &[u8] = b"echolab-key-revocation-v1\n";
/// Id the sealed lab key is bound to.
pub const LAB_KEY_ID: &str = "echolab-lab-key";
/// Format tag of the lab public key file.
pub const LAB_PUBLIC_FORMAT: &str = "echolab-lab-public-key-v1";
/// Words every refusal of a signer's trust starts with.
pub const NOT_CERTIFIED: &str = "signer not certified by this lab";

/// The lab's public key as written to `lab-key.json` (keep a copy outside the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabPublicKey {
    /// [`LAB_PUBLIC_FORMAT`].
    pub format: String,
    /// The lab's name.
    pub lab_name: String,
    /// Public key, lowercase hex.
    pub public_key_hex: String,
    /// SHA-256 of the key bytes, lowercase hex.
    pub fingerprint_sha256: String,
}

impl LabPublicKey {
    /// The public key of `key` named `lab_name`.
    pub fn of(lab_name: &str, key: &VerifyingKey) -> Self {
        LabPublicKey {
            format: LAB_PUBLIC_FORMAT.to_owned(),
            lab_name: lab_name.to_owned(),
            public_key_hex: hex::encode(key.as_bytes()),
            fingerprint_sha256: key_fingerprint(key),
        }
    }

    /// Parses a `lab-key.json` text and checks that its fingerprint matches its key.
    pub fn parse(text: &str) -> Result<(LabPublicKey, VerifyingKey), SigningError> {
        let lab: LabPublicKey = serde_json::from_str(text)
            .map_err(|e| SigningError::KeyFormat(format!("not a lab public key file: {e}")))?;
        if lab.format != LAB_PUBLIC_FORMAT {
            return Err(SigningError::KeyFormat(format!(
                "unknown lab key format {:?}",
                lab.format
            )));
        }
        let key = parse_public_key(&lab.public_key_hex)?;
        if key_fingerprint(&key) != lab.fingerprint_sha256 {
            return Err(SigningError::KeyFormat(
                "lab key fingerprint does not match its key".into(),
            ));
        }
        Ok((lab, key))
    }
}

/// The lab's signed statement that a reader's key stops being valid at `revoked_at_utc`
/// (revoked, or replaced by a new key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// Reader id.
    pub reader_id: String,
    /// The key that stops being valid, lowercase hex.
    pub public_key_hex: String,
    /// From when (inclusive), RFC 3339 UTC: signatures at or after it fail.
    pub revoked_at_utc: String,
    /// Why (`revoked: …`, `rotated`).
    pub reason: String,
    /// Fingerprint of the lab key that signed it.
    pub lab_key_fingerprint_sha256: String,
    /// The lab's Ed25519 signature, lowercase hex.
    pub signature_hex: String,
}

fn payload<T: Serialize>(domain: &[u8], item: &T) -> Result<Vec<u8>, SigningError> {
    let mut v = serde_json::to_value(item).map_err(|e| SigningError::Canonical(e.to_string()))?;
    if let Value::Object(map) = &mut v {
        map.remove("signature_hex");
    }
    let mut bytes = domain.to_vec();
    bytes.extend(to_canonical_bytes(&v).map_err(|e| SigningError::Canonical(e.to_string()))?);
    Ok(bytes)
}

fn verify_lab_signature(
    domain: &[u8],
    item: &impl Serialize,
    signature_hex: &str,
    fingerprint: &str,
    lab: &VerifyingKey,
) -> Result<(), String> {
    if fingerprint != key_fingerprint(lab) {
        return Err("it was issued under another lab key".to_owned());
    }
    let sig = strict_hex::<64>(signature_hex)
        .ok_or_else(|| "its signature is not 128 lowercase hex digits".to_owned())?;
    let bytes = payload(domain, item).map_err(|e| e.to_string())?;
    lab.verify_strict(&bytes, &Signature::from_bytes(&sig))
        .map_err(|_| "its signature does not verify under the lab key".to_owned())
}

/// Issues a certificate of `public_key_hex` for a reader, signed with the lab key.
pub fn issue_certificate(
    lab: &SigningKey,
    reader_id: &str,
    printed_name: &str,
    role: &str,
    public_key_hex: &str,
    valid_from_utc: &str,
) -> Result<ReaderCertificate, SigningError> {
    parse_public_key(public_key_hex)?;
    let mut cert = ReaderCertificate {
        reader_id: reader_id.to_owned(),
        printed_name: printed_name.to_owned(),
        role: role.to_owned(),
        public_key_hex: public_key_hex.to_owned(),
        valid_from_utc: valid_from_utc.to_owned(),
        valid_until_utc: None,
        lab_key_fingerprint_sha256: key_fingerprint(&lab.verifying_key()),
        signature_hex: String::new(),
    };
    cert.signature_hex = hex::encode(lab.sign(&payload(CERT_DOMAIN, &cert)?).to_bytes());
    Ok(cert)
}

/// Issues a revocation of a reader's key from `revoked_at_utc`, signed with the lab key.
pub fn issue_revocation(
    lab: &SigningKey,
    reader_id: &str,
    public_key_hex: &str,
    revoked_at_utc: &str,
    reason: &str,
) -> Result<Revocation, SigningError> {
    let mut r = Revocation {
        reader_id: reader_id.to_owned(),
        public_key_hex: public_key_hex.to_owned(),
        revoked_at_utc: revoked_at_utc.to_owned(),
        reason: reason.to_owned(),
        lab_key_fingerprint_sha256: key_fingerprint(&lab.verifying_key()),
        signature_hex: String::new(),
    };
    r.signature_hex = hex::encode(lab.sign(&payload(REVOCATION_DOMAIN, &r)?).to_bytes());
    Ok(r)
}

/// Checks that `cert` was signed by `lab`.
pub fn verify_certificate(cert: &ReaderCertificate, lab: &VerifyingKey) -> Result<(), String> {
    verify_lab_signature(
        CERT_DOMAIN,
        cert,
        &cert.signature_hex,
        &cert.lab_key_fingerprint_sha256,
        lab,
    )
}

/// Checks that `r` was signed by `lab`.
pub fn verify_revocation(r: &Revocation, lab: &VerifyingKey) -> Result<(), String> {
    verify_lab_signature(
        REVOCATION_DOMAIN,
        r,
        &r.signature_hex,
        &r.lab_key_fingerprint_sha256,
        lab,
    )
}

/// Whether the signer of `block` is certified by the lab whose public key is `lab`, given the
/// lab's revocations. `Err` says why not, starting with [`NOT_CERTIFIED`]. Revocations not
/// signed by `lab` are ignored.
pub fn check_signer(
    block: &SignatureBlock,
    lab: &VerifyingKey,
    revocations: &[Revocation],
) -> Result<(), String> {
    let refuse = |why: String| Err(format!("{NOT_CERTIFIED}: {why}"));
    let Some(cert) = &block.certificate else {
        return refuse("the report carries no lab certificate of the signing key".to_owned());
    };
    if let Err(why) = verify_certificate(cert, lab) {
        return refuse(format!("the reader certificate is not the lab's ({why})"));
    }
    if cert.reader_id != block.signer_id || cert.public_key_hex != block.public_key_hex {
        return refuse(format!(
            "the certificate is for {} with another key, not for signer {}'s key",
            cert.reader_id, block.signer_id
        ));
    }
    let (Some(at), Some(from)) = (
        parse_utc(&block.signed_at_utc),
        parse_utc(&cert.valid_from_utc),
    ) else {
        return refuse("the signing time or certificate validity is not RFC 3339 UTC".to_owned());
    };
    let until = cert.valid_until_utc.as_deref().map(parse_utc);
    if at < from || until.is_some_and(|u| u.is_none_or(|u| at >= u)) {
        return refuse(format!(
            "signed at {} outside the certificate's validity from {}{}",
            block.signed_at_utc,
            cert.valid_from_utc,
            cert.valid_until_utc
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default()
        ));
    }
    for r in revocations {
        if r.public_key_hex != block.public_key_hex || verify_revocation(r, lab).is_err() {
            continue;
        }
        if parse_utc(&r.revoked_at_utc).is_none_or(|t| at >= t) {
            return refuse(format!(
                "{}'s key was {} at {}, before this signature",
                r.reader_id,
                if r.reason == "rotated" {
                    "replaced"
                } else {
                    "revoked"
                },
                r.revoked_at_utc
            ));
        }
    }
    Ok(())
}

/// What a signer is checked against: the lab's public key and its revocations.
#[derive(Debug, Clone, PartialEq)]
pub struct LabTrust {
    /// The lab's public key.
    pub lab: LabPublicKey,
    key: VerifyingKey,
    /// The lab's revocations (rotations included); unsigned ones are ignored by [`check_signer`].
    pub revocations: Vec<Revocation>,
}

impl LabTrust {
    /// Trust in `lab` (whose key is `key`) with these revocations.
    pub fn new(lab: LabPublicKey, key: VerifyingKey, revocations: Vec<Revocation>) -> Self {
        LabTrust {
            lab,
            key,
            revocations,
        }
    }

    /// Reads a lab public key file (`lab-key.json`); no revocations are known from it alone.
    pub fn from_file(path: &std::path::Path) -> Result<LabTrust, SigningError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SigningError::KeyFormat(format!("cannot read lab key {}: {e}", path.display()))
        })?;
        let (lab, key) = LabPublicKey::parse(&text)
            .map_err(|e| SigningError::KeyFormat(format!("{}: {e}", path.display())))?;
        Ok(LabTrust::new(lab, key, Vec::new()))
    }

    /// The lab's verifying key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// [`check_signer`] against this lab.
    pub fn check(&self, block: &SignatureBlock) -> Result<(), String> {
        check_signer(block, &self.key, &self.revocations)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    fn block(key: &SigningKey, at: &str, cert: Option<ReaderCertificate>) -> SignatureBlock {
        SignatureBlock {
            signer_id: "r1".into(),
            printed_name: "Ada".into(),
            signed_at_utc: at.into(),
            meaning: crate::report::SignatureMeaning::Authorship,
            algorithm: "Ed25519".into(),
            public_key_hex: hex::encode(key.verifying_key().as_bytes()),
            key_fingerprint_sha256: key_fingerprint(&key.verifying_key()),
            content_sha256: String::new(),
            signature_hex: String::new(),
            certificate: cert,
        }
    }

    #[test]
    fn certified_self_made_and_revoked_signers() {
        let lab = SigningKey::generate(&mut OsRng);
        let reader = SigningKey::generate(&mut OsRng);
        let pk = hex::encode(reader.verifying_key().as_bytes());
        let cert =
            issue_certificate(&lab, "r1", "Ada", "reader", &pk, "2026-01-01T00:00:00Z").unwrap();
        let lab_pub = lab.verifying_key();
        let ok = block(&reader, "2026-02-01T00:00:00Z", Some(cert.clone()));
        assert_eq!(check_signer(&ok, &lab_pub, &[]), Ok(()));
        // No certificate, or one made by another "lab".
        assert!(
            check_signer(&block(&reader, "2026-02-01T00:00:00Z", None), &lab_pub, &[])
                .unwrap_err()
                .starts_with(NOT_CERTIFIED)
        );
        let rogue = SigningKey::generate(&mut OsRng);
        let forged =
            issue_certificate(&rogue, "r1", "Ada", "reader", &pk, "2026-01-01T00:00:00Z").unwrap();
        assert!(
            check_signer(
                &block(&reader, "2026-02-01T00:00:00Z", Some(forged)),
                &lab_pub,
                &[]
            )
            .is_err()
        );
        // Before validity.
        assert!(
            check_signer(
                &block(&reader, "2025-12-31T00:00:00Z", Some(cert.clone())),
                &lab_pub,
                &[]
            )
            .is_err()
        );
        // Revoked on 2026-03-01: earlier signatures stay valid, later ones fail.
        let rev =
            issue_revocation(&lab, "r1", &pk, "2026-03-01T00:00:00Z", "revoked: left").unwrap();
        assert_eq!(
            check_signer(&ok, &lab_pub, std::slice::from_ref(&rev)),
            Ok(())
        );
        let late = block(&reader, "2026-03-02T00:00:00Z", Some(cert));
        assert!(
            check_signer(&late, &lab_pub, std::slice::from_ref(&rev))
                .unwrap_err()
                .contains("revoked")
        );
        // A revocation not signed by the lab is ignored.
        let mut fake = rev;
        fake.revoked_at_utc = "2026-01-15T00:00:00Z".into();
        assert_eq!(check_signer(&ok, &lab_pub, &[fake]), Ok(()));
    }

    #[test]
    fn lab_public_key_file_round_trip() {
        let lab = SigningKey::generate(&mut OsRng);
        let file = LabPublicKey::of("Core lab", &lab.verifying_key());
        let text = serde_json::to_string(&file).unwrap();
        let (parsed, key) = LabPublicKey::parse(&text).unwrap();
        assert_eq!(parsed, file);
        assert_eq!(key, lab.verifying_key());
        let bad = text.replace(&file.fingerprint_sha256[..4], "0000");
        assert!(LabPublicKey::parse(&bad).is_err());
    }
}
