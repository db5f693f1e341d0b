//! The worklist: the signed-in reader's assigned studies with status to read / draft / signed,
//! and the open read's save state.

use egui::{RichText, Ui};

use super::{RecordsCommand, RecordsModel, short_uid};
use crate::gui::theme;
use crate::store::WorkStatus;

/// The worklist window (closing it hides it).
pub fn worklist_window(ctx: &egui::Context, model: &RecordsModel) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Worklist")
        .default_size([520.0, 300.0])
        .open(&mut open)
        .show(ctx, |ui| out.extend(worklist_ui(ui, model)));
    if !open {
        out.push(RecordsCommand::ShowWorklist(false));
    }
    out
}

fn status_color(status: WorkStatus) -> egui::Color32 {
    match status {
        WorkStatus::ToRead => theme::TEXT,
        WorkStatus::Draft | WorkStatus::Amending => theme::WARNING,
        WorkStatus::Signed => theme::GOOD,
    }
}

/// The worklist table and the open read's actions.
pub fn worklist_ui(ui: &mut Ui, model: &RecordsModel) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        if let Some(who) = model.signed_in_label() {
            ui.label(RichText::new(who).strong());
        }
        if ui.button("Refresh").clicked() {
            out.push(RecordsCommand::RefreshWorklist);
        }
    });
    if let Some(m) = &model.message {
        ui.label(RichText::new(m).color(theme::TEXT_WEAK));
    }
    ui.separator();
    if model.worklist.is_empty() {
        ui.label("No studies are assigned to you.");
    }
    let current = model.current.as_ref().map(|c| c.study_uid.as_str());
    egui::ScrollArea::vertical()
        .id_salt("records_worklist")
        .max_height(220.0)
        .show(ui, |ui| {
            egui::Grid::new("worklist_grid")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(RichText::new("Subject").strong());
                    ui.label(RichText::new("Study").strong());
                    ui.label(RichText::new("Visit").strong());
                    ui.label(RichText::new("Status").strong());
                    ui.label("");
                    ui.end_row();
                    for item in &model.worklist {
                        ui.label(item.subject_id.as_deref().unwrap_or("—"));
                        ui.label(short_uid(&item.study_uid))
                            .on_hover_text(&item.study_uid);
                        ui.label(item.visit.map_or("—".to_owned(), |v| v.to_string()));
                        ui.colored_label(status_color(item.status), item.status.label());
                        ui.horizontal(|ui| {
                            let open_text = if current == Some(item.study_uid.as_str()) {
                                "Reopen"
                            } else {
                                "Open"
                            };
                            if ui
                                .button(open_text)
                                .on_hover_text("Open the study's files and its read")
                                .clicked()
                            {
                                out.push(RecordsCommand::OpenStudy(item.study_uid.clone()));
                            }
                            if let Some(read) = &item.read_id
                                && ui.button("Report").clicked()
                            {
                                out.push(RecordsCommand::ShowHistory(read.clone()));
                            }
                        });
                        ui.end_row();
                    }
                });
        });
    if let Some(c) = &model.current {
        ui.separator();
        ui.label(format!(
            "Open read: {} · version {} · {}",
            short_uid(&c.study_uid),
            c.report.version,
            c.report.status.code()
        ));
        if let Some(t) = &c.saved_utc {
            ui.label(RichText::new(format!("Last saved {t}")).color(theme::TEXT_WEAK));
        }
        ui.horizontal(|ui| {
            if c.is_draft() {
                if ui.button("Save draft").clicked() {
                    out.push(RecordsCommand::SaveDraft);
                }
                if ui.button("Sign…").clicked() {
                    out.push(RecordsCommand::OpenSignDialog);
                }
            } else if ui.button("Amend").clicked() {
                out.push(RecordsCommand::Amend(c.read_id().to_owned()));
            }
            if ui.button("History").clicked() {
                out.push(RecordsCommand::ShowHistory(c.read_id().to_owned()));
            }
        });
    }
    out
}
