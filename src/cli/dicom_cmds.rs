//! `inspect`, `frames`, `probe`, `export-frames` (owned by the DICOM work).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `echolab inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab frames`.
#[derive(Debug, clap::Args)]
pub struct FramesArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab probe`.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub point: String,
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab export-frames`.
#[derive(Debug, clap::Args)]
pub struct ExportFramesArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub frames: Option<String>,
}

pub fn inspect(_a: &InspectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("inspect: not written yet")
}
pub fn frames(_a: &FramesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("frames: not written yet")
}
pub fn probe(_a: &ProbeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("probe: not written yet")
}
pub fn export_frames(_a: &ExportFramesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("export-frames: not written yet")
}
