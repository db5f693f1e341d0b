//! The audit trail (21 CFR Part 11 §11.10(e)): append-only, time-stamped, hash-chained.
//!
//! Every create, modify and delete of a measurement, finding, grade, report, assignment or
//! signature (and of readers and studies) is appended to the `audit_log` table with who, when
//! (UTC), what (entity type, entity id, action), the old and new value as canonical JSON, the
//! grading rule set involved and the program build.
//!
//! **Chain.** Row *n* stores `prev_hash` = `row_hash` of row *n−1* (64 zeros for the first row)
//! and `row_hash = SHA-256(prev_hash bytes || canonical row)`, where the canonical row is the
//! RFC 8785 JSON of all its columns except `row_hash`. Sequence numbers are consecutive from 1.
//! The `audit_head` table holds the last sequence number and hash, updated in the same
//! transaction as each append, so removing the last rows is detected too. SQLite triggers refuse
//! `UPDATE` and `DELETE` on the log; [`verify_chain`] catches edits made around them (e.g. by
//! editing the file with another tool). An attacker who rewrites the whole chain *and* the head
//! is only caught by comparing the head hash with a copy kept elsewhere (`--expect-head`).

mod chain;

pub use chain::{
    AuditAction, AuditEntry, ChainProblem, ChainReport, EntityType, GENESIS_HASH, NewAuditEntry,
    append, entries_for_record, row_hash, verify_chain,
};
