//! Report files: deterministic rendering, strict parsing, and atomic (crash-safe) writes.
//!
//! A report file is the canonical pretty rendering ([`super::canonical::to_pretty_string`]) of
//! the report's JSON. Writes go to a temporary file in the same folder, which is flushed to disk
//! (`fsync`) and then renamed over the target, and the folder itself is synced: after a crash or
//! a killed process the target holds either the previous complete file or the new complete file.

use std::fs;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

pub use crate::files::{write_atomic, write_inside};

use super::canonical::{self, CanonicalError};
use super::model::ReadingReport;

/// Errors reading or writing report files.
#[derive(Debug, thiserror::Error)]
pub enum ReportFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid report.
    #[error("{path}: not a valid reading report: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The report could not be rendered.
    #[error("cannot render report: {0}")]
    Render(String),
}

impl From<CanonicalError> for ReportFileError {
    fn from(e: CanonicalError) -> Self {
        ReportFileError::Render(e.to_string())
    }
}

/// The report as a JSON value (the form that is canonicalized).
pub fn report_to_value(report: &ReadingReport) -> Result<serde_json::Value, ReportFileError> {
    serde_json::to_value(report).map_err(|e| ReportFileError::Render(e.to_string()))
}

/// The exact text echolab writes for `report`.
pub fn render_report(report: &ReadingReport) -> Result<String, ReportFileError> {
    Ok(canonical::to_pretty_string(&report_to_value(report)?)?)
}

/// Parses report JSON strictly (unknown or duplicate fields are errors).
pub fn parse_report(text: &str) -> Result<ReadingReport, String> {
    crate::json::from_str::<ReadingReport>(text).map_err(|e| e.to_string())
}

/// Reads and strictly parses a report file.
pub fn read_report(path: &Path) -> Result<ReadingReport, ReportFileError> {
    let text = fs::read_to_string(path).map_err(|source| ReportFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_report(&text).map_err(|message| ReportFileError::Parse {
        path: path.to_owned(),
        message,
    })
}

/// Writes `report` to `path` atomically.
pub fn write_report(path: &Path, report: &ReadingReport) -> Result<(), ReportFileError> {
    let text = render_report(report)?;
    write_atomic(path, text.as_bytes()).map_err(|source| ReportFileError::Io {
        path: path.to_owned(),
        source,
    })
}

/// A new random identifier: 128 bits as 32 lowercase hex digits.
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Autosaves a draft to a file (atomic write). Refuses signed reports: they are locked.
///
/// The GUI calls this (and/or [`crate::store::Store::save_draft`]) every couple of seconds;
/// a crash loses at most the edits since the last call.
pub fn autosave_draft_file(path: &Path, draft: &ReadingReport) -> Result<(), ReportFileError> {
    if draft.is_signed() {
        return Err(ReportFileError::Render(format!(
            "report {} version {} is signed and locked; amend it instead",
            draft.report_id, draft.version
        )));
    }
    write_report(path, draft)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let mut r = ReadingReport::new_draft("abc", "2026-01-02T03:04:05Z");
        r.comment = "jet eccentric \"posterior\"".to_owned();
        write_report(&path, &r).unwrap();
        let back = read_report(&path).unwrap();
        assert_eq!(back, r);
        // No temporary files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            render_report(&r).unwrap()
        );
    }

    #[test]
    fn unknown_field_rejected() {
        let r = ReadingReport::new_draft("abc", "2026-01-02T03:04:05Z");
        let mut v = report_to_value(&r).unwrap();
        v["extra"] = serde_json::json!(1);
        assert!(parse_report(&v.to_string()).is_err());
    }
}
