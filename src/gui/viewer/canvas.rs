//! The image canvas: paints the current frame and the overlays, and turns pointer input into
//! commands (zoom with the wheel, pan with the middle button or Shift-drag, tool events).

use std::collections::BTreeMap;

use egui::{
    Align2, FontId, PointerButton, Pos2, Rect, Response, Sense, Stroke, TextureHandle, Ui, Vec2,
};

use crate::gui::app::commands::Command;
use crate::gui::document::Drawing;
use crate::gui::theme;
use crate::gui::tools::{PointerEvent, ToolContext, ToolOutput, ToolState};
use crate::gui::viewer::overlay::{self, OverlayLabel};
use crate::gui::viewer::transform::{ScreenFromImage, View};
use crate::measure::DrawKind;

/// Wheel sensitivity: zoom factor per scrolled point.
const WHEEL_ZOOM_PER_POINT: f32 = 0.0015;

/// What the canvas shows (read-only view of app state).
pub struct CanvasView<'a> {
    /// The frame texture, if decoded.
    pub texture: Option<&'a TextureHandle>,
    /// Image size in pixels.
    pub image_size: Vec2,
    /// Zoom/pan.
    pub view: &'a View,
    /// Drawings on this frame.
    pub drawings: &'a [&'a Drawing],
    /// Labels by drawing uid.
    pub labels: &'a BTreeMap<String, OverlayLabel>,
    /// Selected drawing uid.
    pub selected: Option<&'a str>,
    /// Drawing kind of the active tool (None: no tool).
    pub tool_kind: Option<DrawKind>,
    /// US region rectangles in image pixels (outlined faintly while a tool is active).
    pub regions: &'a [Rect],
    /// Text in the top-left corner (frame, time, zoom, calibration).
    pub hud: &'a str,
    /// Message shown instead of an image (loading, error, nothing open).
    pub placeholder: Option<&'a str>,
}

/// What the canvas did this frame.
pub struct CanvasOutput {
    /// Commands for the app.
    pub commands: Vec<Command>,
    /// The canvas rectangle and the transform used (tests map image points with it).
    pub screen_from_image: Option<(Rect, ScreenFromImage)>,
}

