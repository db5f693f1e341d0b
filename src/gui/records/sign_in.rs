//! The sign-in window: reader id and passphrase, checked against the reader's sealed key.

use egui::{RichText, Ui};

use super::credentials::{CredentialLabels, credentials_grid};
use super::{RecordsCommand, RecordsModel, Secret, SignInForm};
use crate::gui::theme;

/// The sign-in window (closing it hides it).
pub fn sign_in_window(
    ctx: &egui::Context,
    model: &RecordsModel,
    form: &mut SignInForm,
) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Sign in as a reader")
        .collapsible(false)
        .resizable(false)
        .open(&mut open)
        .show(ctx, |ui| out.extend(sign_in_ui(ui, model, form)));
    if !open {
        form.passphrase = Secret::default();
        out.push(RecordsCommand::CloseSignIn);
    }
    out
}

/// The sign-in form.
pub fn sign_in_ui(ui: &mut Ui, model: &RecordsModel, form: &mut SignInForm) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    match model.resolved_db_path() {
        Some(p) => ui.label(RichText::new(format!("Database: {}", p.display())).small()),
        None => ui.colored_label(
            theme::ERROR,
            "No database path: start with --db PATH or set ECHOLAB_DB",
        ),
    };
    let mut submit = credentials_grid(
        ui,
        &CredentialLabels {
            grid_id: "sign_in_grid",
            id_label: "Reader id",
            passphrase_label: "Passphrase",
            width: 200.0,
        },
        &mut form.reader_id,
        &mut form.passphrase,
    );
    if let Some(e) = &model.sign_in_error {
        ui.colored_label(theme::ERROR, e);
    }
    let ready = !form.reader_id.trim().is_empty() && !form.passphrase.0.is_empty();
    submit |= ui
        .add_enabled(ready, egui::Button::new("Sign in"))
        .clicked();
    if submit && ready {
        out.push(RecordsCommand::SignIn {
            reader_id: form.reader_id.trim().to_owned(),
            passphrase: std::mem::take(&mut form.passphrase),
        });
    }
    out
}
