//! `echolab sample`: regenerates the synthetic sample study (DICOM files, `ground_truth.json`,
//! `README.md`) into a folder, or with `--long-cine N` writes only a long colour cine of `N`
//! frames (`long_cine.dcm`) for decode and playback tests. The output is byte-for-byte
//! reproducible.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

/// Arguments of `echolab sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Output folder (created if missing; existing sample files are replaced).
    #[arg(long, default_value = "sample_data")]
    pub out: PathBuf,
    /// Write only a long colour cine of N frames (1016×708 JPEG, 30 fps) as `long_cine.dcm`.
    #[arg(long, value_name = "N")]
    pub long_cine: Option<usize>,
    /// Burn a patient banner (name, ID, birth date, institution) into new rows above every
    /// frame, outside the US regions (for testing de-identification; not the bundled study).
    #[arg(long)]
    pub banner: bool,
}

/// Writes every sample file into `--out` and lists them with their sizes.
pub fn run(a: &SampleArgs) -> anyhow::Result<ExitCode> {
    if let Some(frames) = a.long_cine {
        let (path, size) = crate::sample::write_long_cine(&a.out, frames)
            .with_context(|| format!("writing the long cine into {}", a.out.display()))?;
        println!("{size:>9}  {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let written = crate::sample::write_study_with(&a.out, a.banner)
        .with_context(|| format!("generating the sample study into {}", a.out.display()))?;
    for (path, size) in &written {
        println!("{size:>9}  {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
