//! The sign-in window: reader id and passphrase, checked against the reader's sealed key.

use egui::{Key, RichText, TextEdit, Ui};

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
    let mut submit = false;
    egui::Grid::new("sign_in_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Reader id");
            ui.add(TextEdit::singleline(&mut form.reader_id).desired_width(200.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Passphrase");
            let r = ui
                .add(
                    TextEdit::singleline(&mut form.passphrase.0)
                        .password(true)
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
            submit |= r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.end_row();
        });
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
