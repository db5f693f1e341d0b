//! Read-sheet exports of signed reading reports: CSV for the trial database, a PDF
//! read sheet, a DICOM Comprehensive SR (TID 5200) and JSON, each optionally de-identified.
//!
//! * [`load_signed`] reads a report file and refuses it unless its signature verifies;
//!   [`require_certified`] refuses a batch whose signer is not certified by the lab, and
//!   [`export`] refuses versions superseded within the batch unless asked to include them.
//! * [`export`]`(&[SignedInput], &ExportOptions, out, progress)` writes one format; batches
//!   report progress through the callback (the GUI draws a progress bar with it).
//! * Formats: [`csv`] (wide: one row per signed read; long: one row per value), [`pdf`],
//!   [`sr`], [`json`]; [`deident`] is the PS3.15 basic-profile de-identification they share;
//!   [`masks`] is Clean Pixel Data for the images of de-identified exports (key frames, PNG
//!   frames, DICOM images); [`deid_image`] writes de-identified DICOM images;
//!   [`images`] finds the DICOM files a report measured (for key frames and SOP classes).
//!
//! Every file is written atomically (temporary file, fsync, rename).

pub mod agreement_pdf;
pub mod csv;
pub mod db;
pub mod deid_image;
pub mod deid_import;
pub mod deident;
pub mod images;
pub mod json;
pub mod masks;
pub mod pacs_send;
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
pub use masks::{MaskBook, MaskSource};

use crate::report::ReadingReport;
use crate::signing::lab::LabTrust;
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
    /// A report's signer is not certified by the lab.
    #[error("{path}: {problem}")]
    NotCertified {
        /// The file.
        path: PathBuf,
        /// Why (starts with "signer not certified by this lab").
        problem: String,
    },
    /// A report version is superseded by a signed amendment in the same batch.
    #[error(
        "{path}: version {version} of report {report_id} is superseded by version {by}; \
         export the current version, or pass --include-superseded"
    )]
    Superseded {
        /// The file.
        path: PathBuf,
        /// The read.
        report_id: String,
        /// Its version.
        version: u32,
        /// The version that supersedes it.
        by: u32,
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
    /// Export versions superseded by a signed amendment in the same batch too (CSV gets a
    /// `version_status` column); without it such a batch is refused.
    pub include_superseded: bool,
    /// The lab whose certified signers alone are exported ([`require_certified`]); `None`
    /// exports without that check (callers outside a lab, e.g. format tests).
    pub trust: Option<LabTrust>,
    /// Explicit masks per device model for the images of de-identified exports (see
    /// [`masks`]); files of other devices are cleaned by their US regions.
    pub masks: MaskBook,
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

/// Refuses the batch, naming the first file, unless every report's signer holds a certificate
/// of the lab `trust` describes (see [`crate::signing::lab`]).
pub fn require_certified(inputs: &[SignedInput], trust: &LabTrust) -> Result<(), ExportError> {
    for i in inputs {
        let checked = match &i.report.signature {
            Some(block) => trust.check(block),
            None => Err("not signed".to_owned()),
        };
        if let Err(problem) = checked {
            return Err(ExportError::NotCertified {
                path: i.path.clone(),
                problem,
            });
        }
    }
    Ok(())
}

/// For each input, the highest version of the same report in the batch that is newer than it
/// (it is superseded by that signed amendment), or `None` when it is the current version.
pub fn superseded_in_batch(inputs: &[SignedInput]) -> Vec<Option<u32>> {
    inputs
        .iter()
        .map(|i| {
            inputs
                .iter()
                .filter(|o| {
                    o.report.report_id == i.report.report_id && o.report.version > i.report.version
                })
                .map(|o| o.report.version)
                .max()
        })
        .collect()
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

/// Where a per-report output goes: `None` for `out` itself (a single report, unless `out` is an
/// existing folder), else the file name `<subject>_<visit>_<read id>_v<version>.<ext>` inside
/// `out` (written with [`crate::report::write_inside`]) so a folder of read sheets
/// sorts by subject and visit. De-identified exports name the trial's subject code, never the
/// original subject id.
fn per_report_name(
    out: &Path,
    input: &SignedInput,
    deid: Option<&Deidentifier>,
    n: usize,
    ext: &str,
) -> Option<String> {
    if n == 1 && !out.is_dir() {
        return None;
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
    Some(format!("{name}_v{}.{ext}", r.version))
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
    if let Some(trust) = &options.trust {
        require_certified(inputs, trust)?;
    }
    let superseded = superseded_in_batch(inputs);
    if !options.include_superseded
        && let Some((i, by)) = inputs
            .iter()
            .zip(&superseded)
            .find_map(|(i, s)| s.map(|by| (i, by)))
    {
        return Err(ExportError::Superseded {
            path: i.path.clone(),
            report_id: i.report.report_id.clone(),
            version: i.report.version,
            by,
        });
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
            .and_then(|bytes| {
                if format == ExportFormat::Csv && options.include_superseded {
                    let status = reports
                        .iter()
                        .zip(&superseded)
                        .map(|(r, s)| {
                            let code = if s.is_some() { "superseded" } else { "current" };
                            ((r.report_id.clone(), r.version), code)
                        })
                        .collect();
                    csv::with_status_column(&bytes, &status)
                } else {
                    Ok(bytes)
                }
            })
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
                let name = per_report_name(out, input, deid.as_ref(), total, format.extension());
                let path = name
                    .as_ref()
                    .map_or_else(|| out.to_owned(), |n| out.join(n));
                let report_dir = input.path.parent().unwrap_or(Path::new("."));
                index.add_dir(report_dir);
                let (bytes, notes) = match format {
                    ExportFormat::Pdf => pdf::read_sheet_pdf(
                        &input.report,
                        deid.as_ref(),
                        &options.masks,
                        &mut index,
                    ),
                    _ => sr::comprehensive_sr(&input.report, deid.as_ref(), &mut index),
                }
                .map_err(|message| ExportError::Encode {
                    path: path.clone(),
                    message,
                })?;
                match &name {
                    None => write_file(&path, &bytes)?,
                    Some(n) => {
                        crate::report::write_inside(out, Path::new(n), &bytes).map_err(
                            |error| ExportError::Io {
                                path: path.clone(),
                                error,
                            },
                        )?;
                    }
                }
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
