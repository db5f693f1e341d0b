//! Signing reads and opening amendments (see [`super::reads`] for the version rules).

use rusqlite::{OptionalExtension, params};
use serde_json::json;
use time::OffsetDateTime;

use super::diff::{report_changes, ruleset_label};
use super::readers::{Credentials, Role, Session};
use super::reads::{insert_version, report_json};
use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::{ReadingReport, ReportStatus, SignatureMeaning};
use crate::signing::{self, record_sha256};

impl Store {
    /// Signs the latest draft of a read from the GUI: the reader types id and passphrase again
    /// (§11.200), which must match the signed-in reader.
    pub fn sign_read(
        &mut self,
        session: &Session,
        read_id: &str,
        credentials: &Credentials,
        meaning: SignatureMeaning,
        now: OffsetDateTime,
    ) -> StoreResult<ReadingReport> {
        if credentials.reader_id != session.reader_id() {
            return Err(StoreError::AccessDenied(
                "the signing reader id differs from the signed-in reader".into(),
            ));
        }
        let latest = self
            .all_versions(read_id)?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("read {read_id}")))?;
        let draft = self.load_version(read_id, latest.version)?;
        self.sign_report(credentials, &draft, meaning, now)
    }

    /// Signs exactly `shown`, the draft of one of the session's reads as the reader's screen
    /// shows it (the GUI saves it just before). The reader types id and passphrase again, which
    /// must match the signed-in reader.
    pub fn sign_shown(
        &mut self,
        session: &Session,
        shown: &ReadingReport,
        credentials: &Credentials,
        meaning: SignatureMeaning,
        now: OffsetDateTime,
    ) -> StoreResult<ReadingReport> {
        if credentials.reader_id != session.reader_id() {
            return Err(StoreError::AccessDenied(
                "the signing reader id differs from the signed-in reader".into(),
            ));
        }
        if self.read_row(&shown.report_id)?.is_none() {
            return Err(StoreError::NotFound(format!("read {}", shown.report_id)));
        }
        self.sign_report(credentials, shown, meaning, now)
    }

    /// Signs `draft` with the reader's key (unlocked with `credentials`) and records the signed
    /// version in the database (creating the read if the report came from a file). A signed
    /// amendment marks the version it supersedes `superseded`.
    pub fn sign_report(
        &mut self,
        credentials: &Credentials,
        draft: &ReadingReport,
        meaning: SignatureMeaning,
        now: OffsetDateTime,
    ) -> StoreResult<ReadingReport> {
        if let Some(study) = &draft.study {
            crate::dicom::uid::validate_uid(&study.study_instance_uid)
                .map_err(|e| StoreError::Invalid(format!("the report's study: {e}")))?;
        }
        let (signer, key) = self.unlock_signing_key(credentials, now)?;
        let read = self.read_row(&draft.report_id)?;
        let versions = self.all_versions(&draft.report_id)?;
        let author = draft.reader_id.clone().unwrap_or_else(|| signer.id.clone());
        if let Some(read) = &read
            && read.reader_id != signer.id
            && (meaning == SignatureMeaning::Authorship || signer.role == Role::Reader)
        {
            return Err(StoreError::AccessDenied(format!(
                "read {} belongs to {}; {} cannot sign it as {}",
                draft.report_id,
                read.reader_id,
                signer.id,
                meaning.code()
            )));
        }
        if read.is_none() && self.reader(&author)?.is_none() {
            return Err(StoreError::Invalid(format!(
                "the report's reader {author} is not registered"
            )));
        }
        let stored_draft = match versions.last() {
            Some(v) if v.version == draft.version && v.status == ReportStatus::Draft => {
                Some(self.load_version(&draft.report_id, v.version)?)
            }
            Some(v) if v.version == draft.version => {
                return Err(StoreError::Conflict(format!(
                    "report {} version {} is already {}; amend it to change it",
                    draft.report_id,
                    draft.version,
                    v.status.code()
                )));
            }
            Some(v) if v.version + 1 == draft.version && v.status != ReportStatus::Draft => None,
            Some(v) => {
                return Err(StoreError::Conflict(format!(
                    "report {} version {} does not follow the stored version {} ({})",
                    draft.report_id,
                    draft.version,
                    v.version,
                    v.status.code()
                )));
            }
            None => None,
        };
        if let Some(current) = versions.iter().find(|v| v.status == ReportStatus::Signed)
            && draft.supersedes.as_ref().map(|s| s.version) != Some(current.version)
        {
            return Err(StoreError::Conflict(format!(
                "report {} has a signed version {}: a new version must be an amendment that \
                 supersedes it",
                draft.report_id, current.version
            )));
        }
        let mut superseded = None;
        if let Some(sup) = &draft.supersedes
            && let Some(v) = versions.iter().find(|v| v.version == sup.version)
        {
            if v.status != ReportStatus::Signed
                || v.record_sha256.as_deref() != Some(sup.record_sha256.as_str())
            {
                return Err(StoreError::Conflict(format!(
                    "the amendment supersedes version {} with hash {}, but the stored version \
                     is {} with hash {}",
                    sup.version,
                    sup.record_sha256,
                    v.status.code(),
                    v.record_sha256.as_deref().unwrap_or("none")
                )));
            }
            superseded = Some(self.load_version(&draft.report_id, sup.version)?);
        }
        let certificate = self.reader_certificate(&signer.id)?.ok_or_else(|| {
            StoreError::Conflict(format!(
                "reader {} has no lab certificate: enrol the reader with the lab key",
                signer.id
            ))
        })?;
        if let Some(r) = self
            .revocations()?
            .iter()
            .find(|r| r.public_key_hex == signer.public_key_hex)
        {
            return Err(StoreError::AccessDenied(format!(
                "the signing key of {} was revoked at {} ({})",
                signer.id, r.revoked_at_utc, r.reason
            )));
        }
        let signed = signing::sign_report_certified(
            draft,
            &signer.id,
            &signer.name,
            &key,
            meaning,
            now,
            Some(certificate),
        )?;
        let block = signed
            .signature
            .clone()
            .ok_or_else(|| StoreError::Invalid("signing produced no signature".into()))?;
        let record = record_sha256(&signed)?;
        let study_known = match signed.study.as_ref() {
            Some(s) => self
                .conn
                .query_row(
                    "SELECT study_uid FROM studies WHERE study_uid = ?1",
                    [&s.study_instance_uid],
                    |r| r.get::<_, String>(0),
                )
                .optional()?,
            None => None,
        };
        if read.is_none()
            && let Some(study) = &study_known
        {
            let other: Option<String> = self
                .conn
                .query_row(
                    "SELECT id FROM reads WHERE study_uid = ?1 AND reader_id = ?2",
                    params![study, author],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(other) = other {
                return Err(StoreError::Conflict(format!(
                    "{author} already has read {other} of study {study}; sign or amend that read"
                )));
            }
        }
        if let (Some(uid), Some(study)) = (&study_known, &signed.study) {
            let registered = self.study_reference(uid)?;
            for image in &study.images {
                if !registered.images.contains(image) {
                    return Err(StoreError::Conflict(format!(
                        "the report references image {} (sha256 {}) that is not a registered file \
                         of study {uid} with that content",
                        image.sop_instance_uid, image.file_sha256
                    )));
                }
            }
        }
        let before = stored_draft.as_ref().or(superseded.as_ref());
        let mut entries = report_changes(&signer.id, before, &signed);
        let tx = self.write_tx()?;
        if read.is_none() {
            tx.execute(
                "INSERT INTO reads (id, study_uid, reader_id, created_utc) VALUES (?1, ?2, ?3, ?4)",
                params![signed.report_id, study_known, author, signed.created_utc],
            )?;
            entries.insert(
                0,
                NewAuditEntry {
                    actor: signer.id.clone(),
                    entity_type: EntityType::Report,
                    entity_id: signed.report_id.clone(),
                    action: AuditAction::Create,
                    old_value: None,
                    new_value: Some(json!({"study_uid": study_known, "reader_id": author,
                        "version": signed.version, "registered_from": "file"})),
                    ruleset: None,
                },
            );
        }
        if stored_draft.is_some() {
            tx.execute(
                "UPDATE read_versions SET status = 'signed', report_json = ?3, content_sha256 = ?4, \
                 record_sha256 = ?5, signer_id = ?6, meaning = ?7, signed_utc = ?8, saved_utc = ?8 \
                 WHERE read_id = ?1 AND version = ?2 AND status = 'draft'",
                params![
                    signed.report_id,
                    signed.version,
                    report_json(&signed)?,
                    block.content_sha256,
                    record,
                    block.signer_id,
                    block.meaning.code(),
                    block.signed_at_utc
                ],
            )?;
        } else {
            insert_version(&tx, &signed, now)?;
        }
        entries.push(NewAuditEntry {
            actor: signer.id.clone(),
            entity_type: EntityType::Signature,
            entity_id: format!("{}/v{}/signature", signed.report_id, signed.version),
            action: AuditAction::Create,
            old_value: None,
            new_value: Some(signature_audit_value(
                &block,
                "record_sha256",
                json!(record),
            )),
            ruleset: signed.grade.as_ref().map(ruleset_label),
        });
        if let Some(old) = &superseded {
            tx.execute(
                "UPDATE read_versions SET status = 'superseded' WHERE read_id = ?1 AND version = ?2 \
                 AND status = 'signed'",
                params![old.report_id, old.version],
            )?;
            entries.push(NewAuditEntry {
                actor: signer.id.clone(),
                entity_type: EntityType::Report,
                entity_id: format!("{}/v{}", old.report_id, old.version),
                action: AuditAction::Modify,
                old_value: Some(json!({"status": "signed"})),
                new_value: Some(json!({"status": "superseded", "superseded_by": signed.version})),
                ruleset: None,
            });
        }
        audit_all(&tx, &entries, now)?;
        tx.commit()?;
        Ok(signed)
    }

    /// Opens an amendment: a new draft version of a signed read, referencing the signed version.
    pub fn amend_read(
        &mut self,
        session: &Session,
        read_id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ReadingReport> {
        let read = self
            .read_row(read_id)?
            .ok_or_else(|| StoreError::NotFound(format!("read {read_id}")))?;
        if read.reader_id != session.reader_id() {
            return Err(StoreError::AccessDenied(format!(
                "read {read_id} belongs to another reader"
            )));
        }
        let latest = self
            .all_versions(read_id)?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("read {read_id}")))?;
        if latest.status != ReportStatus::Signed {
            return Err(StoreError::Conflict(format!(
                "read {read_id} version {} is a {}; only a signed version can be amended",
                latest.version,
                latest.status.code()
            )));
        }
        let signed = self.load_version(read_id, latest.version)?;
        let draft = signing::amendment_draft(&signed, None, now)?;
        let tx = self.write_tx()?;
        insert_version(&tx, &draft, now)?;
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: session.reader_id().to_owned(),
                entity_type: EntityType::Report,
                entity_id: format!("{read_id}/v{}", draft.version),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({"status": "draft", "supersedes": draft.supersedes})),
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        Ok(draft)
    }
}

/// What the audit log records of a signature (§11.50 fields, key and content hashes), plus one
/// `extra` field naming the signed object (its record hash, its file …).
pub(crate) fn signature_audit_value(
    block: &crate::report::SignatureBlock,
    extra_key: &str,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut v = json!({
        "signer_id": block.signer_id,
        "printed_name": block.printed_name,
        "signed_at_utc": block.signed_at_utc,
        "meaning": block.meaning.code(),
        "key_fingerprint_sha256": block.key_fingerprint_sha256,
        "content_sha256": block.content_sha256,
    });
    if let Some(map) = v.as_object_mut() {
        map.insert(extra_key.to_owned(), extra);
    }
    v
}
