//! The Open from PACS window: connection, search form, results table, progress.

use egui::{RichText, Ui};

use super::{PacsCommand, PacsState};

/// Draws the window; returns the reader's commands.
pub fn pacs_window(ctx: &egui::Context, state: &mut PacsState) -> Vec<PacsCommand> {
    let mut out = Vec::new();
    let mut open = state.open;
    egui::Window::new("Open from PACS")
        .open(&mut open)
        .default_width(640.0)
        .show(ctx, |ui| {
            connection_ui(ui, state, &mut out);
            ui.separator();
            if state.send_offered {
                let busy = state.job.is_some();
                let b = ui
                    .add_enabled(!busy, egui::Button::new("Send signed read as SR"))
                    .on_hover_text("The signed read on screen, as DICOM Comprehensive SR (STOW-RS)")
                    .on_disabled_hover_text("Wait for the running job");
                if b.clicked() {
                    out.push(PacsCommand::SendSigned);
                }
                ui.separator();
            }
            search_ui(ui, state, &mut out);
            ui.separator();
            results_ui(ui, state, &mut out);
            job_ui(ui, state, &mut out);
            if let Some(m) = &state.message {
                ui.label(RichText::new(m).strong());
            }
        });
    if !open {
        out.push(PacsCommand::Show(false));
    }
    out
}

fn connection_ui(ui: &mut Ui, state: &mut PacsState, out: &mut Vec<PacsCommand>) {
    if !state.saved.pacs.is_empty() {
        ui.horizontal(|ui| {
            ui.label("Saved:");
            for (i, p) in state.saved.pacs.iter().enumerate() {
                if ui.button(&p.name).clicked() {
                    out.push(PacsCommand::UseSaved(i));
                }
            }
        });
    }
    egui::Grid::new("pacs_connection")
        .num_columns(2)
        .show(ui, |ui| {
            field(ui, "Name", egui::TextEdit::singleline(&mut state.form.name));
            ui.end_row();
            wide_field(
                ui,
                "DICOMweb URL",
                egui::TextEdit::singleline(&mut state.form.url)
                    .hint_text("https://pacs.example/dicom-web"),
                360.0,
            );
            ui.end_row();
            field(ui, "User", egui::TextEdit::singleline(&mut state.form.user));
            ui.end_row();
            field(
                ui,
                "Password",
                egui::TextEdit::singleline(&mut state.form.password).password(true),
            );
            ui.end_row();
        });
    ui.checkbox(
        &mut state.show_dimse,
        "DIMSE (when the PACS has no DICOMweb)",
    );
    if state.show_dimse {
        egui::Grid::new("pacs_dimse").num_columns(4).show(ui, |ui| {
            let f = &mut state.form;
            field(ui, "PACS AE title", egui::TextEdit::singleline(&mut f.aet));
            field(ui, "Host", egui::TextEdit::singleline(&mut f.host));
            ui.end_row();
            field(ui, "Port", egui::TextEdit::singleline(&mut f.port));
            let calling = egui::TextEdit::singleline(&mut f.calling_aet).hint_text("ECHOLAB");
            field(ui, "Our AE title", calling);
            ui.end_row();
        });
        ui.label("Leave the DICOMweb URL empty to search and retrieve over DIMSE (C-FIND, C-GET).");
    }
    if ui
        .button("Save this PACS")
        .on_hover_text(
            "Name, URL or AE title/host/port and user are saved on this workstation; \
             the password is not",
        )
        .clicked()
    {
        out.push(PacsCommand::SaveEndpoint);
    }
}

fn search_ui(ui: &mut Ui, state: &mut PacsState, out: &mut Vec<PacsCommand>) {
    egui::Grid::new("pacs_search")
        .num_columns(2)
        .show(ui, |ui| {
            let f = &mut state.form;
            let patient = egui::TextEdit::singleline(&mut f.patient).hint_text("* and ? allowed");
            field(ui, "Patient / subject id", patient);
            ui.end_row();
            field(
                ui,
                "Accession",
                egui::TextEdit::singleline(&mut f.accession),
            );
            ui.end_row();
            let from = egui::TextEdit::singleline(&mut f.date_from).hint_text("YYYYMMDD");
            field(ui, "Study date from", from);
            ui.end_row();
            let to = egui::TextEdit::singleline(&mut f.date_to).hint_text("YYYYMMDD");
            field(ui, "to", to);
            ui.end_row();
        });
    let busy = state.job.is_some();
    let no_url = state.form.url.trim().is_empty() && state.form.aet.trim().is_empty();
    let search = ui.add_enabled(!busy && !no_url, egui::Button::new("Search"));
    let search = if no_url {
        search.on_disabled_hover_text("Give the PACS's DICOMweb URL or its AE title first")
    } else {
        search.on_disabled_hover_text("Wait for the running search or retrieval")
    };
    if search.clicked() {
        out.push(PacsCommand::Search);
    }
}

fn results_ui(ui: &mut Ui, state: &PacsState, out: &mut Vec<PacsCommand>) {
    if state.results.is_empty() {
        return;
    }
    let busy = state.job.is_some();
    egui::ScrollArea::vertical()
        .max_height(260.0)
        .show(ui, |ui| {
            egui::Grid::new("pacs_results")
                .num_columns(6)
                .striped(true)
                .show(ui, |ui| {
                    for h in [
                        "Patient",
                        "Study date",
                        "Modalities",
                        "Images",
                        "Description",
                        "",
                    ] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for (i, s) in state.results.iter().enumerate() {
                        ui.label(s.patient_id.as_deref().unwrap_or("-"));
                        ui.label(date(s.study_date.as_deref()));
                        ui.label(s.modalities.join("/"));
                        ui.label(s.instances.map_or("?".to_owned(), |n| n.to_string()));
                        ui.label(s.description.as_deref().unwrap_or(""));
                        let b = ui
                            .add_enabled(!busy, egui::Button::new("Retrieve and open"))
                            .on_hover_text(format!("Study {}", s.study_uid))
                            .on_disabled_hover_text("Wait for the running retrieval");
                        if b.clicked() {
                            out.push(PacsCommand::Retrieve(i));
                        }
                        ui.end_row();
                    }
                });
        });
}

fn job_ui(ui: &mut Ui, state: &PacsState, out: &mut Vec<PacsCommand>) {
    let Some(job) = &state.job else { return };
    let (done, total, bytes) = job
        .status
        .lock()
        .map(|s| (s.done, s.total, s.bytes))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(&job.what);
    });
    if total > 0 {
        ui.add(
            egui::ProgressBar::new(done as f32 / total as f32).text(format!(
                "{done}/{total} images, {:.1} MB",
                bytes as f64 / 1e6
            )),
        );
    }
    if ui.button("Cancel").clicked() {
        out.push(PacsCommand::Cancel);
    }
}

/// A label and its text field, tied together for assistive technology (and tests).
fn field(ui: &mut Ui, label: &str, edit: egui::TextEdit<'_>) {
    wide_field(ui, label, edit, 180.0);
}

/// [`field`] of a given width.
fn wide_field(ui: &mut Ui, label: &str, edit: egui::TextEdit<'_>, width: f32) {
    let l = ui.label(label);
    ui.add(edit.desired_width(width)).labelled_by(l.id);
}

/// `YYYYMMDD` as `YYYY-MM-DD` (anything else as it is).
fn date(d: Option<&str>) -> String {
    match d {
        Some(d) if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
        }
        Some(d) => d.to_owned(),
        None => "-".to_owned(),
    }
}
