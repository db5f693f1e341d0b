//! The cine bar: transport buttons, speed, loop, ED/ES marks and the frame scrubber.

use egui::{Align2, FontId, Pos2, Rect, Sense, Stroke, Ui, vec2};

use crate::gui::app::shortcuts::{Action, tooltip};
use crate::gui::app::{App, Command};
use crate::gui::theme;
use crate::gui::viewer::cine::Speed;

/// Height of the scrubber.
const SCRUBBER_HEIGHT: f32 = 22.0;

/// Shows the cine bar for the current file.
pub fn cine_bar_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let mut out = Vec::new();
    let ctx = ui.ctx().clone();
    let n = app
        .current_file
        .and_then(|id| app.library.file(id))
        .map_or(0, |f| f.info().frame_count);
    let marks = app
        .current_file
        .and_then(|id| app.doc.marks.get(&id).copied())
        .unwrap_or_default();
    ui.add_space(2.0);
    ui.horizontal(|ui| {
        ui.add_enabled_ui(n > 0, |ui| {
            let button = |ui: &mut Ui, text: &str, help: &str, action: Action| {
                ui.button(text)
                    .on_hover_text(tooltip(&ctx, help, action))
                    .clicked()
            };
            if button(ui, "⏮", "First frame", Action::First) {
                out.push(Command::FirstFrame);
            }
            if button(ui, "⏴", "Previous frame", Action::StepBack) {
                out.push(Command::StepFrame(-1));
            }
            let play = if app.cine.playing { "⏸" } else { "⏵" };
            if button(ui, play, "Play / pause", Action::TogglePlay) {
                out.push(Command::TogglePlay);
            }
            if button(ui, "⏵|", "Next frame", Action::StepForward) {
                out.push(Command::StepFrame(1));
            }
            if button(ui, "⏭", "Last frame", Action::Last) {
                out.push(Command::LastFrame);
            }
            ui.separator();
            for speed in Speed::ALL {
                if ui
                    .selectable_label(app.cine.speed == speed, speed.label())
                    .on_hover_text(tooltip(&ctx, "Playback speed", Action::Faster))
                    .clicked()
                {
                    out.push(Command::SetSpeed(speed));
                }
            }
            if ui
                .selectable_label(app.cine.looping, "Loop")
                .on_hover_text(tooltip(&ctx, "Loop", Action::Loop))
                .clicked()
            {
                out.push(Command::ToggleLoop);
            }
            ui.separator();
            if ui
                .selectable_label(marks.ed == Some(app.cine.frame), "ED")
                .on_hover_text(tooltip(
                    &ctx,
                    "Mark this frame end-diastole",
                    Action::MarkEd,
                ))
                .clicked()
            {
                out.push(Command::MarkEd);
            }
            if ui
                .selectable_label(marks.es == Some(app.cine.frame), "ES")
                .on_hover_text(tooltip(&ctx, "Mark this frame end-systole", Action::MarkEs))
                .clicked()
            {
                out.push(Command::MarkEs);
            }
            ui.separator();
            ui.monospace(format!(
                "{:>4} / {:<4}",
                (app.cine.frame + 1).min(n.max(1)),
                n
            ));
        });
    });
    if let Some(frame) = scrubber_ui(ui, app, n, marks) {
        out.push(Command::SetFrame(frame));
    }
    ui.add_space(2.0);
    out
}

/// The frame scrubber: decoded frames shaded, ED/ES marks, the playhead; click or drag to seek.
fn scrubber_ui(
    ui: &mut Ui,
    app: &App,
    n: usize,
    marks: crate::gui::document::CycleMarks,
) -> Option<usize> {
    let (rect, response) = ui.allocate_exact_size(
        vec2(ui.available_width(), SCRUBBER_HEIGHT),
        Sense::click_and_drag(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, theme::SCRUBBER_TRACK);
    if n == 0 {
        return None;
    }
    let step = rect.width() / n as f32;
    let x_of = |i: usize| rect.min.x + (i as f32 + 0.5) * step;
    for i in app.frames().decoded() {
        let r = Rect::from_center_size(
            Pos2::new(x_of(i), rect.center().y),
            vec2(step.max(1.0), rect.height() * 0.35),
        );
        painter.rect_filled(r, 0.0, theme::SCRUBBER_DECODED);
    }
    let mark = |frame: Option<usize>, text: &str, color| {
        if let Some(f) = frame {
            let x = x_of(f);
            painter.line_segment(
                [Pos2::new(x, rect.min.y), Pos2::new(x, rect.max.y)],
                Stroke::new(2.0, color),
            );
            painter.text(
                Pos2::new(x + 3.0, rect.min.y + 1.0),
                Align2::LEFT_TOP,
                text,
                FontId::proportional(10.0),
                color,
            );
        }
    };
    mark(marks.ed, "ED", theme::MARK_ED);
    mark(marks.es, "ES", theme::MARK_ES);
    let x = x_of(app.cine.frame);
    painter.rect_filled(
        Rect::from_center_size(Pos2::new(x, rect.center().y), vec2(4.0, rect.height())),
        1.0,
        theme::ACCENT,
    );
    if (response.clicked() || response.dragged())
        && let Some(p) = response.interact_pointer_pos()
    {
        let f = ((p.x - rect.min.x) / step).floor().max(0.0) as usize;
        let f = f.min(n - 1);
        if f != app.cine.frame {
            return Some(f);
        }
    }
    None
}
