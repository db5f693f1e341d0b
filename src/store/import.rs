//! Importing a folder of DICOM files: registers studies, their files (UIDs + SHA-256) and the
//! subject and visit (from the header's Clinical Trial attributes, or given by the user).
//!
//! The subject is a subject code, never the raw Patient ID: `--subject`, else the Clinical Trial
//! Subject ID, else the code the admin-only table gives the Patient ID in the trial (see
//! [`super::subject_codes`]). The Patient ID of an identified import stays in the `studies` row
//! (`patient_id`), never in the audit trail.
//!
//! De-identified copies (written by `export::deid_import`) are registered with
//! [`Store::import_prepared`]: their subject code and visit come from the original header and the
//! site's map, and the code is recorded in the same transaction as the study.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::subject_codes::{self, PatientCode};
use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::dicom::uid::validate_uid;
use crate::report::{Visit, format_utc};

/// What the user says about the studies being imported (overrides the header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Subject id for every study found.
    pub subject: Option<String>,
    /// Visit for every study found.
    pub visit: Option<Visit>,
    /// Trial id (default: the header's Clinical Trial Protocol ID).
    pub trial: Option<String>,
    /// Site id (default: the header's Clinical Trial Site ID).
    pub site: Option<String>,
}

/// One study registered by an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedStudy {
    /// Study Instance UID.
    pub study_uid: String,
    /// Subject it was filed under.
    pub subject_id: Option<String>,
    /// Visit it was filed under.
    pub visit: Option<Visit>,
    /// Files newly registered.
    pub files_added: usize,
    /// Files already registered with the same content.
    pub files_known: usize,
    /// True when the study was new.
    pub new_study: bool,
}

impl ImportedStudy {
    /// One line for the reader: new or known, the study (as `uid` shows it), subject,
    /// visit and file counts.
    pub fn describe(&self, uid: &str) -> String {
        format!(
            "{} study {uid} subject {} visit {}: {} file(s) added, {} already known",
            if self.new_study { "new" } else { "known" },
            self.subject_id.as_deref().unwrap_or("(none)"),
            self.visit
                .map(|v| v.to_string())
                .unwrap_or_else(|| "(none)".to_owned()),
            self.files_added,
            self.files_known
        )
    }
}

/// Outcome of [`Store::import_folder`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Studies touched, by UID.
    pub studies: Vec<ImportedStudy>,
    /// Files not registered, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// A de-identified copy to register, with what its original header said (kept out of the copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedFile {
    /// The de-identified copy.
    pub path: PathBuf,
    /// The subject code of its patient (recorded with the study).
    pub code: PatientCode,
    /// Visit of the original header (Clinical Trial Time Point ID), if any.
    pub visit: Option<Visit>,
    /// Site of the original header (Clinical Trial Site ID), if any.
    pub site: Option<String>,
}

/// What a study's files say about it beyond their headers (de-identified imports).
#[derive(Debug, Clone)]
struct Origin {
    code: PatientCode,
    visit: Option<Visit>,
    site: Option<String>,
}

