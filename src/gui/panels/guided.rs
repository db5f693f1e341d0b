//! The guided MR protocol ("assign and measure"): every measurement an MR read needs, done or
//! not, the current one highlighted; the tool is bound to the current step and advances after
//! each measurement. Typed values and findings are entered right here.

use egui::{RichText, Ui};

use crate::catalog::Catalog;
use crate::gui::app::shortcuts::{Action, tooltip};
use crate::gui::app::ui::compact_label;
use crate::gui::app::{App, Command};
use crate::gui::calibrate::format_quantity;
use crate::gui::theme;
use crate::gui::tools::{manual, pisa};
use crate::measure::DrawKind;

/// Shows the protocol steps.
pub fn guided_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let catalog = Catalog::builtin();
    let ctx = ui.ctx().clone();
    let mut out = Vec::new();
    let steps = catalog.guided_mr_protocol();
    let done = steps.iter().filter(|s| app.is_done(&s.id)).count();
    ui.horizontal(|ui| {
        ui.label(format!("{done} of {} done", steps.len()));
        if ui
            .button("Next ⏵")
            .on_hover_text(tooltip(&ctx, "Next measurement not done", Action::Next))
            .clicked()
        {
            out.push(Command::NextMeasurement);
        }
        if ui
            .selectable_label(app.auto_advance, "Auto-advance")
            .on_hover_text("Move to the next measurement after each one")
            .clicked()
        {
            out.push(Command::ToggleAutoAdvance);
        }
    });
    for step in steps {
        let Some(entry) = catalog.get(&step.id) else {
            continue;
        };
        let is_active = app.active.as_deref() == Some(step.id.as_str());
        let is_done = app.is_done(&step.id);
        let value = value_text(app, &step.id);
        egui::Sides::new().shrink_left().truncate().show(
            ui,
            |ui| {
                let mark = if is_done { "✔" } else { "○" };
                let color = if is_done {
                    theme::GOOD
                } else {
                    theme::TEXT_WEAK
                };
                ui.colored_label(color, mark);
                let mut text = RichText::new(compact_label(&entry.label));
                if is_active {
                    text = text.color(theme::ACCENT).strong();
                }
                if !step.required {
                    text = text.italics();
                }
                let response = ui
                    .add(egui::Button::selectable(is_active, text).truncate())
                    .on_hover_text(step_help(entry));
                if response.clicked() {
                    out.push(Command::SelectMeasurement(step.id.clone()));
                }
            },
            |ui| {
                if let Some(v) = &value {
                    ui.label(RichText::new(v).monospace().color(theme::TEXT));
                }
            },
        );
        if is_active {
            ui.indent(("step", &step.id), |ui| {
                out.extend(active_step_ui(ui, app, entry));
            });
        }
    }
    out
}

fn step_help(entry: &crate::catalog::CatalogEntry) -> String {
    let how = match entry.kind {
        DrawKind::Caliper => "caliper",
        DrawKind::AreaTrace => "area trace",
        DrawKind::LvContour => "LV contour",
        DrawKind::DopplerPoint => "Doppler point",
        DrawKind::DopplerEnvelope => "Doppler envelope trace",
        DrawKind::ManualEntry => "typed value",
        DrawKind::Finding => "finding",
    };
    match &entry.view {
        Some(view) => format!("{} — {how}; {view}", entry.label),
        None => format!("{} — {how}", entry.label),
    }
}

/// The recorded value of a step, for the right-hand column.
fn value_text(app: &App, id: &str) -> Option<String> {
    if let Some(v) = app.doc.findings.get(id) {
        return Some(v.to_string().replace('_', " "));
    }
    app.results
        .reading
        .set
        .measurements
        .iter()
        .rev()
        .find(|m| m.catalog_id == id && m.value.is_some())
        .and_then(|m| m.value)
        .map(format_quantity)
}

/// Inputs for the current step: typed values and findings, PISA fields, or a hint to draw.
fn active_step_ui(ui: &mut Ui, app: &App, entry: &crate::catalog::CatalogEntry) -> Vec<Command> {
    let mut out = Vec::new();
    match entry.kind {
        DrawKind::ManualEntry => {
            let current = app.doc.manual.get(&entry.id).map(|m| m.value);
            out.extend(manual::manual_value_ui(ui, entry, current));
            if entry.id == "mr_alias_velocity" {
                ui.small("Read it from the colour scale of the PISA image.");
            }
        }
        DrawKind::Finding => {
            out.extend(manual::finding_ui(
                ui,
                entry,
                app.doc.findings.get(&entry.id),
            ));
        }
        _ => {
            let hint = if app.tool_down {
                format!(
                    "Draw it on the image ({}).",
                    entry.view.as_deref().unwrap_or("any view")
                )
            } else {
                "Pick the tool to draw it.".to_owned()
            };
            ui.small(hint);
            if entry.id == pisa::RADIUS_ID {
                out.extend(pisa::pisa_ui(ui, &app.doc));
            }
        }
    }
    out
}
