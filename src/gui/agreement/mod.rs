//! Review ▸ Reader agreement…: the inter- and intra-reader table of every parameter, the
//! per-reader rows, a Bland–Altman plot and a scatter plot with the identity line of the
//! selected parameter, filters by trial and visit, and exports (table as CSV, plots as PNG).
//!
//! Figures come from [`crate::agreement`]; the window reads [`AgreementState`] and returns
//! [`AgreementCommand`]s, and [`AgreementState::apply`] is the one place that changes it. The app
//! calls [`show`] once per frame.
//!
//! * [`window`]: the window (source, filters, table, reader rows, plots, exports);
//! * [`apply`]: loading (database with an admin session, or a CSV), filtering, exports.

pub mod apply;
pub mod window;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::agreement::{AgreementReport, Filter, Observation, PairOutcome};
use crate::gui::App;

/// Inter- or intra-reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Between readers (first reads).
    Inter,
    /// Within readers (read 1 vs read 2).
    Intra,
}

impl Scope {
    /// `inter` / `intra`.
    pub fn code(self) -> &'static str {
        match self {
            Scope::Inter => "inter",
            Scope::Intra => "intra",
        }
    }
}

/// A reader-agreement intent.
#[derive(Debug, Clone, PartialEq)]
pub enum AgreementCommand {
    /// Show or hide the window.
    Show(bool),
    /// Load every signed read of the reading database (admin session).
    LoadDb,
    /// Load a long CSV export (or any subject,visit,reader,read,parameter,value CSV).
    LoadCsv(PathBuf),
    /// Ask for a CSV file with the native dialog.
    BrowseCsv,
    /// Only this trial (None: all).
    SetTrial(Option<String>),
    /// Only this visit code (None: all).
    SetVisit(Option<String>),
    /// Plot this parameter.
    Select(Scope, String),
    /// Write the table and reader rows as CSV.
    ExportTable(PathBuf),
    /// Save the two plots (as shown) as a PNG.
    ExportPlots(PathBuf),
}

/// Form buffers of the window.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// CSV to load.
    pub csv_path: String,
    /// Where to write the table CSV.
    pub table_path: String,
    /// Where to write the plots PNG.
    pub png_path: String,
}

/// The window's state.
#[derive(Debug, Default)]
pub struct AgreementState {
    /// Window open.
    pub open: bool,
    /// Every observation loaded.
    pub observations: Vec<Observation>,
    /// Dual-read outcomes (database only).
    pub outcomes: Option<Vec<PairOutcome>>,
    /// Where the observations came from (shown).
    pub source: String,
    /// Trial and visit filters (parameters: all).
    pub filter: Filter,
    /// Figures of the filtered observations.
    pub report: Option<AgreementReport>,
    /// The plotted entry.
    pub selected: Option<(Scope, String)>,
    /// Last message (errors, confirmations).
    pub message: Option<String>,
    /// Form buffers.
    pub forms: Forms,
    /// Screen rectangle of the two plots in the last frame (for the PNG export).
    pub plots_rect: Option<egui::Rect>,
    /// Result of a PNG export finished by the screenshot callback.
    pub png_result: Arc<Mutex<Option<String>>>,
    pending: Vec<AgreementCommand>,
}

impl AgreementState {
    /// Queues a command (the menu uses this); applied in [`show`].
    pub fn request(&mut self, command: AgreementCommand) {
        self.pending.push(command);
    }
}

/// The Review menu entry.
pub fn review_menu_ui(ui: &mut egui::Ui, state: &mut AgreementState) {
    if ui.button("Reader agreement…").clicked() {
        state.request(AgreementCommand::Show(true));
        ui.close();
    }
}

/// The window (when open) and its commands (call once per frame).
pub fn show(ctx: &egui::Context, app: &mut App) {
    let mut commands = std::mem::take(&mut app.agreement.pending);
    if let Ok(mut done) = app.agreement.png_result.lock()
        && let Some(message) = done.take()
    {
        app.agreement.message = Some(message);
    }
    if app.agreement.open {
        commands.extend(window::agreement_window(ctx, &mut app.agreement));
    }
    for c in commands {
        app.agreement.apply(ctx, c, &app.records.model);
    }
}
