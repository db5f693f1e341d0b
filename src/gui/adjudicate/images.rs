//! The drawings on the images: for the selected parameter, each read's key frame (the frame of
//! the measurement behind the value) with that read's drawings on the frame painted by the
//! viewer's own overlay code. Files are located by SOP Instance UID with
//! [`crate::export::images::ImageIndex`] and decoded with the app's DICOM adapter. An image that
//! cannot be found or decoded is reported in its place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egui::{Color32, Pos2, Rect, RichText, TextureHandle, TextureOptions, Ui, pos2, vec2};

use super::AdjModel;
use super::source::Pair;
use crate::catalog::Catalog;
use crate::export::images::ImageIndex;
use crate::gui::calibrate::gui_from_dicom;
use crate::gui::document::{Drawing, FileId};
use crate::gui::theme;
use crate::gui::viewer::overlay::{OverlayLabel, paint_drawing};
use crate::gui::viewer::transform::{View, ZoomMode, fit_zoom, image_size_vec};
use crate::report::{ReadingReport, ReportMeasurement};

/// Height of each key-frame view, in points.
const FRAME_HEIGHT: f32 = 270.0;
/// Smallest image area (pixels per side) the key-frame view zooms onto.
const MIN_VIEW_PX: f32 = 160.0;
/// Largest zoom of the key-frame view (points per image pixel).
const MAX_ZOOM: f32 = 4.0;

/// One read's key frame for the selected parameter.
#[derive(Debug, Clone)]
pub struct KeyFrame {
    /// The file found.
    pub path: PathBuf,
    /// Zero-based frame.
    pub frame: usize,
    /// Measurement ids behind the parameter (painted highlighted).
    pub key_ids: Vec<String>,
    /// Every measurement of the read drawn on that frame.
    pub drawings: Vec<ReportMeasurement>,
}

/// Decoded key frames and the file index (kept while the pair is open).
#[derive(Default)]
pub struct FrameCache {
    index: Option<ImageIndex>,
    textures: BTreeMap<(PathBuf, usize), Result<TextureHandle, String>>,
    /// Key frames of the selected parameter, read A then read B (or why there is none).
    pub sides: Option<[Result<KeyFrame, String>; 2]>,
}

impl FrameCache {
    /// Forgets everything (a new pair).
    pub fn reset(&mut self) {
        *self = FrameCache::default();
    }

    /// Finds and decodes the key frames of `param` for both reads, looking in `dirs`.
    pub fn select(&mut self, ctx: &egui::Context, pair: &Pair, param: &str, dirs: &[PathBuf]) {
        let index = self
            .index
            .get_or_insert_with(|| ImageIndex::new(Vec::new()));
        for d in dirs {
            index.add_dir(d);
        }
        let sides = [&pair.read_a, &pair.read_b].map(|r| key_frame(index, r, param));
        for k in sides.iter().flatten() {
            self.textures
                .entry((k.path.clone(), k.frame))
                .or_insert_with(|| decode(ctx, &k.path, k.frame));
        }
        self.sides = Some(sides);
    }

    fn texture(&self, k: &KeyFrame) -> Option<&Result<TextureHandle, String>> {
        self.textures.get(&(k.path.clone(), k.frame))
    }
}

fn decode(ctx: &egui::Context, path: &Path, frame: usize) -> Result<TextureHandle, String> {
    let file = crate::gui::dicom_file::open(path)?;
    let image = file.decode_image(frame)?;
    Ok(ctx.load_texture(
        format!("adjudication:{}#{frame}", path.display()),
        image,
        TextureOptions::LINEAR,
    ))
}

fn drawn(m: &ReportMeasurement) -> bool {
    m.geometry.as_ref().is_some_and(|g| {
        !g.points_px.is_empty() && (g.sop_instance_uid.is_some() || g.source_file.is_some())
    })
}

/// The measurements behind parameter `id` in `r`: those of that catalog id, else the
/// measurements the engine derived it from (by uid, then by input id, transitively).
pub fn measurements_behind<'a>(r: &'a ReadingReport, id: &str) -> Vec<&'a ReportMeasurement> {
    let direct: Vec<_> = r
        .measurements
        .iter()
        .filter(|m| m.quantity == id && drawn(m))
        .collect();
    if !direct.is_empty() {
        return direct;
    }
    let derived = r.grade.as_ref().map(|g| &g.result.derived);
    let mut ids = vec![id.to_owned()];
    let mut uids = Vec::new();
    let mut i = 0;
    while let Some(cur) = ids.get(i).cloned() {
        i += 1;
        if let Some(d) = derived.and_then(|d| d.get(&cur)) {
            uids.extend(d.sources.iter().cloned());
            for input in &d.inputs {
                if !ids.contains(input) {
                    ids.push(input.clone());
                }
            }
        }
    }
    r.measurements
        .iter()
        .filter(|m| drawn(m) && (uids.contains(&m.id) || ids.contains(&m.quantity)))
        .collect()
}

