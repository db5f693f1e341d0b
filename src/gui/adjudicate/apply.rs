//! The one place that changes adjudication state: [`App::apply_adjudication`]. Signing unlocks
//! the adjudicator's key in the reading database (as the records feature does) and writes the
//! signed record and the signed adjudicated report next to each other, atomically.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::decision::{DecisionForm, build_record};
use super::source::{Pair, load_rules, pair_from_files, worklist};
use super::{AdjCommand, AdjudicationState, SignedOutput};
use crate::adjudication::{
    AdjudicatedReportError, AdjudicationRecord, ReadRef, sign_adjudication_with_report,
    verify_adjudication,
};
use crate::gui::App;
use crate::gui::records::Secret;
use crate::report::{format_utc, now_utc, write_atomic, write_report};
use crate::signing::{SigningError, verify_report_bytes};
use crate::store::{Credentials, Role, StoreError};

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A short, file-name-safe form of an id.
fn file_part(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect()
}

impl AdjudicationState {
    /// Shows `pair`: a fresh decision (the adjudicator id kept), the first disputed parameter
    /// selected.
    fn set_pair(&mut self, pair: Pair) {
        let m = &mut self.model;
        m.frames.reset();
        m.selected_param = pair
            .disputed()
            .first()
            .cloned()
            .or_else(|| pair.rows.first().map(|r| r.id.clone()));
        m.pair = Some(pair);
        m.load_error = None;
        m.decision_error = None;
        m.message = None;
        m.signed = None;
        m.sign_draft = None;
        self.decision = DecisionForm {
            adjudicator_id: std::mem::take(&mut self.decision.adjudicator_id),
            ..DecisionForm::default()
        };
        self.resume_saved_draft();
    }

    /// Restores the decision from the draft record saved for this pair, if there is one and it
    /// names exactly these two reads (same versions and record hashes).
    fn resume_saved_draft(&mut self) {
        let Some(pair) = &self.model.pair else { return };
        let path = draft_path(pair);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let record: AdjudicationRecord = match crate::adjudication::parse_adjudication(&text) {
            Ok(r) => r,
            Err(e) => {
                self.model.message = Some(format!(
                    "The saved draft {} is unreadable ({e}); starting afresh",
                    path.display()
                ));
                return;
            }
        };
        let same = record.read_a == ReadRef::of(&pair.read_a)
            && record.read_b == ReadRef::of(&pair.read_b)
            && record.signature.is_none();
        if same {
            self.decision = DecisionForm::from_record(&record);
            self.model.message = Some(format!(
                "Resumed the draft saved {} ({})",
                record.created_utc,
                path.display()
            ));
        } else {
            self.model.message = Some(format!(
                "The saved draft {} is about other read versions; starting afresh",
                path.display()
            ));
        }
    }

    fn draft(&self) -> Result<AdjudicationRecord, String> {
        let pair = self
            .model
            .pair
            .as_ref()
            .ok_or_else(|| "load two reads first".to_owned())?;
        build_record(pair, &self.decision, &format_utc(now_utc()))
    }
}

/// Where the draft record of `pair` is saved.
fn draft_path(pair: &Pair) -> PathBuf {
    pair.out_dir.join(format!(
        "adjudication-draft-{}-{}.json",
        file_part(&pair.read_a.report_id),
        file_part(&pair.read_b.report_id)
    ))
}

fn sign_error_text(e: &StoreError) -> String {
    match e {
        StoreError::Signing(SigningError::WrongPassphrase) => {
            "Wrong passphrase: the adjudication was NOT signed.".to_owned()
        }
        other => format!("Not signed: {other}"),
    }
}

impl App {
    /// Folders to look for key-frame images in: the pair's own, the sample study, and the
    /// folders of the files open in the library.
    fn adjudication_image_dirs(&self) -> Vec<PathBuf> {
        let own = self
            .adjudication
            .model
            .pair
            .as_ref()
            .map(|p| p.image_dirs.clone())
            .unwrap_or_default();
        self.image_search_dirs(own)
    }

    fn select_adjudication_param(&mut self, ctx: &egui::Context, id: String) {
        let dirs = self.adjudication_image_dirs();
        let m = &mut self.adjudication.model;
        if let Some(pair) = &m.pair {
            m.frames.select(ctx, pair, &id, &dirs);
        }
        m.selected_param = Some(id);
    }

    fn show_pair(&mut self, ctx: &egui::Context, pair: Pair) {
        self.adjudication.set_pair(pair);
        if let Some(id) = self.adjudication.model.selected_param.clone() {
            self.select_adjudication_param(ctx, id);
        }
    }

