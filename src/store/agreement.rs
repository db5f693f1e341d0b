//! What reader-agreement statistics read from the database: the current signed version of every
//! read with its study's subject, visit and trial, and the logged adjudications. For trial QC
//! (administrative, like `assign`): it takes no session and is not offered to blinded roles.

use rusqlite::params;
use serde_json::Value;

use super::{Store, StoreError, StoreResult};
use crate::report::{ReadingReport, Visit, parse_report};

/// A signed read with its study context.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedRead {
    /// Read id.
    pub read_id: String,
    /// Study read.
    pub study_uid: String,
    /// Subject of the study.
    pub subject_id: Option<String>,
    /// Visit of the study.
    pub visit: Option<Visit>,
    /// Trial of the subject.
    pub trial_id: Option<String>,
    /// Protocol of the trial.
    pub protocol_id: Option<String>,
    /// Reader.
    pub reader_id: String,
    /// 1 for a first read, 2 for a blinded re-read.
    pub read_number: u32,
    /// The current signed version.
    pub report: ReadingReport,
}

impl Store {
    /// The current signed version of every read of a study (of `trial_id`, if given), by study,
    /// reader and read number.
    pub fn signed_reads_with_context(
        &self,
        trial_id: Option<&str>,
    ) -> StoreResult<Vec<SignedRead>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, r.study_uid, s.subject_id, vi.visit, su.trial_id, t.protocol_id, \
                    r.reader_id, r.read_number, v.version, v.report_json \
             FROM reads r \
             JOIN read_versions v ON v.read_id = r.id AND v.version = (SELECT MAX(version) \
                 FROM read_versions WHERE read_id = r.id AND status = 'signed') \
             JOIN studies s ON s.study_uid = r.study_uid \
             LEFT JOIN visits vi ON vi.id = s.visit_id \
             LEFT JOIN subjects su ON su.id = s.subject_id \
             LEFT JOIN trials t ON t.id = su.trial_id \
             WHERE (?1 IS NULL OR su.trial_id = ?1) \
             ORDER BY r.study_uid, r.reader_id, r.read_number",
        )?;
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            u32,
            u32,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map(params![trial_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(
                |(
                    read_id,
                    study_uid,
                    subject_id,
                    visit,
                    trial_id,
                    protocol_id,
                    reader_id,
                    n,
                    version,
                    json,
                )| {
                    let report = parse_report(&json).map_err(|e| {
                        StoreError::Conflict(format!(
                            "stored report {read_id} version {version} is unreadable: {e}"
                        ))
                    })?;
                    Ok(SignedRead {
                        read_id,
                        study_uid,
                        subject_id,
                        visit: visit.and_then(|v| v.parse().ok()),
                        trial_id,
                        protocol_id,
                        reader_id,
                        read_number: n,
                        report,
                    })
                },
            )
            .collect()
    }

    /// The logged adjudications (the `new_value` of each adjudication's audit entry: study,
    /// read_a / read_b report ids, decision and final grade), oldest first.
    pub fn adjudication_log(&self) -> StoreResult<Vec<Value>> {
        let mut stmt = self.conn.prepare(
            "SELECT new_value FROM audit_log WHERE entity_type = 'adjudication' \
             AND action = 'create' ORDER BY seq",
        )?;
        let texts: Vec<Option<String>> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(texts
            .into_iter()
            .flatten()
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect())
    }
}
