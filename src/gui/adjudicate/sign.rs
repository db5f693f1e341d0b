//! Signing the adjudication (modal): the manifestation text with meaning `adjudication`, the
//! adjudicator's id and passphrase typed again (§11.200), and afterwards the two signed files
//! (record and adjudicated reading report) with what verifying them said.

use egui::{RichText, Ui};

use super::{AdjCommand, AdjModel, SignForm, SignedOutput};
use crate::compare::grade_words;
use crate::gui::records::Secret;
use crate::gui::records::credentials::{CredentialLabels, credentials_grid};
use crate::gui::theme;
use crate::report::SignatureMeaning;
use crate::report::render::{manifestation_line, signing_dialog_text};
use crate::store::Session;

/// The modal signing dialog. Escape or a click outside cancels.
pub fn sign_dialog_ui(
    ctx: &egui::Context,
    model: &AdjModel,
    form: &mut SignForm,
    session: Option<&Session>,
) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    let response = egui::Modal::new(egui::Id::unique("adjudication_sign_dialog")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading("Sign adjudication");
        let mut submit = false;
        let mut cancel = false;
        let Some(session) = session else {
            ui.add(
                egui::Label::new(
                    "Signing needs the reading database: the adjudicator's signing key is kept \
                     there. Sign in (Reading ▸ Sign in…) as an adjudicator, then sign again. \
                     The draft record can be saved without it.",
                )
                .wrap(),
            );
            cancel = ui.button("Close").clicked();
            return (false, cancel);
        };
        if let Some(d) = &model.sign_draft {
            ui.label(
                RichText::new(format!(
                    "Adjudication {} · final grade {}",
                    d.record_id,
                    d.final_grade.map_or("none".to_owned(), grade_words)
                ))
                .color(theme::TEXT_WEAK),
            );
        }
        ui.separator();
        let text = signing_dialog_text(
            session.name(),
            session.reader_id(),
            SignatureMeaning::Adjudication,
        );
        ui.add(egui::Label::new(text).wrap());
        ui.label(
            RichText::new(
                "Both the adjudication record and the adjudicated reading report are signed.",
            )
            .color(theme::TEXT_WEAK),
        );
        ui.separator();
        submit |= credentials_grid(
            ui,
            &CredentialLabels {
                grid_id: "adj_sign_grid",
                id_label: "Adjudicator id",
                passphrase_label: "Adjudicator passphrase",
                width: 220.0,
            },
            &mut form.reader_id,
            &mut form.passphrase,
        );
        if let Some(e) = &model.sign_error {
            ui.colored_label(theme::ERROR, e);
        }
        let ready = !form.reader_id.trim().is_empty() && !form.passphrase.0.is_empty();
        ui.horizontal(|ui| {
            submit |= ui
                .add_enabled(ready, egui::Button::new("Sign with meaning adjudication"))
                .clicked();
            cancel = ui.button("Cancel").clicked();
        });
        (submit && ready, cancel)
    });
    let (submit, cancel) = response.inner;
    if submit {
        out.push(AdjCommand::Sign {
            reader_id: form.reader_id.trim().to_owned(),
            passphrase: std::mem::take(&mut form.passphrase),
        });
    } else if cancel || response.should_close() {
        form.passphrase = Secret::default();
        out.push(AdjCommand::CancelSign);
    }
    out
}

/// The signed files and their verification.
pub fn signed_ui(ui: &mut Ui, s: &SignedOutput) {
    ui.label(RichText::new("Signed").strong().color(theme::GOOD));
    if let Some(sig) = &s.record.signature {
        ui.label(manifestation_line(sig));
    }
    ui.label(format!("Adjudication record: {}", s.record_path.display()));
    ui.label(format!(
        "Adjudicated reading report {}: {}",
        s.report.report_id,
        s.report_path.display()
    ));
    for v in &s.verification {
        let color = if v.contains("NOT intact") {
            theme::ERROR
        } else {
            theme::GOOD
        };
        ui.colored_label(color, v);
    }
    egui::CollapsingHeader::new("Adjudicated report comment")
        .default_open(false)
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(&s.report.comment).monospace()).wrap());
        });
}
