//! Measurement tools: small state machines that turn pointer events (already in image pixels)
//! into edits. They never change the document; the app applies what they return.
//!
//! One tool per drawing kind of the catalog:
//! * [`caliper`]: two points (also the PISA radius, see [`pisa`]), by drag or two clicks;
//! * [`area`]: closed trace by clicking a polygon or by freehand drag (area, LV contour and
//!   Doppler envelope share this path logic; the envelope stays open);
//! * [`lv_contour`]: the long-axis handles of an LV contour;
//! * [`doppler`]: one point for a peak velocity;
//! * [`manual`]: typed values (no canvas interaction).
//!
//! In every tool a press near an existing handle drags that handle instead (points can be moved
//! after placement); a click near a drawing selects it.

pub mod area;
pub mod caliper;
pub mod doppler;
pub mod lv_contour;
pub mod manual;
pub mod pisa;

use egui::Pos2;

use crate::gui::document::Drawing;
use crate::gui::viewer::transform::distance_to_segment;
use crate::measure::DrawKind;

/// A pointer event on the canvas, in image pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PointerEvent {
    /// Primary button pressed and a drag began here (the press origin).
    Press(Pos2),
    /// The pointer moved while dragging.
    Drag(Pos2),
    /// The drag ended here.
    Release(Pos2),
    /// A click (press and release without a drag).
    Click(Pos2),
    /// The second click of a double click (comes after its `Click`).
    DoubleClick(Pos2),
    /// The pointer moved without a button down.
    Hover(Pos2),
}

/// A keyboard action for the tool in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolKey {
    /// Finish the trace in progress (Enter).
    Finish,
    /// Abandon the drawing in progress (Esc).
    Cancel,
    /// Remove the last placed point (Backspace).
    RemoveLast,
}

/// Which point of a drawing a handle moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handle {
    /// One of the drawing's points.
    Point(usize),
    /// The annulus midpoint of an LV contour (moves both hinge points).
    Base,
}

/// What a tool asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolOutput {
    /// Add a drawing with these image points (bound to the active measurement).
    Add(Vec<Pos2>),
    /// Move a handle of an existing drawing (live, during a drag).
    Move {
        /// The drawing.
        uid: String,
        /// Which handle.
        handle: Handle,
        /// New position in image pixels.
        to: Pos2,
    },
    /// A handle drag ended: record one undo step.
    Commit,
    /// Select a drawing (or clear the selection).
    Select(Option<String>),
}

/// What a tool needs to know about the canvas.
#[derive(Clone, Copy, Debug)]
pub struct ToolContext<'a> {
    /// Drawings on the frame being shown.
    pub drawings: &'a [&'a Drawing],
    /// Grab radius for handles, in image pixels (the screen radius divided by the zoom).
    pub grab_radius_px: f32,
    /// Minimum spacing of freehand points, in image pixels.
    pub freehand_step_px: f32,
}

/// The interaction in progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Pending {
    /// Nothing in progress.
    #[default]
    Idle,
    /// Two-point tool: first point placed, second follows the pointer.
    TwoPoint {
        /// First point.
        a: Pos2,
        /// Second point (pointer).
        b: Pos2,
        /// True while the button is held (drag placement).
        dragging: bool,
    },
    /// Path tool: points placed so far, and the pointer for the rubber band.
    Path {
        /// Points so far.
        points: Vec<Pos2>,
        /// True while a freehand drag is adding points.
        freehand: bool,
        /// Pointer position for the preview segment.
        hover: Option<Pos2>,
    },
    /// An existing handle is being dragged.
    MoveHandle {
        /// Drawing uid.
        uid: String,
        /// The handle.
        handle: Handle,
    },
}

/// The active tool: the drawing kind of the measurement it is bound to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolState {
    /// The interaction in progress.
    pub pending: Pending,
    /// True while the view is being panned (middle button or Shift-drag).
    pub panning: bool,
}