/// Header facts of one file.
#[derive(Debug, Clone)]
struct FileFacts {
    path: PathBuf,
    study_uid: String,
    series_uid: String,
    sop_uid: String,
    sop_class_uid: Option<String>,
    patient_id: Option<String>,
    study_date: Option<String>,
    trial_subject: Option<String>,
    time_point: Option<String>,
    protocol_id: Option<String>,
    site_id: Option<String>,
    site_name: Option<String>,
    sha256: String,
    size_bytes: u64,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?; // does not follow symlinks
        if ft.is_dir() {
            walk(&e.path(), out)?;
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// Every regular file under `folder` (recursively, in name order; symlinks are not followed).
pub fn list_files(folder: &Path) -> StoreResult<Vec<PathBuf>> {
    let mut paths = Vec::new();
    walk(folder, &mut paths).map_err(|e| StoreError::File {
        path: folder.to_owned(),
        message: format!("cannot list folder: {e}"),
    })?;
    Ok(paths)
}

fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(buf.get(..k).unwrap_or_default());
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

fn read_facts(path: &Path) -> Result<FileFacts, String> {
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| format!("not a readable DICOM file: {e}"))?;
    let text = |tag| -> Option<String> {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| {
                s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .to_owned()
            })
            .filter(|s| !s.is_empty())
    };
    let study_uid = text(tags::STUDY_INSTANCE_UID).ok_or("no Study Instance UID")?;
    let series_uid = text(tags::SERIES_INSTANCE_UID).ok_or("no Series Instance UID")?;
    let sop_uid = text(tags::SOP_INSTANCE_UID)
        .or_else(|| {
            let m = obj.meta().media_storage_sop_instance_uid();
            let m = m.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!m.is_empty()).then(|| m.to_owned())
        })
        .ok_or("no SOP Instance UID")?;
    // UIDs name folders and rows: only the UID grammar gets in.
    for (what, uid) in [
        ("Study Instance UID", &study_uid),
        ("Series Instance UID", &series_uid),
        ("SOP Instance UID", &sop_uid),
    ] {
        validate_uid(uid).map_err(|e| format!("invalid {what}: {e}"))?;
    }
    let (sha256, size_bytes) = hash_file(path).map_err(|e| format!("cannot read: {e}"))?;
    Ok(FileFacts {
        path: path.to_owned(),
        study_uid,
        series_uid,
        sop_uid,
        sop_class_uid: text(tags::SOP_CLASS_UID).or_else(|| {
            let m = obj.meta().media_storage_sop_class_uid();
            let m = m.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!m.is_empty()).then(|| m.to_owned())
        }),
        patient_id: text(tags::PATIENT_ID),
        study_date: text(tags::STUDY_DATE),
        trial_subject: text(tags::CLINICAL_TRIAL_SUBJECT_ID),
        time_point: text(tags::CLINICAL_TRIAL_TIME_POINT_ID),
        protocol_id: text(tags::CLINICAL_TRIAL_PROTOCOL_ID),
        site_id: text(tags::CLINICAL_TRIAL_SITE_ID),
        site_name: text(tags::CLINICAL_TRIAL_SITE_NAME),
        sha256,
        size_bytes,
    })
}

impl Store {
    /// Walks `folder` (recursively, in name order), reads each file's header (not its pixel data)
    /// and registers every study found. Files that are not DICOM are listed as skipped.
    pub fn import_folder(
        &mut self,
        actor: &str,
        folder: &Path,
        options: &ImportOptions,
        now: OffsetDateTime,
    ) -> StoreResult<ImportSummary> {
        let paths = list_files(folder)?;
        let mut summary = ImportSummary::default();
        let mut by_study: BTreeMap<String, Vec<FileFacts>> = BTreeMap::new();
        for p in paths {
            match read_facts(&p) {
                Ok(f) => by_study.entry(f.study_uid.clone()).or_default().push(f),
                Err(reason) => summary.skipped.push((p, reason)),
            }
        }
        for (study_uid, files) in by_study {
            let imported =
                self.register_study(actor, &study_uid, &files, options, None, now, &mut summary)?;
            summary.studies.push(imported);
        }
        Ok(summary)
    }

