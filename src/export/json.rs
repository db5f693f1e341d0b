//! JSON export: the signed report as-is, or a bundle.
//!
//! * One report, not de-identified: the file's exact bytes (it still verifies).
//! * Several reports: a bundle `{"format": "echolab-report-bundle-v1", "deidentified": false,
//!   "reports": [<each report>]}`; each embedded report verifies with
//!   [`crate::signing::verify_report`].
//! * De-identified: a bundle with `"deidentified": true`, the trial id, and per report the
//!   de-identified content plus the original's `record_sha256` (the signature stays with the
//!   identified original in the core lab; the copy's signature block records who signed).

use serde_json::json;

use super::SignedInput;
use super::deident::Deidentifier;

/// Format tag of bundles.
pub const BUNDLE_FORMAT: &str = "echolab-report-bundle-v1";

/// The JSON bytes of an export.
pub fn json_export(inputs: &[SignedInput], deid: Option<&Deidentifier>) -> Result<Vec<u8>, String> {
    if let ([one], None) = (inputs, deid) {
        return Ok(one.bytes.clone());
    }
    let mut reports = Vec::new();
    for i in inputs {
        let value = match deid {
            None => crate::json::value_from_slice(&i.bytes).map_err(|e| e.to_string())?,
            Some(d) => {
                let original =
                    crate::signing::record_sha256(&i.report).map_err(|e| e.to_string())?;
                json!({
                    "original_record_sha256": original,
                    "report": serde_json::to_value(d.report(&i.report)).map_err(|e| e.to_string())?,
                })
            }
        };
        reports.push(value);
    }
    let bundle = json!({
        "format": BUNDLE_FORMAT,
        "deidentified": deid.is_some(),
        "trial_id": deid.map(|d| d.trial_id().to_owned()),
        "reports": reports,
    });
    let mut text = serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}
