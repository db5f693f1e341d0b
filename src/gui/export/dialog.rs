//! The export window: source (files or database selection), format, de-identification, output,
//! then a progress bar with Cancel while the batch runs and the list of files written after.

use egui::{ProgressBar, RichText, TextEdit, Ui};

use super::{ExportCommand, ExportState, FormatChoice, Outcome, Phase, Scope, Source};
use crate::gui::records::RecordsModel;
use crate::gui::theme;
use crate::report::Visit;

/// Shows the export window when open.
pub fn export_window(
    ctx: &egui::Context,
    state: &mut ExportState,
    records: &RecordsModel,
) -> Vec<ExportCommand> {
    let mut out = Vec::new();
    if !state.open {
        return out;
    }
    let mut open = true;
    egui::Window::new("Export read sheets")
        .collapsible(false)
        .resizable(true)
        .default_width(520.0)
        .open(&mut open)
        .show(ctx, |ui| out.extend(export_ui(ui, state, records)));
    if !open {
        out.push(ExportCommand::Show(false));
    }
    out
}

/// The window's content.
pub fn export_ui(
    ui: &mut Ui,
    state: &mut ExportState,
    records: &RecordsModel,
) -> Vec<ExportCommand> {
    let mut out = Vec::new();
    let busy = state.busy();
    ui.add_enabled_ui(!busy, |ui| {
        source_ui(ui, state, records, &mut out);
        ui.separator();
        options_ui(ui, state, &mut out);
    });
    ui.separator();
    if let Some(m) = &state.message {
        ui.colored_label(theme::ERROR, m);
    }
    match &state.job {
        Some(job) => {
            let p = &job.progress;
            let phase = match p.phase {
                Phase::Verifying => "Verifying signatures",
                Phase::Writing => "Writing",
            };
            ui.add(
                ProgressBar::new(p.fraction())
                    .show_percentage()
                    .desired_width(ui.available_width()),
            );
            ui.label(format!("{phase}: {} of {}", p.done.min(p.total), p.total));
            ui.label(RichText::new(&p.current).small().weak());
            let label = if job.is_cancelling() {
                "Cancelling…"
            } else {
                "Cancel"
            };
            if ui
                .add_enabled(!job.is_cancelling(), egui::Button::new(label))
                .clicked()
            {
                out.push(ExportCommand::Cancel);
            }
        }
        None => {
            if ui.button("Export").clicked() {
                out.push(ExportCommand::Start);
            }
        }
    }
    outcome_ui(ui, state.outcome.as_ref());
    out
}