    /// Registers de-identified copies under `options.trial` (required). Each study takes the
    /// subject code, visit and site of its first file (`options` still override visit and site),
    /// and the code is recorded in the admin-only table in the study's transaction. The studies
    /// row keeps no Patient ID.
    pub fn import_prepared(
        &mut self,
        actor: &str,
        files: &[PreparedFile],
        options: &ImportOptions,
        now: OffsetDateTime,
    ) -> StoreResult<ImportSummary> {
        if options.trial.is_none() {
            return Err(StoreError::Invalid(
                "a de-identified import needs a trial id".to_owned(),
            ));
        }
        let mut summary = ImportSummary::default();
        let mut by_study: BTreeMap<String, (Origin, Vec<FileFacts>)> = BTreeMap::new();
        for p in files {
            match read_facts(&p.path) {
                Ok(f) => {
                    by_study
                        .entry(f.study_uid.clone())
                        .or_insert_with(|| {
                            (
                                Origin {
                                    code: p.code.clone(),
                                    visit: p.visit,
                                    site: p.site.clone(),
                                },
                                Vec::new(),
                            )
                        })
                        .1
                        .push(f);
                }
                Err(reason) => summary.skipped.push((p.path.clone(), reason)),
            }
        }
        for (study_uid, (origin, files)) in by_study {
            let imported = self.register_study(
                actor,
                &study_uid,
                &files,
                options,
                Some(&origin),
                now,
                &mut summary,
            )?;
            summary.studies.push(imported);
        }
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)]
    fn register_study(
        &mut self,
        actor: &str,
        study_uid: &str,
        files: &[FileFacts],
        options: &ImportOptions,
        origin: Option<&Origin>,
        now: OffsetDateTime,
        summary: &mut ImportSummary,
    ) -> StoreResult<ImportedStudy> {
        let first = files
            .first()
            .ok_or_else(|| StoreError::Invalid(format!("study {study_uid} has no files")))?;
        let header_visit = match origin {
            Some(o) => o.visit,
            None => first
                .time_point
                .as_deref()
                .and_then(|t| t.parse::<Visit>().ok()),
        };
        let visit = options.visit.or(header_visit);
        let trial = options.trial.clone().or_else(|| first.protocol_id.clone());
        let site = match origin {
            Some(o) => options.site.clone().or_else(|| o.site.clone()),
            None => options.site.clone().or_else(|| first.site_id.clone()),
        };
        let site_name = if origin.is_some() {
            None // the institution is an identifier
        } else {
            first.site_name.clone()
        };
        let patient_id = if origin.is_some() {
            None
        } else {
            first.patient_id.clone()
        };
        let folder = first.path.parent().map(|p| p.display().to_string());

        let tx = self.write_tx()?;
        let trial_key = trial.clone().unwrap_or_default();
        let subject = match (origin, &options.subject, &first.trial_subject) {
            (Some(o), _, _) => {
                subject_codes::record_code(&tx, &trial_key, &o.code, now)?;
                Some(o.code.subject_code.clone())
            }
            (None, Some(s), _) | (None, None, Some(s)) => Some(s.clone()),
            (None, None, None) => match &first.patient_id {
                Some(pid) => Some(subject_codes::code_for(&tx, &trial_key, pid, now)?),
                None => None,
            },
        };
        if let Some(t) = &trial {
            tx.execute(
                "INSERT OR IGNORE INTO trials (id, name) VALUES (?1, ?1)",
                [t],
            )?;
        }
        if let Some(s) = &site {
            tx.execute(
                "INSERT OR IGNORE INTO sites (id, trial_id, name) VALUES (?1, ?2, ?3)",
                params![s, trial, site_name],
            )?;
        }
        if let Some(subj) = &subject {
            tx.execute(
                "INSERT OR IGNORE INTO subjects (id, trial_id, site_id) VALUES (?1, ?2, ?3)",
                params![subj, trial, site],
            )?;
        }
        let visit_id: Option<i64> = match (&subject, visit) {
            (Some(subj), Some(v)) => {
                tx.execute(
                    "INSERT OR IGNORE INTO visits (subject_id, visit) VALUES (?1, ?2)",
                    params![subj, v.code()],
                )?;
                Some(tx.query_row(
                    "SELECT id FROM visits WHERE subject_id = ?1 AND visit = ?2",
                    params![subj, v.code()],
                    |r| r.get(0),
                )?)
            }
            _ => None,
        };
        let existing: Option<(Option<String>, Option<i64>)> = tx
            .query_row(
                "SELECT subject_id, visit_id FROM studies WHERE study_uid = ?1",
                [study_uid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let mut audit = Vec::new();
        let new_study = existing.is_none();
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO studies (study_uid, subject_id, visit_id, patient_id, study_date, \
                     source_folder, imported_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        study_uid,
                        subject,
                        visit_id,
                        patient_id,
                        first.study_date,
                        folder,
                        format_utc(now)
                    ],
                )?;
            }
            Some((old_subject, old_visit_id)) => {
                // Explicit user choices replace stored ones; header values never overwrite.
                let user_set = options.subject.is_some() || options.visit.is_some();
                if user_set && (old_subject != subject || old_visit_id != visit_id) {
                    tx.execute(
                        "UPDATE studies SET subject_id = ?2, visit_id = ?3 WHERE study_uid = ?1",
                        params![study_uid, subject, visit_id],
                    )?;
                    audit.push(NewAuditEntry {
                        actor: actor.to_owned(),
                        entity_type: EntityType::Study,
                        entity_id: study_uid.to_owned(),
                        action: AuditAction::Modify,
                        old_value: Some(
                            json!({"subject_id": old_subject, "visit_id": old_visit_id}),
                        ),
                        new_value: Some(
                            json!({"subject_id": subject, "visit": visit.map(Visit::code)}),
                        ),
                        ruleset: None,
                    });
                }
            }
        }
        let mut added = Vec::new();
        let mut known = 0usize;
        for f in files {
            let stored: Option<(String, String)> = tx
                .query_row(
                    "SELECT study_uid, sha256 FROM study_files WHERE sop_instance_uid = ?1",
                    [&f.sop_uid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match stored {
                None => {
                    tx.execute(
                        "INSERT INTO study_files (sop_instance_uid, study_uid, series_uid, path, \
                         sha256, size_bytes, sop_class_uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            f.sop_uid,
                            study_uid,
                            f.series_uid,
                            f.path.display().to_string(),
                            f.sha256,
                            f.size_bytes as i64,
                            f.sop_class_uid
                        ],
                    )?;
                    added.push(json!({"sop_instance_uid": f.sop_uid, "sha256": f.sha256}));
                }
                Some((s, h)) if s == study_uid && h == f.sha256 => {
                    known += 1;
                    // Databases imported before the SOP class was recorded learn it now.
                    tx.execute(
                        "UPDATE study_files SET sop_class_uid = ?2 \
                         WHERE sop_instance_uid = ?1 AND sop_class_uid IS NULL",
                        params![f.sop_uid, f.sop_class_uid],
                    )?;
                }
                Some((s, h)) => summary.skipped.push((
                    f.path.clone(),
                    if s != study_uid {
                        format!(
                            "SOP Instance UID {} is already registered in study {s}",
                            f.sop_uid
                        )
                    } else {
                        format!(
                            "SOP Instance UID {} is already registered with different content \
                             (sha256 {h})",
                            f.sop_uid
                        )
                    },
                )),
            }
        }
        if new_study || !added.is_empty() {
            audit.push(NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Study,
                entity_id: study_uid.to_owned(),
                action: if new_study {
                    AuditAction::Create
                } else {
                    AuditAction::Modify
                },
                old_value: None,
                new_value: Some(if origin.is_some() {
                    json!({
                        "subject_id": subject,
                        "visit": visit.map(Visit::code),
                        "files_added": added,
                        "deidentified": "PS3.15 basic profile, clean pixel data, full dates",
                    })
                } else {
                    json!({
                        "subject_id": subject,
                        "visit": visit.map(Visit::code),
                        "files_added": added,
                    })
                }),
                ruleset: None,
            });
        }
        audit_all(&tx, &audit, now)?;
        tx.commit()?;
        Ok(ImportedStudy {
            study_uid: study_uid.to_owned(),
            subject_id: subject,
            visit,
            files_added: added.len(),
            files_known: known,
            new_study,
        })
    }
}
