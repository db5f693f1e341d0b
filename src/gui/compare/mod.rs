//! Baseline vs follow-up in the workstation: the compare window (delta table,
//! grade-change sentence, two cine panes synchronised by cardiac phase with each visit's
//! drawings) and the longitudinal plot window.
//!
//! The windows read [`CompareModel`] (plus their form buffers) and return [`CompareCommand`]s;
//! [`apply`] is the one place that changes compare state. The app makes one call per frame,
//! [`show`], which ticks the shared cine clock, draws the windows and applies their commands.
//! Numbers come from the library: [`crate::compare::compare`] (delta table),
//! [`crate::compare::phase`] (alignment), [`crate::compare::subject_series`] /
//! [`crate::compare::trial_series`] (plots).
//!
//! * [`sources`]: reports from signed JSON files or from the reading database (admins only);
//! * [`images`]: the measured images of each report, their view type, and where the files are;
//! * [`panes`]: the two cine panes, their frames (decoded in the background) and drawings;
//! * [`window`]: the compare window; [`plot`]: the longitudinal plot window;
//! * [`apply`]: the one place that changes compare state, [`CompareState::apply`].

pub mod apply;
pub mod images;
pub mod panes;
pub mod plot;
pub mod sources;
pub mod window;

use std::path::PathBuf;

use crate::compare::DeltaTable;
use crate::gui::App;
use crate::report::ReadingReport;

pub use self::images::ImageChoice;
pub use self::panes::CinePair;
pub use self::plot::PlotModel;

/// Which visit of the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The earlier visit.
    Baseline,
    /// The later visit.
    Followup,
}

impl Side {
    /// `Baseline` / `Follow-up`.
    pub fn title(self) -> &'static str {
        match self {
            Side::Baseline => "Baseline",
            Side::Followup => "Follow-up",
        }
    }
}

/// A compare intent.
#[derive(Debug, Clone, PartialEq)]
pub enum CompareCommand {
    /// Show or hide the compare window.
    ShowCompare(bool),
    /// Show or hide the plot window.
    ShowPlot(bool),
    /// Ask for a report file with the native dialog.
    BrowseReport(Side),
    /// Load the two report files.
    LoadFiles {
        /// Baseline report JSON.
        baseline: PathBuf,
        /// Follow-up report JSON.
        followup: PathBuf,
    },
    /// List the signed reads of this subject from the reading database.
    ListDbSubject(String),
    /// Compare these two reads of the database list (indices into it).
    LoadDbPair(usize, usize),
    /// Show the cine of this view type.
    SelectView(String),
    /// Use this image (index into the side's choices of the view) on one side.
    SelectImage(Side, usize),
    /// Play or pause both panes.
    TogglePlay,
    /// Step the baseline pane by frames (the follow-up follows by phase).
    StepFrame(i64),
    /// Put the baseline pane on this frame.
    SetFrame(usize),
    /// Put the baseline pane on its next ED frame.
    NextEd,
    /// Plot: load every report JSON of a folder.
    PlotFolder(PathBuf),
    /// Plot: ask for a folder with the native dialog.
    BrowsePlotFolder,
    /// Plot: every signed read of the reading database (admins only).
    PlotFromDb,
    /// Plot: reuse the two reports of the compare window.
    PlotFromCompare,
    /// Plot: the parameter to show.
    PlotParameter(String),
    /// Plot: the subject to show (None: across subjects).
    PlotSubject(Option<String>),
}

/// One loaded visit.
#[derive(Debug, Clone)]
pub struct LoadedReport {
    /// The report.
    pub report: ReadingReport,
    /// Where it came from (a file, or `<db>#<read>v<version>`).
    pub origin: String,
    /// Folders to search for its images (the report's folder, the database's study files).
    pub image_dirs: Vec<PathBuf>,
}

/// A signed read of the database list.
#[derive(Debug, Clone)]
pub struct DbRead {
    /// One-line label (`6 months · read r-12 v2 · reader1`).
    pub label: String,
    /// The read.
    pub report: LoadedReport,
}

/// Compare-window state the windows read.
#[derive(Default)]
pub struct CompareModel {
    /// Compare window open.
    pub open: bool,
    /// The two reports compared.
    pub pair: Option<[LoadedReport; 2]>,
    /// The delta table of the pair.
    pub table: Option<DeltaTable>,
    /// Measured images of each side, by view type.
    pub choices: [Vec<ImageChoice>; 2],
    /// The view type shown.
    pub view: Option<String>,
    /// The two cine panes.
    pub panes: Option<CinePair>,
    /// Signed reads of the subject listed from the database.
    pub db_reads: Vec<DbRead>,
    /// Last message (errors, blinding).
    pub message: Option<String>,
}

/// Text typed into the compare and plot windows.
#[derive(Debug, Clone, Default)]
pub struct CompareForms {
    /// Baseline report path.
    pub baseline_path: String,
    /// Follow-up report path.
    pub followup_path: String,
    /// Subject id for the database list.
    pub db_subject: String,
    /// Database list: chosen baseline and follow-up indices.
    pub db_pick: (usize, usize),
    /// Folder of reports for the plot.
    pub plot_folder: String,
}

/// Everything the compare feature keeps on the app.
#[derive(Default)]
pub struct CompareState {
    /// Compare window.
    pub model: CompareModel,
    /// Plot window.
    pub plot: PlotModel,
    /// Form buffers.
    pub forms: CompareForms,
    pending: Vec<CompareCommand>,
}

impl CompareState {
    /// Queues a command (menus outside the windows use this); applied in [`show`].
    pub fn request(&mut self, command: CompareCommand) {
        self.pending.push(command);
    }
}

/// The "Review" menu entries for compare and plot (inside the menu bar's `Review` menu).
pub fn review_menu_ui(ui: &mut egui::Ui, state: &mut CompareState) {
    if ui.button("Compare visits…").clicked() {
        state.request(CompareCommand::ShowCompare(true));
        ui.close();
    }
    if ui.button("Longitudinal plot…").clicked() {
        state.request(CompareCommand::ShowPlot(true));
        ui.close();
    }
}

/// The compare and plot windows (call once per frame): ticks the cine clock, draws the windows,
/// applies their commands.
pub fn show(ctx: &egui::Context, app: &mut App) {
    let mut commands = std::mem::take(&mut app.compare.pending);
    let state = &mut app.compare;
    if let Some(panes) = state.model.panes.as_mut() {
        panes.logic(ctx);
    }
    if state.model.open {
        commands.extend(window::compare_window(ctx, &state.model, &mut state.forms));
    }
    if state.plot.open {
        commands.extend(plot::plot_window(ctx, &state.plot, &mut state.forms));
    }
    if commands.is_empty() {
        return;
    }
    // The windows were drawn before these changes: draw them again.
    ctx.request_repaint();
    let env = apply::Env {
        search_dirs: app.image_search_dirs(Vec::new()),
        records: &app.records.model,
    };
    for c in commands {
        app.compare.apply(ctx, c, &env);
    }
}
