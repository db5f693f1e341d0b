//! The application: state, the one place that changes it ([`App::apply`]), and the per-frame
//! logic (draining background threads, the cine clock, recomputing results).
//!
//! * [`commands`]: every intent as a [`Command`] value;
//! * [`ui`]: the layout (menus, panels, canvas) — reads state, returns commands;
//! * [`history`]: undo/redo snapshots of the [`Document`];
//! * [`shortcuts`]: the key map shared by input, tooltips and the help overlay.

pub mod commands;
pub mod history;
pub mod shortcuts;
pub mod ui;

mod apply;
mod frames;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use egui::Rect;

pub use self::commands::Command;
use self::frames::Frames;
use self::history::History;
use crate::catalog::Catalog;
use crate::grading::{DEFAULT_GUIDELINE, GradeReport};
use crate::gui::background::{Decoder, Loader, OpenFn};
use crate::gui::calibrate::{self, Reading};
use crate::gui::document::{Document, FileId};
use crate::gui::library::{ImageFile, Library};
use crate::gui::tools::ToolState;
use crate::gui::viewer::cine::Cine;
use crate::gui::viewer::transform::{ScreenFromImage, View};
use crate::measure::DrawKind;

/// The calibrated reading and its grade, cached by revision.
#[derive(Default)]
pub struct Results {
    /// `(document revision, library revision, guideline)` these results were computed for.
    key: Option<(u64, u64, String)>,
    /// Calibrated drawings and the measurement set.
    pub reading: Reading,
    /// The grade report, or why grading failed.
    pub grade: Option<Result<GradeReport, String>>,
    /// Measurements outside their valid range (by uid, with why): shown red, not graded.
    pub invalid: std::collections::BTreeMap<String, String>,
}

/// The desktop app.
pub struct App {
    /// Opened files.
    pub library: Library,
    /// The reading being edited.
    pub doc: Document,
    history: History<Document>,
    doc_revision: u64,
    library_revision: u64,
    /// The file shown in the viewer.
    pub current_file: Option<FileId>,
    /// Zoom/pan per file.
    pub views: BTreeMap<FileId, View>,
    /// The cine state of the current file.
    pub cine: Cine,
    frames: Frames,
    /// The tool in progress (transient UI state).
    pub tool: ToolState,
    /// The catalog measurement the tool is bound to.
    pub active: Option<String>,
    /// Whether the canvas tool is down (false: select and move only).
    pub tool_down: bool,
    /// The selected drawing uid.
    pub selected: Option<String>,
    /// Advance to the next protocol step after each measurement.
    pub auto_advance: bool,
    /// Guideline id for grading.
    pub guideline: String,
    /// Show the F1 help overlay.
    pub show_help: bool,
    /// Results for the current document.
    pub results: Results,
    /// The canvas rectangle and transform of the last frame (tests map image points with it).
    pub last_canvas: Option<(Rect, ScreenFromImage)>,
    /// A one-line status message (errors of the last action).
    pub status: Option<String>,
    /// Text of the "open path" field in the File menu.
    pub open_path_text: String,
    /// Sign-in, worklist, drafts and signing of reading reports.
    pub records: crate::gui::records::RecordsState,
    /// The read-sheet export window and its running job.
    pub export: crate::gui::export::ExportState,
    /// Baseline vs follow-up compare and longitudinal plot windows.
    pub compare: crate::gui::compare::CompareState,
    /// Review ▸ Reader agreement window.
    pub agreement: crate::gui::agreement::AgreementState,
    /// File ▸ Open from PACS window.
    pub pacs: crate::gui::pacs::PacsState,
    /// The adjudication window (Review ▸ Adjudicate…).
    pub adjudication: crate::gui::adjudicate::AdjudicationState,
    loader: Option<Loader<dyn ImageFile>>,
    decoder: Option<Decoder>,
}

/// The folder opened when `echolab` runs without paths.
pub fn sample_data_dir() -> PathBuf {
    let local = PathBuf::from("sample_data");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data")
    }
}

impl App {
    /// Creates the app and starts loading `paths` (the sample study when empty).
    pub fn new(cc: &eframe::CreationContext<'_>, paths: Vec<PathBuf>) -> Self {
        Self::with_opener(&cc.egui_ctx, paths, Arc::new(crate::gui::dicom_file::open))
    }

