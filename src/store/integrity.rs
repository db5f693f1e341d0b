//! Checks that the database is what the audit trail says: every signed version the audit
//! chain records exists with the same record hash, and every stored signed version is in the
//! chain; and that an existing database file is a whole SQLite file before it is used.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use rusqlite::Connection;
use serde_json::Value;

use super::{StoreError, StoreResult};

/// Refuses an existing file that is empty, not SQLite, or shorter than its header says (a
/// truncated copy): such a file must never be silently re-created or half read.
pub(crate) fn check_existing_file(path: &Path) -> StoreResult<()> {
    let bad = |message: String| StoreError::File {
        path: path.to_owned(),
        message,
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Err(bad("not a file".into()));
    }
    if meta.len() == 0 {
        return Err(bad(
            "the database file is empty (0 bytes); refusing to re-create it over a lost database"
                .into(),
        ));
    }
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| bad(format!("cannot read the SQLite header: {e}")));
    if read.is_err() || &header[..16] != b"SQLite format 3\0" {
        return Err(bad(
            "not a SQLite database (bad or truncated header); refusing to use it".into(),
        ));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    if pages > 0 && meta.len() < page_size * pages {
        return Err(bad(format!(
            "the database file is truncated: {} bytes, its header says {} pages of {page_size} bytes",
            meta.len(),
            pages
        )));
    }
    Ok(())
}

/// Cross-checks signed versions and their audit entries (call inside the read transaction
/// that also verifies the chain). Returns one sentence per problem.
pub(crate) fn version_audit_problems(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut audited: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT seq, entity_id, new_value FROM audit_log WHERE entity_type = 'signature' \
         AND action = 'create' ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut problems = Vec::new();
    for row in rows {
        let (seq, entity, value) = row?;
        let value: Option<Value> = value.and_then(|t| serde_json::from_str(&t).ok());
        // Versions stored in the database carry their record hash; signed files carry a path.
        let Some(hash) = value
            .as_ref()
            .and_then(|v| v.get("record_sha256"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let parsed = entity
            .strip_suffix("/signature")
            .and_then(|rest| rest.rsplit_once("/v"))
            .and_then(|(read, v)| v.parse::<u32>().ok().map(|v| (read.to_owned(), v)));
        match parsed {
            Some(key) => {
                audited.insert(key, hash.to_owned());
            }
            None => problems.push(format!(
                "audit row {seq}: signature entry {entity:?} names no read version"
            )),
        }
    }
    let mut stored: BTreeMap<(String, u32), Option<String>> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT read_id, version, record_sha256 FROM read_versions \
         WHERE status IN ('signed', 'superseded') ORDER BY read_id, version",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (read, version, hash) = row?;
        stored.insert((read, version), hash);
    }
    for ((read, version), hash) in &audited {
        match stored.get(&(read.clone(), *version)) {
            None => problems.push(format!(
                "signed version {read} v{version} is in the audit trail but missing from the \
                 database: the version was deleted"
            )),
            Some(h) if h.as_deref() != Some(hash.as_str()) => problems.push(format!(
                "signed version {read} v{version} differs from the record hash in the audit \
                 trail: the version was altered"
            )),
            Some(_) => {}
        }
    }
    for (read, version) in stored.keys() {
        if !audited.contains_key(&(read.clone(), *version)) {
            problems.push(format!(
                "signed version {read} v{version} is stored but has no signature entry in the \
                 audit trail"
            ));
        }
    }
    Ok(problems)
}
