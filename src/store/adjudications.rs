//! Signed adjudications in the audit trail (§11.10(e)): the record, its signature and the
//! adjudicated reading report are logged in the transaction that covers writing their files, so
//! a signed adjudication on disk is never missing from the log. The adjudicated report is not
//! stored as a read (it would pair with the original reads on the adjudicator's worklist).

use std::path::Path;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Store, StoreError, StoreResult, audit_all};
use crate::adjudication::{AdjudicationRecord, Decision};
use crate::audit::{AuditAction, EntityType, NewAuditEntry};
use crate::report::{ReadingReport, SignatureBlock};

fn signature_value(block: &SignatureBlock, file: &Path) -> Value {
    super::sign::signature_audit_value(block, "file", json!(file.display().to_string()))
}

impl Store {
    /// Logs a signed adjudication `record` (written to `record_file`) and, when given, the
    /// adjudicated `report` (written to `report_file`). `write_files` writes both files; it runs
    /// inside the audit transaction, which commits only when it succeeds.
    pub fn record_adjudication(
        &mut self,
        record: &AdjudicationRecord,
        record_file: &Path,
        report: Option<(&ReadingReport, &Path)>,
        now: OffsetDateTime,
        write_files: impl FnOnce() -> Result<(), String>,
    ) -> StoreResult<()> {
        let Some(sig) = &record.signature else {
            return Err(StoreError::Invalid(format!(
                "adjudication {} is not signed",
                record.record_id
            )));
        };
        let read = |r: &crate::adjudication::ReadRef| {
            json!({"report_id": r.report_id, "version": r.version,
                   "record_sha256": r.record_sha256})
        };
        let decision = match &record.decision {
            Decision::ChooseRead { side, .. } => json!({"kind": "choose_read", "side": side}),
            Decision::PerParameter { values, .. } => {
                json!({"kind": "per_parameter", "values": values})
            }
        };
        let mut entries = vec![
            NewAuditEntry {
                actor: sig.signer_id.clone(),
                entity_type: EntityType::Adjudication,
                entity_id: record.record_id.clone(),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({
                    "study_uid": record.study_instance_uid,
                    "read_a": read(&record.read_a),
                    "read_b": read(&record.read_b),
                    "decision": decision,
                    "final_grade": record.final_grade,
                    "reason": record.reason,
                })),
                ruleset: None,
            },
            NewAuditEntry {
                actor: sig.signer_id.clone(),
                entity_type: EntityType::Signature,
                entity_id: format!("{}/signature", record.record_id),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(signature_value(sig, record_file)),
                ruleset: None,
            },
        ];
        if let Some((report, file)) = report {
            let Some(rsig) = &report.signature else {
                return Err(StoreError::Invalid(format!(
                    "adjudicated report {} is not signed",
                    report.report_id
                )));
            };
            entries.push(NewAuditEntry {
                actor: rsig.signer_id.clone(),
                entity_type: EntityType::Report,
                entity_id: report.report_id.clone(),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(json!({
                    "registered_from": "adjudication",
                    "adjudication_record": record.record_id,
                    "study_uid": report.study.as_ref().map(|s| &s.study_instance_uid),
                    "version": report.version,
                })),
                ruleset: report.grade.as_ref().map(|g| g.ruleset_label()),
            });
            entries.push(NewAuditEntry {
                actor: rsig.signer_id.clone(),
                entity_type: EntityType::Signature,
                entity_id: format!("{}/v{}/signature", report.report_id, report.version),
                action: AuditAction::Create,
                old_value: None,
                new_value: Some(signature_value(rsig, file)),
                ruleset: None,
            });
        }
        let tx = self.write_tx()?;
        audit_all(&tx, &entries, now)?;
        write_files().map_err(StoreError::Invalid)?;
        tx.commit()?;
        Ok(())
    }
}
