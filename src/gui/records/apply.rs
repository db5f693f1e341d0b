//! The one place that changes records state: [`App::apply_records`], and the per-frame autosave
//! ([`App::records_tick`]). Every durable change goes through [`Store`].

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use super::{
    AUTOSAVE_INTERVAL_S, CurrentRead, HistoryView, RecordsCommand, RecordsModel, RestoreState,
    Secret, restore,
};
use crate::gui::App;
use crate::gui::app::Command;
use crate::report::draft::{GradingChoice, apply_measurement_set};
use crate::report::render::{manifestation_line, render_text};
use crate::report::summary::SigningSummary;
use crate::report::{ReportStatus, format_utc, now_utc};
use crate::signing::{SigningError, verify_report};
use crate::store::{Credentials, KeyCheck, SaveOutcome, Session, Store, StoreError};

impl RecordsModel {
    /// The open database, opening it on first use.
    fn store(&mut self) -> Result<&mut Store, String> {
        if self.store.is_none() {
            let path = self.resolved_db_path().ok_or_else(|| {
                "no database path: start with --db PATH or set ECHOLAB_DB".to_owned()
            })?;
            let store = Store::open(&path)
                .map_err(|e| format!("cannot open the reading database {}: {e}", path.display()))?;
            self.store = Some(store);
        }
        self.store
            .as_mut()
            .ok_or_else(|| "the reading database is not open".to_owned())
    }

    /// Store and session together, or why not.
    pub(crate) fn signed_in(&mut self) -> Result<(&mut Store, Session), String> {
        let session = self
            .session
            .clone()
            .ok_or_else(|| "sign in first".to_owned())?;
        Ok((self.store()?, session))
    }

