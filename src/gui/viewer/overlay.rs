//! Painting drawings over the image: outlines, handles, LV axis and disks, and the value label
//! beside each drawing. Sizes scale gently with zoom (see [`theme::overlay_scale`]).

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke, Vec2, vec2};

use crate::gui::document::Drawing;
use crate::gui::theme;
use crate::gui::tools::{Pending, handles, lv_contour};
use crate::gui::viewer::transform::ScreenFromImage;
use crate::measure::DrawKind;

/// The text shown beside a drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayLabel {
    /// One or more lines, e.g. `LVOT diameter 2.10 cm`.
    pub text: String,
    /// False when the value could not be computed (uncalibrated, spans regions …).
    pub ok: bool,
}

/// Paints one finished drawing.
///
/// `placed` holds the screen rectangles of labels already painted; this drawing's label is moved
/// down until it overlaps none of them, then added.
pub fn paint_drawing(
    painter: &Painter,
    t: &ScreenFromImage,
    drawing: &Drawing,
    label: Option<&OverlayLabel>,
    selected: bool,
    placed: &mut Vec<Rect>,
) {
    let color = if selected {
        theme::OVERLAY_SELECTED
    } else {
        theme::OVERLAY
    };
    let stroke = theme::overlay_stroke(color, t.scale);
    let pts: Vec<Pos2> = drawing.points.iter().map(|p| t.apply(*p)).collect();
    match drawing.kind {
        DrawKind::Caliper => {
            if let [a, b] = pts.as_slice() {
                painter.line_segment([*a, *b], stroke);
                tick(painter, *a, *b, stroke);
                tick(painter, *b, *a, stroke);
            }
        }
        DrawKind::AreaTrace => {
            painter.add(Shape::closed_line(pts.clone(), stroke));
        }
        DrawKind::LvContour => {
            painter.add(Shape::closed_line(pts.clone(), stroke));
            paint_lv_axis(painter, t, &drawing.points);
        }
        DrawKind::DopplerPoint => {
            if let Some(p) = pts.first() {
                let r = theme::HANDLE_RADIUS * theme::overlay_scale(t.scale) * 1.5;
                painter.line_segment([*p - vec2(r, 0.0), *p + vec2(r, 0.0)], stroke);
                painter.line_segment([*p - vec2(0.0, r), *p + vec2(0.0, r)], stroke);
            }
        }
        DrawKind::DopplerEnvelope => {
            painter.add(Shape::line(pts.clone(), stroke));
        }
        DrawKind::ManualEntry | DrawKind::Finding => {}
    }
    if selected || pts.len() <= 4 {
        // Traces have many points: small dots, so the outline stays readable.
        let small = pts.len() > 8;
        for (_, p) in handles(drawing) {
            if small {
                painter.circle_filled(t.apply(p), 2.0 * theme::overlay_scale(t.scale), color);
            } else {
                paint_handle(painter, t.apply(p), color, t.scale);
            }
        }
    }
    if let Some(label) = label {
        let rect = paint_label(painter, label_anchor(&pts), label, t.scale, placed);
        placed.push(rect);
    }
}

/// Paints the long axis and the 20 disks of an LV contour.
fn paint_lv_axis(painter: &Painter, t: &ScreenFromImage, points: &[Pos2]) {
    let axis_stroke = theme::overlay_stroke(theme::OVERLAY_AXIS, t.scale);
    let disk_stroke = Stroke::new(
        (axis_stroke.width * 0.6).max(1.0),
        theme::OVERLAY_AXIS.gamma_multiply(0.7),
    );
    for [a, b] in lv_contour::disk_chords(points) {
        painter.line_segment([t.apply(a), t.apply(b)], disk_stroke);
    }
    if let Some((base, apex)) = lv_contour::axis(points) {
        painter.line_segment([t.apply(base), t.apply(apex)], axis_stroke);
        paint_handle(painter, t.apply(apex), theme::OVERLAY_AXIS, t.scale);
        paint_handle(painter, t.apply(base), theme::OVERLAY_AXIS, t.scale);
    }
}

