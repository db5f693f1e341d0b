//! Everything the reader can ask for, as data. UI functions return these; [`super::App::apply`]
//! is the one place that changes state.

use std::path::PathBuf;

use egui::{Pos2, Rect, Vec2};

use crate::gui::document::FileId;
use crate::gui::tools::{Handle, ToolKey};
use crate::gui::viewer::cine::Speed;
use crate::measure::{DrawKind, FindingValue};

/// A user intent.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    // ------------------------------------------------------------------ files
    /// Open files or folders (loading runs in the background).
    OpenPaths(Vec<PathBuf>),
    /// Show the native File ▸ Open dialog.
    OpenDialog,
    /// Show this file in the viewer.
    SelectFile(FileId),
    /// Show the next (+1) or previous (−1) opened file, in study-list order.
    StepFile(i32),

    /// A reading-records command (sign-in, worklist, save, sign, history).
    Records(crate::gui::records::RecordsCommand),
    /// A read-sheet export command.
    Export(crate::gui::export::ExportCommand),
    /// An adjudication-window command (Review ▸ Adjudicate…).
    Adjudicate(crate::gui::adjudicate::AdjCommand),

    // ------------------------------------------------------------------ cine
    /// Play or pause.
    TogglePlay,
    /// Step by this many frames (pauses playback).
    StepFrame(i64),
    /// Go to the first frame.
    FirstFrame,
    /// Go to the last frame.
    LastFrame,
    /// Go to this frame.
    SetFrame(usize),
    /// Set the playback speed.
    SetSpeed(Speed),
    /// One step slower (−1) or faster (+1).
    NudgeSpeed(i32),
    /// Loop on/off.
    ToggleLoop,
    /// Mark the current frame as end-diastole (toggles).
    MarkEd,
    /// Mark the current frame as end-systole (toggles).
    MarkEs,

    // ------------------------------------------------------------------ view
    /// Zoom by `factor` keeping the image point under `anchor` fixed.
    Zoom {
        /// Multiplicative factor.
        factor: f32,
        /// Screen anchor.
        anchor: Pos2,
        /// The canvas rectangle.
        canvas: Rect,
    },
    /// Pan by a screen delta.
    Pan {
        /// Screen delta in points.
        delta: Vec2,
        /// The canvas rectangle.
        canvas: Rect,
    },
    /// Zoom by `factor` about the canvas centre (keyboard zoom).
    ZoomStep(f32),
    /// Fit the image to the canvas.
    Fit,
    /// One image pixel per screen pixel.
    OneToOne,

    // ------------------------------------------------------------------ measuring
    /// Bind the tool to a catalog measurement (and choose its drawing kind).
    SelectMeasurement(String),
    /// Pick the tool for a drawing kind (binds it to the next measurement of that kind).
    SelectTool(DrawKind),
    /// Put the tool down (select and move drawings only).
    DropTool,
    /// A key for the tool in progress (Enter, Esc, Backspace).
    ToolKey(ToolKey),
    /// Add a drawing of the active measurement on the current file and frame.
    AddDrawing(Vec<Pos2>),
    /// Move one handle of a drawing (live during a drag; no undo step).
    MoveHandle {
        /// Drawing uid.
        uid: String,
        /// Handle.
        handle: Handle,
        /// New position, image pixels.
        to: Pos2,
    },
    /// Record the current document as one undo step (end of a drag).
    Checkpoint,
    /// Select a drawing (jumps to its file and frame) or clear the selection.
    SelectDrawing(Option<String>),
    /// Delete the selected drawing.
    DeleteSelected,
    /// Delete one drawing.
    DeleteDrawing(String),
    /// Set or clear a manual value (in the catalog unit of `id`).
    SetManual {
        /// Catalog id.
        id: String,
        /// Value, or None to clear.
        value: Option<f64>,
    },
    /// Set or clear a qualitative finding.
    SetFinding {
        /// Catalog id.
        id: String,
        /// Answer, or None to clear.
        value: Option<FindingValue>,
    },
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,

    // ------------------------------------------------------------------ protocol & results
    /// Advance the guided protocol to the next measurement not done.
    NextMeasurement,
    /// Turn automatic advance after each measurement on/off.
    ToggleAutoAdvance,
    /// Grade under this guideline.
    SetGuideline(String),
    /// Select the measurement(s) behind a grading criterion (by measurement uid or catalog id).
    SelectSource(String),

    // ------------------------------------------------------------------ misc
    /// Show or hide the keyboard help (F1).
    ToggleHelp,
}
