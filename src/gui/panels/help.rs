//! The F1 help overlay: every key binding, from the same table that handles the keys.

use crate::gui::app::Command;
use crate::gui::app::shortcuts::BINDINGS;

/// Shows the help window; returns `ToggleHelp` when it is closed.
pub fn help_ui(ctx: &egui::Context) -> Vec<Command> {
    let mut open = true;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Grid::new("help_grid")
                .num_columns(2)
                .striped(true)
                .spacing([24.0, 4.0])
                .show(ui, |ui| {
                    for b in BINDINGS {
                        ui.monospace(ctx.format_shortcut(&b.shortcut));
                        ui.label(b.help);
                        ui.end_row();
                    }
                    ui.monospace("Wheel");
                    ui.label("Zoom about the pointer");
                    ui.end_row();
                    ui.monospace("Middle drag / Shift+drag");
                    ui.label("Pan");
                    ui.end_row();
                    ui.monospace("Drag a handle");
                    ui.label("Move a point of a drawing (one undo step)");
                    ui.end_row();
                });
            ui.add_space(6.0);
            ui.small("Press F1 or Esc to close.");
        });
    if open {
        Vec::new()
    } else {
        vec![Command::ToggleHelp]
    }
}
