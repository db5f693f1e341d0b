//! The adjudication window: two discordant reads side by side, the drawings on
//! their key frames, the adjudicator's decision, and signing with meaning `adjudication`.
//!
//! The panels read [`AdjudicationState`] (plus their own form buffers) and return
//! [`AdjCommand`]s; [`App::apply_adjudication`](crate::gui::App::apply_adjudication) in [`apply`]
//! is the one place that changes the state. The domain work is the library's
//! ([`crate::adjudication`]).
//!
//! * [`source`]: the pair: two signed report files (+ optional rules / protocol TOML), or the
//!   adjudicator's worklist from the reading database;
//! * [`table`]: values, Δ and rule status per parameter, grades and criteria per read;
//! * [`images`]: the key frame of the selected parameter for each read, with its geometry drawn;
//! * [`decision`]: choose a read, or a value per disputed parameter, with reasons;
//! * [`sign`]: the signing modal and the signed files.

pub mod apply;
pub mod decision;
pub mod images;
pub mod sign;
pub mod source;
pub mod table;

use std::path::PathBuf;

use egui::{Id, RichText};

use self::decision::DecisionForm;
use self::images::FrameCache;
use self::source::{Pair, WorkItem};
use crate::adjudication::AdjudicationRecord;
use crate::gui::records::Secret;
use crate::gui::theme;
use crate::report::ReadingReport;

/// Which report file field a file picker fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Read A.
    A,
    /// Read B.
    B,
    /// Rules or protocol TOML.
    Rules,
}

/// An adjudication intent.
#[derive(Debug, Clone, PartialEq)]
pub enum AdjCommand {
    /// Show the window.
    Open,
    /// Hide the window.
    Close,
    /// Load the two report files (and rules) typed in the source form.
    LoadFiles,
    /// Reload the adjudicator's worklist from the reading database.
    RefreshWorklist,
    /// Open worklist item `n`.
    OpenWorkItem(usize),
    /// Show the key frames of this parameter (catalog id).
    SelectParam(String),
    /// Write the draft record (JSON) next to the reads.
    SaveDraft,
    /// Check the decision and open the signing dialog.
    OpenSign,
    /// Close the signing dialog.
    CancelSign,
    /// Sign the record and the adjudicated report.
    Sign {
        /// Adjudicator id typed in the dialog.
        reader_id: String,
        /// Passphrase typed in the dialog.
        passphrase: Secret,
    },
}

/// The files written by signing, and what verifying them said.
#[derive(Debug, Clone)]
pub struct SignedOutput {
    /// The signed adjudication record file.
    pub record_path: PathBuf,
    /// The signed adjudicated reading report file.
    pub report_path: PathBuf,
    /// The signed record.
    pub record: AdjudicationRecord,
    /// The signed adjudicated report.
    pub report: ReadingReport,
    /// One line per file: intact, or the problems found on reading it back.
    pub verification: Vec<String>,
}

/// State read by the adjudication panels.
#[derive(Default)]
pub struct AdjModel {
    /// Whether the window is shown.
    pub open: bool,
    /// The pair being adjudicated.
    pub pair: Option<Pair>,
    /// The adjudicator's worklist (database source).
    pub worklist: Vec<WorkItem>,
    /// Why the worklist could not be loaded, or how many reads were hidden.
    pub worklist_note: Option<String>,
    /// The parameter whose key frames are shown.
    pub selected_param: Option<String>,
    /// Decoded key frames.
    pub frames: FrameCache,
    /// Error loading the pair.
    pub load_error: Option<String>,
    /// Error of the decision (the library's validation message).
    pub decision_error: Option<String>,
    /// Last confirmation (draft saved …).
    pub message: Option<String>,
    /// Whether the signing dialog is open.
    pub signing: bool,
    /// Error shown in the signing dialog.
    pub sign_error: Option<String>,
    /// The draft the signing dialog is about (checked when the dialog opened).
    pub sign_draft: Option<AdjudicationRecord>,
    /// The signed files.
    pub signed: Option<SignedOutput>,
}

/// Typed source fields.
#[derive(Debug, Clone, Default)]
pub struct SourceForm {
    /// Path of read A.
    pub path_a: String,
    /// Path of read B.
    pub path_b: String,
    /// Optional rules / protocol TOML.
    pub rules_path: String,
}

/// Text typed into the signing dialog.
#[derive(Debug, Clone, Default)]
pub struct SignForm {
    /// Adjudicator id typed again.
    pub reader_id: String,
    /// Passphrase.
    pub passphrase: Secret,
}

/// Everything the adjudication feature keeps on the app.
#[derive(Default)]
pub struct AdjudicationState {
    /// State read by the panels.
    pub model: AdjModel,
    /// Source fields.
    pub source: SourceForm,
    /// The decision being made.
    pub decision: DecisionForm,
    /// Signing dialog fields.
    pub sign: SignForm,
}

/// The "Review ▸ Adjudicate…" menu entry.
pub fn menu_entry_ui(ui: &mut egui::Ui) -> Option<AdjCommand> {
    let clicked = ui.button("Adjudicate…").clicked();
    if clicked {
        ui.close();
    }
    clicked.then_some(AdjCommand::Open)
}

/// The adjudication window and its signing dialog (call once per frame).
pub fn adjudication_ui(
    ctx: &egui::Context,
    state: &mut AdjudicationState,
    session: Option<&crate::store::Session>,
) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    if !state.model.open {
        return out;
    }
    let AdjudicationState {
        model,
        source,
        decision,
        sign,
    } = state;
    let model = &*model;
    let mut open = true;
    let screen = ctx.content_rect();
    egui::Window::new("Adjudication")
        .id(Id::unique("adjudication_window"))
        .open(&mut open)
        .default_pos(screen.min + egui::vec2(16.0, 24.0))
        .default_size([
            (screen.width() - 32.0).clamp(600.0, 1500.0),
            (screen.height() - 48.0).max(400.0),
        ])
        .resizable(true)
        .vscroll(true)
        .show(ctx, |ui| {
            out.extend(source::source_ui(ui, model, source, session));
            if let Some(e) = &model.load_error {
                ui.colored_label(theme::ERROR, e);
            }
            let Some(pair) = &model.pair else {
                return;
            };
            ui.separator();
            out.extend(table::pair_ui(ui, pair, model.selected_param.as_deref()));
            ui.separator();
            images::key_frames_ui(ui, pair, model);
            ui.separator();
            out.extend(decision::decision_ui(ui, pair, decision, model));
            if let Some(s) = &model.signed {
                ui.separator();
                sign::signed_ui(ui, s);
            }
            if let Some(m) = &model.message {
                ui.label(RichText::new(m).color(theme::TEXT_WEAK));
            }
        });
    if !open {
        out.push(AdjCommand::Close);
    }
    if model.signing {
        out.extend(sign::sign_dialog_ui(ctx, model, sign, session));
    }
    out
}