impl ToolState {
    /// Feeds one pointer event to the tool for drawing kind `kind`.
    pub fn on_pointer(
        &mut self,
        kind: DrawKind,
        event: PointerEvent,
        ctx: &ToolContext<'_>,
    ) -> Vec<ToolOutput> {
        // Dragging an existing handle works the same for every tool.
        if let Some(out) = self.handle_drag(event, ctx) {
            return out;
        }
        match kind {
            DrawKind::Caliper => caliper::on_pointer(&mut self.pending, event, ctx),
            DrawKind::AreaTrace | DrawKind::LvContour => {
                area::on_pointer(&mut self.pending, event, ctx, area::PathShape::Closed)
            }
            DrawKind::DopplerEnvelope => {
                area::on_pointer(&mut self.pending, event, ctx, area::PathShape::Open)
            }
            DrawKind::DopplerPoint => doppler::on_pointer(&mut self.pending, event, ctx),
            DrawKind::ManualEntry | DrawKind::Finding => select_on_click(event, ctx),
        }
    }

    /// Feeds a key to the tool for drawing kind `kind`.
    pub fn on_key(&mut self, kind: DrawKind, key: ToolKey) -> Vec<ToolOutput> {
        match key {
            ToolKey::Cancel => {
                self.pending = Pending::Idle;
                Vec::new()
            }
            ToolKey::Finish => match kind {
                DrawKind::AreaTrace | DrawKind::LvContour => {
                    area::finish(&mut self.pending, area::PathShape::Closed)
                }
                DrawKind::DopplerEnvelope => area::finish(&mut self.pending, area::PathShape::Open),
                _ => Vec::new(),
            },
            ToolKey::RemoveLast => {
                if let Pending::Path { points, .. } = &mut self.pending {
                    points.pop();
                    if points.is_empty() {
                        self.pending = Pending::Idle;
                    }
                }
                Vec::new()
            }
        }
    }

    /// Whether a drawing is being placed (keys like Enter/Esc/Backspace belong to the tool).
    pub fn is_placing(&self) -> bool {
        matches!(
            self.pending,
            Pending::TwoPoint { .. } | Pending::Path { .. }
        )
    }

    /// Starts, continues or ends the drag of an existing handle.
    fn handle_drag(
        &mut self,
        event: PointerEvent,
        ctx: &ToolContext<'_>,
    ) -> Option<Vec<ToolOutput>> {
        match (&self.pending, event) {
            (Pending::Idle, PointerEvent::Press(p)) => {
                let (uid, handle) = hit_handle(p, ctx)?;
                self.pending = Pending::MoveHandle {
                    uid: uid.clone(),
                    handle,
                };
                Some(vec![ToolOutput::Select(Some(uid))])
            }
            (Pending::MoveHandle { uid, handle }, PointerEvent::Drag(p)) => {
                Some(vec![ToolOutput::Move {
                    uid: uid.clone(),
                    handle: *handle,
                    to: p,
                }])
            }
            (Pending::MoveHandle { uid, handle }, PointerEvent::Release(p)) => {
                let out = vec![
                    ToolOutput::Move {
                        uid: uid.clone(),
                        handle: *handle,
                        to: p,
                    },
                    ToolOutput::Commit,
                ];
                self.pending = Pending::Idle;
                Some(out)
            }
            (Pending::MoveHandle { .. }, _) => Some(Vec::new()),
            _ => None,
        }
    }
}

/// The handles of a drawing: its points, plus the annulus midpoint of an LV contour.
pub fn handles(drawing: &Drawing) -> Vec<(Handle, Pos2)> {
    let mut out: Vec<(Handle, Pos2)> = drawing
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| (Handle::Point(i), *p))
        .collect();
    if drawing.kind == DrawKind::LvContour
        && let Some(base) = lv_contour::base_point(&drawing.points)
    {
        out.push((Handle::Base, base));
    }
    out
}

/// The nearest handle within the grab radius, if any.
pub fn hit_handle(p: Pos2, ctx: &ToolContext<'_>) -> Option<(String, Handle)> {
    let mut best: Option<(f32, String, Handle)> = None;
    for d in ctx.drawings {
        // Freehand traces have many points: grabbing works on any of them.
        for (handle, pos) in handles(d) {
            let dist = pos.distance(p);
            if dist <= ctx.grab_radius_px && best.as_ref().is_none_or(|(b, _, _)| dist < *b) {
                best = Some((dist, d.uid.clone(), handle));
            }
        }
    }
    best.map(|(_, uid, handle)| (uid, handle))
}

