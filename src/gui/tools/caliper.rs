//! The caliper: two points, placed by one drag (press at the first point, release at the second)
//! or by two clicks. The PISA radius and every caliper measurement of the catalog use it.

use egui::Pos2;

use super::{Pending, PointerEvent, ToolContext, ToolOutput, hit_drawing};

/// Feeds one pointer event to a two-point tool.
pub fn on_pointer(
    pending: &mut Pending,
    event: PointerEvent,
    ctx: &ToolContext<'_>,
) -> Vec<ToolOutput> {
    match (pending.clone(), event) {
        (Pending::Idle, PointerEvent::Press(p)) => {
            *pending = Pending::TwoPoint {
                a: p,
                b: p,
                dragging: true,
            };
            vec![ToolOutput::Select(None)]
        }
        (Pending::Idle, PointerEvent::Click(p)) => {
            if let Some(uid) = hit_drawing(p, ctx) {
                return vec![ToolOutput::Select(Some(uid))];
            }
            *pending = Pending::TwoPoint {
                a: p,
                b: p,
                dragging: false,
            };
            vec![ToolOutput::Select(None)]
        }
        (Pending::TwoPoint { a, .. }, PointerEvent::Drag(p)) => {
            *pending = Pending::TwoPoint {
                a,
                b: p,
                dragging: true,
            };
            Vec::new()
        }
        (
            Pending::TwoPoint {
                a, dragging: true, ..
            },
            PointerEvent::Release(p),
        ) => {
            if long_enough(a, p, ctx) {
                *pending = Pending::Idle;
                vec![ToolOutput::Add(vec![a, p])]
            } else {
                // Too short for a drag: treat the press as the first click.
                *pending = Pending::TwoPoint {
                    a,
                    b: p,
                    dragging: false,
                };
                Vec::new()
            }
        }
        (
            Pending::TwoPoint {
                a, dragging: false, ..
            },
            PointerEvent::Press(p),
        ) => {
            // Second point placed with a small drag: follow it until release.
            *pending = Pending::TwoPoint {
                a,
                b: p,
                dragging: true,
            };
            Vec::new()
        }
        (
            Pending::TwoPoint {
                a, dragging: false, ..
            },
            PointerEvent::Click(p),
        ) => {
            if long_enough(a, p, ctx) {
                *pending = Pending::Idle;
                vec![ToolOutput::Add(vec![a, p])]
            } else {
                Vec::new()
            }
        }
        (
            Pending::TwoPoint {
                a, dragging: false, ..
            },
            PointerEvent::Hover(p),
        ) => {
            *pending = Pending::TwoPoint {
                a,
                b: p,
                dragging: false,
            };
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// A drag shorter than the grab radius is a click, not a caliper.
fn long_enough(a: Pos2, b: Pos2, ctx: &ToolContext<'_>) -> bool {
    a.distance(b) >= ctx.grab_radius_px.max(0.5)
}

#[cfg(test)]
mod tests {
    use egui::pos2;

    use super::super::test_util::drawing;
    use super::super::{ToolContext, ToolState};
    use super::*;
    use crate::measure::DrawKind;

    fn ctx<'a>(drawings: &'a [&'a crate::gui::document::Drawing]) -> ToolContext<'a> {
        ToolContext {
            drawings,
            grab_radius_px: 2.0,
            freehand_step_px: 1.0,
        }
    }

    #[test]
    fn drag_places_a_caliper() {
        let mut tool = ToolState::default();
        let c = ctx(&[]);
        tool.on_pointer(DrawKind::Caliper, PointerEvent::Press(pos2(10.0, 10.0)), &c);
        tool.on_pointer(DrawKind::Caliper, PointerEvent::Drag(pos2(30.0, 10.0)), &c);
        let out = tool.on_pointer(
            DrawKind::Caliper,
            PointerEvent::Release(pos2(40.0, 50.0)),
            &c,
        );
        assert_eq!(
            out,
            vec![ToolOutput::Add(vec![pos2(10.0, 10.0), pos2(40.0, 50.0)])]
        );
        assert!(!tool.is_placing());
    }

    #[test]
    fn two_clicks_place_a_caliper_and_hover_previews() {
        let mut tool = ToolState::default();
        let c = ctx(&[]);
        tool.on_pointer(DrawKind::Caliper, PointerEvent::Click(pos2(1.0, 1.0)), &c);
        tool.on_pointer(DrawKind::Caliper, PointerEvent::Hover(pos2(5.0, 5.0)), &c);
        assert_eq!(
            tool.pending,
            Pending::TwoPoint {
                a: pos2(1.0, 1.0),
                b: pos2(5.0, 5.0),
                dragging: false
            }
        );
        // A click on the same spot does not make a zero-length caliper.
        assert!(
            tool.on_pointer(DrawKind::Caliper, PointerEvent::Click(pos2(1.5, 1.0)), &c)
                .is_empty()
        );
        let out = tool.on_pointer(DrawKind::Caliper, PointerEvent::Click(pos2(21.0, 1.0)), &c);
        assert_eq!(
            out,
            vec![ToolOutput::Add(vec![pos2(1.0, 1.0), pos2(21.0, 1.0)])]
        );
    }

    #[test]
    fn click_on_a_drawing_selects_it() {
        let d = drawing("m7", DrawKind::Caliper, &[(0.0, 0.0), (100.0, 0.0)]);
        let drawings = [&d];
        let c = ctx(&drawings);
        let mut tool = ToolState::default();
        let out = tool.on_pointer(DrawKind::Caliper, PointerEvent::Click(pos2(50.0, 1.0)), &c);
        assert_eq!(out, vec![ToolOutput::Select(Some("m7".to_owned()))]);
        assert!(!tool.is_placing());
        tool.on_key(DrawKind::Caliper, super::super::ToolKey::Cancel);
    }
}
