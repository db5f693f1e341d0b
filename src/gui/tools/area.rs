//! Path tools: a trace placed by clicking polygon vertices (finish with Enter, a double click or
//! a click on the first point) or by one freehand drag (finished on release). Area traces and LV
//! contours are closed; Doppler envelopes stay open.

use egui::Pos2;

use super::{Pending, PointerEvent, ToolContext, ToolOutput, hit_drawing};

/// Whether the trace is closed (area) or open (envelope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathShape {
    /// A closed outline: at least 3 points.
    Closed,
    /// An open polyline: at least 2 points.
    Open,
}

impl PathShape {
    /// Fewest points that make a measurable trace.
    pub fn min_points(self) -> usize {
        match self {
            PathShape::Closed => 3,
            PathShape::Open => 2,
        }
    }
}

/// Feeds one pointer event to a path tool.
pub fn on_pointer(
    pending: &mut Pending,
    event: PointerEvent,
    ctx: &ToolContext<'_>,
    shape: PathShape,
) -> Vec<ToolOutput> {
    match (std::mem::take(pending), event) {
        (Pending::Idle, PointerEvent::Press(p)) => {
            *pending = Pending::Path {
                points: vec![p],
                freehand: true,
                hover: None,
            };
            vec![ToolOutput::Select(None)]
        }
        (Pending::Idle, PointerEvent::Click(p)) => {
            if let Some(uid) = hit_drawing(p, ctx) {
                return vec![ToolOutput::Select(Some(uid))];
            }
            *pending = Pending::Path {
                points: vec![p],
                freehand: false,
                hover: Some(p),
            };
            vec![ToolOutput::Select(None)]
        }
        (
            Pending::Path {
                mut points,
                freehand: true,
                ..
            },
            PointerEvent::Drag(p),
        ) => {
            if points
                .last()
                .is_none_or(|last| last.distance(p) >= ctx.freehand_step_px)
            {
                points.push(p);
            }
            *pending = Pending::Path {
                points,
                freehand: true,
                hover: Some(p),
            };
            Vec::new()
        }
        (
            Pending::Path {
                mut points,
                freehand: true,
                ..
            },
            PointerEvent::Release(p),
        ) => {
            if points.last().is_none_or(|last| last.distance(p) > 0.0) {
                points.push(p);
            }
            let points = dedupe(points);
            if points.len() >= shape.min_points() && extent(&points) >= ctx.grab_radius_px {
                vec![ToolOutput::Add(points)]
            } else {
                // Too small for a freehand trace: keep the points and continue by clicks.
                *pending = Pending::Path {
                    points,
                    freehand: false,
                    hover: Some(p),
                };
                Vec::new()
            }
        }
        (
            Pending::Path {
                mut points,
                freehand: false,
                ..
            },
            PointerEvent::Press(p),
        ) => {
            // A drag in the middle of a polygon continues it freehand.
            points.push(p);
            *pending = Pending::Path {
                points,
                freehand: true,
                hover: Some(p),
            };
            Vec::new()
        }
        (
            Pending::Path {
                mut points,
                freehand: false,
                ..
            },
            PointerEvent::Click(p),
        ) => {
            let closes = shape == PathShape::Closed
                && points.len() >= shape.min_points()
                && points
                    .first()
                    .is_some_and(|first| first.distance(p) <= ctx.grab_radius_px);
            if closes {
                let mut done = Pending::Path {
                    points,
                    freehand: false,
                    hover: None,
                };
                return finish(&mut done, shape);
            }
            points.push(p);
            *pending = Pending::Path {
                points,
                freehand: false,
                hover: Some(p),
            };
            Vec::new()
        }
        (
            Pending::Path {
                points,
                freehand: false,
                ..
            },
            PointerEvent::DoubleClick(_),
        ) => {
            let mut done = Pending::Path {
                points,
                freehand: false,
                hover: None,
            };
            finish(&mut done, shape)
        }
        (
            Pending::Path {
                points, freehand, ..
            },
            PointerEvent::Hover(p),
        ) => {
            *pending = Pending::Path {
                points,
                freehand,
                hover: Some(p),
            };
            Vec::new()
        }
        (other, _) => {
            *pending = other;
            Vec::new()
        }
    }
}

/// Finishes the trace in progress (Enter): adds it if it has enough points.
pub fn finish(pending: &mut Pending, shape: PathShape) -> Vec<ToolOutput> {
    let Pending::Path { points, .. } = std::mem::take(pending) else {
        return Vec::new();
    };
    let points = dedupe(points);
    if points.len() >= shape.min_points() {
        vec![ToolOutput::Add(points)]
    } else {
        *pending = Pending::Path {
            points,
            freehand: false,
            hover: None,
        };
        Vec::new()
    }
}

