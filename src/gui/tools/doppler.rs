//! The Doppler point tool: one click on a spectral display for a peak velocity. (The envelope
//! trace uses the open path tool of [`super::area`].) The peak usually lies on a traced envelope,
//! so a click selects only another Doppler point, never the envelope under it.

use super::{Pending, PointerEvent, ToolContext, ToolOutput, hit_drawing};
use crate::measure::DrawKind;

/// Feeds one pointer event to the Doppler point tool.
pub fn on_pointer(
    pending: &mut Pending,
    event: PointerEvent,
    ctx: &ToolContext<'_>,
) -> Vec<ToolOutput> {
    *pending = Pending::Idle;
    match event {
        PointerEvent::Click(p) => {
            let points: Vec<_> = ctx
                .drawings
                .iter()
                .copied()
                .filter(|d| d.kind == DrawKind::DopplerPoint)
                .collect();
            let only_points = ToolContext {
                drawings: &points,
                ..*ctx
            };
            match hit_drawing(p, &only_points) {
                Some(uid) => vec![ToolOutput::Select(Some(uid))],
                None => vec![ToolOutput::Add(vec![p])],
            }
        }
        // A press-drag-release on empty space places the point where it is released.
        PointerEvent::Release(p) => vec![ToolOutput::Add(vec![p])],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use egui::pos2;

    use super::super::ToolState;
    use super::*;
    use crate::measure::DrawKind;

    #[test]
    fn click_places_one_point() {
        let mut tool = ToolState::default();
        let ctx = ToolContext {
            drawings: &[],
            grab_radius_px: 2.0,
            freehand_step_px: 1.0,
        };
        let out = tool.on_pointer(
            DrawKind::DopplerPoint,
            PointerEvent::Click(pos2(3.0, 4.0)),
            &ctx,
        );
        assert_eq!(out, vec![ToolOutput::Add(vec![pos2(3.0, 4.0)])]);
        assert!(!tool.is_placing());
    }

    #[test]
    fn a_click_on_an_envelope_still_places_a_point_but_selects_a_point() {
        use super::super::test_util::drawing;
        let env = drawing("m1", DrawKind::DopplerEnvelope, &[(0.0, 0.0), (10.0, 10.0)]);
        let pt = drawing("m2", DrawKind::DopplerPoint, &[(20.0, 0.0)]);
        let drawings = [&env, &pt];
        let ctx = ToolContext {
            drawings: &drawings,
            grab_radius_px: 2.0,
            freehand_step_px: 1.0,
        };
        let mut tool = ToolState::default();
        let out = tool.on_pointer(
            DrawKind::DopplerPoint,
            PointerEvent::Click(pos2(5.0, 5.0)),
            &ctx,
        );
        assert_eq!(out, vec![ToolOutput::Add(vec![pos2(5.0, 5.0)])]);
        let out = tool.on_pointer(
            DrawKind::DopplerPoint,
            PointerEvent::Click(pos2(20.5, 0.5)),
            &ctx,
        );
        assert_eq!(out, vec![ToolOutput::Select(Some("m2".to_owned()))]);
    }
}
