//! The two cine panes of the compare window: each visit's image of the chosen view, its frames
//! (decoded on a `frame-decode` thread per pane), its cardiac cycles, and the drawings of that
//! visit's report. One clock drives the leading pane (the baseline when its file is there);
//! the other pane shows the frame at the same cardiac phase ([`crate::compare::align_frame`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use egui::{Color32, Rect, TextureHandle, TextureOptions, Ui, vec2};

use crate::gui::frame_textures::{FrameTextures, PANE_TEXTURE_BYTES};

use super::{ImageChoice, Side};
use crate::compare::{CardiacCycles, LoopTiming, align_frame, ed_frames_in_report};
use crate::gui::app::ui::compact_label;
use crate::gui::background::{DecodeTarget, Decoder};
use crate::gui::calibrate::gui_from_dicom;
use crate::gui::document::{Drawing, FileId};
use crate::gui::library::ImageFile;
use crate::gui::theme;
use crate::gui::viewer::cine::Cine;
use crate::gui::viewer::overlay::{OverlayLabel, paint_drawing};
use crate::gui::viewer::transform::View;
use crate::report::ReadingReport;

/// One side's image.
pub struct Pane {
    /// Which visit.
    pub side: Side,
    /// The image shown.
    pub choice: ImageChoice,
    /// The opened file, or why there is none (shown in place).
    pub file: Result<Arc<dyn ImageFile>, String>,
    /// Cardiac cycles of the loop, or why they are unknown.
    pub cycles: Result<CardiacCycles, String>,
    /// Frame shown.
    pub frame: usize,
    /// Drawings of this visit's report on this image.
    pub drawings: Vec<Drawing>,
    /// Label of each drawing (by uid).
    pub labels: BTreeMap<String, OverlayLabel>,
    textures: FrameTextures<TextureHandle>,
    frame_errors: BTreeMap<usize, String>,
    decoder: Option<Decoder>,
}

impl Pane {
    /// Opens `choice` for `side`, with the drawings and ED marks of `report`.
    pub fn open(
        ctx: &egui::Context,
        side: Side,
        choice: ImageChoice,
        report: &ReadingReport,
    ) -> Self {
        let file = match &choice.path {
            Some(p) => crate::gui::dicom_file::open(p),
            None => Err(format!(
                "image not found: {} (looked in the reports' folders, sample_data, the open \
                 files' folders and the database's study files)",
                choice
                    .source_file
                    .clone()
                    .unwrap_or_else(|| choice.sop_instance_uid.clone())
            )),
        };
        let marks = ed_frames_in_report(report, &choice.sop_instance_uid);
        let cycles = match &choice.path {
            Some(p) => cycles_of(p, &marks),
            None => Err("no file".to_owned()),
        };
        let (drawings, labels) = drawings_of(report, &choice.sop_instance_uid, side);
        let mut textures = FrameTextures::new(PANE_TEXTURE_BYTES);
        if let Ok(f) = &file {
            textures.set_frame_size(f.info().size);
        }
        let decoder = file.as_ref().ok().and_then(|f| {
            let repaint = ctx.clone();
            let decoder = Decoder::spawn(move || repaint.request_repaint()).ok()?;
            decoder.set_target(DecodeTarget {
                file: file_id(side),
                source: f.clone(),
                playhead: 0,
                ahead: textures.decode_ahead(),
            });
            Some(decoder)
        });
        Pane {
            side,
            choice,
            file,
            cycles,
            frame: 0,
            drawings,
            labels,
            textures,
            frame_errors: BTreeMap::new(),
            decoder,
        }
    }

    /// Number of frames (0 without a file).
    pub fn frame_count(&self) -> usize {
        self.file.as_ref().map_or(0, |f| f.frame_count())
    }

    /// Whether frame `i` is decoded.
    pub fn is_ready(&self, i: usize) -> bool {
        self.textures.contains(i) || self.frame_errors.contains_key(&i)
    }

