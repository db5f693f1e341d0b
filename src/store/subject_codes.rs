//! Subject codes of imported patients: the site's Patient ID never becomes a subject id.
//!
//! A study's subject is a *subject code*: the one the user gives (`--subject`), the header's
//! Clinical Trial Subject ID, the code a site's subject map gives (`--subject-map`, CSV
//! `patient_id,subject_code`), or else a generated code `<trial id>-NNN` (`SUBJ-NNN` without a
//! trial): the lowest number not yet used in the trial, so a patient's code depends only on the
//! order in which patients first reach the database, never on the Patient ID itself (a hash of a
//! record number could be reversed by trying every number).
//!
//! The table `subject_codes` remembers, per trial, which patient has which code, so the same
//! patient gets the same code on every import. It does not hold the Patient ID: it holds a keyed
//! SHA-256 digest of it (key: 256 random bits made once per database, in the admin-only table
//! `subject_code_secret`). Only admin sessions may read the table ([`Store::subject_codes`],
//! [`Store::subject_code_of`], which needs the Patient ID to find its code); readers and
//! adjudicators get [`StoreError::AccessDenied`]. The digest is keyed with a secret kept in the
//! same file, so it protects the IDs from a glance at the file, not from someone who copies the
//! whole database and tries every possible record number.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::readers::{Role, Session};
use super::{Store, StoreError, StoreResult};
use crate::report::format_utc;

/// Longest subject code (DICOM LO holds 64 characters).
pub const MAX_CODE_LEN: usize = 64;

/// Checks a subject code given by a user or a site: 1–64 characters among `A–Z a–z 0–9 - _ .`.
pub fn validate_subject_code(code: &str) -> Result<(), String> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(format!("a subject code has 1-{MAX_CODE_LEN} characters"));
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("a subject code uses only A-Z, a-z, 0-9, '-', '_' and '.'".to_owned());
    }
    Ok(())
}

/// A site's subject map: Patient ID → subject code, with the line each came from. Its `Debug`
/// output names no Patient ID.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SubjectMap {
    entries: BTreeMap<String, (String, usize)>,
}

impl std::fmt::Debug for SubjectMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubjectMap({} entries)", self.entries.len())
    }
}

impl SubjectMap {
    /// Parses a CSV with the header `patient_id,subject_code` and one patient per line. Errors
    /// name the line, never the Patient ID: a wrong column count, an empty or padded value, an
    /// invalid code, a code equal to its Patient ID, a Patient ID or a code given twice.
    pub fn parse_csv(text: &str) -> Result<SubjectMap, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut entries: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut codes: BTreeMap<String, usize> = BTreeMap::new();
        let mut saw_header = false;
        for (i, record) in reader.records().enumerate() {
            let fallback_line = i + 1;
            let record = record.map_err(|e| {
                let line = e.position().map_or(fallback_line, |p| p.line() as usize);
                format!("line {line}: not valid CSV (quotes or encoding)")
            })?;
            let line = record
                .position()
                .map_or(fallback_line, |p| p.line() as usize);
            if !saw_header {
                let header: Vec<&str> = record.iter().map(str::trim).collect();
                if header != ["patient_id", "subject_code"] {
                    return Err(format!(
                        "line {line}: the header must be exactly patient_id,subject_code"
                    ));
                }
                saw_header = true;
                continue;
            }
            if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
                continue; // a blank line
            }
            if record.len() != 2 {
                return Err(format!(
                    "line {line}: expected 2 columns (patient_id,subject_code), found {}",
                    record.len()
                ));
            }
            let (Some(patient), Some(code)) = (record.get(0), record.get(1)) else {
                return Err(format!("line {line}: expected 2 columns"));
            };
            if patient.trim().is_empty() {
                return Err(format!("line {line}: empty patient_id"));
            }
            if patient.trim() != patient {
                return Err(format!(
                    "line {line}: patient_id has leading or trailing spaces"
                ));
            }
            validate_subject_code(code).map_err(|e| format!("line {line}: {e}"))?;
            if code == patient {
                return Err(format!(
                    "line {line}: the subject code equals the patient_id"
                ));
            }
            if let Some((_, first)) = entries.get(patient) {
                return Err(format!(
                    "line {line}: patient_id repeated (first on line {first})"
                ));
            }
            if let Some(first) = codes.get(code) {
                return Err(format!(
                    "line {line}: subject code {code} repeated (first on line {first})"
                ));
            }
            codes.insert(code.to_owned(), line);
            entries.insert(patient.to_owned(), (code.to_owned(), line));
        }
        if !saw_header {
            return Err("line 1: the header must be exactly patient_id,subject_code".to_owned());
        }
        Ok(SubjectMap { entries })
    }

    /// Reads and parses a subject-map file (errors name the file and the line).
    pub fn load(path: &Path) -> StoreResult<SubjectMap> {
        let bytes = std::fs::read(path).map_err(|e| StoreError::File {
            path: path.to_owned(),
            message: format!("cannot read the subject map: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| StoreError::File {
            path: path.to_owned(),
            message: "the subject map is not UTF-8 text".to_owned(),
        })?;
        SubjectMap::parse_csv(&text).map_err(|message| StoreError::File {
            path: path.to_owned(),
            message: format!("subject map {message}"),
        })
    }

    /// Number of patients in the map.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The code and line of a patient.
    fn get(&self, patient_id: &str) -> Option<(&str, usize)> {
        self.entries.get(patient_id).map(|(c, l)| (c.as_str(), *l))
    }
}

