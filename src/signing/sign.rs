//! Signing a draft: fixes the manifestation (name, time, meaning) and signs the canonical bytes.

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::SigningError;
use super::keys::key_fingerprint;
use crate::report::canonical::to_canonical_bytes;
use crate::report::{
    ReaderCertificate, ReadingReport, ReportStatus, SignatureBlock, SignatureMeaning, format_utc,
};

/// Domain-separation prefix of every signed payload.
pub const SIGNATURE_DOMAIN: &[u8] = b"echolab-report-signature-v1\n";

fn canonical(v: &Value) -> Result<Vec<u8>, SigningError> {
    to_canonical_bytes(v).map_err(|e| SigningError::Canonical(e.to_string()))
}

fn to_value<T: serde::Serialize>(t: &T) -> Result<Value, SigningError> {
    serde_json::to_value(t).map_err(|e| SigningError::Canonical(e.to_string()))
}

/// The report's JSON object without its `signature` member.
pub(crate) fn content_value(report_value: &Value) -> Value {
    let mut v = report_value.clone();
    if let Value::Object(map) = &mut v {
        map.remove("signature");
    }
    v
}

/// SHA-256 (lowercase hex) of the canonical content (the report without `signature`).
pub fn content_sha256(report: &ReadingReport) -> Result<String, SigningError> {
    content_sha256_of_value(&to_value(report)?)
}

pub(crate) fn content_sha256_of_value(report_value: &Value) -> Result<String, SigningError> {
    Ok(hex::encode(Sha256::digest(canonical(&content_value(
        report_value,
    ))?)))
}

/// Canonical content bytes of a report value (the report without `signature`).
pub(crate) fn canonical_content(report_value: &Value) -> Result<Vec<u8>, SigningError> {
    canonical(&content_value(report_value))
}

/// SHA-256 (lowercase hex) of the canonical bytes of the whole report, signature included.
/// Amendments reference the version they replace by this hash.
pub fn record_sha256(report: &ReadingReport) -> Result<String, SigningError> {
    Ok(hex::encode(Sha256::digest(canonical(&to_value(report)?)?)))
}

/// The exact bytes the Ed25519 signature covers (see the module docs of [`crate::signing`]).
pub fn signing_payload(
    report_value: &Value,
    block: &SignatureBlock,
) -> Result<Vec<u8>, SigningError> {
    signing_payload_with_content(&canonical(&content_value(report_value))?, block)
}

/// [`signing_payload`] from the already canonicalized content. The payload object has two keys,
/// `manifestation` < `report` in canonical order, so it is assembled by concatenation.
pub(crate) fn signing_payload_with_content(
    canonical_content: &[u8],
    block: &SignatureBlock,
) -> Result<Vec<u8>, SigningError> {
    let mut manifestation = to_value(block)?;
    if let Value::Object(map) = &mut manifestation {
        map.remove("signature_hex");
    }
    let mut bytes = SIGNATURE_DOMAIN.to_vec();
    bytes.extend_from_slice(b"{\"manifestation\":");
    bytes.extend(canonical(&manifestation)?);
    bytes.extend_from_slice(b",\"report\":");
    bytes.extend_from_slice(canonical_content);
    bytes.push(b'}');
    Ok(bytes)
}

/// Signs `draft` as `signer_id` / `printed_name` with `meaning` at `now`, returning the signed
/// (locked) report. The caller must have unlocked `key` with the signer's passphrase just before
/// (§11.200); [`crate::store::Store::sign_report`] does that and records the signature.
///
/// Rules: only drafts can be signed; a draft without a reader is attributed to the signer; an
/// `authorship` signature must come from the report's reader.
pub fn sign_report(
    draft: &ReadingReport,
    signer_id: &str,
    printed_name: &str,
    key: &SigningKey,
    meaning: SignatureMeaning,
    now: OffsetDateTime,
) -> Result<ReadingReport, SigningError> {
    sign_report_certified(draft, signer_id, printed_name, key, meaning, now, None)
}

