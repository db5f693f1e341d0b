//! Read-sheet exports of signed reading reports (issue 6 §3): CSV for the trial database, a PDF
//! read sheet, a DICOM Comprehensive SR (TID 5200) and JSON, each optionally de-identified.
//!
//! * [`load_signed`] reads a report file and refuses it unless its signature verifies.
//! * [`export`]`(&[SignedInput], &ExportOptions, out, progress)` writes one format; batches
//!   report progress through the callback (the GUI draws a progress bar with it).
//! * Formats: [`csv`] (wide: one row per signed read; long: one row per value), [`pdf`],
//!   [`sr`], [`json`]; [`deident`] is the PS3.15 basic-profile de-identification they share;
//!   [`images`] finds the DICOM files a report measured (for key frames and SOP classes).
//!
//! Every file is written atomically (temporary file, fsync, rename).

pub mod agreement_pdf;
pub mod csv;
pub mod db;
pub mod deident;
pub mod images;
pub mod json;
pub mod pdf;
mod pdf_doc;
mod pdf_frame;
pub mod sheet;
pub mod sr;
mod sr_codes;
mod sr_tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

pub use deident::Deidentifier;
pub use images::{ImageIndex, LocatedImage};

use crate::report::ReadingReport;
use crate::signing::verify_report_bytes;

/// Export errors; each names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A report is not signed or its signature does not verify.
    #[error("{path}: not an intact signed report: {problems}")]
    NotSigned {
        /// The file.
        path: PathBuf,
        /// What is wrong (joined).
        problems: String,
    },
    /// The export cannot be made as asked.
    #[error("{0}")]
    Invalid(String),
    /// The user cancelled the export; `written` files were complete before it stopped.
    #[error("export cancelled after {written} file(s)")]
    Cancelled {
        /// Files written completely before the cancel.
        written: usize,
    },
    /// Encoding the output failed.
    #[error("{path}: {message}")]
    Encode {
        /// The output file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// CSV (wide or long).
    Csv,
    /// PDF read sheet.
    Pdf,
    /// DICOM Comprehensive SR.
    Sr,
    /// JSON (report as-is, or a bundle).
    Json,
}

impl ExportFormat {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Pdf => "pdf",
            ExportFormat::Sr => "dcm",
            ExportFormat::Json => "json",
        }
    }
}

/// Options of one export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// CSV: one row per value instead of one row per read.
    pub long: bool,
    /// De-identify with this trial id (PS3.15 basic profile; see [`deident`]).
    pub deidentify_trial_id: Option<String>,
    /// Extra folders to look for the measured DICOM files in (besides each report's folder).
    pub image_dirs: Vec<PathBuf>,
    /// Set from another thread to stop a batch between reports (the GUI's Cancel button).
    pub cancel: Option<Arc<AtomicBool>>,
}

impl ExportOptions {
    /// `Err(Cancelled)` once the cancel flag is set (`written` files were complete by then).
    pub fn cancelled(&self, written: usize) -> Result<(), ExportError> {
        match &self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(ExportError::Cancelled { written }),
            _ => Ok(()),
        }
    }
}

/// A signed report loaded for export, with its verified bytes.
#[derive(Debug, Clone)]
pub struct SignedInput {
    /// Where it was read from.
    pub path: PathBuf,
    /// The exact file bytes (JSON export copies them).
    pub bytes: Vec<u8>,
    /// The parsed report.
    pub report: ReadingReport,
}

/// Reads a report file and checks its signature; refuses drafts and anything not intact.
pub fn load_signed(path: &Path) -> Result<SignedInput, ExportError> {
    let bytes = std::fs::read(path).map_err(|error| ExportError::Io {
        path: path.to_owned(),
        error,
    })?;
    let v = verify_report_bytes(&bytes);
    match (v.is_intact(), v.report) {
        (true, Some(report)) => Ok(SignedInput {
            path: path.to_owned(),
            bytes,
            report,
        }),
        (_, _) => Err(ExportError::NotSigned {
            path: path.to_owned(),
            problems: if v.problems.is_empty() {
                "not signed".to_owned()
            } else {
                v.problems.join("; ")
            },
        }),
    }
}

/// Progress of a batch export.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Reports done.
    pub done: usize,
    /// Reports in the batch.
    pub total: usize,
    /// The report being written (its file).
    pub current: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportSummary {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Things the reader of the output should know (image files not found, …).
    pub notes: Vec<String>,
}

