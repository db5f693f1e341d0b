//! Signing and verifying adjudication records (meaning `adjudication`).
//!
//! Same scheme as reading reports ([`crate::signing`]): the Ed25519 signature covers
//!
//! ```text
//! "echolab-adjudication-signature-v1\n" || canonical({"manifestation": m, "record": content})
//! ```
//!
//! where *content* is the record without `signature`, *m* the signature block without
//! `signature_hex`, and `canonical` RFC 8785 JSON. The domain prefix differs from the report
//! prefix, so a signature can never be moved between a report and an adjudication.

use ed25519_dalek::{Signature, Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::record::{AdjudicationRecord, AdjudicationStatus};
use crate::report::canonical::to_canonical_bytes;
use crate::report::{SignatureBlock, SignatureMeaning, format_utc, parse_utc};
use crate::signing::{SigningError, key_fingerprint, parse_public_key};

/// Domain-separation prefix of adjudication signatures.
pub const ADJUDICATION_SIGNATURE_DOMAIN: &[u8] = b"echolab-adjudication-signature-v1\n";

fn to_value<T: serde::Serialize>(t: &T) -> Result<Value, SigningError> {
    serde_json::to_value(t).map_err(|e| SigningError::Canonical(e.to_string()))
}

fn canonical(v: &Value) -> Result<Vec<u8>, SigningError> {
    to_canonical_bytes(v).map_err(|e| SigningError::Canonical(e.to_string()))
}

fn content(record: &Value) -> Value {
    let mut v = record.clone();
    if let Value::Object(map) = &mut v {
        map.remove("signature");
    }
    v
}

fn payload(record: &Value, block: &SignatureBlock) -> Result<Vec<u8>, SigningError> {
    let mut m = to_value(block)?;
    if let Value::Object(map) = &mut m {
        map.remove("signature_hex");
    }
    let mut bytes = ADJUDICATION_SIGNATURE_DOMAIN.to_vec();
    bytes.extend(canonical(&serde_json::json!({
        "manifestation": m,
        "record": content(record),
    }))?);
    Ok(bytes)
}

/// SHA-256 (lowercase hex) of the canonical record content (without `signature`).
pub fn adjudication_content_sha256(record: &AdjudicationRecord) -> Result<String, SigningError> {
    Ok(hex::encode(Sha256::digest(canonical(&content(
        &to_value(record)?,
    ))?)))
}

/// Signs a draft adjudication with meaning `adjudication`. The caller has just unlocked `key`
/// with the adjudicator's passphrase (§11.200); the signer must be the record's adjudicator.
pub fn sign_adjudication(
    draft: &AdjudicationRecord,
    signer_id: &str,
    printed_name: &str,
    key: &SigningKey,
    now: OffsetDateTime,
) -> Result<AdjudicationRecord, SigningError> {
    if draft.signature.is_some() || draft.status != AdjudicationStatus::Draft {
        return Err(SigningError::NotSignable(format!(
            "adjudication {} is signed and locked",
            draft.record_id
        )));
    }
    if signer_id != draft.adjudicator_id {
        return Err(SigningError::NotSignable(format!(
            "adjudication {} belongs to adjudicator {}, not {signer_id}",
            draft.record_id, draft.adjudicator_id
        )));
    }
    if printed_name.trim().is_empty() {
        return Err(SigningError::NotSignable(
            "the signer's printed name is required".into(),
        ));
    }
    let mut record = draft.clone();
    record.status = AdjudicationStatus::Signed;
    let value = to_value(&record)?;
    let public = key.verifying_key();
    let mut block = SignatureBlock {
        signer_id: signer_id.to_owned(),
        printed_name: printed_name.to_owned(),
        signed_at_utc: format_utc(now),
        meaning: SignatureMeaning::Adjudication,
        algorithm: "Ed25519".to_owned(),
        public_key_hex: hex::encode(public.as_bytes()),
        key_fingerprint_sha256: key_fingerprint(&public),
        content_sha256: hex::encode(Sha256::digest(canonical(&content(&value))?)),
        signature_hex: String::new(),
        certificate: None,
    };
    block.signature_hex = hex::encode(key.sign(&payload(&value, &block)?).to_bytes());
    record.signature = Some(block);
    Ok(record)
}

/// Checks a signed adjudication; returns every problem found (empty when intact).
pub fn verify_adjudication(record: &AdjudicationRecord) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(block) = &record.signature else {
        return vec!["the adjudication is not signed".to_owned()];
    };
    if record.status != AdjudicationStatus::Signed {
        problems.push("status inside a signed adjudication must be \"signed\"".to_owned());
    }
    if block.meaning != SignatureMeaning::Adjudication {
        problems.push(format!(
            "signature meaning is {}, expected adjudication",
            block.meaning.code()
        ));
    }
    if block.signer_id != record.adjudicator_id {
        problems.push("the signer is not the record's adjudicator".to_owned());
    }
    if parse_utc(&block.signed_at_utc).is_none() {
        problems.push("signing time is not RFC 3339 UTC".to_owned());
    }
    let value = match to_value(record) {
        Ok(v) => v,
        Err(e) => {
            problems.push(e.to_string());
            return problems;
        }
    };
    match canonical(&content(&value)) {
        Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == block.content_sha256 => {}
        Ok(_) => problems.push("content changed after signing".to_owned()),
        Err(e) => problems.push(e.to_string()),
    }
    let key = match parse_public_key(&block.public_key_hex) {
        Ok(k) => k,
        Err(e) => {
            problems.push(format!("embedded public key unusable: {e}"));
            return problems;
        }
    };
    if key_fingerprint(&key) != block.key_fingerprint_sha256 {
        problems.push("key fingerprint does not match the embedded public key".to_owned());
    }
    let sig = hex::decode(&block.signature_hex)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok());
    match (sig, payload(&value, block)) {
        (Some(s), Ok(p)) => {
            if key.verify_strict(&p, &Signature::from_bytes(&s)).is_err() {
                problems.push("signature does not verify".to_owned());
            }
        }
        (None, _) => problems.push("signature is not 64 bytes of hex".to_owned()),
        (_, Err(e)) => problems.push(e.to_string()),
    }
    problems
}
