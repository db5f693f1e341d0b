//! Audit rows, appending with the hash chain, verification and per-record history.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::report::canonical::to_canonical_string;
use crate::report::{engine_build, format_utc};

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Kind of record an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// A reader account.
    Reader,
    /// An imported study.
    Study,
    /// A study assigned to a reader.
    Assignment,
    /// A reading report (read) as a whole.
    Report,
    /// One measurement of a report (id `READ/MEASUREMENT`).
    Measurement,
    /// One finding of a report (id `READ/FINDING`).
    Finding,
    /// The grade of a report.
    Grade,
    /// An electronic signature.
    Signature,
    /// Trial, site, subject or visit data.
    TrialData,
    /// An adjudication of two discordant reads.
    Adjudication,
    /// The lab's signing key (trust anchor of reader certificates).
    LabKey,
}

impl EntityType {
    /// Lower-case code stored in the log.
    pub fn code(self) -> &'static str {
        match self {
            EntityType::Reader => "reader",
            EntityType::Study => "study",
            EntityType::Assignment => "assignment",
            EntityType::Report => "report",
            EntityType::Measurement => "measurement",
            EntityType::Finding => "finding",
            EntityType::Grade => "grade",
            EntityType::Signature => "signature",
            EntityType::TrialData => "trial_data",
            EntityType::Adjudication => "adjudication",
            EntityType::LabKey => "lab_key",
        }
    }
}

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Created.
    Create,
    /// Changed.
    Modify,
    /// Deleted.
    Delete,
    /// A refused attempt (e.g. signing with a wrong passphrase).
    Refused,
}

impl AuditAction {
    /// Lower-case code stored in the log.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Modify => "modify",
            AuditAction::Delete => "delete",
            AuditAction::Refused => "refused",
        }
    }
}

/// An entry to append (the chain fields are filled in by [`append`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// Reader id of who did it (or `system`).
    pub actor: String,
    /// Kind of record.
    pub entity_type: EntityType,
    /// Record id.
    pub entity_id: String,
    /// What happened.
    pub action: AuditAction,
    /// Value before (None for a create).
    pub old_value: Option<Value>,
    /// Value after (None for a delete).
    pub new_value: Option<Value>,
    /// Grading rule set id and version involved (`ase2017@1.0`), if any.
    pub ruleset: Option<String>,
}

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, RFC 3339 UTC.
    pub at_utc: String,
    /// Who.
    pub actor: String,
    /// Kind of record (code of [`EntityType`]).
    pub entity_type: String,
    /// Record id.
    pub entity_id: String,
    /// Action (code of [`AuditAction`]).
    pub action: String,
    /// Old value, canonical JSON text.
    pub old_value: Option<String>,
    /// New value, canonical JSON text.
    pub new_value: Option<String>,
    /// Grading rule set involved.
    pub ruleset: Option<String>,
    /// Program build that wrote the row.
    pub engine_build: String,
    /// Hash of the previous row.
    pub prev_hash: String,
    /// Hash of this row.
    pub row_hash: String,
}

/// The first problem found in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// Sequence number of the first bad row (for a truncated tail: the first missing one).
    pub seq: i64,
    /// What is wrong.
    pub message: String,
}

/// Outcome of [`verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Rows checked.
    pub rows: u64,
    /// Hash of the last row (keep a copy elsewhere to detect a rewritten chain).
    pub head_hash: String,
    /// First problem, or `None` when the chain is intact.
    pub first_bad: Option<ChainProblem>,
    /// Records that disagree with the chain (a signed version deleted, altered or never
    /// audited); filled by [`crate::store::Store::verify_audit_chain`].
    pub record_problems: Vec<String>,
}

impl ChainReport {
    /// True when the chain is intact and covers every record it should.
    pub fn is_intact(&self) -> bool {
        self.first_bad.is_none() && self.record_problems.is_empty()
    }
}

fn canonical_json_text(v: &Option<Value>) -> Result<Option<String>, rusqlite::Error> {
    v.as_ref()
        .map(|v| {
            to_canonical_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
        })
        .transpose()
}

/// `row_hash` of `e` given its other columns.
pub fn row_hash(e: &AuditEntry) -> String {
    let row = json!({
        "seq": e.seq,
        "at_utc": e.at_utc,
        "actor": e.actor,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "action": e.action,
        "old_value": e.old_value,
        "new_value": e.new_value,
        "ruleset": e.ruleset,
        "engine_build": e.engine_build,
        "prev_hash": e.prev_hash,
    });
    let mut h = Sha256::new();
    // A malformed prev_hash still hashes (as its text), so verification reports it as a mismatch.
    match hex::decode(&e.prev_hash) {
        Ok(b) => h.update(b),
        Err(_) => h.update(e.prev_hash.as_bytes()),
    }
    // Invariant: the row holds only strings and a small integer, which always canonicalize.
    h.update(to_canonical_string(&row).unwrap_or_default().as_bytes());
    hex::encode(h.finalize())
}