    fn refresh_adjudication_worklist(&mut self) {
        let rules = load_rules(&self.adjudication.source.rules_path);
        let result = rules.and_then(|rules| {
            let (store, session) = self.records.model.signed_in()?;
            worklist(store, &session, &rules).map_err(|e| e.to_string())
        });
        let m = &mut self.adjudication.model;
        match result {
            Ok((items, note)) => {
                m.worklist = items;
                m.worklist_note = note;
            }
            Err(e) => {
                m.worklist.clear();
                m.worklist_note = Some(format!("Worklist: {e}"));
            }
        }
    }

    fn open_work_item(&mut self, ctx: &egui::Context, i: usize) {
        let Some(item) = self.adjudication.model.worklist.get(i).cloned() else {
            return;
        };
        let rules = match load_rules(&self.adjudication.source.rules_path) {
            Ok(r) => r,
            Err(e) => {
                self.adjudication.model.load_error = Some(e);
                return;
            }
        };
        let db = self.records.model.resolved_db_path();
        let out_dir = db
            .as_ref()
            .and_then(|p| p.parent())
            .map_or_else(|| PathBuf::from("."), |d| d.join("adjudications"));
        let origin = |r: &crate::report::ReadingReport| {
            format!("database read {} v{}", r.report_id, r.version)
        };
        let mut pair = Pair::new(
            item.read_a.clone(),
            item.read_b.clone(),
            (origin(&item.read_a), origin(&item.read_b)),
            rules,
            out_dir,
        );
        if let Ok((store, session)) = self.records.model.signed_in() {
            pair.blinded = session.role().is_blinded();
            if let Some(study) = &item.discordance.read_a.study_instance_uid
                && let Ok(files) = store.study_files(&session, study)
            {
                for (_, path) in files {
                    if let Some(parent) = Path::new(&path).parent() {
                        pair.image_dirs.push(parent.to_path_buf());
                    }
                }
            }
        }
        pair.image_dirs.dedup();
        self.show_pair(ctx, pair);
    }

    fn save_adjudication_draft(&mut self) {
        let state = &mut self.adjudication;
        let result = state.draft().and_then(|record| {
            let pair = state
                .model
                .pair
                .as_ref()
                .ok_or_else(|| "load two reads first".to_owned())?;
            let path = draft_path(pair);
            std::fs::create_dir_all(&pair.out_dir)
                .map_err(|e| format!("cannot create {}: {e}", pair.out_dir.display()))?;
            write_json(&path, &record)?;
            Ok(path)
        });
        let m = &mut state.model;
        match result {
            Ok(path) => {
                m.decision_error = None;
                m.message = Some(format!("Draft record saved to {}", path.display()));
            }
            Err(e) => m.decision_error = Some(e),
        }
    }

    fn sign_adjudication(&mut self, reader_id: String, passphrase: Secret, now: OffsetDateTime) {
        let Some(draft) = self.adjudication.model.sign_draft.clone() else {
            self.adjudication.model.signing = false;
            return;
        };
        let Some(pair) = self.adjudication.model.pair.clone() else {
            self.adjudication.model.signing = false;
            return;
        };
        let result = (|| -> Result<SignedOutput, String> {
            let (store, session) = self.records.model.signed_in().map_err(|e| {
                format!("Signing needs the reading database and a signed-in adjudicator: {e}")
            })?;
            if reader_id != session.reader_id() {
                return Err("The signing id differs from the signed-in reader.".to_owned());
            }
            let credentials = Credentials {
                reader_id,
                passphrase: passphrase.0,
            };
            let (reader, key) = store
                .unlock_signing_key(&credentials, now)
                .map_err(|e| sign_error_text(&e))?;
            if reader.role == Role::Reader {
                return Err(format!(
                    "{} is a reader; only an adjudicator or admin can sign an adjudication.",
                    reader.id
                ));
            }
            let certificate = store
                .reader_certificate(&reader.id)
                .map_err(|e| e.to_string())?;
            let (record, report) = sign_adjudication_with_report(
                &draft,
                &pair.read_a,
                &pair.read_b,
                &reader.id,
                &reader.name,
                &key,
                now,
                certificate,
            )
            .map_err(|e| match e {
                AdjudicatedReportError::Signing(s) => format!("Not signed: {s}"),
                other => format!("Not signed: {other}"),
            })?;
            std::fs::create_dir_all(&pair.out_dir)
                .map_err(|e| format!("cannot create {}: {e}", pair.out_dir.display()))?;
            let record_path = pair.out_dir.join(format!(
                "adjudication-{}.json",
                file_part(&record.record_id)
            ));
            let report_path = pair
                .out_dir
                .join(format!("adjudicated-{}.json", file_part(&report.report_id)));
            // Logged in the audit trail in the transaction that covers writing the files.
            store
                .record_adjudication(
                    &record,
                    &record_path,
                    Some((&report, &report_path)),
                    now,
                    || {
                        write_json(&record_path, &record)?;
                        write_report(&report_path, &report)
                            .map_err(|e| format!("cannot write {}: {e}", report_path.display()))
                    },
                )
                .map_err(|e| format!("Not signed: {e}"))?;
            // The decision is final: its working draft is no longer resumed.
            let _ = std::fs::remove_file(draft_path(&pair));
            Ok(SignedOutput {
                verification: verify_written(&record_path, &report_path),
                record_path,
                report_path,
                record,
                report,
            })
        })();
        let m = &mut self.adjudication.model;
        match result {
            Ok(out) => {
                m.message = Some(format!(
                    "Signed: {} and {}",
                    out.record_path.display(),
                    out.report_path.display()
                ));
                m.signed = Some(out);
                m.signing = false;
                m.sign_error = None;
                m.sign_draft = None;
            }
            Err(e) => m.sign_error = Some(e),
        }
    }

