//! The reading database: an embedded SQLite file that needs no set-up.
//!
//! One file (default `<user data dir>/echolab/echolab.sqlite3`, overridden by `ECHOLAB_DB` or an
//! explicit path) holds trials, sites, subjects, visits, imported studies and their files
//! (UIDs + SHA-256), readers and their sealed signing keys, assignments, reads and every version
//! of every report, and the hash-chained audit log ([`crate::audit`]).
//!
//! The database runs in WAL mode with `synchronous = FULL`; every change and its audit entries
//! are written in one immediate transaction, so a crash or killed process leaves either the
//! state before or after the change.
//!
//! Access rules (roles and blinding) are enforced here, in the queries: see [`access`].
//!
//! # For the GUI
//!
//! | step | call |
//! |---|---|
//! | open the database | [`Store::open`]`(&`[`default_db_path`]`()?)` |
//! | set up the lab (once) / enrol readers | [`Store::init_lab`], [`Store::unlock_lab`], [`Store::add_reader`] |
//! | sign in | [`Store::sign_in`]`(&Credentials { reader_id, passphrase }, now) -> Session` |
//! | worklist (to read / draft / signed / amending) | [`Store::worklist`]`(&session)` |
//! | study header as the reader may see it | [`Store::study_view`]`(&session, study_uid)` |
//! | start or resume a read | [`Store::start_read`]`(&session, study_uid, now) -> ReadingReport` |
//! | fill it from the measurements (runs grading) | [`crate::report::draft::apply_measurement_set`] |
//! | autosave every couple of seconds | [`Store::autosave_draft`]`(&session, &draft, Some(backup_path), now)` |
//! | sign dialog text | [`crate::report::render::signing_dialog_text`] |
//! | sign what the screen shows (id + passphrase typed again) | [`Store::sign_shown`]`(&session, &draft, &credentials, meaning, now)` |
//! | amend a signed read | [`Store::amend_read`]`(&session, read_id, now)` |
//! | reads the session may open | [`Store::reads_visible_to`], [`Store::open_read`] (`AccessDenied` otherwise) |
//! | versions and one version | [`Store::read_versions`], [`Store::read_version`] |
//! | verify a version | [`crate::signing::verify_report`] + [`Store::lab_trust`] + [`Store::check_signer_trust`] |
//! | history of a read | [`Store::read_history`] (audit entries, oldest first) |
//! | choose blinded re-reads (admin) | [`Store::assign_rereads`]`(actor, trial, &policy, seed, now)` |
//! | signed reads with subject/visit/trial (agreement QC) | [`Store::signed_reads_with_context`] |
//! | printed form with manifestation | [`crate::report::render::render_text`] |

pub mod access;
mod adjudications;
mod agreement;
mod diff;
pub mod import;
mod integrity;
pub mod lab;
pub mod readers;
pub mod reads;
mod rereads;
mod schema;
mod sign;
pub mod subject_codes;
mod trials;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use time::OffsetDateTime;

use crate::audit::{self, NewAuditEntry};
use crate::signing::{KdfParams, SigningError};

pub use access::{StudyView, WorkStatus, WorklistItem};
pub use agreement::SignedRead;
pub use import::{ImportOptions, ImportSummary, PreparedFile, list_files};
pub use readers::{Credentials, KeyCheck, ReaderInfo, Role, Session};
pub use reads::{OpenedRead, ReadSummary, SaveOutcome, VersionInfo};
pub use rereads::{RereadAssignment, RereadSelection};
pub use schema::SCHEMA_VERSION;
pub use subject_codes::{CodeSource, PatientCode, SubjectCodeRow, SubjectMap};

/// Environment variable that overrides the default database path.
pub const DB_ENV: &str = "ECHOLAB_DB";

/// Errors of the reading database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The session's role or ownership does not allow this.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// No such record.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the stored state (e.g. editing a signed version).
    #[error("{0}")]
    Conflict(String),
    /// Bad input.
    #[error("invalid: {0}")]
    Invalid(String),
    /// Key or signature failure (includes a wrong passphrase).
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// A file could not be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The database schema is not one this build understands.
    #[error("{0}")]
    Schema(String),
}

/// Result alias of this module.
pub type StoreResult<T> = Result<T, StoreError>;

/// An open reading database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    kdf: KdfParams,
    lab: Option<lab::LabSigner>,
}

/// The default database path: `$ECHOLAB_DB` if set, else `echolab.sqlite3` in the user's data
/// directory (e.g. `~/.local/share/echolab/` on Linux).
pub fn default_db_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("org", "echolab", "echolab")
        .map(|d| d.data_dir().join("echolab.sqlite3"))
}

impl Store {
    /// Opens (creating if missing) the database at `path` and applies migrations. An existing
    /// file that is empty or truncated is refused, never re-created.
    pub fn open(path: &Path) -> StoreResult<Store> {
        integrity::check_existing_file(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::File {
                path: dir.to_owned(),
                message: format!("cannot create the database folder: {e}"),
            })?;
        }
        let conn = Connection::open(path)?;
        Store::setup(conn, Some(path.to_owned()))
    }

    /// Opens an existing database; fails if the file does not exist.
    pub fn open_existing(path: &Path) -> StoreResult<Store> {
        if !path.is_file() {
            return Err(StoreError::NotFound(format!(
                "no reading database at {}",
                path.display()
            )));
        }
        integrity::check_existing_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Store::setup(conn, Some(path.to_owned()))
    }

    /// A private in-memory database (tests, previews).
    pub fn open_in_memory() -> StoreResult<Store> {
        Store::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> StoreResult<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Schema(format!(
                    "cannot switch the database to WAL mode (got {mode})"
                )));
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path,
            kdf: KdfParams::default(),
            lab: None,
        })
    }

    /// The database file (None for in-memory databases).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Argon2id parameters used for keys created from now on (default 19 MiB, t = 2).
    pub fn set_kdf_params(&mut self, params: KdfParams) {
        self.kdf = params;
    }

    /// The underlying connection, for read-only inspection and integrity checks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> StoreResult<()> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "database integrity check failed: {result}"
            )))
        }
    }

    /// Checks the audit chain (see [`crate::audit::verify_chain`]) and that it covers every
    /// signed version: each audited version exists with the same record hash, and each stored
    /// signed version is audited. Rows, head and versions are read in one read transaction,
    /// so a concurrent writer cannot make a sound database look broken.
    pub fn verify_audit_chain(&self) -> StoreResult<audit::ChainReport> {
        let tx = self.conn.unchecked_transaction()?;
        let mut report = audit::verify_chain(&tx)?;
        report.record_problems = integrity::version_audit_problems(&tx)?;
        tx.rollback()?;
        Ok(report)
    }

    /// Every audit entry about a record (and its parts), oldest first.
    pub fn record_history(&self, record_id: &str) -> StoreResult<Vec<audit::AuditEntry>> {
        Ok(audit::entries_for_record(&self.conn, record_id)?)
    }

    /// Starts an immediate (write-locking) transaction.
    fn write_tx(&mut self) -> StoreResult<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

/// Appends audit entries inside `tx`.
fn audit_all(
    tx: &Transaction<'_>,
    entries: &[NewAuditEntry],
    now: OffsetDateTime,
) -> StoreResult<()> {
    for e in entries {
        audit::append(tx, e, now)?;
    }
    Ok(())
}