/// Where a per-report output goes: `out` itself for a single report (unless it is an existing
/// folder), else `out/<subject>_<visit>_<read id>_v<version>.<ext>` so a folder of read sheets
/// sorts by subject and visit. De-identified exports name the trial's subject code, never the
/// original subject id.
fn per_report_path(
    out: &Path,
    input: &SignedInput,
    deid: Option<&Deidentifier>,
    n: usize,
    ext: &str,
) -> PathBuf {
    if n == 1 && !out.is_dir() {
        return out.to_owned();
    }
    let r = &input.report;
    let subject = match deid {
        Some(d) => Some(d.subject(r.subject_id.as_deref())),
        None => r.subject_id.clone(),
    };
    let mut name = String::new();
    if let Some(s) = subject.filter(|s| !s.is_empty()) {
        name.push_str(&sanitize(&s));
        name.push('_');
    }
    if let Some(v) = r.visit {
        name.push_str(&sanitize(v.code()));
        name.push('_');
    }
    name.push_str(&sanitize(&r.report_id));
    out.join(format!("{name}_v{}.{ext}", r.version))
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `bytes` to `path` atomically, naming the file in errors.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    crate::report::write_atomic(path, bytes).map_err(|error| ExportError::Io {
        path: path.to_owned(),
        error,
    })
}

/// Exports `inputs` in `format` to `out` (a file; for PDF and SR batches of several reports a
/// folder, created if missing, with one file per report). `progress` is called before each
/// report and once at the end.
pub fn export(
    inputs: &[SignedInput],
    format: ExportFormat,
    options: &ExportOptions,
    out: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ExportSummary, ExportError> {
    if inputs.is_empty() {
        return Err(ExportError::Invalid("no report to export".to_owned()));
    }
    let deid = options
        .deidentify_trial_id
        .as_deref()
        .map(|t| Deidentifier::new(t, inputs.iter().map(|i| &i.report)))
        .transpose()?;
    let mut summary = ExportSummary::default();
    let total = inputs.len();
    let mut tick = |done: usize, current: &Path| {
        progress(&Progress {
            done,
            total,
            current: current.to_owned(),
        })
    };
    match format {
        ExportFormat::Csv | ExportFormat::Json => {
            let reports: Vec<ReadingReport> = inputs
                .iter()
                .map(|i| {
                    deid.as_ref()
                        .map_or_else(|| i.report.clone(), |d| d.report(&i.report))
                })
                .collect();
            if let Some(first) = inputs.first() {
                tick(0, &first.path);
            }
            options.cancelled(0)?;
            let bytes = match format {
                ExportFormat::Csv if options.long => csv::long_csv(&reports),
                ExportFormat::Csv => csv::wide_csv(&reports),
                _ => json::json_export(inputs, deid.as_ref()),
            }
            .map_err(|message| ExportError::Encode {
                path: out.to_owned(),
                message,
            })?;
            write_file(out, &bytes)?;
            summary.files.push(out.to_owned());
        }
        ExportFormat::Pdf | ExportFormat::Sr => {
            if total > 1 || out.is_dir() {
                std::fs::create_dir_all(out).map_err(|error| ExportError::Io {
                    path: out.to_owned(),
                    error,
                })?;
            }
            let mut index = ImageIndex::new(options.image_dirs.clone());
            for (i, input) in inputs.iter().enumerate() {
                tick(i, &input.path);
                options.cancelled(summary.files.len())?;
                let path = per_report_path(out, input, deid.as_ref(), total, format.extension());
                let report_dir = input.path.parent().unwrap_or(Path::new("."));
                index.add_dir(report_dir);
                let (bytes, notes) = match format {
                    ExportFormat::Pdf => {
                        pdf::read_sheet_pdf(&input.report, deid.as_ref(), &mut index)
                    }
                    _ => sr::comprehensive_sr(&input.report, deid.as_ref(), &mut index),
                }
                .map_err(|message| ExportError::Encode {
                    path: path.clone(),
                    message,
                })?;
                write_file(&path, &bytes)?;
                summary.files.push(path);
                summary.notes.extend(
                    notes
                        .into_iter()
                        .map(|n| format!("{}: {n}", input.path.display())),
                );
            }
        }
    }
    if let Some(last) = inputs.last() {
        tick(total, &last.path);
    }
    Ok(summary)
}
