//! Reads and their versions: start, autosave and version history (signing and amending are in
//! `sign.rs`).
//!
//! A read is one reader's reading of one study (or a report registered from a file). Its
//! versions are numbered from 1. At most the latest version is a draft; signed versions are
//! locked (database triggers refuse edits), and a signed amendment marks the version it replaces
//! `superseded`, which stays stored, readable and verifiable.

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::diff::report_changes;
use super::readers::{Role, Session};
use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::{
    ImageRef, ReadingReport, ReportStatus, SignatureMeaning, StudyRef, autosave_draft_file,
    format_utc, new_id, parse_report,
};
use crate::signing::{content_sha256, record_sha256};

/// One read as listed for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Read id (= report id).
    pub read_id: String,
    /// Study read (None for reports registered without a known study).
    pub study_uid: Option<String>,
    /// Reader.
    pub reader_id: String,
    /// Latest version this session may see.
    pub version: u32,
    /// Status of that version.
    pub status: ReportStatus,
    /// The current signed version, if any.
    pub signed_version: Option<u32>,
}

/// One stored version of a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// Version number.
    pub version: u32,
    /// Draft / signed / superseded.
    pub status: ReportStatus,
    /// Last saved.
    pub saved_utc: String,
    /// Hash of the canonical content.
    pub content_sha256: String,
    /// Hash of the signed record (signed versions).
    pub record_sha256: Option<String>,
    /// Signer (signed versions).
    pub signer_id: Option<String>,
    /// Meaning of the signature.
    pub meaning: Option<SignatureMeaning>,
    /// When signed.
    pub signed_utc: Option<String>,
}

/// A read opened by a session.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedRead {
    /// Summary.
    pub summary: ReadSummary,
    /// The latest version the session may see (blinded fields removed if `redacted`).
    pub report: ReadingReport,
    /// True when blinded fields were removed from `report` (its signature then no longer
    /// verifies; verify the stored version instead).
    pub redacted: bool,
    /// Versions the session may see, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// Result of saving a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Nothing changed since the last save.
    Unchanged,
    /// Saved; `changes` audit entries were written.
    Saved {
        /// Audit entries written.
        changes: usize,
    },
}

pub(super) struct ReadRow {
    pub(super) reader_id: String,
}

fn corrupt(read_id: &str, version: u32, e: String) -> StoreError {
    StoreError::Conflict(format!(
        "stored report {read_id} version {version} is unreadable: {e}"
    ))
}

fn version_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VersionInfo> {
    let status: String = r.get(1)?;
    let meaning: Option<String> = r.get(6)?;
    Ok(VersionInfo {
        version: r.get(0)?,
        status: ReportStatus::from_code(&status).unwrap_or(ReportStatus::Draft),
        saved_utc: r.get(2)?,
        content_sha256: r.get(3)?,
        record_sha256: r.get(4)?,
        signer_id: r.get(5)?,
        meaning: meaning.as_deref().and_then(SignatureMeaning::from_code),
        signed_utc: r.get(7)?,
    })
}

fn content_hash(r: &ReadingReport) -> StoreResult<String> {
    Ok(content_sha256(r)?)
}

pub(super) fn report_json(r: &ReadingReport) -> StoreResult<String> {
    serde_json::to_string(r).map_err(|e| StoreError::Invalid(format!("report: {e}")))
}