/// [`sign_report`] with the lab's certificate of the signer's key embedded in the signature
/// block (and so covered by the signature). The certificate must name the signer and the key.
pub fn sign_report_certified(
    draft: &ReadingReport,
    signer_id: &str,
    printed_name: &str,
    key: &SigningKey,
    meaning: SignatureMeaning,
    now: OffsetDateTime,
    certificate: Option<ReaderCertificate>,
) -> Result<ReadingReport, SigningError> {
    if let Some(c) = &certificate
        && (c.reader_id != signer_id
            || c.public_key_hex != hex::encode(key.verifying_key().as_bytes()))
    {
        return Err(SigningError::NotSignable(format!(
            "the lab certificate is for {} with another key, not for {signer_id}'s key",
            c.reader_id
        )));
    }
    if draft.signature.is_some() || draft.status != ReportStatus::Draft {
        return Err(SigningError::NotSignable(format!(
            "report {} version {} is {} and locked; amend it to change it",
            draft.report_id,
            draft.version,
            draft.status.code()
        )));
    }
    if signer_id.trim().is_empty() || printed_name.trim().is_empty() {
        return Err(SigningError::NotSignable(
            "the signer's id and printed name are required".into(),
        ));
    }
    let mut report = draft.clone();
    match &report.reader_id {
        None => report.reader_id = Some(signer_id.to_owned()),
        Some(author) if meaning == SignatureMeaning::Authorship && author != signer_id => {
            return Err(SigningError::NotSignable(format!(
                "an authorship signature must come from the report's reader {author}, not {signer_id}"
            )));
        }
        Some(_) => {}
    }
    report.status = ReportStatus::Signed;
    let public = key.verifying_key();
    let value = to_value(&report)?;
    let mut block = SignatureBlock {
        signer_id: signer_id.to_owned(),
        printed_name: printed_name.to_owned(),
        signed_at_utc: format_utc(now),
        meaning,
        algorithm: "Ed25519".to_owned(),
        public_key_hex: hex::encode(public.as_bytes()),
        key_fingerprint_sha256: key_fingerprint(&public),
        content_sha256: content_sha256_of_value(&value)?,
        signature_hex: String::new(),
        certificate,
    };
    let payload = signing_payload(&value, &block)?;
    block.signature_hex = hex::encode(key.sign(&payload).to_bytes());
    report.signature = Some(block);
    Ok(report)
}

/// A new draft that amends the signed report `signed`: version + 1, `supersedes` pointing at
/// the signed record's hash, same report id and reader. The content is copied from `edits` when
/// given (measurements, derived values, findings, grade, comment, study, subject, visit), else
/// from `signed`.
pub fn amendment_draft(
    signed: &ReadingReport,
    edits: Option<&ReadingReport>,
    now: OffsetDateTime,
) -> Result<ReadingReport, SigningError> {
    if signed.signature.is_none() {
        return Err(SigningError::NotSignable(format!(
            "report {} version {} is not signed; edit the draft instead of amending",
            signed.report_id, signed.version
        )));
    }
    let record = record_sha256(signed)?;
    let src = edits.unwrap_or(signed);
    let mut draft = signed.clone();
    draft.version = signed.version + 1;
    draft.status = ReportStatus::Draft;
    draft.supersedes = Some(crate::report::SupersededRef {
        version: signed.version,
        record_sha256: record,
    });
    draft.created_utc = format_utc(now);
    draft.engine_build = crate::report::engine_build();
    draft.signature = None;
    draft.study = src.study.clone();
    draft.subject_id = src.subject_id.clone();
    draft.visit = src.visit;
    draft.measurements = src.measurements.clone();
    draft.derived = src.derived.clone();
    draft.findings = src.findings.clone();
    draft.grade = src.grade.clone();
    draft.comment = src.comment.clone();
    Ok(draft)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn concatenated_payload_is_canonical_json() {
        let report = serde_json::json!({"b": 1.50, "a": "x", "signature": {"z": 1}});
        let block = SignatureBlock {
            signer_id: "r1".into(),
            printed_name: "R One".into(),
            signed_at_utc: "2026-01-01T00:00:00Z".into(),
            meaning: SignatureMeaning::Review,
            algorithm: "Ed25519".into(),
            public_key_hex: "00".into(),
            key_fingerprint_sha256: "11".into(),
            content_sha256: "22".into(),
            signature_hex: "33".into(),
            certificate: None,
        };
        let mut manifestation = serde_json::to_value(&block).unwrap();
        manifestation
            .as_object_mut()
            .unwrap()
            .remove("signature_hex");
        let generic =
            serde_json::json!({"report": {"a": "x", "b": 1.5}, "manifestation": manifestation});
        let mut want = SIGNATURE_DOMAIN.to_vec();
        want.extend(to_canonical_bytes(&generic).unwrap());
        assert_eq!(signing_payload(&report, &block).unwrap(), want);
    }
}