    /// Shows frame `frame`: marks it used and moves the decode-ahead window there.
    fn show(&mut self, frame: usize) {
        if frame == self.frame {
            return;
        }
        self.frame = frame;
        self.textures.touch(frame);
        if let (Ok(f), Some(decoder)) = (&self.file, &self.decoder) {
            decoder.set_target(DecodeTarget {
                file: file_id(self.side),
                source: f.clone(),
                playhead: frame,
                ahead: self.textures.decode_ahead(),
            });
        }
    }

    /// Time of the frame shown, in ms.
    pub fn time_ms(&self) -> Option<f64> {
        self.cycles
            .as_ref()
            .ok()
            .and_then(|c| c.time_ms(self.frame))
    }

    /// One line: frame, time, ED source, phase.
    pub fn status_text(&self) -> String {
        let n = self.frame_count();
        let time = self
            .time_ms()
            .map_or_else(String::new, |t| format!(" · {t:.0} ms"));
        let cycles = match &self.cycles {
            Ok(c) => {
                let phase = c.phase_of(self.frame).map_or_else(String::new, |p| {
                    format!(" · phase {:.0} %", p.fraction * 100.0)
                });
                let ed = if c.ed_frames().contains(&self.frame) {
                    " · ED"
                } else {
                    ""
                };
                format!("{phase}{ed} · {}", c.source().describe())
            }
            Err(e) => format!(" · not aligned: {e}"),
        };
        format!(
            "{} frame {}/{}{time}{cycles}",
            self.side.title(),
            self.frame + 1,
            n.max(1)
        )
    }

    fn drain(&mut self, ctx: &egui::Context) {
        let Some(decoder) = &self.decoder else { return };
        while let Some(d) = decoder.try_recv() {
            match d.image {
                Ok(image) => {
                    let name = format!("compare-{:?}-{}", self.side, d.frame);
                    let size = image.size;
                    let t = ctx.load_texture(name, image, TextureOptions::LINEAR);
                    decoder.evicted(d.file, self.textures.insert(d.frame, size, t));
                    self.textures.touch(self.frame);
                }
                Err(e) => {
                    self.frame_errors.insert(d.frame, e);
                }
            }
        }
    }

    /// Paints the pane into `rect`: the frame, the drawings made on it, and messages in place.
    pub fn paint(&self, ui: &Ui, rect: Rect) {
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, theme::IMAGE_BACKGROUND);
        let message = match &self.file {
            Err(e) => Some(e.clone()),
            Ok(_) => match (
                self.textures.get(self.frame),
                self.frame_errors.get(&self.frame),
            ) {
                (_, Some(e)) => Some(format!("frame {} could not be decoded: {e}", self.frame)),
                (None, None) => Some("Decoding…".to_owned()),
                (Some(_), None) => None,
            },
        };
        if let (Ok(file), Some(texture)) = (&self.file, self.textures.get(self.frame)) {
            let [w, h] = file.info().size;
            let size = vec2(w as f32, h as f32);
            let t = View::default().screen_from_image(rect, size);
            let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(
                texture.id(),
                t.image_rect_in_screen(size),
                uv,
                Color32::WHITE,
            );
            let mut placed = Vec::new();
            for d in self.drawings.iter().filter(|d| d.frame == self.frame) {
                paint_drawing(&painter, &t, d, self.labels.get(&d.uid), false, &mut placed);
            }
        }
        if let Some(text) = message {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(14.0),
                theme::WARNING,
            );
        }
    }
}

fn file_id(side: Side) -> FileId {
    match side {
        Side::Baseline => FileId(u32::MAX - 1),
        Side::Followup => FileId(u32::MAX),
    }
}

/// The cardiac cycles of the file at `path` with the reading's ED marks.
fn cycles_of(path: &Path, marks: &[usize]) -> Result<CardiacCycles, String> {
    let file = crate::dicom::DicomFile::open(path).map_err(|e| format!("{e:#}"))?;
    CardiacCycles::new(&LoopTiming::from(file.timing()), marks).map_err(|e| e.to_string())
}

