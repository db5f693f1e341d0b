//! The Doppler point tool: one click on a spectral display for a peak velocity. (The envelope
//! trace uses the open path tool of [`super::area`].)

use super::{Pending, PointerEvent, ToolContext, ToolOutput, hit_drawing};

/// Feeds one pointer event to the Doppler point tool.
pub fn on_pointer(
    pending: &mut Pending,
    event: PointerEvent,
    ctx: &ToolContext<'_>,
) -> Vec<ToolOutput> {
    *pending = Pending::Idle;
    match event {
        PointerEvent::Click(p) => match hit_drawing(p, ctx) {
            Some(uid) => vec![ToolOutput::Select(Some(uid))],
            None => vec![ToolOutput::Add(vec![p])],
        },
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
}