/// Drops consecutive points closer than half a pixel (double clicks place the same point twice).
fn dedupe(points: Vec<Pos2>) -> Vec<Pos2> {
    let mut out: Vec<Pos2> = Vec::with_capacity(points.len());
    for p in points {
        if out.last().is_none_or(|last| last.distance(p) >= 0.5) {
            out.push(p);
        }
    }
    out
}

/// The larger side of the points' bounding box.
fn extent(points: &[Pos2]) -> f32 {
    let rect = egui::Rect::from_points(points);
    rect.width().max(rect.height())
}

#[cfg(test)]
mod tests {
    use egui::pos2;

    use super::super::{ToolKey, ToolState};
    use super::*;
    use crate::measure::DrawKind;

    fn ctx() -> ToolContext<'static> {
        ToolContext {
            drawings: &[],
            grab_radius_px: 2.0,
            freehand_step_px: 1.0,
        }
    }

    #[test]
    fn polygon_by_clicks_closes_on_the_first_point() {
        let mut tool = ToolState::default();
        let c = ctx();
        for p in [pos2(0.0, 0.0), pos2(10.0, 0.0), pos2(10.0, 10.0)] {
            assert!(
                !tool
                    .on_pointer(DrawKind::AreaTrace, PointerEvent::Click(p), &c)
                    .iter()
                    .any(|o| matches!(o, ToolOutput::Add(_)))
            );
        }
        let out = tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Click(pos2(0.5, 0.5)), &c);
        assert_eq!(
            out,
            vec![ToolOutput::Add(vec![
                pos2(0.0, 0.0),
                pos2(10.0, 0.0),
                pos2(10.0, 10.0)
            ])]
        );
    }

    #[test]
    fn double_click_and_enter_finish_and_backspace_removes() {
        let mut tool = ToolState::default();
        let c = ctx();
        for p in [
            pos2(0.0, 0.0),
            pos2(10.0, 0.0),
            pos2(10.0, 10.0),
            pos2(20.0, 20.0),
        ] {
            tool.on_pointer(DrawKind::DopplerEnvelope, PointerEvent::Click(p), &c);
        }
        tool.on_key(DrawKind::DopplerEnvelope, ToolKey::RemoveLast);
        let out = tool.on_key(DrawKind::DopplerEnvelope, ToolKey::Finish);
        assert_eq!(
            out,
            vec![ToolOutput::Add(vec![
                pos2(0.0, 0.0),
                pos2(10.0, 0.0),
                pos2(10.0, 10.0)
            ])]
        );
        // Double click: its second click adds the same point once.
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Click(pos2(0.0, 0.0)), &c);
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Click(pos2(9.0, 0.0)), &c);
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Click(pos2(9.0, 9.0)), &c);
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Click(pos2(9.0, 9.0)), &c);
        let out = tool.on_pointer(
            DrawKind::AreaTrace,
            PointerEvent::DoubleClick(pos2(9.0, 9.0)),
            &c,
        );
        assert_eq!(
            out,
            vec![ToolOutput::Add(vec![
                pos2(0.0, 0.0),
                pos2(9.0, 0.0),
                pos2(9.0, 9.0)
            ])]
        );
    }

    #[test]
    fn freehand_drag_traces_and_finishes_on_release() {
        let mut tool = ToolState::default();
        let c = ctx();
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Press(pos2(0.0, 0.0)), &c);
        for i in 1..=20 {
            let t = i as f32 / 20.0 * std::f32::consts::TAU;
            let p = pos2(10.0 * t.sin(), 10.0 - 10.0 * t.cos());
            tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Drag(p), &c);
        }
        // Sub-step moves are dropped.
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Drag(pos2(0.1, 0.1)), &c);
        let out = tool.on_pointer(
            DrawKind::AreaTrace,
            PointerEvent::Release(pos2(0.2, 0.0)),
            &c,
        );
        let [ToolOutput::Add(points)] = out.as_slice() else {
            panic!("expected one Add, got {out:?}");
        };
        assert!(points.len() >= 15, "{}", points.len());
        assert!(!tool.is_placing());
    }

    #[test]
    fn tiny_freehand_continues_as_polygon() {
        let mut tool = ToolState::default();
        let c = ctx();
        tool.on_pointer(DrawKind::AreaTrace, PointerEvent::Press(pos2(0.0, 0.0)), &c);
        let out = tool.on_pointer(
            DrawKind::AreaTrace,
            PointerEvent::Release(pos2(0.6, 0.0)),
            &c,
        );
        assert!(out.is_empty());
        assert!(tool.is_placing());
        tool.on_key(DrawKind::AreaTrace, ToolKey::Cancel);
        assert!(!tool.is_placing());
    }
}
