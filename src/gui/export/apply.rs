//! [`App::apply_export`]: the one place that changes export state, and
//! [`App::export_tick`], which drains the running job.

use std::path::{Path, PathBuf};

use super::{ExportCommand, ExportJob, JobInput, Outcome, Scope, Source};
use crate::export::ExportOptions;
use crate::export::db::Selection;
use crate::gui::App;

/// Most files looked at when a folder is added (protects against an archive root).
const MAX_FOLDER_FILES: usize = 10_000;

impl App {
    /// Applies one export command.
    pub fn apply_export(&mut self, ctx: &egui::Context, command: ExportCommand) {
        match command {
            ExportCommand::Show(open) => self.export.open = open,
            ExportCommand::PickFiles => {
                if let Some(paths) = rfd::FileDialog::new()
                    .set_title("Signed reports to export")
                    .add_filter("Signed report", &["json"])
                    .pick_files()
                {
                    self.add_export_paths(paths);
                }
            }
            ExportCommand::PickFolder => {
                if let Some(folder) = rfd::FileDialog::new()
                    .set_title("Folder of signed reports")
                    .pick_folder()
                {
                    self.add_export_paths(vec![folder]);
                }
            }
            ExportCommand::AddPaths(paths) => {
                self.export.form.path_text.clear();
                self.add_export_paths(paths);
            }
            ExportCommand::RemoveFile(i) => {
                if i < self.export.form.files.len() {
                    self.export.form.files.remove(i);
                }
            }
            ExportCommand::ClearFiles => self.export.form.files.clear(),
            ExportCommand::PickOutput => self.pick_export_output(),
            ExportCommand::FormatChanged(old) => {
                let form = &self.export.form;
                let old_default = super::default_output(&form.files, old);
                if form.out_text.trim().is_empty() || Path::new(form.out_text.trim()) == old_default
                {
                    self.export.form.out_text = self.default_export_output();
                }
            }
            ExportCommand::Start => {
                self.export.message = None;
                if let Err(e) = self.start_export(ctx) {
                    self.export.message = Some(e);
                }
            }
            ExportCommand::Cancel => {
                if let Some(job) = &self.export.job {
                    job.cancel();
                }
            }
        }
    }

    /// Drains the running export (called every frame).
    pub fn export_tick(&mut self) {
        let Some(job) = self.export.job.as_mut() else {
            return;
        };
        if let Some(result) = job.poll() {
            self.export.job = None;
            self.export.outcome = Some(match result {
                Ok(summary) => Outcome::Done(summary),
                Err(e) => Outcome::Failed(e),
            });
        }
    }

    fn add_export_paths(&mut self, paths: Vec<PathBuf>) {
        let mut added = 0;
        let mut problems = Vec::new();
        for p in paths {
            if p.is_dir() {
                match report_files_in(&p) {
                    Ok(found) if found.is_empty() => {
                        problems.push(format!("no reading report in {}", p.display()));
                    }
                    Ok(found) => {
                        for f in found {
                            added += usize::from(self.push_export_file(f));
                        }
                    }
                    Err(e) => problems.push(format!("{}: {e}", p.display())),
                }
            } else if p.is_file() {
                added += usize::from(self.push_export_file(p));
            } else {
                problems.push(format!("{}: no such file or folder", p.display()));
            }
        }
        self.export.message = (!problems.is_empty()).then(|| problems.join("; "));
        if added > 0 && self.export.form.out_text.is_empty() {
            self.export.form.out_text = self.default_export_output();
        }
    }

    fn push_export_file(&mut self, p: PathBuf) -> bool {
        if self.export.form.files.contains(&p) {
            return false;
        }
        self.export.form.files.push(p);
        true
    }

    fn default_export_output(&self) -> String {
        let form = &self.export.form;
        super::default_output(&form.files, form.format)
            .display()
            .to_string()
    }