/// The report's drawings on image `sop` with their labels (name and value).
fn drawings_of(
    report: &ReadingReport,
    sop: &str,
    side: Side,
) -> (Vec<Drawing>, BTreeMap<String, OverlayLabel>) {
    let catalog = crate::catalog::Catalog::builtin();
    let mut drawings = Vec::new();
    let mut labels = BTreeMap::new();
    for m in &report.measurements {
        let Some(g) = &m.geometry else { continue };
        if g.sop_instance_uid.as_deref() != Some(sop) || g.points_px.is_empty() {
            continue;
        }
        let name = compact_label(catalog.label(&m.quantity));
        let text = match (m.value, m.unit.as_deref()) {
            (Some(v), Some(u)) => format!("{name} {} {u}", crate::calc::display_2dp(v)),
            (Some(v), None) => format!("{name} {}", crate::calc::display_2dp(v)),
            _ => name,
        };
        labels.insert(m.id.clone(), OverlayLabel { text, ok: true });
        drawings.push(Drawing {
            uid: m.id.clone(),
            catalog_id: m.quantity.clone(),
            kind: m.draw_kind,
            file: file_id(side),
            frame: g.frame.unwrap_or(0),
            points: g.points_px.iter().map(|p| gui_from_dicom(*p)).collect(),
        });
    }
    (drawings, labels)
}

/// The two panes and the clock that drives them.
pub struct CinePair {
    /// Baseline and follow-up panes.
    pub panes: [Pane; 2],
    /// The clock of the leading pane.
    pub cine: Cine,
}

impl CinePair {
    /// A pair of panes, both on their first frame aligned.
    pub fn new(panes: [Pane; 2]) -> Self {
        let mut pair = CinePair {
            panes,
            cine: Cine::default(),
        };
        pair.sync();
        pair
    }

    /// The pane the clock drives: the baseline, unless its file is missing.
    pub fn leader(&self) -> usize {
        usize::from(self.panes[0].file.is_err() && self.panes[1].file.is_ok())
    }

    /// Frame shown on each side `[baseline, follow-up]`.
    pub fn frames(&self) -> [usize; 2] {
        [self.panes[0].frame, self.panes[1].frame]
    }

    /// Puts the other pane on the leader's cardiac phase.
    pub fn sync(&mut self) {
        let lead = self.leader();
        let other = 1 - lead;
        let n = self.panes[lead].frame_count();
        self.cine.frame = self.cine.frame.min(n.saturating_sub(1));
        self.panes[lead].show(self.cine.frame);
        let frame = match (&self.panes[lead].cycles, &self.panes[other].cycles) {
            (Ok(a), Ok(b)) => align_frame(a, self.cine.frame, b),
            _ => 0,
        };
        let m = self.panes[other].frame_count();
        self.panes[other].show(frame.min(m.saturating_sub(1)));
    }

    /// Per-frame logic: decoded frames in, clock ticked, panes synchronised.
    pub fn logic(&mut self, ctx: &egui::Context) {
        for p in &mut self.panes {
            p.drain(ctx);
        }
        let lead = &self.panes[self.leader()];
        let durations = match &lead.file {
            Ok(f) => f.info().frame_durations_s.clone(),
            Err(_) => Vec::new(),
        };
        let now = ctx.input(|i| i.time);
        if let Some(wait) = self.cine.tick(now, &durations, |i| lead.is_ready(i)) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(wait.clamp(0.001, 1.0)));
        }
        self.sync();
    }

    /// Steps the leader by `delta` frames (pauses).
    pub fn step(&mut self, delta: i64) {
        let n = self.panes[self.leader()].frame_count();
        self.cine.step(delta, n);
        self.sync();
    }

    /// Puts the leader on `frame`.
    pub fn seek(&mut self, frame: usize) {
        let n = self.panes[self.leader()].frame_count();
        self.cine.seek(frame, n);
        self.sync();
    }

    /// Puts the leader on its next ED frame (wrapping).
    pub fn next_ed(&mut self) {
        let lead = &self.panes[self.leader()];
        let Ok(c) = &lead.cycles else { return };
        let now = self.cine.frame;
        let eds = c.ed_frames();
        let next = eds
            .iter()
            .copied()
            .find(|&f| f > now)
            .or_else(|| eds.first().copied());
        if let Some(f) = next {
            self.cine.set_playing(false);
            self.seek(f);
        }
    }
}
