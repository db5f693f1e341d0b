//! [`App::apply`]: the one place that changes app state.

use egui::Pos2;

use super::{App, Command};
use crate::catalog::Catalog;
use crate::gui::document::{Drawing, ManualValue};
use crate::gui::tools::{self, ToolKey, ToolOutput};
use crate::measure::DrawKind;

impl App {
    /// Applies one command.
    pub fn apply(&mut self, ctx: &egui::Context, command: Command) {
        if changes_reading(&command)
            && let Some(lock) = self
                .records
                .model
                .current
                .as_ref()
                .and_then(crate::gui::records::CurrentRead::edit_lock)
        {
            self.tool.pending = Default::default();
            self.status = Some(lock);
            return;
        }
        match command {
            Command::OpenPaths(paths) => self.open_paths(paths),
            Command::Records(c) => self.apply_records(ctx, c),
            Command::Export(c) => self.apply_export(ctx, c),
            Command::Adjudicate(c) => self.apply_adjudication(ctx, c),
            Command::OpenDialog => {
                if let Some(paths) = rfd::FileDialog::new()
                    .set_title("Open DICOM files")
                    .pick_files()
                {
                    self.open_paths(paths);
                }
            }
            Command::SelectFile(id) => self.show_file(id),
            Command::StepFile(step) => self.step_file(step),
            Command::TogglePlay => {
                let playing = !self.cine.playing;
                self.cine.set_playing(playing && self.frame_count() > 1);
            }
            Command::StepFrame(delta) => {
                let n = self.frame_count();
                self.cine.step(delta, n);
                self.after_seek();
            }
            Command::FirstFrame => self.seek(0),
            Command::LastFrame => self.seek(self.frame_count().saturating_sub(1)),
            Command::SetFrame(i) => self.seek(i),
            Command::SetSpeed(speed) => self.cine.speed = speed,
            Command::NudgeSpeed(step) => self.cine.speed = self.cine.speed.nudged(step),
            Command::ToggleLoop => self.cine.looping = !self.cine.looping,
            Command::MarkEd | Command::MarkEs => self.mark(matches!(command, Command::MarkEd)),
            Command::Zoom {
                factor,
                anchor,
                canvas,
            } => {
                let size = self.image_size();
                self.view_mut().zoom_about(factor, anchor, canvas, size);
            }
            Command::ZoomStep(factor) => {
                if let Some((canvas, _)) = self.last_canvas {
                    let size = self.image_size();
                    self.view_mut()
                        .zoom_about(factor, canvas.center(), canvas, size);
                }
            }
            Command::Pan { delta, canvas } => {
                let size = self.image_size();
                self.view_mut().pan_by(delta, canvas, size);
            }
            Command::Fit => self.view_mut().fit(),
            Command::OneToOne => {
                let size = self.image_size();
                let ppp = ctx.pixels_per_point();
                self.view_mut().one_to_one(ppp, size);
            }
            Command::SelectMeasurement(id) => self.select_measurement(id),
            Command::SelectTool(kind) => self.select_tool(kind),
            Command::DropTool => {
                self.tool_down = false;
                self.tool.pending = Default::default();
            }
            Command::ToolKey(key) => self.tool_key(key),
            Command::AddDrawing(points) => self.add_drawing(points),
            Command::MoveHandle { uid, handle, to } => {
                if let Some(d) = self.doc.drawing_mut(&uid) {
                    tools::apply_move(d, handle, to);
                    self.touch_doc();
                }
            }
            Command::Checkpoint => self.checkpoint(),
            Command::SelectDrawing(uid) => self.select_drawing(uid),
            Command::DeleteSelected => {
                if let Some(uid) = self.selected.take() {
                    self.delete(&uid);
                }
            }
            Command::DeleteDrawing(uid) => self.delete(&uid),
            Command::SetManual { id, value } => {
                match value.filter(|v| v.is_finite()) {
                    Some(value) => {
                        self.doc.manual.insert(id.clone(), ManualValue { value });
                    }
                    None => {
                        self.doc.manual.remove(&id);
                    }
                }
                self.checkpoint();
                self.advance_after(&id);
            }
            Command::SetFinding { id, value } => {
                match value {
                    Some(v) => {
                        self.doc.findings.insert(id.clone(), v);
                    }
                    None => {
                        self.doc.findings.remove(&id);
                    }
                }
                self.checkpoint();
                self.advance_after(&id);
            }
            Command::Undo => {
                if let Some(doc) = self.history.undo(&self.doc) {
                    self.restore(doc);
                }
            }
            Command::Redo => {
                if let Some(doc) = self.history.redo(&self.doc) {
                    self.restore(doc);
                }
            }
            Command::NextMeasurement => self.next_measurement(),
            Command::ToggleAutoAdvance => self.auto_advance = !self.auto_advance,
            Command::SetGuideline(id) => self.guideline = id,
            Command::SelectSource(source) => self.select_source(&source),
            Command::ToggleHelp => self.show_help = !self.show_help,
        }
    }