/// Paints the drawing being placed.
pub fn paint_pending(painter: &Painter, t: &ScreenFromImage, pending: &Pending, closed: bool) {
    let stroke = theme::overlay_stroke(theme::OVERLAY_PENDING, t.scale);
    match pending {
        Pending::TwoPoint { a, b, .. } => {
            painter.line_segment([t.apply(*a), t.apply(*b)], stroke);
            paint_handle(painter, t.apply(*a), theme::OVERLAY_PENDING, t.scale);
            paint_handle(painter, t.apply(*b), theme::OVERLAY_PENDING, t.scale);
        }
        Pending::Path { points, hover, .. } => {
            let mut pts: Vec<Pos2> = points.iter().map(|p| t.apply(*p)).collect();
            if let Some(h) = hover {
                pts.push(t.apply(*h));
            }
            if closed && pts.len() >= 3 {
                painter.add(Shape::closed_line(pts.clone(), stroke));
            } else {
                painter.add(Shape::line(pts.clone(), stroke));
            }
            if let Some(first) = points.first() {
                paint_handle(painter, t.apply(*first), theme::OVERLAY_PENDING, t.scale);
            }
        }
        Pending::Idle | Pending::MoveHandle { .. } => {}
    }
}

/// A small perpendicular tick at the caliper end `at`.
fn tick(painter: &Painter, at: Pos2, other: Pos2, stroke: Stroke) {
    let dir = other - at;
    let len = dir.length();
    if len <= f32::EPSILON {
        return;
    }
    let n = Vec2::new(-dir.y, dir.x) / len * (stroke.width * 3.0);
    painter.line_segment([at - n, at + n], stroke);
}

fn paint_handle(painter: &Painter, at: Pos2, color: Color32, zoom: f32) {
    let r = theme::HANDLE_RADIUS * theme::overlay_scale(zoom);
    painter.circle(at, r, theme::LABEL_BACKGROUND, Stroke::new(1.5, color));
}

/// Where a label goes: right of the drawing's bounding box, vertically centred.
fn label_anchor(pts: &[Pos2]) -> Pos2 {
    if pts.is_empty() {
        return Pos2::ZERO;
    }
    let rect = Rect::from_points(pts);
    Pos2::new(rect.max.x + 10.0, rect.center().y)
}

fn paint_label(
    painter: &Painter,
    anchor: Pos2,
    label: &OverlayLabel,
    zoom: f32,
    placed: &[Rect],
) -> Rect {
    let font = FontId::proportional(theme::OVERLAY_FONT_SIZE * theme::overlay_scale(zoom));
    let color = if label.ok {
        theme::TEXT
    } else {
        theme::OVERLAY_ERROR
    };
    let galley = painter.layout_no_wrap(label.text.clone(), font, color);
    let rect = Align2::LEFT_CENTER.anchor_size(anchor, galley.size());
    // Keep the label (and its background margin) on screen.
    let clip = painter.clip_rect().shrink(4.0);
    let shift = vec2(
        (clip.max.x - rect.max.x).min(0.0) + (clip.min.x - rect.min.x).max(0.0),
        (clip.max.y - rect.max.y).min(0.0) + (clip.min.y - rect.min.y).max(0.0),
    );
    let mut rect = rect.translate(shift);
    // Step down past labels already painted (a few tries; then accept the overlap).
    for _ in 0..12 {
        match placed.iter().find(|r| r.expand(3.0).intersects(rect)) {
            Some(other) => rect = rect.translate(vec2(0.0, other.max.y + 6.0 - rect.min.y)),
            None => break,
        }
    }
    painter.rect_filled(rect.expand(3.0), 3.0, theme::LABEL_BACKGROUND);
    painter.galley(rect.min, galley, color);
    rect
}
