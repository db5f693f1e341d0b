//! The signing dialog (modal): the Part 11 manifestation text — printed name, that the date and
//! time are recorded in UTC, and the meaning — then reader id and passphrase typed again
//! (§11.50, §11.200).

use egui::{Id, RichText};

use super::credentials::{CredentialLabels, credentials_grid};
use super::{RecordsCommand, RecordsModel, Secret, SignForm};
use crate::gui::theme;
use crate::report::SignatureMeaning;
use crate::report::render::signing_dialog_text;
use crate::report::summary::SigningSummary;

/// The modal signing dialog. Escape or a click outside cancels.
pub fn sign_dialog_ui(
    ctx: &egui::Context,
    model: &RecordsModel,
    form: &mut SignForm,
) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let Some(session) = &model.session else {
        out.push(RecordsCommand::CancelSign);
        return out;
    };
    // Exactly what will be signed: the draft as just saved from the screen.
    let summary = model
        .current
        .as_ref()
        .map(|c| SigningSummary::of(&c.report));
    let empty = summary.as_ref().is_none_or(SigningSummary::is_empty);
    let response = egui::Modal::new(Id::unique("records_sign_dialog")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Sign reading report");
        if let Some(c) = &model.current {
            ui.label(
                RichText::new(format!(
                    "Report {} version {}",
                    c.read_id(),
                    c.report.version
                ))
                .color(theme::TEXT_WEAK),
            );
        }
        ui.horizontal(|ui| {
            let label = ui.label("Meaning");
            egui::ComboBox::from_id_salt("sign_meaning")
                .selected_text(form.meaning.code())
                .show_ui(ui, |ui| {
                    for m in SignatureMeaning::ALL {
                        ui.selectable_value(&mut form.meaning, m, m.code());
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.separator();
        let text = signing_dialog_text(session.name(), session.reader_id(), form.meaning);
        ui.add(egui::Label::new(text).wrap());
        ui.separator();
        if let Some(summary) = &summary {
            egui::ScrollArea::vertical()
                .id_salt("sign_summary")
                .max_height(180.0)
                .show(ui, |ui| {
                    let text = RichText::new(summary.text());
                    ui.label(if empty {
                        text.color(theme::ERROR)
                    } else {
                        text
                    });
                });
        }
        if empty {
            ui.checkbox(
                &mut form.confirm_empty,
                "Sign an empty read (no measurements, findings or grade)",
            );
        }
        ui.separator();
        let mut submit = credentials_grid(
            ui,
            &CredentialLabels {
                grid_id: "sign_dialog_grid",
                id_label: "Signing reader id",
                passphrase_label: "Signing passphrase",
                width: 220.0,
            },
            &mut form.reader_id,
            &mut form.passphrase,
        );
        if let Some(e) = &model.sign_error {
            ui.colored_label(theme::ERROR, e);
        }
        let ready = !form.reader_id.trim().is_empty()
            && !form.passphrase.0.is_empty()
            && (!empty || form.confirm_empty);
        let mut cancel = false;
        ui.horizontal(|ui| {
            submit |= ui.add_enabled(ready, egui::Button::new("Sign")).clicked();
            cancel = ui.button("Cancel").clicked();
        });
        (submit && ready, cancel)
    });
    let (submit, cancel) = response.inner;
    if submit {
        out.push(RecordsCommand::Sign {
            reader_id: form.reader_id.trim().to_owned(),
            passphrase: std::mem::take(&mut form.passphrase),
            meaning: form.meaning,
            confirm_empty: empty && form.confirm_empty,
        });
    } else if cancel || response.should_close() {
        form.passphrase = Secret::default();
        out.push(RecordsCommand::CancelSign);
    }
    out
}