    /// Applies one adjudication command.
    pub fn apply_adjudication(&mut self, ctx: &egui::Context, command: AdjCommand) {
        match command {
            AdjCommand::Open => {
                let session = self.records.model.session.clone();
                let state = &mut self.adjudication;
                state.model.open = true;
                if let Some(s) = &session
                    && state.decision.adjudicator_id.is_empty()
                {
                    state.decision.adjudicator_id = s.reader_id().to_owned();
                }
                if session.is_some() {
                    self.refresh_adjudication_worklist();
                }
            }
            AdjCommand::Close => self.adjudication.model.open = false,
            AdjCommand::LoadFiles => match pair_from_files(&self.adjudication.source) {
                Ok(pair) => self.show_pair(ctx, pair),
                Err(e) => self.adjudication.model.load_error = Some(e),
            },
            AdjCommand::RefreshWorklist => self.refresh_adjudication_worklist(),
            AdjCommand::OpenWorkItem(i) => self.open_work_item(ctx, i),
            AdjCommand::SelectParam(id) => self.select_adjudication_param(ctx, id),
            AdjCommand::SaveDraft => self.save_adjudication_draft(),
            AdjCommand::OpenSign => match self.adjudication.draft() {
                Ok(d) => {
                    let session_id = self
                        .records
                        .model
                        .session
                        .as_ref()
                        .map(|s| s.reader_id().to_owned());
                    let state = &mut self.adjudication;
                    state.model.decision_error = None;
                    state.model.sign_draft = Some(d);
                    state.model.sign_error = None;
                    state.model.signing = true;
                    if state.sign.reader_id.is_empty()
                        && let Some(id) = session_id
                    {
                        state.sign.reader_id = id;
                    }
                }
                Err(e) => self.adjudication.model.decision_error = Some(e),
            },
            AdjCommand::CancelSign => {
                let m = &mut self.adjudication.model;
                m.signing = false;
                m.sign_error = None;
            }
            AdjCommand::Sign {
                reader_id,
                passphrase,
            } => self.sign_adjudication(reader_id, passphrase, now_utc()),
        }
    }
}

/// Reads the written files back and verifies them.
fn verify_written(record_path: &Path, report_path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let record = std::fs::read_to_string(record_path)
        .map_err(|e| e.to_string())
        .and_then(|t| crate::adjudication::parse_adjudication(&t).map_err(|e| e.to_string()));
    out.push(match record {
        Ok(r) => {
            let problems = verify_adjudication(&r);
            if problems.is_empty() {
                format!("{}: intact", record_path.display())
            } else {
                format!(
                    "{}: NOT intact: {}",
                    record_path.display(),
                    problems.join("; ")
                )
            }
        }
        Err(e) => format!("{}: NOT intact: {e}", record_path.display()),
    });
    out.push(match std::fs::read(report_path) {
        Ok(bytes) => {
            let v = verify_report_bytes(&bytes);
            if v.is_intact() {
                format!("{}: intact", report_path.display())
            } else {
                format!(
                    "{}: NOT intact: {}",
                    report_path.display(),
                    v.problems.join("; ")
                )
            }
        }
        Err(e) => format!("{}: NOT intact: {e}", report_path.display()),
    });
    out
}