fn locate(index: &mut ImageIndex, m: &ReportMeasurement) -> Option<PathBuf> {
    let g = m.geometry.as_ref()?;
    match &g.sop_instance_uid {
        Some(sop) => index.find(sop, g.source_file.as_deref()).map(|i| i.path),
        None => {
            let src = Path::new(g.source_file.as_deref()?);
            src.is_file().then(|| src.to_path_buf())
        }
    }
}

fn key_frame(index: &mut ImageIndex, r: &ReadingReport, param: &str) -> Result<KeyFrame, String> {
    let behind = measurements_behind(r, param);
    let Some(first) = behind.first() else {
        return Err("no drawn measurement behind this value (typed in or not measured)".into());
    };
    let g = first
        .geometry
        .as_ref()
        .ok_or_else(|| "the measurement has no geometry".to_owned())?;
    let frame = g.frame.unwrap_or(0);
    let path = locate(index, first).ok_or_else(|| {
        format!(
            "image not found: {} (SOP Instance UID {})",
            g.source_file.as_deref().unwrap_or("no file name"),
            g.sop_instance_uid.as_deref().unwrap_or("unknown")
        )
    })?;
    let same_image = |m: &&ReportMeasurement| {
        m.geometry.as_ref().is_some_and(|h| {
            h.frame.unwrap_or(0) == frame
                && h.sop_instance_uid == g.sop_instance_uid
                && (g.sop_instance_uid.is_some() || h.source_file == g.source_file)
        })
    };
    Ok(KeyFrame {
        path,
        frame,
        key_ids: behind
            .iter()
            .copied()
            .filter(same_image)
            .map(|m| m.id.clone())
            .collect(),
        drawings: r
            .measurements
            .iter()
            .filter(|m| drawn(m))
            .filter(same_image)
            .cloned()
            .collect(),
    })
}

fn label_of(m: &ReportMeasurement) -> OverlayLabel {
    let name = Catalog::builtin().label(&m.quantity).to_owned();
    let text = match (m.value, m.unit.as_deref()) {
        (Some(v), Some(u)) => format!("{name} {v:.2} {u}"),
        _ => name,
    };
    OverlayLabel { text, ok: true }
}

fn frame_view(ui: &mut Ui, cache: &FrameCache, side: &str, k: &Result<KeyFrame, String>) {
    ui.label(RichText::new(format!("Read {side}")).strong());
    let k = match k {
        Ok(k) => k,
        Err(e) => {
            placeholder(ui, e);
            return;
        }
    };
    let name = k.path.file_name().map_or_else(
        || k.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    ui.label(RichText::new(format!("{name}, frame {}", k.frame + 1)).color(theme::TEXT_WEAK))
        .on_hover_text(k.path.display().to_string());
    let tex = match cache.texture(k) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            placeholder(ui, &format!("cannot decode the image: {e}"));
            return;
        }
        None => {
            placeholder(ui, "not loaded");
            return;
        }
    };
    let (rect, _) = ui.allocate_exact_size(
        vec2(ui.available_width(), FRAME_HEIGHT),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, theme::IMAGE_BACKGROUND);
    let size = image_size_vec(tex.size());
    let t = view_around_drawings(k, rect, size).screen_from_image(rect, size);
    painter.image(
        tex.id(),
        t.image_rect_in_screen(size),
        Rect::from_min_max(Pos2::ZERO, pos2(1.0, 1.0)),
        Color32::WHITE,
    );
    let mut placed = Vec::new();
    for m in &k.drawings {
        let Some(g) = &m.geometry else { continue };
        let drawing = Drawing {
            uid: m.id.clone(),
            catalog_id: m.quantity.clone(),
            kind: m.draw_kind,
            file: FileId(0),
            frame: k.frame,
            points: g.points_px.iter().map(|p| gui_from_dicom(*p)).collect(),
        };
        let key = k.key_ids.contains(&m.id);
        paint_drawing(&painter, &t, &drawing, Some(&label_of(m)), key, &mut placed);
    }
}