/// Where a stored code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSource {
    /// A site's subject map.
    Map,
    /// Generated by echolab.
    Generated,
}

impl CodeSource {
    fn code(self) -> &'static str {
        match self {
            CodeSource::Map => "map",
            CodeSource::Generated => "generated",
        }
    }
}

/// One stored subject code, as admins see it (the Patient ID is not stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectCodeRow {
    /// Trial (empty for imports without a trial).
    pub trial_id: String,
    /// The subject code.
    pub subject_code: String,
    /// `map` or `generated`.
    pub source: String,
    /// When it was first recorded.
    pub created_utc: String,
}

/// A subject code chosen for a patient, to be recorded when its study is registered.
#[derive(Clone, PartialEq, Eq)]
pub struct PatientCode {
    /// The site's Patient ID (never stored as such).
    pub patient_id: String,
    /// The subject code.
    pub subject_code: String,
    /// Where the code came from.
    pub source: CodeSource,
}

impl std::fmt::Debug for PatientCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientCode")
            .field("patient_id", &"<hidden>")
            .field("subject_code", &self.subject_code)
            .field("source", &self.source)
            .finish()
    }
}

fn require_admin(session: &Session) -> StoreResult<()> {
    if session.role() == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::AccessDenied(format!(
            "subject codes are shown to admins only ({} is {})",
            session.reader_id(),
            session.role().code()
        )))
    }
}

/// The per-database key of the patient digests, made on first use.
fn secret(conn: &Connection) -> StoreResult<Vec<u8>> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT secret_hex FROM subject_code_secret WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(hex_text) = stored {
        return hex::decode(hex_text)
            .map_err(|_| StoreError::Schema("the subject code key is damaged".to_owned()));
    }
    let mut key = vec![0u8; 32];
    OsRng.fill_bytes(&mut key);
    conn.execute(
        "INSERT INTO subject_code_secret (id, secret_hex) VALUES (1, ?1)",
        [hex::encode(&key)],
    )?;
    Ok(key)
}

/// The keyed digest of a patient in a trial. The key has a fixed length and comes first, so
/// plain SHA-256 serves here (nothing is authenticated, only looked up).
fn patient_key(secret: &[u8], trial: &str, patient_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"echolab-patient-key-v1\n");
    h.update(secret);
    h.update(trial.as_bytes());
    h.update([0u8]);
    h.update(patient_id.as_bytes());
    hex::encode(h.finalize())
}

fn stored_code(conn: &Connection, trial: &str, key: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT subject_code FROM subject_codes WHERE trial_id = ?1 AND patient_key = ?2",
            params![trial, key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Codes in use in a trial: stored codes and subject ids of the database.
fn used_codes(conn: &Connection, trial: &str) -> StoreResult<BTreeSet<String>> {
    let mut used = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT subject_code FROM subject_codes WHERE trial_id = ?1")?;
    for code in stmt.query_map([trial], |r| r.get::<_, String>(0))? {
        used.insert(code?);
    }
    let mut stmt = conn.prepare("SELECT id FROM subjects")?;
    for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
        used.insert(id?);
    }
    Ok(used)
}

/// The lowest free generated code of a trial.
fn next_code(trial: &str, used: &BTreeSet<String>) -> String {
    let prefix = if trial.is_empty() { "SUBJ" } else { trial };
    let mut n = 1u64;
    loop {
        let code = format!("{prefix}-{n:03}");
        if !used.contains(&code) {
            return code;
        }
        n += 1;
    }
}

/// Records (or checks) the code of a patient in a trial inside a transaction.
pub(super) fn record_code(
    conn: &Connection,
    trial: &str,
    code: &PatientCode,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let key = patient_key(&secret(conn)?, trial, &code.patient_id);
    match stored_code(conn, trial, &key)? {
        Some(stored) if stored == code.subject_code => Ok(()),
        Some(stored) => Err(StoreError::Conflict(format!(
            "this patient already has subject code {stored} in trial {trial}, not {}",
            code.subject_code
        ))),
        None => {
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM subject_codes WHERE trial_id = ?1 \
                 AND subject_code = ?2)",
                params![trial, code.subject_code],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::Conflict(format!(
                    "subject code {} is already given to another patient in trial {trial}",
                    code.subject_code
                )));
            }
            conn.execute(
                "INSERT INTO subject_codes (trial_id, patient_key, subject_code, source, \
                 created_utc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    trial,
                    key,
                    code.subject_code,
                    code.source.code(),
                    format_utc(now)
                ],
            )?;
            Ok(())
        }
    }
}

