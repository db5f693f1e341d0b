//! Verifying a signed report: who signed, when, for what meaning, and whether it is intact.

use ed25519_dalek::Signature;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::keys::{key_fingerprint, parse_public_key, strict_hex};
use super::sign::{canonical_content, signing_payload_with_content};
use crate::report::canonical::{to_canonical_bytes, to_pretty_string};
use crate::report::{
    REPORT_SCHEMA_VERSION, ReadingReport, ReportStatus, SignatureBlock, parse_utc,
};

/// Result of verifying one signed report. Intact only when [`Verification::problems`] is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The signature block as found (who, when, meaning), if one could be read.
    pub signature: Option<SignatureBlock>,
    /// The report, if it parsed strictly.
    pub report: Option<ReadingReport>,
    /// SHA-256 of the canonical content as found in the file.
    pub content_sha256: Option<String>,
    /// SHA-256 of the canonical whole record as found (what amendments reference).
    pub record_sha256: Option<String>,
    /// Everything that is wrong, one sentence each; empty when intact.
    pub problems: Vec<String>,
}

impl Verification {
    /// True when the signature verifies and nothing is wrong.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty() && self.signature.is_some()
    }

    fn failed(problem: String) -> Self {
        Verification {
            signature: None,
            report: None,
            content_sha256: None,
            record_sha256: None,
            problems: vec![problem],
        }
    }
}

/// Verifies a signed report file's bytes, including that the bytes are exactly echolab's
/// rendering of the parsed content (so whitespace or number-form edits are caught too).
pub fn verify_report_bytes(bytes: &[u8]) -> Verification {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Verification::failed(format!("file is not UTF-8 text: {e}")),
    };
    let value: Value = match crate::json::value_from_str(text) {
        Ok(v) => v,
        Err(e) => return Verification::failed(format!("file is not valid JSON: {e}")),
    };
    let mut v = verify_value(&value);
    match crate::json::from_value::<ReadingReport>(value.clone()) {
        Ok(r) => {
            check_report_fields(&r, &mut v.problems);
            v.report = Some(r);
        }
        Err(e) => v.problems.push(format!("not a valid reading report: {e}")),
    }
    match to_pretty_string(&value) {
        Ok(rendered) if rendered.as_bytes() == bytes => {}
        Ok(_) => v.problems.push(
            "file bytes differ from echolab's rendering of its content: the file was edited \
             after signing (whitespace, number or escape form)"
                .to_owned(),
        ),
        Err(e) => v
            .problems
            .push(format!("content cannot be canonicalized: {e}")),
    }
    v
}

/// Verifies an in-memory signed report (e.g. one loaded from the database).
pub fn verify_report(report: &ReadingReport) -> Verification {
    let value = match serde_json::to_value(report) {
        Ok(v) => v,
        Err(e) => return Verification::failed(format!("report cannot be serialized: {e}")),
    };
    let mut v = verify_value(&value);
    check_report_fields(report, &mut v.problems);
    v.report = Some(report.clone());
    v
}

fn check_report_fields(r: &ReadingReport, problems: &mut Vec<String>) {
    if r.schema_version != REPORT_SCHEMA_VERSION {
        problems.push(format!(
            "unknown report schema_version {} (this build reads {REPORT_SCHEMA_VERSION})",
            r.schema_version
        ));
    }
    if r.status != ReportStatus::Signed {
        problems.push(format!(
            "status inside a signed report must be \"signed\", found \"{}\"",
            r.status.code()
        ));
    }
}

fn verify_value(value: &Value) -> Verification {
    let mut problems = Vec::new();
    let content = canonical_content(value);
    let content_sha256 = content
        .as_ref()
        .ok()
        .map(|c| hex::encode(Sha256::digest(c)));
    let record_sha256 = to_canonical_bytes(value)
        .ok()
        .map(|b| hex::encode(Sha256::digest(b)));
    let block = match value.get("signature") {
        None | Some(Value::Null) => {
            problems.push("the report is not signed (no signature block)".to_owned());
            None
        }
        Some(b) => match serde_json::from_value::<SignatureBlock>(b.clone()) {
            Ok(block) => Some(block),
            Err(e) => {
                problems.push(format!("signature block is malformed: {e}"));
                None
            }
        },
    };
    match (&block, &content) {
        (Some(block), Ok(content)) => check_block(content, block, &mut problems),
        (Some(_), Err(e)) => problems.push(format!("content cannot be canonicalized: {e}")),
        (None, _) => {}
    }
    Verification {
        signature: block,
        report: None,
        content_sha256,
        record_sha256,
        problems,
    }
}

fn check_block(content: &[u8], block: &SignatureBlock, p: &mut Vec<String>) {
    if block.algorithm != "Ed25519" {
        p.push(format!(
            "unsupported signature algorithm {:?}",
            block.algorithm
        ));
    }
    if block.signer_id.trim().is_empty() || block.printed_name.trim().is_empty() {
        p.push("signer id or printed name is empty".to_owned());
    }
    if parse_utc(&block.signed_at_utc).is_none() {
        p.push(format!(
            "signing time {:?} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)",
            block.signed_at_utc
        ));
    }
    if block.content_sha256 != hex::encode(Sha256::digest(content)) {
        p.push("content changed after signing: its SHA-256 differs from the one signed".to_owned());
    }
    let key = match parse_public_key(&block.public_key_hex) {
        Ok(k) => k,
        Err(e) => {
            p.push(format!("embedded public key unusable: {e}"));
            return;
        }
    };
    if key_fingerprint(&key) != block.key_fingerprint_sha256 {
        p.push("key fingerprint does not match the embedded public key".to_owned());
    }
    let Some(sig_bytes) = strict_hex::<64>(&block.signature_hex) else {
        p.push("signature is not 128 lowercase hex digits".to_owned());
        return;
    };
    let signature = Signature::from_bytes(&sig_bytes);
    match signing_payload_with_content(content, block) {
        Ok(payload) => {
            if key.verify_strict(&payload, &signature).is_err() {
                p.push(
                    "signature does not verify: the content or the name, time or meaning \
                     differ from what was signed"
                        .to_owned(),
                );
            }
        }
        Err(e) => p.push(format!("cannot rebuild the signed bytes: {e}")),
    }
}
