//! `echolab sample` (owned by the sample-study work).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `echolab sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Output folder.
    #[arg(long, default_value = "sample_data")]
    pub out: PathBuf,
}

pub fn run(_a: &SampleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("sample: not written yet")
}
