//! Reading ▸ Import folder… (admins): registers a folder's studies in the reading database, as
//! they are or — "De-identify (trial ID …)" — as de-identified, pixel-cleaned copies under
//! subject codes ([`crate::export::deid_import`]). The window returns
//! [`RecordsCommand::StartImport`]; the import runs on a background thread with its own
//! connection to the database, and its summary comes back to the window.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

use super::{RecordsCommand, RecordsModel};
use crate::gui::theme;
use crate::report::now_utc;
use crate::store::{ImportOptions, ImportSummary, Store, SubjectMap};

/// A file or folder field of the import window with a "Choose…" button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPathField {
    /// The folder to import.
    Folder,
    /// The site's subject map (CSV).
    SubjectMap,
    /// The folder of the de-identified copies.
    StoreDir,
}

/// Text typed into the import window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportForm {
    /// Folder to import.
    pub folder: String,
    /// Store de-identified copies under subject codes.
    pub deidentify: bool,
    /// Trial id (de-identified imports).
    pub trial_id: String,
    /// Subject map CSV (optional).
    pub subject_map: String,
    /// Folder of the copies (empty: `<db name>-images` beside the database).
    pub store_dir: String,
}

impl ImportForm {
    /// The field's text.
    pub fn field_mut(&mut self, field: ImportPathField) -> &mut String {
        match field {
            ImportPathField::Folder => &mut self.folder,
            ImportPathField::SubjectMap => &mut self.subject_map,
            ImportPathField::StoreDir => &mut self.store_dir,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportMode {
    /// Register the files as they are.
    Plain,
    /// Store de-identified copies (see [`crate::export::deid_import`]).
    Deidentify {
        /// Trial id.
        trial_id: String,
        /// The site's subject map.
        subject_map: Option<PathBuf>,
        /// Folder of the copies (`None`: beside the database).
        store_dir: Option<PathBuf>,
    },
}

/// An import the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRequest {
    /// Folder to import.
    pub folder: PathBuf,
    /// How.
    pub mode: ImportMode,
}

fn optional_path(text: &str) -> Option<PathBuf> {
    let t = text.trim();
    (!t.is_empty()).then(|| PathBuf::from(t))
}

/// The request a filled form makes, or what is missing.
pub fn import_request(form: &ImportForm) -> Result<ImportRequest, String> {
    let folder = optional_path(&form.folder).ok_or("choose the folder to import")?;
    let mode = if form.deidentify {
        let trial_id = form.trial_id.trim();
        if trial_id.is_empty() {
            return Err("give the trial ID to de-identify under".to_owned());
        }
        ImportMode::Deidentify {
            trial_id: trial_id.to_owned(),
            subject_map: optional_path(&form.subject_map),
            store_dir: optional_path(&form.store_dir),
        }
    } else {
        ImportMode::Plain
    };
    Ok(ImportRequest { folder, mode })
}

fn summary_text(summary: &ImportSummary, store_dir: Option<&Path>) -> String {
    let mut lines = Vec::new();
    for s in &summary.studies {
        lines.push(s.describe(&super::short_uid(&s.study_uid)));
    }
    for (p, why) in &summary.skipped {
        lines.push(format!("skipped {}: {why}", p.display()));
    }
    if summary.studies.is_empty() {
        lines.push("no study was imported".to_owned());
    }
    if let Some(dir) = store_dir {
        lines.push(format!("de-identified copies in {}", dir.display()));
    }
    lines.join("\n")
}

/// Runs an import on its own connection to the database at `db` (for the background thread);
/// the text is the summary shown in the window. A de-identified import's text and errors name
/// no original identifier.
pub fn run_import(db: &Path, actor: &str, request: &ImportRequest) -> Result<String, String> {
    let mut store = Store::open_existing(db).map_err(|e| e.to_string())?;
    match &request.mode {
        ImportMode::Plain => store
            .import_folder(actor, &request.folder, &ImportOptions::default(), now_utc())
            .map(|s| summary_text(&s, None))
            .map_err(|e| format!("import failed: {e}")),
        ImportMode::Deidentify {
            trial_id,
            subject_map,
            store_dir,
        } => {
            use crate::export::deid_import::{DeidImport, default_store_dir, import_deidentified};
            let subject_map = match subject_map {
                Some(p) => SubjectMap::load(p).map_err(|e| e.to_string())?,
                None => SubjectMap::default(),
            };
            let options = DeidImport {
                trial_id: trial_id.clone(),
                subject_map,
                store_dir: store_dir.clone().unwrap_or_else(|| default_store_dir(db)),
                visit: None,
                site: None,
                masks: crate::export::MaskBook::remembered().map_err(|e| e.to_string())?,
            };
            import_deidentified(&mut store, actor, &request.folder, &options, now_utc())
                .map(|s| summary_text(&s, Some(&options.store_dir)))
                .map_err(|e| format!("de-identifying import failed: {e}"))
        }
    }
}

/// The import window (closing it hides it).
pub fn import_window(
    ctx: &egui::Context,
    model: &RecordsModel,
    form: &mut ImportForm,
) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Import folder into the database")
        .collapsible(false)
        .resizable(true)
        .open(&mut open)
        .show(ctx, |ui| out.extend(import_ui(ui, model, form)));
    if !open {
        out.push(RecordsCommand::ShowImport(false));
    }
    out
}

fn path_row(
    ui: &mut Ui,
    label: &str,
    text: &mut String,
    field: ImportPathField,
    out: &mut Vec<RecordsCommand>,
) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(text).desired_width(320.0))
            .labelled_by(l.id);
        if ui.button("Choose…").clicked() {
            out.push(RecordsCommand::PickImportPath(field));
        }
    });
}

