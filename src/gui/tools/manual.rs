//! Manual entry: a labelled number field in the catalog unit (values taken elsewhere, the PISA
//! aliasing velocity …) and the answer widgets of qualitative findings.

use egui::{Id, Ui};

use crate::catalog::{CatalogEntry, FindingKind};
use crate::gui::app::Command;
use crate::measure::FindingValue;

/// Edit buffer of a number field, kept in egui's temporary memory.
#[derive(Clone, Default)]
struct Buffer {
    text: String,
    /// The document value the text was last synced from.
    synced: Option<f64>,
}

/// Parses a typed number; accepts a decimal comma. Empty text means "clear".
pub fn parse_number(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!("`{}` is not a number", text.trim())),
    }
}

/// A number field for catalog entry `entry` showing `current` (in the entry's unit). Returns
/// `SetManual` when the reader presses Enter or leaves the field with a changed value.
pub fn manual_value_ui(ui: &mut Ui, entry: &CatalogEntry, current: Option<f64>) -> Option<Command> {
    let unit = entry.unit?;
    let id = Id::unique(("manual-entry", &entry.id));
    let mut buffer: Buffer = ui.data_mut(|d| d.get_temp(id)).unwrap_or_default();
    let mut out = None;
    ui.horizontal(|ui| {
        let label = ui.label(crate::gui::app::ui::short_label(&entry.label));
        let edit = egui::TextEdit::singleline(&mut buffer.text)
            .desired_width(70.0)
            .hint_text(entry.default.map(|d| format!("{d}")).unwrap_or_default())
            .id(id.with("text"));
        let response = ui.add(edit).labelled_by(label.id);
        if !response.has_focus() && buffer.synced != current {
            buffer.text = current.map(|v| format!("{v}")).unwrap_or_default();
            buffer.synced = current;
        }
        ui.label(unit.display_symbol());
        let commit = response.lost_focus();
        if commit {
            match parse_number(&buffer.text) {
                Ok(value) if value != current => {
                    buffer.synced = value;
                    out = Some(Command::SetManual {
                        id: entry.id.clone(),
                        value,
                    });
                }
                Ok(_) => {}
                Err(e) => {
                    ui.colored_label(crate::gui::theme::ERROR, e);
                }
            }
        }
    });
    ui.data_mut(|d| d.insert_temp(id, buffer));
    out
}

/// The answer widget of a finding: a combo of choices, or yes/no.
pub fn finding_ui(
    ui: &mut Ui,
    entry: &CatalogEntry,
    current: Option<&FindingValue>,
) -> Option<Command> {
    let kind = entry.finding_kind()?;
    let mut out = None;
    ui.horizontal(|ui| {
        let label = ui.label(crate::gui::app::ui::short_label(&entry.label));
        let shown = current.map_or_else(|| "—".to_owned(), |v| v.to_string().replace('_', " "));
        let combo = egui::ComboBox::from_id_salt(("finding", &entry.id))
            .selected_text(shown)
            .show_ui(ui, |ui| {
                let mut pick = |value: Option<FindingValue>, text: String| {
                    let selected = current == value.as_ref();
                    if ui.selectable_label(selected, text).clicked() {
                        out = Some(Command::SetFinding {
                            id: entry.id.clone(),
                            value: value.clone(),
                        });
                    }
                };
                pick(None, "—".to_owned());
                match &kind {
                    FindingKind::Boolean => {
                        pick(Some(FindingValue::Bool(true)), "yes".to_owned());
                        pick(Some(FindingValue::Bool(false)), "no".to_owned());
                    }
                    FindingKind::Choice(choices) => {
                        for c in choices {
                            pick(Some(FindingValue::Choice(c.clone())), c.replace('_', " "));
                        }
                    }
                }
            });
        combo.response.labelled_by(label.id);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_with_comma_and_empty_clears() {
        assert_eq!(parse_number(" 40 "), Ok(Some(40.0)));
        assert_eq!(parse_number("0,35"), Ok(Some(0.35)));
        assert_eq!(parse_number(""), Ok(None));
        assert!(parse_number("fast").is_err());
        assert!(parse_number("inf").is_err());
    }
}