    /// Creates the app with a custom file opener (tests use fakes or the real DICOM opener).
    pub fn with_opener(
        ctx: &egui::Context,
        paths: Vec<PathBuf>,
        open: Arc<OpenFn<dyn ImageFile>>,
    ) -> Self {
        crate::gui::theme::install(ctx);
        let repaint_ctx = ctx.clone();
        let loader = Loader::spawn(open, Arc::new(AtomicU32::new(0)), move || {
            repaint_ctx.request_repaint();
        });
        let repaint_ctx = ctx.clone();
        let decoder = Decoder::spawn(move || repaint_ctx.request_repaint());
        let mut status = None;
        let loader = loader
            .map_err(|e| status = Some(format!("cannot start the loading thread: {e}")))
            .ok();
        let decoder = decoder
            .map_err(|e| status = Some(format!("cannot start the decoding thread: {e}")))
            .ok();
        let doc = Document::default();
        let mut app = Self {
            library: Library::default(),
            history: History::new(doc.clone()),
            doc,
            doc_revision: 0,
            library_revision: 0,
            current_file: None,
            views: BTreeMap::new(),
            cine: Cine::default(),
            frames: Frames::default(),
            tool: ToolState::default(),
            active: None,
            tool_down: false,
            selected: None,
            auto_advance: true,
            guideline: DEFAULT_GUIDELINE.to_owned(),
            show_help: false,
            results: Results::default(),
            last_canvas: None,
            status,
            open_path_text: String::new(),
            records: Default::default(),
            export: Default::default(),
            compare: Default::default(),
            agreement: Default::default(),
            pacs: Default::default(),
            adjudication: Default::default(),
            loader,
            decoder,
        };
        let paths = if paths.is_empty() {
            vec![sample_data_dir()]
        } else {
            paths
        };
        app.apply(ctx, Command::OpenPaths(paths));
        if let Some(first) = Catalog::builtin().guided_mr_protocol().first() {
            app.active = Some(first.id.clone());
        }
        app
    }

    /// The drawing kind of the active measurement.
    pub fn active_kind(&self) -> Option<DrawKind> {
        let id = self.active.as_ref()?;
        Catalog::builtin().get(id).map(|e| e.kind)
    }

    /// The canvas tool kind, when the tool is down and draws on images.
    pub fn canvas_tool(&self) -> Option<DrawKind> {
        if !self.tool_down {
            return None;
        }
        match self.active_kind()? {
            DrawKind::ManualEntry | DrawKind::Finding => None,
            k => Some(k),
        }
    }

    /// Whether a frame of the current file is decoded and shown.
    pub fn frame_ready(&self, frame: usize) -> bool {
        self.frames.is_ready(frame)
    }

    /// Number of frames decoded for the current file.
    pub fn decoded_frames(&self) -> usize {
        self.frames.decoded_count()
    }

    /// Whether every file found so far finished loading (opened or failed).
    pub fn loading_done(&self) -> bool {
        let (done, total) = self.library.progress();
        done == total && self.library.pending_loads == 0
    }

    /// Per-frame logic: background results, cine clock, results cache.
    pub fn update_logic(&mut self, ctx: &egui::Context) {
        self.drain_loader(ctx);
        self.drain_decoder(ctx);
        self.tick_cine(ctx);
        self.refresh_results();
        self.records_tick(ctx);
        self.export_tick();
    }

    fn tick_cine(&mut self, ctx: &egui::Context) {
        let Some(file) = self.current_file.and_then(|id| self.library.file(id)) else {
            return;
        };
        let durations = file.info().frame_durations_s.clone();
        let now = ctx.input(|i| i.time);
        let before = self.cine.frame;
        let frames = &self.frames;
        if let Some(wait) = self.cine.tick(now, &durations, |i| frames.is_ready(i)) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(wait.clamp(0.001, 1.0)));
        }
        if self.cine.frame != before {
            self.frames.touch(self.cine.frame);
            self.retarget_decoder();
        }
    }

    fn refresh_results(&mut self) {
        let key = (
            self.doc_revision,
            self.library_revision,
            self.guideline.clone(),
        );
        if self.results.key.as_ref() == Some(&key) {
            return;
        }
        let library = &self.library;
        let lookup = |id: FileId| {
            library
                .get(id)
                .and_then(|e| e.file().map(|f| (&**f, e.path.display().to_string())))
        };
        let reading = calibrate::build_reading(&self.doc, &lookup, Catalog::builtin());
        let grade = if reading.set.measurements.is_empty() && reading.set.findings.is_empty() {
            None
        } else {
            Some(
                crate::grading::grade_input_from_measurements(&reading.set)
                    .and_then(|input| crate::grading::grade(&input, &self.guideline, None))
                    .map_err(|e| e.to_string()),
            )
        };
        let invalid = crate::grading::invalid_measurements(&reading.set);
        self.results = Results {
            key: Some(key),
            reading,
            grade,
            invalid,
        };
    }

    /// Folders to look for measured images in: `first` (e.g. the reports' folders) in order,
    /// then the bundled sample study and the folders of the files open in the library, each
    /// folder once.
    pub fn image_search_dirs(&self, first: Vec<PathBuf>) -> Vec<PathBuf> {
        let mut dirs = first;
        dirs.push(sample_data_dir());
        dirs.extend(
            self.library
                .entries
                .iter()
                .filter_map(|e| e.path.parent().map(std::path::Path::to_path_buf)),
        );
        let mut seen = std::collections::BTreeSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        dirs
    }

    /// Marks the document changed (results are recomputed).
    fn touch_doc(&mut self) {
        self.doc_revision += 1;
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.update_logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let commands = ui::app_ui(ui, self);
        let ctx = ui.ctx().clone();
        for command in commands {
            self.apply(&ctx, command);
        }
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        crate::gui::theme::IMAGE_BACKGROUND.to_normalized_gamma_f32()
    }
}