/// The import form.
pub fn import_ui(ui: &mut Ui, model: &RecordsModel, form: &mut ImportForm) -> Vec<RecordsCommand> {
    let mut out = Vec::new();
    if let Some(p) = model.resolved_db_path() {
        ui.label(RichText::new(format!("Database: {}", p.display())).small());
    }
    path_row(
        ui,
        "Folder",
        &mut form.folder,
        ImportPathField::Folder,
        &mut out,
    );
    ui.checkbox(&mut form.deidentify, "De-identify (trial ID …)")
        .on_hover_text(
            "Store de-identified copies (PS3.15 basic profile, dates kept, burned-in text \
             outside the US regions blacked out) under subject codes; the site's names and IDs \
             never reach the database",
        );
    if form.deidentify {
        ui.horizontal(|ui| {
            let l = ui.label("Trial ID");
            ui.text_edit_singleline(&mut form.trial_id)
                .labelled_by(l.id);
        });
        path_row(
            ui,
            "Subject map (CSV patient_id,subject_code; optional)",
            &mut form.subject_map,
            ImportPathField::SubjectMap,
            &mut out,
        );
        path_row(
            ui,
            "Store copies in (empty: beside the database)",
            &mut form.store_dir,
            ImportPathField::StoreDir,
            &mut out,
        );
    }
    let request = import_request(form);
    let running = model.import_running;
    ui.horizontal(|ui| {
        let button = ui.add_enabled(
            request.is_ok() && !running,
            egui::Button::new(if running { "Importing…" } else { "Import" }),
        );
        if button.clicked()
            && let Ok(r) = &request
        {
            out.push(RecordsCommand::StartImport(r.clone()));
        }
        if let Err(why) = &request {
            ui.label(RichText::new(why).small());
        }
    });
    if running {
        ui.spinner();
    }
    match &model.import_result {
        Some(Ok(text)) => {
            ui.separator();
            ui.label(RichText::new(text).monospace().small());
        }
        Some(Err(e)) => {
            ui.colored_label(theme::ERROR, e);
        }
        None => {}
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_form_makes_a_request_or_says_what_is_missing() {
        let mut f = ImportForm::default();
        assert!(import_request(&f).unwrap_err().contains("folder"));
        f.folder = " /in/site ".to_owned();
        assert_eq!(
            import_request(&f).unwrap(),
            ImportRequest {
                folder: PathBuf::from("/in/site"),
                mode: ImportMode::Plain
            }
        );
        f.deidentify = true;
        assert!(import_request(&f).unwrap_err().contains("trial ID"));
        f.trial_id = "T-1".to_owned();
        f.subject_map = "/maps/site.csv".to_owned();
        assert_eq!(
            import_request(&f).unwrap().mode,
            ImportMode::Deidentify {
                trial_id: "T-1".to_owned(),
                subject_map: Some(PathBuf::from("/maps/site.csv")),
                store_dir: None
            }
        );
    }
}
