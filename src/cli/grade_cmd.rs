//! `echolab grade` (owned by the grading work).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `echolab grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    pub input: PathBuf,
    #[arg(long, default_value = "ase2017")]
    pub guideline: String,
    #[arg(long)]
    pub protocol: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(_a: &GradeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("grade: not written yet")
}