    fn open_paths(&mut self, paths: Vec<std::path::PathBuf>) {
        if paths.is_empty() {
            return;
        }
        if let Some(loader) = &self.loader {
            self.library.pending_loads += 1;
            loader.open(paths);
        }
    }

    /// Shows the file `step` places away in study-list order (ready files only, wrapping).
    fn step_file(&mut self, step: i32) {
        let order: Vec<_> = self
            .library
            .grouping()
            .into_values()
            .flat_map(|studies| studies.into_values())
            .flat_map(|series| series.into_values())
            .flatten()
            .filter(|id| self.library.file(*id).is_some())
            .collect();
        if order.is_empty() {
            return;
        }
        let n = order.len() as i64;
        let here = self
            .current_file
            .and_then(|c| order.iter().position(|id| *id == c))
            .map_or(-1, |i| i as i64);
        let next = (here + i64::from(step)).rem_euclid(n) as usize;
        if let Some(id) = order.get(next) {
            self.show_file(*id);
        }
    }

    pub(super) fn frame_count(&self) -> usize {
        self.current_file
            .and_then(|id| self.library.file(id))
            .map_or(0, |f| f.info().frame_count)
    }

    /// Image size (pixels) of the current file.
    pub fn image_size(&self) -> egui::Vec2 {
        self.current_file
            .and_then(|id| self.library.file(id))
            .map_or(egui::Vec2::ZERO, |f| {
                crate::gui::viewer::transform::image_size_vec(f.info().size)
            })
    }

    fn view_mut(&mut self) -> &mut crate::gui::viewer::transform::View {
        let id = self
            .current_file
            .unwrap_or(crate::gui::document::FileId(u32::MAX));
        self.views.entry(id).or_default()
    }

    fn seek(&mut self, frame: usize) {
        let n = self.frame_count();
        self.cine.set_playing(false);
        self.cine.seek(frame, n);
        self.after_seek();
    }

    fn after_seek(&mut self) {
        self.tool.pending = Default::default();
        self.frames.touch(self.cine.frame);
        self.retarget_decoder();
    }

    fn mark(&mut self, ed: bool) {
        let Some(file) = self.current_file else {
            return;
        };
        let frame = self.cine.frame;
        let marks = self.doc.marks.entry(file).or_default();
        let slot = if ed { &mut marks.ed } else { &mut marks.es };
        *slot = if *slot == Some(frame) {
            None
        } else {
            Some(frame)
        };
        self.checkpoint();
    }

    fn select_measurement(&mut self, id: String) {
        if Catalog::builtin().get(&id).is_none() {
            self.status = Some(format!("unknown measurement `{id}`"));
            return;
        }
        self.active = Some(id);
        self.tool_down = true;
        self.tool.pending = Default::default();
    }

    /// Picks the tool for `kind`, bound to the next protocol step of that kind not yet done (or
    /// the first catalog entry of that kind).
    fn select_tool(&mut self, kind: DrawKind) {
        self.tool.pending = Default::default();
        self.tool_down = true;
        if self.active_kind() == Some(kind) {
            return;
        }
        let catalog = Catalog::builtin();
        let of_kind = |id: &str| catalog.get(id).is_some_and(|e| e.kind == kind);
        let next = catalog
            .guided_mr_protocol()
            .iter()
            .map(|s| s.id.as_str())
            .find(|id| of_kind(id) && !self.is_done(id))
            .or_else(|| {
                catalog
                    .entries()
                    .iter()
                    .find(|e| e.kind == kind)
                    .map(|e| e.id.as_str())
            });
        if let Some(id) = next {
            self.active = Some(id.to_owned());
        }
    }

    fn tool_key(&mut self, key: ToolKey) {
        let Some(kind) = self.canvas_tool() else {
            return;
        };
        for out in self.tool.on_key(kind, key) {
            if let ToolOutput::Add(points) = out {
                self.add_drawing(points);
            }
        }
    }