/// The drawing whose outline passes within the grab radius of `p`, if any.
pub fn hit_drawing(p: Pos2, ctx: &ToolContext<'_>) -> Option<String> {
    let mut best: Option<(f32, String)> = None;
    for d in ctx.drawings {
        let dist = distance_to_outline(p, d);
        if dist <= ctx.grab_radius_px && best.as_ref().is_none_or(|(b, _)| dist < *b) {
            best = Some((dist, d.uid.clone()));
        }
    }
    best.map(|(_, uid)| uid)
}

/// Distance from `p` to the drawn outline of `d` (image pixels).
pub fn distance_to_outline(p: Pos2, d: &Drawing) -> f32 {
    let pts = &d.points;
    match pts.len() {
        0 => f32::INFINITY,
        1 => pts[0].distance(p),
        n => {
            let mut best = pts
                .windows(2)
                .map(|w| distance_to_segment(p, w[0], w[1]))
                .fold(f32::INFINITY, f32::min);
            if d.is_closed() {
                best = best.min(distance_to_segment(p, pts[n - 1], pts[0]));
            }
            best
        }
    }
}

/// Click selects (or deselects) a drawing; used by tools that do not draw.
fn select_on_click(event: PointerEvent, ctx: &ToolContext<'_>) -> Vec<ToolOutput> {
    match event {
        PointerEvent::Click(p) => vec![ToolOutput::Select(hit_drawing(p, ctx))],
        _ => Vec::new(),
    }
}

/// Applies a handle move to a drawing's points.
pub fn apply_move(drawing: &mut Drawing, handle: Handle, to: Pos2) {
    match handle {
        Handle::Point(i) => {
            if let Some(p) = drawing.points.get_mut(i) {
                *p = to;
            }
        }
        Handle::Base => lv_contour::move_base(&mut drawing.points, to),
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use egui::Pos2;

    use crate::gui::document::{Drawing, FileId};
    use crate::measure::DrawKind;

    /// A drawing for tool tests.
    pub fn drawing(uid: &str, kind: DrawKind, points: &[(f32, f32)]) -> Drawing {
        Drawing {
            uid: uid.to_owned(),
            catalog_id: "x".to_owned(),
            kind,
            file: FileId(0),
            frame: 0,
            points: points.iter().map(|&(x, y)| Pos2::new(x, y)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use egui::pos2;

    use super::test_util::drawing;
    use super::*;

    #[test]
    fn pressing_a_handle_drags_it_and_commits_once() {
        let d = drawing("m1", DrawKind::Caliper, &[(10.0, 10.0), (50.0, 10.0)]);
        let drawings = [&d];
        let ctx = ToolContext {
            drawings: &drawings,
            grab_radius_px: 3.0,
            freehand_step_px: 1.0,
        };
        let mut tool = ToolState::default();
        let out = tool.on_pointer(
            DrawKind::Caliper,
            PointerEvent::Press(pos2(51.0, 11.0)),
            &ctx,
        );
        assert_eq!(out, vec![ToolOutput::Select(Some("m1".to_owned()))]);
        let out = tool.on_pointer(
            DrawKind::Caliper,
            PointerEvent::Drag(pos2(60.0, 12.0)),
            &ctx,
        );
        assert_eq!(
            out,
            vec![ToolOutput::Move {
                uid: "m1".to_owned(),
                handle: Handle::Point(1),
                to: pos2(60.0, 12.0)
            }]
        );
        let out = tool.on_pointer(
            DrawKind::Caliper,
            PointerEvent::Release(pos2(61.0, 12.0)),
            &ctx,
        );
        assert_eq!(out.last(), Some(&ToolOutput::Commit));
        assert_eq!(tool.pending, Pending::Idle);
    }

    #[test]
    fn outline_distance_and_hit_testing() {
        let d = drawing(
            "m1",
            DrawKind::AreaTrace,
            &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)],
        );
        // Closing edge (10,10)→(0,0) passes through (5,5).
        assert!(distance_to_outline(pos2(5.0, 5.0), &d) < 1e-4);
        let drawings = [&d];
        let ctx = ToolContext {
            drawings: &drawings,
            grab_radius_px: 1.0,
            freehand_step_px: 1.0,
        };
        assert_eq!(hit_drawing(pos2(5.0, 5.5), &ctx), Some("m1".to_owned()));
        assert_eq!(hit_drawing(pos2(5.0, 8.0), &ctx), None);
    }
}
