//! The two identification fields of every sign-in and signature (§11.200(a)): reader id and
//! passphrase, labelled for assistive technology, Enter in the passphrase submits.

use egui::{Key, TextEdit, Ui};

use super::Secret;

/// Field labels and layout of one credentials grid.
pub struct CredentialLabels<'a> {
    /// Grid id (unique per window).
    pub grid_id: &'a str,
    /// Label of the reader id field.
    pub id_label: &'a str,
    /// Label of the passphrase field.
    pub passphrase_label: &'a str,
    /// Width of both fields.
    pub width: f32,
}

/// Shows the reader id and passphrase fields; true when Enter was pressed in the passphrase.
pub fn credentials_grid(
    ui: &mut Ui,
    labels: &CredentialLabels<'_>,
    reader_id: &mut String,
    passphrase: &mut Secret,
) -> bool {
    let mut submit = false;
    egui::Grid::new(labels.grid_id)
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label(labels.id_label);
            ui.add(TextEdit::singleline(reader_id).desired_width(labels.width))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label(labels.passphrase_label);
            let r = ui
                .add(
                    TextEdit::singleline(&mut passphrase.0)
                        .password(true)
                        .desired_width(labels.width),
                )
                .labelled_by(label.id);
            submit = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.end_row();
        });
    submit
}
