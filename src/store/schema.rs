//! Database schema and migrations (`PRAGMA user_version` holds the applied migration count).

use rusqlite::Connection;

use super::StoreError;

/// Migrations in order; migration *i* (0-based) moves `user_version` from *i* to *i + 1*.
const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    r#"
CREATE TABLE trials (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    protocol_id TEXT,
    -- 1 when the protocol says site names could unblind readers.
    blind_site_names INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    trial_id TEXT REFERENCES trials(id),
    name TEXT
);
CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    trial_id TEXT REFERENCES trials(id),
    site_id TEXT REFERENCES sites(id),
    treatment_arm TEXT
);
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    visit TEXT NOT NULL CHECK (visit IN ('baseline','month1','month6','month12','month18','month24')),
    UNIQUE (subject_id, visit)
);
CREATE TABLE studies (
    study_uid TEXT PRIMARY KEY,
    subject_id TEXT REFERENCES subjects(id),
    visit_id INTEGER REFERENCES visits(id),
    patient_id TEXT,
    study_date TEXT,
    source_folder TEXT,
    imported_utc TEXT NOT NULL
);
CREATE TABLE study_files (
    sop_instance_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL REFERENCES studies(study_uid),
    series_uid TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL
);
CREATE INDEX study_files_by_study ON study_files(study_uid);
CREATE TABLE readers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reader','adjudicator','admin')),
    public_key_hex TEXT NOT NULL,
    encrypted_key_json TEXT NOT NULL,
    created_utc TEXT NOT NULL
);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    study_uid TEXT NOT NULL REFERENCES studies(study_uid),
    reader_id TEXT NOT NULL REFERENCES readers(id),
    assigned_utc TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    UNIQUE (study_uid, reader_id)
);
CREATE TABLE reads (
    id TEXT PRIMARY KEY,
    study_uid TEXT REFERENCES studies(study_uid),
    reader_id TEXT NOT NULL REFERENCES readers(id),
    created_utc TEXT NOT NULL
);
CREATE UNIQUE INDEX one_read_per_reader_and_study ON reads(study_uid, reader_id)
    WHERE study_uid IS NOT NULL;
CREATE TABLE read_versions (
    read_id TEXT NOT NULL REFERENCES reads(id),
    version INTEGER NOT NULL CHECK (version >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft','signed','superseded')),
    report_json TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    record_sha256 TEXT,
    signer_id TEXT,
    meaning TEXT,
    signed_utc TEXT,
    saved_utc TEXT NOT NULL,
    PRIMARY KEY (read_id, version)
);
-- Signed versions are locked: only the status may move from signed to superseded.
CREATE TRIGGER signed_versions_locked BEFORE UPDATE ON read_versions
WHEN OLD.status <> 'draft' AND (NEW.report_json IS NOT OLD.report_json
    OR NEW.record_sha256 IS NOT OLD.record_sha256
    OR NOT (NEW.status = OLD.status OR (OLD.status = 'signed' AND NEW.status = 'superseded')))
BEGIN SELECT RAISE(ABORT, 'signed report versions are locked'); END;
CREATE TRIGGER signed_versions_kept BEFORE DELETE ON read_versions
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'signed report versions cannot be deleted'); END;
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_utc TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    ruleset TEXT,
    engine_build TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL
);
CREATE INDEX audit_by_entity ON audit_log(entity_id);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    // 2: SOP Class UID of each study file (reports reference the image's class).
    "ALTER TABLE study_files ADD COLUMN sop_class_uid TEXT;",
    // 3: the lab's trust anchor: its pinned key, reader certificates and key revocations.
    r#"
CREATE TABLE lab_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    lab_name TEXT NOT NULL,
    public_key_hex TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    encrypted_key_json TEXT NOT NULL,
    created_utc TEXT NOT NULL
);
CREATE TRIGGER lab_key_pinned BEFORE UPDATE ON lab_key
BEGIN SELECT RAISE(ABORT, 'the lab key is pinned'); END;
CREATE TABLE reader_certificates (
    id INTEGER PRIMARY KEY,
    reader_id TEXT NOT NULL REFERENCES readers(id),
    public_key_hex TEXT NOT NULL,
    certificate_json TEXT NOT NULL,
    issued_utc TEXT NOT NULL
);
CREATE TABLE key_revocations (
    id INTEGER PRIMARY KEY,
    reader_id TEXT NOT NULL REFERENCES readers(id),
    public_key_hex TEXT NOT NULL,
    revocation_json TEXT NOT NULL,
    revoked_utc TEXT NOT NULL
);
ALTER TABLE readers ADD COLUMN certificate_json TEXT;
"#,
    // 4: blinded re-reads: read number 2 of the same reader, chosen at random with a recorded seed.
    r#"
ALTER TABLE reads ADD COLUMN read_number INTEGER NOT NULL DEFAULT 1 CHECK (read_number IN (1, 2));
DROP INDEX one_read_per_reader_and_study;
CREATE UNIQUE INDEX one_read_per_reader_study_and_number ON reads(study_uid, reader_id, read_number)
    WHERE study_uid IS NOT NULL;
CREATE TABLE rereads (
    study_uid TEXT NOT NULL REFERENCES studies(study_uid),
    reader_id TEXT NOT NULL REFERENCES readers(id),
    first_read_id TEXT NOT NULL REFERENCES reads(id),
    seed TEXT NOT NULL,
    not_before_utc TEXT NOT NULL,
    assigned_utc TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (study_uid, reader_id)
);
"#,
    // 5: subject codes of imported patients (admin only). The site's Patient ID is kept only as
    // a keyed SHA-256 digest (`patient_key`), keyed by the random per-database secret below.
    r#"
CREATE TABLE subject_code_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret_hex TEXT NOT NULL
);
CREATE TABLE subject_codes (
    trial_id TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    subject_code TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('map','generated')),
    created_utc TEXT NOT NULL,
    PRIMARY KEY (trial_id, patient_key),
    UNIQUE (trial_id, subject_code)
);
"#,
];

/// Number of migrations this build knows (the `user_version` of an up-to-date database).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies pending migrations, each in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Schema(format!(
            "database schema version {current} is newer than this build understands ({SCHEMA_VERSION}); \
             use a newer echolab"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
