//! `echolab mask-report`: what Clean Pixel Data removes from each file (which files carry
//! content outside their US data regions, and how much of each frame the mask blacks out).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::export::masks::{MaskReport, mask_report};

use super::print_json;

/// Arguments of `echolab mask-report`.
#[derive(Debug, clap::Args)]
pub struct MaskReportArgs {
    /// DICOM files or folders (folders: their files, not recursive).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Explicit masks per device model (TOML), remembered for later runs.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
}

fn files_of(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        match std::fs::read_dir(p) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.is_file())
                    .collect();
                files.sort();
                out.extend(files);
            }
            Err(_) => out.push(p.clone()),
        }
    }
    out
}

/// Runs `echolab mask-report`. Files that are not readable DICOM images are listed as skipped.
pub fn run(a: &MaskReportArgs) -> anyhow::Result<ExitCode> {
    let masks = super::export_cmds::masks_for(a.mask.as_deref())?;
    let mut reports: Vec<MaskReport> = Vec::new();
    let mut skipped = Vec::new();
    for f in files_of(&a.paths) {
        match mask_report(&f, &masks) {
            Ok(r) => reports.push(r),
            Err(why) => skipped.push((f, why.replace(['\n', '\r'], " "))),
        }
    }
    if a.json {
        print_json(&serde_json::json!({
            "files": reports,
            "skipped": skipped
                .iter()
                .map(|(f, why)| serde_json::json!({"file": f, "reason": why}))
                .collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "{:<44} {:>6} {:>9} {:>10} {:>10} {:>9}  device",
            "file", "frames", "masked %", "cleared %", "max clr %", "frames+"
        );
        for r in &reports {
            let name = r.file.file_name().map_or_else(
                || r.file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            match &r.refused {
                Some(why) => println!("{name:<44} {:>6} refused: {why}", r.frames),
                None => println!(
                    "{name:<44} {:>6} {:>9.1} {:>10.2} {:>10.2} {:>9}  {}",
                    r.frames,
                    r.masked_percent,
                    r.cleared_percent,
                    r.max_cleared_percent,
                    r.frames_with_content_outside,
                    r.device
                ),
            }
        }
        for (f, why) in &skipped {
            println!("skipped {}: {why}", f.display());
        }
    }
    if reports.is_empty() {
        anyhow::bail!("no readable DICOM image among the paths given");
    }
    Ok(ExitCode::SUCCESS)
}