    fn add_drawing(&mut self, points: Vec<Pos2>) {
        let (Some(id), Some(file)) = (self.active.clone(), self.current_file) else {
            self.status = Some("choose a measurement and open an image first".to_owned());
            return;
        };
        let Some(kind) = self.active_kind() else {
            return;
        };
        if matches!(kind, DrawKind::ManualEntry | DrawKind::Finding) {
            return;
        }
        let uid = self.doc.new_uid();
        self.doc.drawings.push(Drawing {
            uid: uid.clone(),
            catalog_id: id.clone(),
            kind,
            file,
            frame: self.cine.frame,
            points,
        });
        self.selected = Some(uid);
        self.checkpoint();
        self.advance_after(&id);
    }

    fn checkpoint(&mut self) {
        self.history.checkpoint(&self.doc);
        self.touch_doc();
    }

    fn delete(&mut self, uid: &str) {
        if self.doc.remove_drawing(uid) {
            if self.selected.as_deref() == Some(uid) {
                self.selected = None;
            }
            self.checkpoint();
        }
    }

    /// Replaces the reading on screen with `doc` (a stored read put back on screen), as one
    /// undo step.
    pub(crate) fn replace_document(&mut self, doc: crate::gui::document::Document) {
        self.restore(doc);
        self.checkpoint();
        self.refresh_results();
    }

    fn restore(&mut self, doc: crate::gui::document::Document) {
        self.doc = doc;
        self.tool.pending = Default::default();
        if let Some(uid) = &self.selected
            && self.doc.drawing(uid).is_none()
        {
            self.selected = None;
        }
        self.touch_doc();
    }

    /// Selects a drawing and jumps to its file and frame.
    fn select_drawing(&mut self, uid: Option<String>) {
        let Some(uid) = uid else {
            self.selected = None;
            return;
        };
        let Some(d) = self.doc.drawing(&uid) else {
            return;
        };
        let (file, frame) = (d.file, d.frame);
        self.selected = Some(uid);
        if self.library.file(file).is_some() {
            self.show_file(file);
            if self.cine.frame != frame {
                self.seek(frame);
            }
        }
    }

    /// Selects the measurement behind a criterion source (a uid, `<uid>.peak` or `manual:<id>`,
    /// or a catalog id).
    fn select_source(&mut self, source: &str) {
        let uid = source.strip_suffix(".peak").unwrap_or(source);
        if self.doc.drawing(uid).is_some() {
            self.select_drawing(Some(uid.to_owned()));
            return;
        }
        let id = source.strip_prefix("manual:").unwrap_or(source);
        if let Some(d) = self.doc.drawings.iter().rev().find(|d| d.catalog_id == id) {
            let uid = d.uid.clone();
            self.select_drawing(Some(uid));
        } else if Catalog::builtin().get(id).is_some() {
            self.active = Some(id.to_owned());
        }
    }

    /// Whether a protocol step is done (a calibrated value, a typed value or a finding).
    pub fn is_done(&self, id: &str) -> bool {
        self.doc.manual.contains_key(id)
            || self.doc.findings.contains_key(id)
            || self
                .results
                .reading
                .set
                .measurements
                .iter()
                .any(|m| m.catalog_id == id && m.value.is_some())
    }

    /// After recording `id`: with auto-advance, bind the tool to the next step not done.
    fn advance_after(&mut self, id: &str) {
        if self.auto_advance && self.active.as_deref() == Some(id) {
            self.refresh_results();
            self.next_measurement();
        }
    }

    fn next_measurement(&mut self) {
        self.refresh_results();
        let steps = Catalog::builtin().guided_mr_protocol();
        if steps.is_empty() {
            return;
        }
        let start = self
            .active
            .as_ref()
            .and_then(|a| steps.iter().position(|s| &s.id == a))
            .map_or(0, |i| i + 1);
        let next = (0..steps.len())
            .map(|k| &steps[(start + k) % steps.len()])
            .find(|s| !self.is_done(&s.id));
        if let Some(step) = next {
            self.active = Some(step.id.clone());
            self.tool.pending = Default::default();
        }
    }
}

/// Whether `command` changes the reading (drawings, typed values, findings, undo/redo): these
/// are refused while the open read is locked.
fn changes_reading(command: &Command) -> bool {
    matches!(
        command,
        Command::ToolKey(_)
            | Command::AddDrawing(_)
            | Command::MoveHandle { .. }
            | Command::Checkpoint
            | Command::DeleteSelected
            | Command::DeleteDrawing(_)
            | Command::SetManual { .. }
            | Command::SetFinding { .. }
            | Command::Undo
            | Command::Redo
    )
}