    fn pick_export_output(&mut self) {
        let form = &self.export.form;
        let several = match form.source {
            Source::Files => form.files.len() > 1,
            Source::Database => true,
        };
        let picked = if form.format.writes_folder() && several {
            rfd::FileDialog::new()
                .set_title("Folder for the read sheets")
                .pick_folder()
        } else {
            let ext = form.format.format().extension();
            rfd::FileDialog::new()
                .set_title("Export to")
                .add_filter(ext, &[ext])
                .set_file_name(format!("read_sheets.{ext}"))
                .save_file()
        };
        if let Some(p) = picked {
            self.export.form.out_text = p.display().to_string();
        }
    }

    fn start_export(&mut self, ctx: &egui::Context) -> Result<(), String> {
        if self.export.busy() {
            return Err("an export is already running".to_owned());
        }
        let form = self.export.form.clone();
        let out = form.out_text.trim();
        if out.is_empty() {
            return Err("choose where to write the export".to_owned());
        }
        let deidentify_trial_id = if form.deidentify {
            let t = form.trial_id.trim();
            if t.is_empty() {
                return Err("de-identification needs the trial id".to_owned());
            }
            Some(t.to_owned())
        } else {
            None
        };
        let input = match form.source {
            Source::Files if form.files.is_empty() => {
                return Err("add signed report files first".to_owned());
            }
            Source::Files => JobInput::Files(form.files.clone()),
            Source::Database => JobInput::Loaded(self.database_inputs()?),
        };
        let options = ExportOptions {
            long: form.format == super::FormatChoice::CsvLong,
            deidentify_trial_id,
            image_dirs: self.image_search_dirs(Vec::new()),
            cancel: None,
            include_superseded: false,
            trust: Some(self.lab_trust()?),
            // Masks remembered from `echolab export --mask`; an unreadable book leaves the
            // region rule, which refuses rather than exports text.
            masks: crate::export::MaskBook::remembered().unwrap_or_default(),
        };
        let repaint = ctx.clone();
        let job = ExportJob::spawn(
            input,
            form.format.format(),
            options,
            PathBuf::from(out),
            move || repaint.request_repaint(),
        )
        .map_err(|e| format!("cannot start the export thread: {e}"))?;
        self.export.outcome = None;
        self.export.job = Some(job);
        Ok(())
    }

    /// What exported signers are checked against: the lab key file typed in the window, else
    /// the lab key pinned in the signed-in reading database (both must agree when both exist).
    fn lab_trust(&self) -> Result<crate::signing::lab::LabTrust, String> {
        use crate::signing::lab::LabTrust;
        let text = self.export.form.lab_key_text.trim();
        let file = (!text.is_empty())
            .then(|| LabTrust::from_file(std::path::Path::new(text)))
            .transpose()
            .map_err(|e| e.to_string())?;
        match (self.records.model.database(), file) {
            (Some(store), file) => store.lab_trust(file.as_ref()).map_err(|e| e.to_string()),
            (None, Some(file)) => Ok(file),
            (None, None) => Err(
                "give the lab key file (lab-key.json), or sign in to the reading database: \
                 exports take only reports of signers certified by the lab"
                    .to_owned(),
            ),
        }
    }

    fn database_inputs(&self) -> Result<Vec<crate::export::SignedInput>, String> {
        let model = &self.records.model;
        let (Some(store), Some(session)) = (model.database(), model.session.as_ref()) else {
            return Err("sign in to the reading database first (Reading ▸ Sign in)".to_owned());
        };
        let form = &self.export.form;
        let selection = match form.scope {
            Scope::Subject if form.subject.trim().is_empty() => {
                return Err("type the subject id".to_owned());
            }
            Scope::Subject => Selection::Subject(form.subject.trim().to_owned()),
            Scope::Visit => Selection::Visit(form.visit),
            Scope::Trial => Selection::Trial,
        };
        let db_path = model.resolved_db_path().unwrap_or_default();
        crate::export::db::signed_reads(store, session, &selection, &db_path)
            .map_err(|e| e.to_string())
    }
}

/// The reading reports (JSON files that parse as one) directly in `dir`, sorted.
fn report_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)?.take(MAX_FOLDER_FILES) {
        let path = entry?.path();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json && crate::report::read_report(&path).is_ok() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