    /// Starts an import on a background thread (admins only; one at a time).
    fn start_import(&mut self, request: super::import::ImportRequest) {
        let session = match &self.session {
            Some(s) if s.role() == crate::store::Role::Admin => s.clone(),
            _ => {
                self.import_result = Some(Err("only an admin may import studies".to_owned()));
                return;
            }
        };
        if self.import_running {
            return;
        }
        let Some(db) = self.resolved_db_path() else {
            self.import_result = Some(Err("no database path".to_owned()));
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let actor = session.reader_id().to_owned();
        let spawned = std::thread::Builder::new()
            .name("db-import".to_owned())
            .spawn(move || {
                let _ = tx.send(super::import::run_import(&db, &actor, &request));
            });
        match spawned {
            Ok(_) => {
                self.import_running = true;
                self.import_result = None;
                self.import_job = Some(rx);
            }
            Err(e) => self.import_result = Some(Err(format!("cannot start the import: {e}"))),
        }
    }

    /// Collects a finished import; true while one is running.
    fn import_tick(&mut self) -> bool {
        let Some(rx) = &self.import_job else {
            return false;
        };
        match rx.try_recv() {
            Ok(result) => {
                self.import_result = Some(result);
                self.import_running = false;
                self.import_job = None;
                false
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => true,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.import_result = Some(Err("the import stopped unexpectedly".to_owned()));
                self.import_running = false;
                self.import_job = None;
                false
            }
        }
    }

    fn refresh_worklist(&mut self) {
        let result = self
            .signed_in()
            .and_then(|(store, s)| store.worklist(&s).map_err(|e| e.to_string()));
        match result {
            Ok(list) => self.worklist = list,
            Err(e) => self.message = Some(format!("Worklist: {e}")),
        }
    }

    /// Where the autosaved draft of `read_id` is also written (next to the database).
    fn backup_path(&self, read_id: &str) -> Option<PathBuf> {
        let db = self.resolved_db_path()?;
        let dir = db.parent()?.join("echolab-drafts");
        Some(dir.join(format!("{read_id}.json")))
    }

    /// Reloads the history window for `read_id`, showing `version` (default: the latest).
    fn load_history(&mut self, read_id: &str, version: Option<u32>) -> Result<(), String> {
        let (store, session) = self.signed_in()?;
        let versions = store
            .read_versions(&session, read_id)
            .map_err(|e| e.to_string())?;
        let selected = version.or_else(|| versions.last().map(|v| v.version));
        let report = match selected {
            Some(v) => match store.read_version(&session, read_id, v) {
                Ok(r) => Some(r),
                // Blinded readers see the redacted latest version instead.
                Err(StoreError::AccessDenied(_)) => store
                    .open_read(&session, read_id)
                    .ok()
                    .filter(|o| o.report.version == v)
                    .map(|o| o.report),
                Err(e) => return Err(e.to_string()),
            },
            None => None,
        };
        let text = report
            .as_ref()
            .map_or_else(|| "(this version is not visible)".to_owned(), render_text);
        let verification = report.as_ref().and_then(|r| {
            let sig = r.signature.as_ref()?;
            let v = verify_report(r);
            if !v.is_intact() {
                return Some(Err(v.problems));
            }
            let trust = store
                .lab_trust(None)
                .map_err(|e| format!("signer not certified by this lab: {e}"))
                .and_then(|t| store.check_signer_trust(sig, &t).map_err(|e| e.to_string()));
            match trust {
                Ok(problems) if problems.is_empty() => {}
                Ok(problems) => return Some(Err(problems)),
                Err(e) => return Some(Err(vec![e])),
            }
            let key = match store.check_signer_key(sig) {
                Ok(KeyCheck::MatchesRegistry { .. }) => "key matches the reader registry",
                Ok(_) => "key does NOT match the reader registry",
                Err(_) => "reader registry not checked",
            };
            Some(Ok(format!(
                "Signature valid, content intact, signer certified by the lab ({key}). {}",
                manifestation_line(sig)
            )))
        });
        let audit = store
            .read_history(&session, read_id)
            .map_err(|e| e.to_string());
        self.history = Some(HistoryView {
            read_id: read_id.to_owned(),
            versions,
            selected,
            text,
            verification,
            audit,
        });
        Ok(())
    }
}

fn sign_error_text(e: &StoreError) -> String {
    match e {
        StoreError::Signing(SigningError::WrongPassphrase) => {
            "Wrong passphrase: the report was NOT signed.".to_owned()
        }
        other => format!("Not signed: {other}"),
    }
}

impl App {
    /// Applies one records command.
    pub fn apply_records(&mut self, ctx: &egui::Context, command: RecordsCommand) {
        let now = now_utc();
        let m = &mut self.records.model;
        match command {
            RecordsCommand::ShowSignIn => {
                m.windows.sign_in = true;
                m.sign_in_error = None;
            }
            RecordsCommand::CloseSignIn => m.windows.sign_in = false,
            RecordsCommand::ShowWorklist(show) => {
                m.windows.worklist = show;
                if show {
                    m.refresh_worklist();
                }
            }
            RecordsCommand::SignIn {
                reader_id,
                passphrase,
            } => {
                let credentials = Credentials {
                    reader_id,
                    passphrase: passphrase.0,
                };
                match m
                    .store()
                    .and_then(|s| s.sign_in(&credentials, now).map_err(|e| e.to_string()))
                {
                    Ok(session) => {
                        m.session = Some(session);
                        m.sign_in_error = None;
                        m.windows.sign_in = false;
                        m.windows.worklist = true;
                        m.message = m.signed_in_label().map(|w| format!("Signed in as {w}"));
                        m.refresh_worklist();
                    }
                    Err(e) => m.sign_in_error = Some(format!("Cannot sign in: {e}")),
                }
            }
            RecordsCommand::SignOut => {
                if m.current.as_ref().is_some_and(|c| c.edit_lock().is_none()) {
                    // Errors are on the message line; signing out goes on.
                    let _ = self.save_current(now);
                }
                let m = &mut self.records.model;
                m.session = None;
                m.current = None;
                m.history = None;
                m.worklist.clear();
                m.windows = Default::default();
                m.message = Some("Signed out".to_owned());
                self.records.forms = Default::default();
            }
            RecordsCommand::RefreshWorklist => m.refresh_worklist(),
            RecordsCommand::OpenStudy(study_uid) => self.open_study(ctx, &study_uid, now),
            RecordsCommand::SaveDraft => {
                if let Ok(outcome) = self.save_current(now) {
                    self.records.model.message = Some(match outcome {
                        SaveOutcome::Unchanged => "Draft saved (no changes)".to_owned(),
                        SaveOutcome::Saved { changes } => {
                            format!("Draft saved ({changes} audited changes)")
                        }
                    });
                }
                self.records.model.refresh_worklist();
            }
            RecordsCommand::OpenSignDialog => {
                if let Some(lock) = m.current.as_ref().and_then(CurrentRead::edit_lock) {
                    m.message = Some(lock);
                    return;
                }
                // The dialog summarizes the draft as saved from the screen just now.
                match self.save_current(now) {
                    Ok(_) => {
                        let m = &mut self.records.model;
                        m.windows.sign_dialog = true;
                        m.sign_error = None;
                        self.records.forms.sign.confirm_empty = false;
                    }
                    Err(e) => self.records.model.message = Some(e),
                }
            }
            RecordsCommand::CancelSign => {
                m.windows.sign_dialog = false;
                m.sign_error = None;
                self.records.forms.sign.passphrase = Secret::default();
            }
            RecordsCommand::Sign {
                reader_id,
                passphrase,
                meaning,
                confirm_empty,
            } => {
                // The signed content is what the reader sees: saved from the screen now, and
                // exactly that report is signed.
                if let Err(e) = self.save_current(now) {
                    self.records.model.sign_error = Some(format!("Not signed: {e}"));
                    return;
                }
                let m = &mut self.records.model;
                let Some(shown) = m.current.as_ref().map(|c| c.report.clone()) else {
                    m.sign_error = Some("No read is open.".to_owned());
                    return;
                };
                let read_id = shown.report_id.clone();
                if SigningSummary::of(&shown).is_empty() && !confirm_empty {
                    m.sign_error = Some(
                        "Not signed: the read is empty (no measurements, findings or grade). \
                         Tick \"Sign an empty read\" to sign it anyway."
                            .to_owned(),
                    );
                    return;
                }
                let credentials = Credentials {
                    reader_id,
                    passphrase: passphrase.0,
                };
                let result = m.signed_in().and_then(|(store, session)| {
                    store
                        .sign_shown(&session, &shown, &credentials, meaning, now)
                        .map_err(|e| sign_error_text(&e))
                });
                match result {
                    Ok(signed) => {
                        m.message = signed.signature.as_ref().map(manifestation_line);
                        if let Some(c) = &mut m.current {
                            c.report = signed;
                            c.saved_utc = Some(format_utc(now));
                        }
                        m.windows.sign_dialog = false;
                        m.sign_error = None;
                        m.refresh_worklist();
                        if m.history.as_ref().is_some_and(|h| h.read_id == read_id)
                            && let Err(e) = m.load_history(&read_id, None)
                        {
                            m.message = Some(e);
                        }
                        self.records.forms.sign.reader_id.clear();
                    }
                    Err(e) => m.sign_error = Some(e),
                }
            }
            RecordsCommand::ShowHistory(read_id) => {
                if let Err(e) = m.load_history(&read_id, None) {
                    m.message = Some(format!("History: {e}"));
                }
            }
            RecordsCommand::ShowVersion(version) => {
                if let Some(id) = m.history.as_ref().map(|h| h.read_id.clone())
                    && let Err(e) = m.load_history(&id, Some(version))
                {
                    m.message = Some(format!("History: {e}"));
                }
            }
            RecordsCommand::CloseHistory => m.history = None,
            RecordsCommand::ShowImport(show) => m.windows.import = show,
            RecordsCommand::PickImportPath(field) => {
                use super::import::ImportPathField;
                let dialog = rfd::FileDialog::new();
                let picked = match field {
                    ImportPathField::SubjectMap => dialog.add_filter("CSV", &["csv"]).pick_file(),
                    ImportPathField::Folder | ImportPathField::StoreDir => dialog.pick_folder(),
                };
                if let Some(p) = picked {
                    *self.records.forms.import.field_mut(field) = p.display().to_string();
                }
            }
            RecordsCommand::StartImport(request) => m.start_import(request),
            RecordsCommand::Amend(read_id) => {
                let result = m.signed_in().and_then(|(store, session)| {
                    store
                        .amend_read(&session, &read_id, now)
                        .map_err(|e| e.to_string())
                });
                match result {
                    Ok(draft) => {
                        let m = &mut self.records.model;
                        m.message = Some(format!(
                            "Amendment opened: version {} (the read can be changed again)",
                            draft.version
                        ));
                        if let Some(c) = m.current.as_mut().filter(|c| c.read_id() == read_id) {
                            c.report = draft;
                        }
                        m.refresh_worklist();
                        self.status = None;
                    }
                    Err(e) => m.message = Some(format!("Cannot amend: {e}")),
                }
            }
        }
    }