fn source_ui(
    ui: &mut Ui,
    state: &mut ExportState,
    records: &RecordsModel,
    out: &mut Vec<ExportCommand>,
) {
    let form = &mut state.form;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Reports").strong());
        ui.radio_value(&mut form.source, Source::Files, "Signed report files");
        ui.radio_value(&mut form.source, Source::Database, "Reading database");
    });
    match form.source {
        Source::Files => {
            ui.horizontal(|ui| {
                if ui.button("Add files…").clicked() {
                    out.push(ExportCommand::PickFiles);
                }
                if ui.button("Add folder…").clicked() {
                    out.push(ExportCommand::PickFolder);
                }
                if ui
                    .add_enabled(!form.files.is_empty(), egui::Button::new("Clear"))
                    .clicked()
                {
                    out.push(ExportCommand::ClearFiles);
                }
            });
            ui.horizontal(|ui| {
                let label = ui.label("Add a path");
                let r = ui
                    .add(TextEdit::singleline(&mut form.path_text).desired_width(320.0))
                    .labelled_by(label.id);
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Add").clicked() || enter) && !form.path_text.trim().is_empty() {
                    out.push(ExportCommand::AddPaths(vec![form.path_text.trim().into()]));
                }
            });
            ui.label(format!("{} report file(s)", form.files.len()));
            egui::ScrollArea::vertical()
                .max_height(120.0)
                .id_salt("export_files")
                .show(ui, |ui| {
                    for (i, f) in form.files.iter().enumerate() {
                        ui.horizontal(|ui| {
                            if ui.small_button("×").on_hover_text("Remove").clicked() {
                                out.push(ExportCommand::RemoveFile(i));
                            }
                            ui.label(RichText::new(f.display().to_string()).small());
                        });
                    }
                });
        }
        Source::Database => {
            match records.signed_in_label() {
                Some(who) => ui.label(format!("Signed in as {who}")),
                None => ui.colored_label(
                    theme::ERROR,
                    "Sign in (Reading ▸ Sign in) to export from the database",
                ),
            };
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.scope, Scope::Subject, "Subject");
                ui.radio_value(&mut form.scope, Scope::Visit, "Visit");
                ui.radio_value(&mut form.scope, Scope::Trial, "Whole trial");
            });
            match form.scope {
                Scope::Subject => {
                    ui.horizontal(|ui| {
                        let label = ui.label("Subject id");
                        ui.add(TextEdit::singleline(&mut form.subject).desired_width(160.0))
                            .labelled_by(label.id);
                    });
                }
                Scope::Visit => {
                    egui::ComboBox::from_label("Visit")
                        .selected_text(form.visit.to_string())
                        .show_ui(ui, |ui| {
                            for v in Visit::ALL {
                                ui.selectable_value(&mut form.visit, v, v.to_string());
                            }
                        });
                }
                Scope::Trial => {}
            }
            ui.label(
                RichText::new(
                    "Blinded roles see no visit labels: visit and trial exports need an admin.",
                )
                .small()
                .weak(),
            );
        }
    }
}

fn options_ui(ui: &mut Ui, state: &mut ExportState, out: &mut Vec<ExportCommand>) {
    let form = &mut state.form;
    let before = form.format;
    egui::ComboBox::from_label("Format")
        .selected_text(form.format.label())
        .show_ui(ui, |ui| {
            for f in FormatChoice::ALL {
                ui.selectable_value(&mut form.format, f, f.label());
            }
        });
    if form.format != before {
        out.push(ExportCommand::FormatChanged(before));
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut form.deidentify, "De-identify (PS3.15 basic profile)");
        if form.deidentify {
            let label = ui.label("Trial id");
            ui.add(TextEdit::singleline(&mut form.trial_id).desired_width(140.0))
                .labelled_by(label.id);
        }
    });
    if form.source == Source::Files {
        ui.horizontal(|ui| {
            let label = ui.label("Lab key file");
            ui.add(
                TextEdit::singleline(&mut form.lab_key_text)
                    .desired_width(260.0)
                    .hint_text("lab-key.json (else the signed-in database's lab key)"),
            )
            .labelled_by(label.id);
        });
    }
    ui.horizontal(|ui| {
        let what = if form.format.writes_folder() {
            "Output folder (or file for one read)"
        } else {
            "Output file"
        };
        let label = ui.label(what);
        ui.add(TextEdit::singleline(&mut form.out_text).desired_width(260.0))
            .labelled_by(label.id);
        if ui.button("Choose…").clicked() {
            out.push(ExportCommand::PickOutput);
        }
    });
}

fn outcome_ui(ui: &mut Ui, outcome: Option<&Outcome>) {
    match outcome {
        None => {}
        Some(Outcome::Failed(e)) => {
            ui.colored_label(theme::ERROR, e);
        }
        Some(Outcome::Done(summary)) => {
            ui.label(
                RichText::new(format!("Wrote {} file(s)", summary.files.len()))
                    .color(theme::GOOD)
                    .strong(),
            );
            egui::ScrollArea::vertical()
                .max_height(140.0)
                .id_salt("export_outcome")
                .show(ui, |ui| {
                    for f in &summary.files {
                        ui.label(RichText::new(f.display().to_string()).small());
                    }
                    for n in &summary.notes {
                        ui.label(RichText::new(format!("note: {n}")).small().weak());
                    }
                });
        }
    }
}