impl Store {
    pub(super) fn read_row(&self, read_id: &str) -> StoreResult<Option<ReadRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reader_id FROM reads WHERE id = ?1",
                [read_id],
                |r| {
                    Ok(ReadRow {
                        reader_id: r.get(0)?,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn load_version(&self, read_id: &str, version: u32) -> StoreResult<ReadingReport> {
        let json: String = self
            .conn
            .query_row(
                "SELECT report_json FROM read_versions WHERE read_id = ?1 AND version = ?2",
                params![read_id, version],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("read {read_id} version {version}")))?;
        parse_report(&json).map_err(|e| corrupt(read_id, version, e))
    }

    pub(crate) fn all_versions(&self, read_id: &str) -> StoreResult<Vec<VersionInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT version, status, saved_utc, content_sha256, record_sha256, signer_id, meaning, \
             signed_utc FROM read_versions WHERE read_id = ?1 ORDER BY version",
        )?;
        let rows = stmt.query_map([read_id], version_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What the database stores about one version of a report (None if it does not know it).
    /// For verification tools; it shows no report content.
    pub fn version_info(&self, read_id: &str, version: u32) -> StoreResult<Option<VersionInfo>> {
        Ok(self
            .all_versions(read_id)?
            .into_iter()
            .find(|v| v.version == version))
    }

    /// The study's image references (UIDs and file hashes) as they go into a report.
    pub fn study_reference(&self, study_uid: &str) -> StoreResult<StudyRef> {
        let mut stmt = self.conn.prepare(
            "SELECT series_uid, sop_instance_uid, sha256, sop_class_uid FROM study_files \
             WHERE study_uid = ?1 ORDER BY sop_instance_uid",
        )?;
        let images = stmt
            .query_map([study_uid], |r| {
                Ok(ImageRef {
                    series_instance_uid: r.get(0)?,
                    sop_instance_uid: r.get(1)?,
                    file_sha256: r.get(2)?,
                    sop_class_uid: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(StudyRef {
            study_instance_uid: study_uid.to_owned(),
            images,
        })
    }

    /// Starts (or resumes) the session reader's read of an assigned study. Returns the latest
    /// version: a new empty draft the first time.
    pub fn start_read(
        &mut self,
        session: &Session,
        study_uid: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ReadingReport> {
        let me = session.reader_id();
        // A study chosen for a blinded re-read is read a second time (read number 2).
        let reread_due: Option<String> = self
            .conn
            .query_row(
                "SELECT not_before_utc FROM rereads WHERE study_uid = ?1 AND reader_id = ?2",
                params![study_uid, me],
                |r| r.get(0),
            )
            .optional()?;
        let read_number: u32 = if reread_due.is_some() { 2 } else { 1 };
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM reads WHERE study_uid = ?1 AND reader_id = ?2 AND read_number = ?3",
                params![study_uid, me, read_number],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            let latest = self
                .all_versions(&id)?
                .last()
                .map(|v| v.version)
                .unwrap_or(1);
            return self.load_version(&id, latest);
        }
        let assigned: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM assignments WHERE study_uid = ?1 AND reader_id = ?2",
            params![study_uid, me],
            |r| r.get(0),
        )?;
        if let Some(not_before) = &reread_due
            && format_utc(now) < *not_before
        {
            return Err(StoreError::Conflict(format!(
                "the re-read of study {study_uid} is due from {not_before}"
            )));
        }
        if assigned == 0 && session.role() != Role::Admin {
            return Err(StoreError::AccessDenied(format!(
                "study {study_uid} is not assigned to {me}"
            )));
        }
        let (subject, visit): (Option<String>, Option<String>) = self
            .conn
            .query_row(
                "SELECT s.subject_id, v.visit FROM studies s LEFT JOIN visits v ON v.id = s.visit_id \
                 WHERE s.study_uid = ?1",
                [study_uid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("study {study_uid}")))?;
        let mut draft = ReadingReport::new_draft(new_id(), format_utc(now));
        draft.reader_id = Some(me.to_owned());
        draft.study = Some(self.study_reference(study_uid)?);
        draft.subject_id = subject;
        draft.read_number = (read_number == 2).then_some(2);
        // Blinded readers never get the visit label into their report.
        if !session.role().is_blinded() {
            draft.visit = visit.and_then(|v| v.parse().ok());
        }
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO reads (id, study_uid, reader_id, created_utc, read_number) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                draft.report_id,
                study_uid,
                me,
                draft.created_utc,
                read_number
            ],
        )?;
        insert_version(&tx, &draft, now)?;
        let mut entries = vec![NewAuditEntry {
            actor: me.to_owned(),
            entity_type: EntityType::Report,
            entity_id: draft.report_id.clone(),
            action: AuditAction::Create,
            old_value: None,
            new_value: Some(
                json!({"study_uid": study_uid, "reader_id": me, "version": 1, "read_number": read_number}),
            ),
            ruleset: None,
        }];
        entries.extend(report_changes(me, None, &draft));
        audit_all(&tx, &entries, now)?;
        tx.commit()?;
        Ok(draft)
    }

    /// Saves the session reader's draft (the latest version of its read). Each changed
    /// measurement, finding, grade or field is written to the audit log; an unchanged draft
    /// writes nothing. Call it every couple of seconds while editing.
    pub fn save_draft(
        &mut self,
        session: &Session,
        draft: &ReadingReport,
        now: OffsetDateTime,
    ) -> StoreResult<SaveOutcome> {
        if draft.status != ReportStatus::Draft || draft.signature.is_some() {
            return Err(StoreError::Conflict(format!(
                "report {} version {} is signed and locked; amend it to change it",
                draft.report_id, draft.version
            )));
        }
        let read = self
            .read_row(&draft.report_id)?
            .ok_or_else(|| StoreError::NotFound(format!("read {}", draft.report_id)))?;
        if read.reader_id != session.reader_id() {
            return Err(StoreError::AccessDenied(format!(
                "read {} belongs to another reader",
                draft.report_id
            )));
        }
        let latest = self
            .all_versions(&draft.report_id)?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("read {}", draft.report_id)))?;
        if latest.version != draft.version || latest.status != ReportStatus::Draft {
            return Err(StoreError::Conflict(format!(
                "read {} version {} is {}; only the latest draft can be saved",
                draft.report_id,
                draft.version,
                if latest.version == draft.version {
                    latest.status.code()
                } else {
                    "not the latest"
                }
            )));
        }
        let stored = self.load_version(&draft.report_id, draft.version)?;
        if stored.reader_id != draft.reader_id
            || stored.read_number != draft.read_number
            || stored.supersedes != draft.supersedes
            || stored.study.as_ref().map(|s| &s.study_instance_uid)
                != draft.study.as_ref().map(|s| &s.study_instance_uid)
        {
            return Err(StoreError::Invalid(
                "a draft's reader, read number, study and superseded version cannot change".into(),
            ));
        }
        if session.role().is_blinded() && draft.visit.is_some() && stored.visit != draft.visit {
            return Err(StoreError::AccessDenied(
                "blinded readers cannot set the visit".into(),
            ));
        }
        let hash = content_hash(draft)?;
        if hash == latest.content_sha256 {
            return Ok(SaveOutcome::Unchanged);
        }
        let entries = report_changes(session.reader_id(), Some(&stored), draft);
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE read_versions SET report_json = ?3, content_sha256 = ?4, saved_utc = ?5 \
             WHERE read_id = ?1 AND version = ?2 AND status = 'draft'",
            params![
                draft.report_id,
                draft.version,
                report_json(draft)?,
                hash,
                format_utc(now)
            ],
        )?;
        audit_all(&tx, &entries, now)?;
        tx.commit()?;
        Ok(SaveOutcome::Saved {
            changes: entries.len(),
        })
    }