    /// Per-frame records logic: autosaves the open draft every [`AUTOSAVE_INTERVAL_S`].
    pub fn records_tick(&mut self, ctx: &egui::Context) {
        self.restore_tick();
        if self.records.model.import_tick() {
            ctx.request_repaint_after(Duration::from_millis(200));
        }
        let m = &self.records.model;
        if m.session.is_none() || !m.current.as_ref().is_some_and(CurrentRead::is_draft) {
            return;
        }
        let t = ctx.input(|i| i.time);
        let due = m
            .last_autosave_s
            .is_none_or(|last| t - last >= AUTOSAVE_INTERVAL_S);
        if due && m.current.as_ref().is_some_and(|c| c.edit_lock().is_none()) {
            self.records.model.last_autosave_s = Some(t);
            // Errors are on the message line.
            let _ = self.save_current(now_utc());
        }
        ctx.request_repaint_after(Duration::from_secs_f64(AUTOSAVE_INTERVAL_S));
    }

    /// Writes what the screen shows (the workstation's measurements, findings and grade) into
    /// the open draft and saves it in the database and the backup file. The screen is the one
    /// source of the draft's content. Errors also go to the message line.
    fn save_current(&mut self, now: OffsetDateTime) -> Result<SaveOutcome, String> {
        let set = &self.results.reading.set;
        let guideline = self.guideline.clone();
        let library = &self.library;
        let m = &mut self.records.model;
        let backup = m.current.as_ref().and_then(|c| m.backup_path(c.read_id()));
        let c = m
            .current
            .as_mut()
            .ok_or_else(|| "no read is open".to_owned())?;
        if let Some(lock) = c.edit_lock() {
            return Err(lock);
        }
        let sop = |file: &str| {
            let open = library
                .entries
                .iter()
                .filter(|e| e.path.display().to_string() == file)
                .find_map(|e| e.file().map(|f| f.info().sop_instance_uid.clone()))
                .filter(|uid| !uid.is_empty());
            open.or_else(|| c.sop_by_path.get(file).cloned())
        };
        let empty = set.measurements.is_empty() && set.findings.is_empty();
        let choice = GradingChoice {
            guideline_id: guideline,
            protocol_id: None,
        };
        let mut note = None;
        let mut report = c.report.clone();
        let graded = if empty {
            apply_measurement_set(&mut report, set, None, &sop)
        } else {
            apply_measurement_set(&mut report, set, Some(&choice), &sop)
        };
        if let Err(e) = graded {
            note = Some(format!("not graded: {e}"));
            report = c.report.clone();
            if let Err(e) = apply_measurement_set(&mut report, set, None, &sop) {
                let text = format!("Draft NOT saved: measurements not copied: {e}");
                m.message = Some(text.clone());
                return Err(text);
            }
        }
        c.report = report.clone();
        if let Some(dir) = backup.as_deref().and_then(std::path::Path::parent)
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            let text = format!("Draft NOT saved: cannot create {}: {e}", dir.display());
            m.message = Some(text.clone());
            return Err(text);
        }
        let result = m.signed_in().and_then(|(store, session)| {
            store
                .autosave_draft(&session, &report, backup.as_deref(), now)
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(outcome) => {
                if let (SaveOutcome::Saved { .. }, Some(c)) = (outcome, m.current.as_mut()) {
                    c.saved_utc = Some(format_utc(now));
                }
                if let Some(n) = note {
                    m.message = Some(format!("Draft saved; {n}"));
                }
                Ok(outcome)
            }
            Err(e) => {
                let text = format!("Draft NOT saved: {e}");
                m.message = Some(text.clone());
                Err(text)
            }
        }
    }

