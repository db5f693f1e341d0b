//! The audit chain detects a deleted row, an edited row (with or without a recomputed hash), a
//! truncated tail and a rewritten head; the log is append-only in SQLite.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use echolab::audit::row_hash;
use echolab::report::SignatureMeaning;
use echolab::store::Store;
use rusqlite::Connection;
use store_fixture::{STUDY1, creds, session, setup, t0};

/// A database with a signed read, so the log holds every kind of entry. Returns its row count.
fn populated(dir: &std::path::Path) -> (std::path::PathBuf, u64) {
    let db = dir.join("db.sqlite3");
    let mut store = setup(dir, &db);
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY1, t0()).unwrap();
    d.comment = "moderate-to-severe".into();
    store.save_draft(&r1, &d, t0()).unwrap();
    store
        .sign_read(
            &r1,
            &d.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{:?}", report.first_bad);
    assert!(report.rows >= 12, "{}", report.rows);
    (db, report.rows)
}

/// Opens the file the way an attacker with file access would: raw SQL, triggers dropped.
fn tamper(db: &std::path::Path, sql: &str) {
    let c = Connection::open(db).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

fn first_bad(db: &std::path::Path) -> (i64, String) {
    let store = Store::open_existing(db).unwrap();
    let report = store.verify_audit_chain().unwrap();
    let p = report.first_bad.expect("tampering must be detected");
    (p.seq, p.message)
}

#[test]
fn log_is_append_only_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    let c = Connection::open(&db).unwrap();
    assert!(
        c.execute("DELETE FROM audit_log WHERE seq = 3", [])
            .is_err()
    );
    assert!(
        c.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 3", [])
            .is_err()
    );
}

#[test]
fn deleted_row_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    tamper(&db, "DELETE FROM audit_log WHERE seq = 5;");
    let (seq, msg) = first_bad(&db);
    assert_eq!(seq, 5, "{msg}");
    assert!(msg.contains("missing"), "{msg}");
}

#[test]
fn deleted_row_with_renumbering_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    // Delete row 5 and shift the later rows down so the numbering has no gap.
    tamper(
        &db,
        "DELETE FROM audit_log WHERE seq = 5; UPDATE audit_log SET seq = seq - 1 WHERE seq > 5; \
         UPDATE audit_head SET last_seq = last_seq - 1;",
    );
    let (seq, msg) = first_bad(&db);
    assert_eq!(seq, 5, "{msg}");
}

#[test]
fn edited_row_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    tamper(
        &db,
        "UPDATE audit_log SET new_value = replace(new_value, 'moderate', 'mild') \
         WHERE new_value LIKE '%moderate-to-severe%';",
    );
    let seq: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT seq FROM audit_log WHERE new_value LIKE '%mild-to-severe%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (bad, msg) = first_bad(&db);
    assert_eq!(bad, seq, "{msg}");
    assert!(msg.contains("does not match its hash"), "{msg}");
}

#[test]
fn edited_row_with_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    tamper(&db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4;");
    // Recompute row 4's own hash as an attacker would.
    let store = Store::open_existing(&db).unwrap();
    let mut entry = store
        .record_history(&{
            let id: String = store
                .connection()
                .query_row("SELECT entity_id FROM audit_log WHERE seq = 4", [], |r| {
                    r.get(0)
                })
                .unwrap();
            id
        })
        .unwrap()
        .into_iter()
        .find(|e| e.seq == 4)
        .unwrap();
    assert_eq!(entry.actor, "mallory");
    entry.row_hash = row_hash(&entry);
    drop(store);
    tamper(
        &db,
        &format!(
            "UPDATE audit_log SET row_hash = '{}' WHERE seq = 4;",
            entry.row_hash
        ),
    );
    let (seq, msg) = first_bad(&db);
    assert_eq!(seq, 5, "{msg}");
    assert!(msg.contains("prev_hash"), "{msg}");
}

#[test]
fn truncated_tail_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, rows) = populated(dir.path());
    tamper(
        &db,
        &format!("DELETE FROM audit_log WHERE seq >= {};", rows - 1),
    );
    let (seq, msg) = first_bad(&db);
    assert_eq!(seq, rows as i64 - 1, "{msg}");
    assert!(msg.contains("missing"), "{msg}");
}

#[test]
fn history_of_a_read_lists_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = populated(dir.path());
    let store = Store::open_existing(&db).unwrap();
    let read_id: String = store
        .connection()
        .query_row("SELECT id FROM reads", [], |r| r.get(0))
        .unwrap();
    let h = store.record_history(&read_id).unwrap();
    let kinds: Vec<&str> = h.iter().map(|e| e.entity_type.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"report"));
    assert!(kinds.contains(&"signature"), "{kinds:?}");
    let sig = h.iter().find(|e| e.entity_type == "signature").unwrap();
    let v: serde_json::Value = serde_json::from_str(sig.new_value.as_deref().unwrap()).unwrap();
    assert_eq!(v["printed_name"], "Rita One");
    assert_eq!(v["meaning"], "authorship");
    assert!(h.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(h.iter().all(|e| e.at_utc == "2026-03-04T10:00:00Z"));
}