    /// Autosave for the GUI: saves the draft in the database and, when `backup_file` is given,
    /// also writes it there atomically.
    pub fn autosave_draft(
        &mut self,
        session: &Session,
        draft: &ReadingReport,
        backup_file: Option<&Path>,
        now: OffsetDateTime,
    ) -> StoreResult<SaveOutcome> {
        let outcome = self.save_draft(session, draft, now)?;
        if let Some(path) = backup_file {
            autosave_draft_file(path, draft).map_err(|e| StoreError::File {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        }
        Ok(outcome)
    }
}

pub(super) fn insert_version(
    tx: &Transaction<'_>,
    r: &ReadingReport,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let (record, signer, meaning, signed_at) = match &r.signature {
        Some(b) => (
            Some(record_sha256(r)?),
            Some(b.signer_id.clone()),
            Some(b.meaning.code()),
            Some(b.signed_at_utc.clone()),
        ),
        None => (None, None, None, None),
    };
    tx.execute(
        "INSERT INTO read_versions (read_id, version, status, report_json, content_sha256, \
         record_sha256, signer_id, meaning, signed_utc, saved_utc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            r.report_id,
            r.version,
            r.status.code(),
            report_json(r)?,
            content_hash(r)?,
            record,
            signer,
            meaning,
            signed_at,
            format_utc(now)
        ],
    )?;
    Ok(())
}
