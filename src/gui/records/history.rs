//! A read's report and history: its versions (status, signer, meaning, time), the selected
//! version as printed text with the signature manifestation and its verification, and the
//! audit entries of the read (who, when, what, old → new).

use egui::{RichText, Ui};

use super::{HistoryView, RecordsCommand, RecordsModel, short_uid};
use crate::gui::theme;

/// The history window (closing it hides it).
pub fn history_window(ctx: &egui::Context, model: &RecordsModel) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let Some(view) = &model.history else {
        return out;
    };
    let mut open = true;
    egui::Window::new("Report and history")
        .default_size([640.0, 520.0])
        .open(&mut open)
        .show(ctx, |ui| out.extend(history_ui(ui, view)));
    if !open {
        out.push(RecordsCommand::CloseHistory);
    }
    out
}

/// Versions, the selected version's text and verification, and the audit entries.
pub fn history_ui(ui: &mut Ui, view: &HistoryView) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    ui.label(RichText::new(format!("Read {}", view.read_id)).strong());
    ui.label(RichText::new("Versions").strong());
    egui::Grid::new("history_versions")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            for v in &view.versions {
                let text = format!("v{}", v.version);
                if ui
                    .selectable_label(view.selected == Some(v.version), text)
                    .clicked()
                {
                    out.push(RecordsCommand::ShowVersion(v.version));
                }
                ui.label(v.status.code());
                ui.label(&v.saved_utc);
                ui.label(match (&v.signer_id, v.meaning) {
                    (Some(who), Some(m)) => format!("{who} · {}", m.code()),
                    _ => "—".to_owned(),
                });
                ui.label(v.signed_utc.as_deref().unwrap_or(""));
                ui.end_row();
            }
        });
    match &view.verification {
        Some(Ok(line)) => {
            ui.colored_label(theme::GOOD, line);
        }
        Some(Err(problems)) => {
            ui.colored_label(theme::ERROR, "Verification FAILED:");
            for p in problems {
                ui.colored_label(theme::ERROR, p);
            }
        }
        None => {}
    }
    ui.separator();
    let height = (ui.available_height() * 0.55).max(120.0);
    egui::ScrollArea::vertical()
        .id_salt("history_text")
        .max_height(height)
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(&view.text).monospace()).wrap());
        });
    ui.separator();
    ui.label(RichText::new("Audit history").strong());
    egui::ScrollArea::vertical()
        .id_salt("history_audit")
        .show(ui, |ui| match &view.audit {
            Err(why) => {
                ui.label(RichText::new(why).color(theme::TEXT_WEAK));
            }
            Ok(entries) if entries.is_empty() => {
                ui.label("No audit entries.");
            }
            Ok(entries) => {
                for e in entries {
                    let change = match (&e.old_value, &e.new_value) {
                        (Some(o), Some(n)) => format!("{o} → {n}"),
                        (None, Some(n)) => n.clone(),
                        (Some(o), None) => format!("{o} → (removed)"),
                        (None, None) => String::new(),
                    };
                    ui.label(format!(
                        "#{} {} {} {} {} {}",
                        e.seq,
                        e.at_utc,
                        e.actor,
                        e.action,
                        short_uid(&e.entity_id),
                        change
                    ));
                }
            }
        });
    out
}
