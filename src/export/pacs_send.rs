//! Sending signed reads back to the PACS: the Comprehensive SR objects that
//! `export --format sr` writes (same checks: intact signatures, signers the lab certified),
//! stored on the PACS in one STOW-RS request.

use super::{ExportFormat, ExportOptions, SignedInput, export};
use crate::pacs::dicomweb::DicomWeb;

/// What a send did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SendOutcome {
    /// SR objects sent.
    pub sent: usize,
    /// Notes of the SR encoder (images not found, values without a standard concept).
    pub notes: Vec<String>,
}

/// Writes the SR of each input (into a temporary folder, removed afterwards) and stores them on
/// the PACS. Any instance the PACS refuses makes the send an error naming it.
pub fn send_sr(
    web: &DicomWeb,
    inputs: &[SignedInput],
    options: &ExportOptions,
) -> Result<SendOutcome, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let summary = export(inputs, ExportFormat::Sr, options, dir.path(), &mut |_| {})
        .map_err(|e| e.to_string())?;
    let mut objects = Vec::with_capacity(summary.files.len());
    for f in &summary.files {
        objects.push(std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    let outcome = web.store(&objects).map_err(|e| e.to_string())?;
    if !outcome.failed.is_empty() {
        return Err(format!(
            "the PACS refused {} of {} SR object(s): {}",
            outcome.failed.len(),
            outcome.sent,
            outcome.failed.join(", ")
        ));
    }
    Ok(SendOutcome {
        sent: outcome.sent,
        notes: summary.notes,
    })
}