/// Zooms onto the drawings (their bounding box with a generous margin, at least
/// [`MIN_VIEW_PX`] image pixels), never further out than the whole image.
fn view_around_drawings(k: &KeyFrame, rect: Rect, size: egui::Vec2) -> View {
    let points: Vec<Pos2> = k
        .drawings
        .iter()
        .filter_map(|m| m.geometry.as_ref())
        .flat_map(|g| g.points_px.iter().map(|p| gui_from_dicom(*p)))
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    let Some(bbox) = points
        .iter()
        .map(|p| Rect::from_center_size(*p, egui::Vec2::ZERO))
        .reduce(|a, b| a.union(b))
    else {
        return View::default();
    };
    let wanted = (bbox.size() * 2.5).max(egui::Vec2::splat(MIN_VIEW_PX));
    let whole = fit_zoom(rect, size);
    let zoom = fit_zoom(rect, wanted).clamp(whole, MAX_ZOOM.max(whole));
    View {
        mode: ZoomMode::Free {
            zoom,
            center_in_image: bbox.center(),
        },
    }
}

fn placeholder(ui: &mut Ui, text: &str) {
    let (rect, _) = ui.allocate_exact_size(
        vec2(ui.available_width(), FRAME_HEIGHT),
        egui::Sense::hover(),
    );
    ui.painter().rect_filled(rect, 4.0, theme::FIELD_FILL);
    ui.put(
        rect.shrink(12.0),
        egui::Label::new(RichText::new(text).color(theme::WARNING)).wrap(),
    );
}

/// The key frames of the selected parameter, read A | read B.
pub fn key_frames_ui(ui: &mut Ui, pair: &Pair, model: &AdjModel) {
    let Some(param) = &model.selected_param else {
        ui.label(
            RichText::new("Select a parameter above to see the drawings on its key frames.")
                .color(theme::TEXT_WEAK),
        );
        return;
    };
    let label = pair
        .rows
        .iter()
        .find(|r| &r.id == param)
        .map_or(param.as_str(), |r| r.label.as_str());
    ui.label(RichText::new(format!("Key frames: {label}")).strong());
    let Some(sides) = &model.frames.sides else {
        return;
    };
    ui.columns(2, |cols| {
        if let [left, right] = cols {
            frame_view(left, &model.frames, "A", &sides[0]);
            frame_view(right, &model.frames, "B", &sides[1]);
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::adjudication::DiscordanceRules;
    use crate::report::MeasurementGeometry;
    use crate::report::draft::{GradingChoice, draft_from_grade_input};

    /// A PISA read whose radius is drawn on an image nobody has.
    fn read(id: &str, radius_cm: f64) -> ReadingReport {
        let input = serde_json::from_value(serde_json::json!({"values": {
            "mr_pisa_radius": {"value": radius_cm, "unit": "cm"},
            "mr_alias_velocity": {"value": 40.0, "unit": "cm/s"},
            "mr_vmax": {"value": 500.0, "unit": "cm/s"},
            "mr_vti": {"value": 150.0, "unit": "cm"}
        }}))
        .unwrap();
        let mut r = draft_from_grade_input(
            &input,
            &GradingChoice::default(),
            id,
            time::macros::datetime!(2026-01-02 03:04:05 UTC),
        )
        .unwrap();
        for m in &mut r.measurements {
            if m.quantity == "mr_pisa_radius" {
                m.geometry = Some(MeasurementGeometry {
                    sop_instance_uid: Some("1.2.3.4.5".into()),
                    source_file: Some("missing.dcm".into()),
                    frame: Some(0),
                    points_px: vec![[10.0, 10.0], [10.0, 50.0]],
                    points_phys: Vec::new(),
                    region: None,
                });
            }
        }
        r
    }

    #[test]
    fn the_measurement_behind_a_derived_value_and_a_missing_image() {
        let a = read("a", 1.0);
        let behind = measurements_behind(&a, "mr_eroa");
        assert_eq!(
            behind.len(),
            1,
            "EROA is derived from the drawn PISA radius"
        );
        assert_eq!(behind[0].quantity, "mr_pisa_radius");
        assert!(measurements_behind(&a, "lv_ef").is_empty());

        let pair = Pair::new(
            a,
            read("b", 0.7),
            ("a".into(), "b".into()),
            DiscordanceRules::builtin().clone(),
            ".".into(),
        );
        let mut cache = FrameCache::default();
        let empty = tempfile::tempdir().unwrap();
        cache.select(
            &egui::Context::default(),
            &pair,
            "mr_eroa",
            &[empty.path().to_path_buf()],
        );
        for side in cache.sides.as_ref().unwrap() {
            let e = side.as_ref().unwrap_err();
            assert!(e.contains("image not found: missing.dcm"), "{e}");
        }
        cache.select(&egui::Context::default(), &pair, "lv_ef", &[]);
        for side in cache.sides.as_ref().unwrap() {
            assert!(side.as_ref().unwrap_err().contains("no drawn measurement"));
        }
    }
}
