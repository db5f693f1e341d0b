//! Trial set-up: trials (and their blinding rule for site names), sites, subjects (with the
//! treatment arm), and assignments of studies to readers.

use rusqlite::{OptionalExtension, params};
use serde_json::json;
use time::OffsetDateTime;

use super::{Store, StoreError, StoreResult, audit_all};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::format_utc;

impl Store {
    /// Creates or updates a trial. `blind_site_names`: the protocol says site names could unblind.
    pub fn upsert_trial(
        &mut self,
        actor: &str,
        id: &str,
        name: &str,
        protocol_id: Option<&str>,
        blind_site_names: bool,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let tx = self.write_tx()?;
        let old = old_row(
            &tx,
            "SELECT json_object('name', name, 'protocol_id', protocol_id, \
             'blind_site_names', json(CASE WHEN blind_site_names THEN 'true' ELSE 'false' END)) \
             FROM trials WHERE id = ?1",
            id,
        )?;
        tx.execute(
            "INSERT INTO trials (id, name, protocol_id, blind_site_names) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, protocol_id = excluded.protocol_id, \
             blind_site_names = excluded.blind_site_names",
            params![id, name, protocol_id, blind_site_names],
        )?;
        audit_all(
            &tx,
            &[trial_entry(
                actor,
                &format!("trial:{id}"),
                old,
                json!({"name": name, "protocol_id": protocol_id, "blind_site_names": blind_site_names}),
            )],
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Creates or updates a site.
    pub fn upsert_site(
        &mut self,
        actor: &str,
        id: &str,
        trial_id: Option<&str>,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let tx = self.write_tx()?;
        let old = old_row(
            &tx,
            "SELECT json_object('trial_id', trial_id, 'name', name) FROM sites WHERE id = ?1",
            id,
        )?;
        tx.execute(
            "INSERT INTO sites (id, trial_id, name) VALUES (?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET trial_id = excluded.trial_id, name = excluded.name",
            params![id, trial_id, name],
        )?;
        audit_all(
            &tx,
            &[trial_entry(
                actor,
                &format!("site:{id}"),
                old,
                json!({"trial_id": trial_id, "name": name}),
            )],
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Creates or updates a subject (trial, site and treatment arm).
    pub fn upsert_subject(
        &mut self,
        actor: &str,
        id: &str,
        trial_id: Option<&str>,
        site_id: Option<&str>,
        treatment_arm: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let tx = self.write_tx()?;
        let old = old_row(
            &tx,
            "SELECT json_object('trial_id', trial_id, 'site_id', site_id, \
             'treatment_arm', treatment_arm) FROM subjects WHERE id = ?1",
            id,
        )?;
        tx.execute(
            "INSERT INTO subjects (id, trial_id, site_id, treatment_arm) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(id) DO UPDATE SET trial_id = excluded.trial_id, \
             site_id = excluded.site_id, treatment_arm = excluded.treatment_arm",
            params![id, trial_id, site_id, treatment_arm],
        )?;
        audit_all(
            &tx,
            &[trial_entry(
                actor,
                &format!("subject:{id}"),
                old,
                json!({"trial_id": trial_id, "site_id": site_id, "treatment_arm": treatment_arm}),
            )],
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Assigns a study to a reader (idempotent: assigning twice is an error-free no-op).
    pub fn assign(
        &mut self,
        actor: &str,
        study_uid: &str,
        reader_id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        crate::dicom::uid::validate_uid(study_uid).map_err(StoreError::Invalid)?;
        if self.reader(reader_id)?.is_none() {
            return Err(StoreError::NotFound(format!("reader {reader_id}")));
        }
        let tx = self.write_tx()?;
        let study: Option<String> = tx
            .query_row(
                "SELECT study_uid FROM studies WHERE study_uid = ?1",
                [study_uid],
                |r| r.get(0),
            )
            .optional()?;
        if study.is_none() {
            return Err(StoreError::NotFound(format!(
                "study {study_uid} (import it first with `echolab db import`)"
            )));
        }
        let n = tx.execute(
            "INSERT OR IGNORE INTO assignments (study_uid, reader_id, assigned_utc, assigned_by) \
             VALUES (?1, ?2, ?3, ?4)",
            params![study_uid, reader_id, format_utc(now), actor],
        )?;
        if n > 0 {
            audit_all(
                &tx,
                &[NewAuditEntry {
                    actor: actor.to_owned(),
                    entity_type: EntityType::Assignment,
                    entity_id: format!("{study_uid}:{reader_id}"),
                    action: AuditAction::Create,
                    old_value: None,
                    new_value: Some(json!({"study_uid": study_uid, "reader_id": reader_id})),
                    ruleset: None,
                }],
                now,
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Removes an assignment. Refused once the reader has started a read of the study.
    pub fn unassign(
        &mut self,
        actor: &str,
        study_uid: &str,
        reader_id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let tx = self.write_tx()?;
        let started: i64 = tx.query_row(
            "SELECT COUNT(*) FROM reads WHERE study_uid = ?1 AND reader_id = ?2",
            params![study_uid, reader_id],
            |r| r.get(0),
        )?;
        if started > 0 {
            return Err(StoreError::Conflict(format!(
                "reader {reader_id} has already started reading study {study_uid}"
            )));
        }
        let n = tx.execute(
            "DELETE FROM assignments WHERE study_uid = ?1 AND reader_id = ?2",
            params![study_uid, reader_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "assignment of study {study_uid} to {reader_id}"
            )));
        }
        audit_all(
            &tx,
            &[NewAuditEntry {
                actor: actor.to_owned(),
                entity_type: EntityType::Assignment,
                entity_id: format!("{study_uid}:{reader_id}"),
                action: AuditAction::Delete,
                old_value: Some(json!({"study_uid": study_uid, "reader_id": reader_id})),
                new_value: None,
                ruleset: None,
            }],
            now,
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The current row of a trial-data record as JSON (None when it does not exist yet).
fn old_row(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    id: &str,
) -> StoreResult<Option<serde_json::Value>> {
    let text: Option<String> = tx.query_row(sql, [id], |r| r.get(0)).optional()?;
    Ok(text.and_then(|t| crate::json::from_str(&t).ok()))
}

fn trial_entry(
    actor: &str,
    id: &str,
    old_value: Option<serde_json::Value>,
    new_value: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_owned(),
        entity_type: EntityType::TrialData,
        entity_id: id.to_owned(),
        action: if old_value.is_some() {
            AuditAction::Modify
        } else {
            AuditAction::Create
        },
        old_value,
        new_value: Some(new_value),
        ruleset: None,
    }
}