/// Shows the canvas in all the space left in `ui`.
pub fn canvas_ui(ui: &mut Ui, v: &CanvasView<'_>, tool: &mut ToolState) -> CanvasOutput {
    let rect = ui.available_rect_before_wrap();
    let response = ui.allocate_rect(rect, Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, theme::IMAGE_BACKGROUND);

    let mut commands = Vec::new();
    if let Some(text) = v.placeholder {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(16.0),
            theme::TEXT_WEAK,
        );
        return CanvasOutput {
            commands,
            screen_from_image: None,
        };
    }

    let t = v.view.screen_from_image(rect, v.image_size);
    if let Some(texture) = v.texture {
        painter.image(
            texture.id(),
            t.image_rect_in_screen(v.image_size),
            Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    if v.tool_kind.is_some() {
        for r in v.regions {
            painter.rect_stroke(
                Rect::from_min_max(t.apply(r.min), t.apply(r.max)),
                0.0,
                Stroke::new(1.0, theme::REGION_OUTLINE),
                egui::StrokeKind::Inside,
            );
        }
    }
    let mut placed_labels = Vec::new();
    for d in v.drawings {
        let selected = v.selected == Some(d.uid.as_str());
        overlay::paint_drawing(
            &painter,
            &t,
            d,
            v.labels.get(&d.uid),
            selected,
            &mut placed_labels,
        );
    }
    let closed = matches!(v.tool_kind, Some(DrawKind::AreaTrace | DrawKind::LvContour));
    overlay::paint_pending(&painter, &t, &tool.pending, closed);
    painter.text(
        rect.min + egui::vec2(8.0, 6.0),
        Align2::LEFT_TOP,
        v.hud,
        FontId::monospace(12.0),
        theme::TEXT_WEAK,
    );

    view_input(ui, &response, rect, &mut commands, tool);
    if !tool.panning {
        tool_input(ui, &response, &t, v, tool, &mut commands);
    }
    CanvasOutput {
        commands,
        screen_from_image: Some((rect, t)),
    }
}

/// Wheel zoom and pan.
fn view_input(
    ui: &Ui,
    response: &Response,
    rect: Rect,
    commands: &mut Vec<Command>,
    tool: &mut ToolState,
) {
    if response.hovered() {
        let (scroll, pinch, pointer) = ui.input(|i| {
            (
                i.smooth_scroll_delta.y,
                i.zoom_delta(),
                i.pointer.hover_pos(),
            )
        });
        let factor = (scroll * WHEEL_ZOOM_PER_POINT).exp() * pinch;
        if (factor - 1.0).abs() > 1e-4 {
            commands.push(Command::Zoom {
                factor,
                anchor: pointer.unwrap_or(rect.center()),
                canvas: rect,
            });
        }
    }
    let shift = ui.input(|i| i.modifiers.shift);
    if response.drag_started_by(PointerButton::Middle)
        || (response.drag_started_by(PointerButton::Primary) && shift && !tool.is_placing())
    {
        tool.panning = true;
    }
    if tool.panning {
        let delta = response.drag_delta();
        if delta != Vec2::ZERO {
            commands.push(Command::Pan {
                delta,
                canvas: rect,
            });
        }
        if response.drag_stopped() || !response.dragged() {
            tool.panning = false;
        }
    }
}

/// Pointer events for the active tool.
fn tool_input(
    ui: &Ui,
    response: &Response,
    t: &ScreenFromImage,
    v: &CanvasView<'_>,
    tool: &mut ToolState,
    commands: &mut Vec<Command>,
) {
    let Some(kind) = v.tool_kind else {
        // No tool: a click selects a drawing.
        if response.clicked_by(PointerButton::Primary)
            && let Some(p) = response.interact_pointer_pos()
        {
            let ctx = tool_context(v, t);
            commands.push(Command::SelectDrawing(crate::gui::tools::hit_drawing(
                t.image_from_screen(p),
                &ctx,
            )));
        }
        return;
    };
    let ctx = tool_context(v, t);
    let to_image = |p: Pos2| t.image_from_screen(p);
    let mut events = Vec::new();
    let latest = ui.input(|i| i.pointer.latest_pos());
    if response.drag_started_by(PointerButton::Primary) {
        let origin = ui.input(|i| i.pointer.press_origin()).or(latest);
        if let Some(o) = origin {
            events.push(PointerEvent::Press(to_image(o)));
        }
        if let Some(p) = latest {
            events.push(PointerEvent::Drag(to_image(p)));
        }
    } else if response.dragged_by(PointerButton::Primary)
        && response.drag_delta() != Vec2::ZERO
        && let Some(p) = latest
    {
        events.push(PointerEvent::Drag(to_image(p)));
    }
    if response.drag_stopped_by(PointerButton::Primary)
        && let Some(p) = latest.or(response.interact_pointer_pos())
    {
        events.push(PointerEvent::Release(to_image(p)));
    }
    if response.clicked_by(PointerButton::Primary)
        && let Some(p) = response.interact_pointer_pos()
    {
        events.push(PointerEvent::Click(to_image(p)));
    }
    if response.double_clicked_by(PointerButton::Primary)
        && let Some(p) = response.interact_pointer_pos()
    {
        events.push(PointerEvent::DoubleClick(to_image(p)));
    }
    if events.is_empty()
        && tool.is_placing()
        && let Some(p) = response.hover_pos()
    {
        events.push(PointerEvent::Hover(to_image(p)));
    }
    for event in events {
        for out in tool.on_pointer(kind, event, &ctx) {
            commands.push(match out {
                ToolOutput::Add(points) => Command::AddDrawing(points),
                ToolOutput::Move { uid, handle, to } => Command::MoveHandle { uid, handle, to },
                ToolOutput::Commit => Command::Checkpoint,
                ToolOutput::Select(uid) => Command::SelectDrawing(uid),
            });
        }
    }
}

fn tool_context<'a>(v: &'a CanvasView<'a>, t: &ScreenFromImage) -> ToolContext<'a> {
    let scale = t.scale.max(1e-3);
    ToolContext {
        drawings: v.drawings,
        grab_radius_px: theme::HANDLE_GRAB_RADIUS / scale,
        freehand_step_px: 2.0 / scale,
    }
}
