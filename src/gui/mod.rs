//! The egui/eframe desktop app (feature `gui`). Thin: reads domain state, returns commands.

use std::path::PathBuf;

/// Opens the desktop window on `paths` (the bundled sample study when empty).
pub fn run(_paths: Vec<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("desktop app: not written yet")
}