/// Appends `entry` at time `now`. Call inside the same transaction as the change it records
/// (an immediate transaction, so concurrent writers are serialized).
pub fn append(
    conn: &Connection,
    entry: &NewAuditEntry,
    now: OffsetDateTime,
) -> Result<AuditEntry, rusqlite::Error> {
    let head: Option<(i64, String)> = conn
        .query_row(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_seq, last_hash) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
    let mut e = AuditEntry {
        seq: last_seq + 1,
        at_utc: format_utc(now),
        actor: entry.actor.clone(),
        entity_type: entry.entity_type.code().to_owned(),
        entity_id: entry.entity_id.clone(),
        action: entry.action.code().to_owned(),
        old_value: canonical_json_text(&entry.old_value)?,
        new_value: canonical_json_text(&entry.new_value)?,
        ruleset: entry.ruleset.clone(),
        engine_build: engine_build(),
        prev_hash: last_hash,
        row_hash: String::new(),
    };
    e.row_hash = row_hash(&e);
    conn.execute(
        "INSERT INTO audit_log (seq, at_utc, actor, entity_type, entity_id, action, old_value, \
         new_value, ruleset, engine_build, prev_hash, row_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            e.seq,
            e.at_utc,
            e.actor,
            e.entity_type,
            e.entity_id,
            e.action,
            e.old_value,
            e.new_value,
            e.ruleset,
            e.engine_build,
            e.prev_hash,
            e.row_hash
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, ?1, ?2) \
         ON CONFLICT(id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash",
        params![e.seq, e.row_hash],
    )?;
    Ok(e)
}

const SELECT_COLUMNS: &str = "SELECT seq, at_utc, actor, entity_type, entity_id, action, \
    old_value, new_value, ruleset, engine_build, prev_hash, row_hash FROM audit_log";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at_utc: r.get(1)?,
        actor: r.get(2)?,
        entity_type: r.get(3)?,
        entity_id: r.get(4)?,
        action: r.get(5)?,
        old_value: r.get(6)?,
        new_value: r.get(7)?,
        ruleset: r.get(8)?,
        engine_build: r.get(9)?,
        prev_hash: r.get(10)?,
        row_hash: r.get(11)?,
    })
}

/// Checks the whole chain and names the first bad row. Call inside one read transaction (as
/// [`crate::store::Store::verify_audit_chain`] does) so rows and head are one snapshot.
pub fn verify_chain(conn: &Connection) -> Result<ChainReport, rusqlite::Error> {
    let mut stmt = conn.prepare(&format!("{SELECT_COLUMNS} ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    let mut first_bad = None;
    while let Some(row) = rows.next()? {
        let e = entry_from_row(row)?;
        count += 1;
        let problem = if e.seq != expected_seq {
            Some(ChainProblem {
                seq: expected_seq,
                message: format!(
                    "row {expected_seq} is missing (next row present is {}): rows were deleted",
                    e.seq
                ),
            })
        } else if e.prev_hash != prev {
            Some(ChainProblem {
                seq: e.seq,
                message: format!(
                    "row {}: prev_hash does not match the hash of row {}: the previous row was \
                     altered or removed",
                    e.seq,
                    e.seq - 1
                ),
            })
        } else if row_hash(&e) != e.row_hash {
            Some(ChainProblem {
                seq: e.seq,
                message: format!("row {}: content does not match its hash: row edited", e.seq),
            })
        } else {
            None
        };
        if problem.is_some() {
            first_bad = problem;
            break;
        }
        prev = e.row_hash;
        expected_seq += 1;
    }
    drop(rows);
    if first_bad.is_none() {
        let head: Option<(i64, String)> = conn
            .query_row(
                "SELECT last_seq, last_hash FROM audit_head WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let last_seq = expected_seq - 1;
        first_bad = match head {
            None if last_seq == 0 => None,
            None => Some(ChainProblem {
                seq: 1,
                message: "the audit head record is missing".to_owned(),
            }),
            Some((hs, hh)) if hs == last_seq && hh == prev => None,
            Some((hs, _)) if hs > last_seq => Some(ChainProblem {
                seq: last_seq + 1,
                message: format!(
                    "rows {}..={hs} are missing: the end of the log was deleted",
                    last_seq + 1
                ),
            }),
            Some((hs, _)) => Some(ChainProblem {
                seq: hs.min(last_seq).max(1),
                message: format!(
                    "the audit head (row {hs}) does not match the last row ({last_seq}): \
                     log or head altered"
                ),
            }),
        };
    }
    Ok(ChainReport {
        rows: count,
        head_hash: prev,
        first_bad,
        record_problems: Vec::new(),
    })
}

/// Every audit entry about `record_id`, oldest first. Matches the record itself and its parts
/// (ids starting with `record_id/`, e.g. the measurements of a read).
pub fn entries_for_record(
    conn: &Connection,
    record_id: &str,
) -> Result<Vec<AuditEntry>, rusqlite::Error> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT_COLUMNS} WHERE entity_id = ?1 OR substr(entity_id, 1, length(?1) + 1) = ?1 || '/' \
         ORDER BY seq"
    ))?;
    let rows = stmt.query_map([record_id], entry_from_row)?;
    rows.collect()
}
