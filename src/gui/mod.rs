//! The egui/eframe desktop app (feature `gui`). Thin: it reads domain state and returns
//! commands; values come from the library (DICOM calibration, measurement geometry, grading).
//!
//! * [`app`]: the [`App`] state, [`app::Command`]s and the one place that applies them;
//! * [`viewer`]: canvas, overlays, zoom/pan transform, cine clock and bar;
//! * [`tools`]: measurement tool state machines (pointer events in, edits out);
//! * [`compare`]: baseline vs follow-up window and longitudinal plots;
//! * [`panels`]: study list, guided protocol, measurement list, results, help;
//! * [`background`]: named loading and decode-ahead threads on bounded channels;
//! * [`frame_textures`]: the bounded LRU of frame textures of a loop;
//! * [`library`], [`document`], [`calibrate`]: opened files, the editable reading, and the
//!   bridge from drawings to calibrated measurements;
//! * [`dicom_file`]: [`library::ImageFile`] over the DICOM module;
//! * [`export`]: the read-sheet export window and its background thread;
//! * [`theme`]: every colour and size.

pub mod adjudicate;
pub mod agreement;
pub mod app;
pub mod background;
pub mod calibrate;
pub mod compare;
pub mod dicom_file;
pub mod document;
pub mod export;
pub mod frame_textures;
pub mod library;
pub mod pacs;
pub mod panels;
pub mod records;
pub mod theme;
pub mod tools;
pub mod viewer;

use std::path::PathBuf;

pub use app::App;

/// Opens the desktop window on `paths` (the bundled sample study when empty).
pub fn run(paths: Vec<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Echolab")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([1024.0, 640.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Echolab",
        options,
        Box::new(move |cc| Ok(Box::new(App::new(cc, paths)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the desktop window: {e}"))
}