/// The code of a patient in a trial: the stored one, else a new generated one (recorded).
pub(super) fn code_for(
    conn: &Connection,
    trial: &str,
    patient_id: &str,
    now: OffsetDateTime,
) -> StoreResult<String> {
    let key = patient_key(&secret(conn)?, trial, patient_id);
    if let Some(code) = stored_code(conn, trial, &key)? {
        return Ok(code);
    }
    let code = next_code(trial, &used_codes(conn, trial)?);
    record_code(
        conn,
        trial,
        &PatientCode {
            patient_id: patient_id.to_owned(),
            subject_code: code.clone(),
            source: CodeSource::Generated,
        },
        now,
    )?;
    Ok(code)
}

impl Store {
    /// The subject codes of `patient_ids` in `trial`, without recording anything: the code
    /// stored for the patient, else the code of `map`, else a new generated code (see the module
    /// docs). A map that contradicts the stored codes is refused, naming the map's line.
    pub fn resolve_subject_codes(
        &mut self,
        trial: &str,
        patient_ids: &[String],
        map: &SubjectMap,
    ) -> StoreResult<Vec<PatientCode>> {
        let tx = self.write_tx()?;
        let key = secret(&tx)?;
        let mut used = used_codes(&tx, trial)?;
        let mut out: Vec<PatientCode> = Vec::new();
        let mut seen = BTreeSet::new();
        // Map entries first, so a generated code never takes a code the map gives.
        for id in patient_ids {
            if let Some((code, _)) = map.get(id) {
                used.insert(code.to_owned());
            }
        }
        for id in patient_ids {
            if !seen.insert(id.clone()) {
                continue;
            }
            let stored = stored_code(&tx, trial, &patient_key(&key, trial, id))?;
            let (code, source) = match (stored, map.get(id)) {
                (Some(s), Some((m, line))) if s != m => {
                    return Err(StoreError::Invalid(format!(
                        "subject map line {line}: this patient already has subject code {s} \
                         in trial {trial}"
                    )));
                }
                (Some(s), m) => (
                    s,
                    if m.is_some() {
                        CodeSource::Map
                    } else {
                        CodeSource::Generated
                    },
                ),
                (None, Some((m, line))) => {
                    let taken: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM subject_codes WHERE trial_id = ?1 \
                         AND subject_code = ?2)",
                        params![trial, m],
                        |r| r.get(0),
                    )?;
                    if taken {
                        return Err(StoreError::Invalid(format!(
                            "subject map line {line}: subject code {m} is already given to \
                             another patient in trial {trial}"
                        )));
                    }
                    (m.to_owned(), CodeSource::Map)
                }
                (None, None) => {
                    let c = next_code(trial, &used);
                    used.insert(c.clone());
                    (c, CodeSource::Generated)
                }
            };
            out.push(PatientCode {
                patient_id: id.clone(),
                subject_code: code,
                source,
            });
        }
        tx.commit()?; // keeps the key made on first use
        Ok(out)
    }

    /// Every stored subject code (of one trial, or all): admins only. The Patient IDs are not
    /// stored; use [`Store::subject_code_of`] to find a patient's code.
    pub fn subject_codes(
        &self,
        session: &Session,
        trial: Option<&str>,
    ) -> StoreResult<Vec<SubjectCodeRow>> {
        require_admin(session)?;
        let mut stmt = self.conn.prepare(
            "SELECT trial_id, subject_code, source, created_utc FROM subject_codes \
             WHERE ?1 IS NULL OR trial_id = ?1 ORDER BY trial_id, subject_code",
        )?;
        let rows = stmt.query_map([trial], |r| {
            Ok(SubjectCodeRow {
                trial_id: r.get(0)?,
                subject_code: r.get(1)?,
                source: r.get(2)?,
                created_utc: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The subject code of a site's patient in a trial (`""` for imports without a trial):
    /// admins only.
    pub fn subject_code_of(
        &self,
        session: &Session,
        trial: &str,
        patient_id: &str,
    ) -> StoreResult<Option<String>> {
        require_admin(session)?;
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT secret_hex FROM subject_code_secret WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(hex_text) = stored else {
            return Ok(None);
        };
        let key = hex::decode(hex_text)
            .map_err(|_| StoreError::Schema("the subject code key is damaged".to_owned()))?;
        stored_code(&self.conn, trial, &patient_key(&key, trial, patient_id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn maps_parse_strictly_and_errors_name_lines_not_patients() {
        let m =
            SubjectMap::parse_csv("patient_id,subject_code\nMRN-1,T-01\n\nMRN-2,T-02\n").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("MRN-2").map(|c| c.0), Some("T-02"));
        for (text, expect) in [
            ("id,code\nMRN-1,T-01\n", "line 1: the header"),
            ("", "line 1: the header"),
            (
                "patient_id,subject_code\nMRN-SECRET,T-01,x\n",
                "line 2: expected 2",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET\n",
                "line 2: expected 2",
            ),
            (
                "patient_id,subject_code\n,T-01\n",
                "line 2: empty patient_id",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET,T 01\n",
                "line 2: a subject code uses",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET,\n",
                "line 2: a subject code has",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET,MRN-SECRET\n",
                "line 2: the subject code equals",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET,T-1\nMRN-SECRET,T-2\n",
                "line 3: patient_id repeated (first on line 2)",
            ),
            (
                "patient_id,subject_code\nMRN-SECRET,T-1\nMRN-OTHER,T-1\n",
                "line 3: subject code T-1 repeated",
            ),
            ("patient_id,subject_code\n\"MRN-SECRET,T-1\n", "line 2:"),
        ] {
            let e = SubjectMap::parse_csv(text).unwrap_err();
            assert!(e.starts_with(expect) || e.contains(expect), "{e}");
            assert!(!e.contains("MRN-SECRET") && !e.contains("MRN-OTHER"), "{e}");
        }
        assert_eq!(format!("{m:?}"), "SubjectMap(2 entries)");
    }

    #[test]
    fn codes_are_stable_generated_in_order_and_stored_as_digests() {
        let mut s = Store::open_in_memory().unwrap();
        let map = SubjectMap::parse_csv("patient_id,subject_code\nMRN-2,T-900\n").unwrap();
        let ids: Vec<String> = ["MRN-1", "MRN-2", "MRN-3", "MRN-1"]
            .map(str::to_owned)
            .to_vec();
        let codes = s.resolve_subject_codes("T", &ids, &map).unwrap();
        let got: Vec<(&str, CodeSource)> = codes
            .iter()
            .map(|c| (c.subject_code.as_str(), c.source))
            .collect();
        assert_eq!(
            got,
            [
                ("T-001", CodeSource::Generated),
                ("T-900", CodeSource::Map),
                ("T-002", CodeSource::Generated)
            ]
        );
        let now = OffsetDateTime::UNIX_EPOCH;
        for c in &codes {
            record_code(&s.conn, "T", c, now).unwrap();
        }
        // Stored codes win on the next import; another trial numbers on its own.
        let again = s
            .resolve_subject_codes("T", &["MRN-3".to_owned()], &SubjectMap::default())
            .unwrap();
        assert_eq!(again[0].subject_code, "T-002");
        assert_eq!(code_for(&s.conn, "U", "MRN-3", now).unwrap(), "U-001");
        assert_eq!(code_for(&s.conn, "", "MRN-3", now).unwrap(), "SUBJ-001");
        // A map that contradicts the stored code is refused by line.
        let bad = SubjectMap::parse_csv("patient_id,subject_code\nMRN-1,T-777\n").unwrap();
        let e = s
            .resolve_subject_codes("T", &["MRN-1".to_owned()], &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("T-001") && !e.contains("MRN"),
            "{e}"
        );
        // No Patient ID is stored.
        let keys: Vec<String> = s
            .conn
            .prepare("SELECT patient_key FROM subject_codes")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(keys.len(), 5);
        assert!(keys.iter().all(|k| k.len() == 64 && !k.contains("MRN")));
    }
}
