//! The `echolab` command line. Every subcommand calls the same library the GUI uses.
//!
//! Errors print one line (`error: …`) naming what is wrong and the file, and exit with status 2.

mod agreement_cmd;
mod decode_cmd;
mod dicom_cmds;
mod export_cmds;
mod grade_cmd;
mod mask_cmd;
mod pacs_cmd;
mod report_cmds;
mod sample_cmd;
mod worklist_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Echolab: echocardiography core-lab reading workstation.
#[derive(Debug, Parser)]
#[command(name = "echolab", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or folders to open in the desktop app (default: the bundled sample study).
    pub paths: Vec<PathBuf>,

    /// Reading database of the desktop app (else `$ECHOLAB_DB`, else the user's data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the header facts of a DICOM file (transfer syntax, frames, timing, US regions).
    Inspect(dicom_cmds::InspectArgs),
    /// Decode every frame and print its SHA-256 and mean.
    Frames(dicom_cmds::FramesArgs),
    /// Decode frames to display RGB and print frames, pixels and elapsed time (no output files).
    Decode(decode_cmd::DecodeArgs),
    /// Map one image pixel to its US region and physical values.
    Probe(dicom_cmds::ProbeArgs),
    /// Write frames as PNG files.
    ExportFrames(dicom_cmds::ExportFramesArgs),
    /// What Clean Pixel Data removes: content outside the US data regions, % of each frame.
    MaskReport(mask_cmd::MaskReportArgs),
    /// Regenerate the synthetic sample study in `sample_data/`.
    Sample(sample_cmd::SampleArgs),
    /// Grade MR from measurement values (JSON) under a guideline, optionally with a trial protocol.
    Grade(grade_cmd::GradeArgs),
    /// Lab set-up: the reading database and the lab signing key.
    Server(report_cmds::ServerArgs),
    /// Reader accounts (keys for electronic signatures).
    Reader(report_cmds::ReaderArgs),
    /// Reading reports: draft, sign, verify.
    Report(report_cmds::ReportArgs),
    /// Audit trail checks.
    Audit(report_cmds::AuditArgs),
    /// Reading database: import studies.
    Db(report_cmds::DbArgs),
    /// Assign a study to a reader.
    Assign(report_cmds::AssignArgs),
    /// Baseline vs follow-up delta table of two reports.
    Compare(export_cmds::CompareArgs),
    /// Export signed reports as CSV, PDF read sheet, DICOM SR or JSON.
    Export(export_cmds::ExportArgs),
    /// Dual-read discordance and adjudication.
    Adjudicate(export_cmds::AdjudicateArgs),
    /// Inter- and intra-reader agreement (ICC, Bland–Altman, kappa) from the database or a CSV.
    Agreement(agreement_cmd::AgreementArgs),
    /// Blinded re-reads for intra-reader agreement.
    Reread(agreement_cmd::RereadArgs),
    /// Studies from the lab's PACS: search, retrieve into the image cache, send SR results.
    Pacs(pacs_cmd::PacsArgs),
}

/// Parses the command line and runs it; used by `main`.
pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_gui(cli.paths, cli.db),
        Some(Command::Inspect(a)) => dicom_cmds::inspect(&a),
        Some(Command::Frames(a)) => dicom_cmds::frames(&a),
        Some(Command::Decode(a)) => decode_cmd::run(&a),
        Some(Command::Probe(a)) => dicom_cmds::probe(&a),
        Some(Command::ExportFrames(a)) => dicom_cmds::export_frames(&a),
        Some(Command::MaskReport(a)) => mask_cmd::run(&a),
        Some(Command::Sample(a)) => sample_cmd::run(&a),
        Some(Command::Grade(a)) => grade_cmd::run(&a),
        Some(Command::Server(a)) => report_cmds::server(&a),
        Some(Command::Reader(a)) => report_cmds::reader(&a),
        Some(Command::Report(a)) => report_cmds::report(&a),
        Some(Command::Audit(a)) => report_cmds::audit(&a),
        Some(Command::Db(a)) => report_cmds::db(&a),
        Some(Command::Assign(a)) => report_cmds::assign(&a),
        Some(Command::Compare(a)) => export_cmds::compare_cmd(&a),
        Some(Command::Export(a)) => export_cmds::export_cmd(&a),
        Some(Command::Adjudicate(a)) => export_cmds::adjudicate_cmd(&a),
        Some(Command::Agreement(a)) => agreement_cmd::run(&a),
        Some(Command::Reread(a)) => agreement_cmd::reread(&a),
        Some(Command::Pacs(a)) => pacs_cmd::pacs(&a),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "gui")]
fn run_gui(paths: Vec<PathBuf>, db: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if let Some(db) = db {
        crate::gui::records::set_db_override(db);
    }
    crate::gui::run(paths)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
fn run_gui(_paths: Vec<PathBuf>, _db: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this build has no desktop app (built without the `gui` feature); use a subcommand, see --help"
    )
}

/// Writes `value` as pretty JSON to stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    // A reader that closes early (`| head`) is not an error worth a panic.
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
