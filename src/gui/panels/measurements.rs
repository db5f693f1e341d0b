//! The measurement list (every drawing and typed value with its calibrated value, or why it
//! has none) and the picker that binds the tool to a catalog measurement.

use egui::{RichText, Ui};

use crate::catalog::Catalog;
use crate::gui::app::ui::{compact_label, short_label};
use crate::gui::app::{App, Command};
use crate::gui::calibrate::format_quantity;
use crate::gui::theme;
use crate::measure::DrawKind;

/// The combo box choosing which catalog measurement the tool measures.
pub fn measurement_picker_ui(ui: &mut Ui, active: Option<&str>) -> Vec<Command> {
    let catalog = Catalog::builtin();
    let mut out = Vec::new();
    let shown = active.map_or_else(|| "—".to_owned(), |id| compact_label(catalog.label(id)));
    let label = ui.label("Measuring:");
    let combo = egui::ComboBox::from_id_salt("measurement_picker")
        .selected_text(shown)
        .width(260.0)
        .height(500.0)
        .show_ui(ui, |ui| {
            // Groups in order of first appearance, entries in catalog order within each.
            let mut groups: Vec<&str> = Vec::new();
            for e in catalog.entries() {
                if e.kind != DrawKind::Finding && !groups.contains(&e.group.as_str()) {
                    groups.push(&e.group);
                }
            }
            for group in groups {
                ui.label(
                    RichText::new(group.to_uppercase())
                        .small()
                        .color(theme::TEXT_WEAK),
                );
                for e in catalog
                    .entries()
                    .iter()
                    .filter(|e| e.kind != DrawKind::Finding && e.group == group)
                {
                    if ui
                        .selectable_label(active == Some(e.id.as_str()), short_label(&e.label))
                        .on_hover_text(&e.label)
                        .clicked()
                    {
                        out.push(Command::SelectMeasurement(e.id.clone()));
                    }
                }
            }
        });
    combo.response.labelled_by(label.id);
    out
}

/// The list of everything measured.
pub fn measurements_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let catalog = Catalog::builtin();
    let mut out = Vec::new();
    if app.doc.drawings.is_empty() && app.doc.manual.is_empty() {
        ui.small("Nothing measured yet.");
    }
    for d in &app.doc.drawings {
        let selected = app.selected.as_deref() == Some(d.uid.as_str());
        let result = app.results.reading.results.get(&d.uid);
        let invalid = app.results.invalid.get(&d.uid);
        let value = match result {
            Some(_) if invalid.is_some() => {
                RichText::new(invalid.map_or("", String::as_str)).color(theme::OVERLAY_ERROR)
            }
            Some(r) => match &r.error {
                Some(e) => RichText::new(e).color(theme::OVERLAY_ERROR),
                None => RichText::new(
                    r.values
                        .iter()
                        .map(|v| format_quantity(v.quantity))
                        .chain(r.measurement.direction.map(|d| d.label().to_owned()))
                        .collect::<Vec<_>>()
                        .join(" · "),
                )
                .monospace(),
            },
            None => RichText::new("…"),
        };
        let file = app
            .library
            .get(d.file)
            .map(|e| e.name())
            .unwrap_or_default();
        ui.horizontal(|ui| {
            let label = format!("{}  {}", d.uid, compact_label(catalog.label(&d.catalog_id)));
            let response = ui
                .add(egui::Button::selectable(selected, label).truncate())
                .on_hover_text(format!(
                    "{file}, frame {} — click to jump there",
                    d.frame + 1
                ));
            if response.clicked() {
                out.push(Command::SelectDrawing(Some(d.uid.clone())));
            }
            if ui.small_button("🗑").on_hover_text("Delete (Del)").clicked() {
                out.push(Command::DeleteDrawing(d.uid.clone()));
            }
        });
        ui.indent(("value", &d.uid), |ui| {
            ui.label(value);
        });
    }
    for (id, m) in &app.doc.manual {
        let unit = catalog.unit(id).map_or("", |u| u.display_symbol());
        ui.horizontal(|ui| {
            if ui
                .add(egui::Button::selectable(false, compact_label(catalog.label(id))).truncate())
                .on_hover_text("typed value — click to edit it in the protocol")
                .clicked()
            {
                out.push(Command::SelectMeasurement(id.clone()));
            }
            let text = RichText::new(format!("{} {unit}", m.value)).monospace();
            match app.results.invalid.get(&format!("manual:{id}")) {
                Some(why) => {
                    ui.label(text.color(theme::OVERLAY_ERROR))
                        .on_hover_text(why.as_str());
                }
                None => {
                    ui.label(text);
                }
            }
            if ui.small_button("🗑").on_hover_text("Clear").clicked() {
                out.push(Command::SetManual {
                    id: id.clone(),
                    value: None,
                });
            }
        });
    }
    out
}
