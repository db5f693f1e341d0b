//! `server`, `reader`, `report`, `audit`, `db` and `assign`: the reading-records commands.
//!
//! Every command takes `--db PATH` (else `$ECHOLAB_DB`, else the user's data directory).

mod audit_cmd;
mod db_cmd;
mod reader_cmd;
mod report_cmd;
mod server_cmd;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::store::{Store, default_db_path};

pub use audit_cmd::{AuditArgs, audit};
pub(crate) use db_cmd::import;
pub use db_cmd::{AssignArgs, DbArgs, ImportArgs, assign, db};
pub use reader_cmd::{ReaderArgs, reader};
pub use report_cmd::{ReportArgs, report};
pub use server_cmd::{ServerArgs, server};

/// The database path: `--db`, else `$ECHOLAB_DB`, else the default in the user's data dir.
fn db_path(db: Option<&Path>) -> anyhow::Result<PathBuf> {
    match db {
        Some(p) => Ok(p.to_owned()),
        None => default_db_path().context(
            "no home directory for the default database; pass --db PATH or set ECHOLAB_DB",
        ),
    }
}

/// Opens (creating if needed) the reading database.
pub(super) fn open_store(db: Option<&Path>) -> anyhow::Result<Store> {
    let path = db_path(db)?;
    Store::open(&path).with_context(|| format!("cannot open reading database {}", path.display()))
}

/// Reads a passphrase file (one trailing newline is not part of the passphrase).
pub(super) fn read_passphrase(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
    let pass = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned();
    if pass.is_empty() {
        anyhow::bail!("passphrase file {} is empty", path.display());
    }
    Ok(pass)
}

/// Signs `reader` in with the passphrase held in `passphrase_file`.
pub(super) fn sign_in_with_file(
    store: &mut Store,
    reader: &str,
    passphrase_file: &Path,
) -> anyhow::Result<crate::store::Session> {
    let passphrase = read_passphrase(passphrase_file)?;
    let credentials = crate::store::Credentials {
        reader_id: reader.to_owned(),
        passphrase,
    };
    Ok(store.sign_in(&credentials, crate::report::now_utc())?)
}

/// Who runs an administrative command: `--actor`, else `cli:$USER`.
pub(super) fn actor_name(explicit: Option<&str>) -> String {
    actor(explicit)
}

/// Who runs an administrative command: `--actor`, else `cli:$USER`.
fn actor(explicit: Option<&str>) -> String {
    match explicit {
        Some(a) => a.to_owned(),
        None => format!(
            "cli:{}",
            std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "unknown".to_owned())
        ),
    }
}