    /// Puts the open stored read on screen once its files are open (see [`super::restore`]).
    fn restore_tick(&mut self) {
        let pending = self
            .records
            .model
            .current
            .as_ref()
            .is_some_and(|c| c.restore == RestoreState::Pending);
        if !pending || !self.loading_done() {
            return;
        }
        let Some(report) = self
            .records
            .model
            .current
            .as_ref()
            .map(|c| c.report.clone())
        else {
            return;
        };
        let outcome = restore::document_from_report(&report, &self.library);
        let m = &mut self.records.model;
        match outcome {
            Ok(doc) => {
                if let Some(c) = m.current.as_mut() {
                    c.restore = RestoreState::Done;
                }
                m.message = Some(format!(
                    "Read {} version {} is on screen ({} measurement(s))",
                    report.report_id,
                    report.version,
                    report.measurements.len()
                ));
                self.replace_document(doc);
            }
            Err(e) => {
                if let Some(c) = m.current.as_mut() {
                    c.restore = RestoreState::Failed(e.clone());
                }
                m.message = Some(format!("Cannot show the saved read: {e}"));
            }
        }
    }

    fn open_study(&mut self, ctx: &egui::Context, study_uid: &str, now: OffsetDateTime) {
        if self
            .records
            .model
            .current
            .as_ref()
            .is_some_and(|c| c.study_uid != study_uid && c.edit_lock().is_none())
        {
            // Errors are on the message line; opening goes on.
            let _ = self.save_current(now);
        }
        let m = &mut self.records.model;
        let opened = m.signed_in().and_then(|(store, session)| {
            let files = store
                .study_files(&session, study_uid)
                .map_err(|e| e.to_string())?;
            let report = store
                .start_read(&session, study_uid, now)
                .map_err(|e| e.to_string())?;
            Ok((files, report))
        });
        let (files, report) = match opened {
            Ok(x) => x,
            Err(e) => {
                m.message = Some(format!("Cannot open study: {e}"));
                return;
            }
        };
        let status = report.status;
        m.message = Some(format!(
            "Opened {} ({} files) · version {} {}",
            super::short_uid(study_uid),
            files.len(),
            report.version,
            status.code()
        ));
        // A stored read with content is put on screen (once its files are open); an empty one
        // takes what the screen shows.
        let restore = if restore::has_content(&report) {
            RestoreState::Pending
        } else {
            RestoreState::Done
        };
        m.current = Some(CurrentRead {
            study_uid: study_uid.to_owned(),
            report,
            sop_by_path: files
                .iter()
                .map(|(sop, path)| (path.clone(), sop.clone()))
                .collect(),
            restore,
            saved_utc: None,
        });
        m.last_autosave_s = None;
        m.refresh_worklist();
        let paths: Vec<PathBuf> = files
            .into_iter()
            .map(|(_, p)| PathBuf::from(p))
            .filter(|p| !self.library.entries.iter().any(|e| &e.path == p))
            .collect();
        if !paths.is_empty() {
            self.apply(ctx, Command::OpenPaths(paths));
        }
        // A signed read opens on its printed report.
        let m = &mut self.records.model;
        let read_id = m.current.as_ref().map(|c| c.read_id().to_owned());
        if status != ReportStatus::Draft
            && let Some(id) = read_id
            && let Err(e) = m.load_history(&id, None)
        {
            m.message = Some(e);
        }
    }
}
