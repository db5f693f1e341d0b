//! Read-sheet exports from the workstation: the data manager picks signed report
//! files or a selection of the reading database (a subject, a visit, the whole trial), a format
//! (CSV wide or long, PDF read sheets, DICOM SR, JSON) and de-identification, and the batch runs
//! on a background thread with a progress bar and a Cancel button.
//!
//! * [`dialog`]: the window (reads [`ExportState`], edits its form, returns [`ExportCommand`]s);
//! * [`job`]: the background thread around [`crate::export::export`];
//! * [`apply`]: [`App::apply_export`](crate::gui::App::apply_export), the one place that
//!   changes export state.

pub mod apply;
pub mod dialog;
pub mod job;

use std::path::PathBuf;

use crate::export::{ExportFormat, ExportSummary};
use crate::report::Visit;

pub use dialog::export_window;
pub use job::{ExportJob, JobInput, JobProgress, Phase};

/// Where the reports come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Signed report JSON files chosen one by one or by folder.
    Files,
    /// Signed reads of the reading database, as the signed-in user may see them.
    Database,
}

/// Which signed reads of the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One subject (all visits).
    Subject,
    /// One visit (all subjects).
    Visit,
    /// Every signed read of the trial.
    Trial,
}

/// The output format as offered in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatChoice {
    /// CSV, one row per signed read.
    CsvWide,
    /// CSV, one row per value.
    CsvLong,
    /// PDF read sheets, one per read.
    Pdf,
    /// DICOM Comprehensive SR, one per read.
    Sr,
    /// JSON (the signed report itself, or a bundle).
    Json,
}

impl FormatChoice {
    /// Every choice, in menu order.
    pub const ALL: [FormatChoice; 5] = [
        FormatChoice::CsvWide,
        FormatChoice::CsvLong,
        FormatChoice::Pdf,
        FormatChoice::Sr,
        FormatChoice::Json,
    ];

    /// Label in the dialog.
    pub fn label(self) -> &'static str {
        match self {
            FormatChoice::CsvWide => "CSV — one row per read",
            FormatChoice::CsvLong => "CSV — one row per value (long)",
            FormatChoice::Pdf => "PDF read sheets",
            FormatChoice::Sr => "DICOM SR (TID 5200)",
            FormatChoice::Json => "JSON",
        }
    }

    /// The library format.
    pub fn format(self) -> ExportFormat {
        match self {
            FormatChoice::CsvWide | FormatChoice::CsvLong => ExportFormat::Csv,
            FormatChoice::Pdf => ExportFormat::Pdf,
            FormatChoice::Sr => ExportFormat::Sr,
            FormatChoice::Json => ExportFormat::Json,
        }
    }

    /// Whether a batch of several reads goes to a folder (one file per read).
    pub fn writes_folder(self) -> bool {
        matches!(self, FormatChoice::Pdf | FormatChoice::Sr)
    }
}

/// The dialog's form buffers.
#[derive(Clone, Debug)]
pub struct ExportForm {
    /// Files or database.
    pub source: Source,
    /// Chosen report files.
    pub files: Vec<PathBuf>,
    /// Text of the "add a path" field.
    pub path_text: String,
    /// Database selection.
    pub scope: Scope,
    /// Subject id for [`Scope::Subject`].
    pub subject: String,
    /// Visit for [`Scope::Visit`].
    pub visit: Visit,
    /// Output format.
    pub format: FormatChoice,
    /// De-identify (PS3.15 basic profile; subject id replaced by the trial id).
    pub deidentify: bool,
    /// Trial id used when de-identifying.
    pub trial_id: String,
    /// Output file or folder.
    pub out_text: String,
    /// The lab's public key file (`lab-key.json`) that file exports are checked against (the
    /// signed-in database's pinned key is used when empty).
    pub lab_key_text: String,
}

impl Default for ExportForm {
    fn default() -> Self {
        ExportForm {
            source: Source::Files,
            files: Vec::new(),
            path_text: String::new(),
            scope: Scope::Trial,
            subject: String::new(),
            visit: Visit::Baseline,
            format: FormatChoice::CsvWide,
            deidentify: false,
            trial_id: String::new(),
            out_text: String::new(),
            lab_key_text: String::new(),
        }
    }
}

/// Export intents.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportCommand {
    /// Show or hide the export window.
    Show(bool),
    /// Ask for report files with the native dialog.
    PickFiles,
    /// Ask for a folder of reports with the native dialog.
    PickFolder,
    /// Add files, or every signed report of a folder.
    AddPaths(Vec<PathBuf>),
    /// Remove the file at this index from the list.
    RemoveFile(usize),
    /// Empty the file list.
    ClearFiles,
    /// Ask where to write with the native dialog.
    PickOutput,
    /// The format changed from this one (a default output name follows the new format).
    FormatChanged(FormatChoice),
    /// Start the export.
    Start,
    /// Stop the running export between reads.
    Cancel,
}

/// The default output: `read_sheets.<ext>` (or a `read_sheets` folder for per-read formats)
/// beside the first report.
pub fn default_output(files: &[PathBuf], format: FormatChoice) -> PathBuf {
    let dir = files
        .first()
        .and_then(|f| f.parent())
        .unwrap_or(std::path::Path::new("."));
    if format.writes_folder() {
        dir.join("read_sheets")
    } else {
        dir.join(format!("read_sheets.{}", format.format().extension()))
    }
}

/// How the last export ended.
#[derive(Debug)]
pub enum Outcome {
    /// Written.
    Done(ExportSummary),
    /// Failed or cancelled (the message says which and names the file).
    Failed(String),
}

/// Export window state.
#[derive(Debug, Default)]
pub struct ExportState {
    /// Whether the window is shown.
    pub open: bool,
    /// Form buffers.
    pub form: ExportForm,
    /// The running export.
    pub job: Option<ExportJob>,
    /// How the last export ended.
    pub outcome: Option<Outcome>,
    /// A problem with the form or the file list (shown above the buttons).
    pub message: Option<String>,
}

impl ExportState {
    /// Whether an export is running.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }
}
