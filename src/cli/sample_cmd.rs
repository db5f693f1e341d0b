//! `echolab sample`: regenerates the synthetic sample study (DICOM files, `ground_truth.json`,
//! `README.md`) into a folder. The output is byte-for-byte reproducible.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

/// Arguments of `echolab sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Output folder (created if missing; existing sample files are replaced).
    #[arg(long, default_value = "sample_data")]
    pub out: PathBuf,
    /// Burn a patient banner (name, ID, birth date, institution) into new rows above every
    /// frame, outside the US regions (for testing de-identification; not the bundled study).
    #[arg(long)]
    pub banner: bool,
}

/// Writes every sample file into `--out` and lists them with their sizes.
pub fn run(a: &SampleArgs) -> anyhow::Result<ExitCode> {
    let written = crate::sample::write_study_with(&a.out, a.banner)
        .with_context(|| format!("generating the sample study into {}", a.out.display()))?;
    for (path, size) in &written {
        println!("{size:>9}  {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
