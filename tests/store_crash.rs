//! A process killed (SIGKILL) while autosaving leaves the database and the last autosaved draft
//! file intact.
//!
//! The test re-runs its own test binary as a child (`crash_child_writer`, active only when
//! `ECHOLAB_CRASH_DIR` is set). The child autosaves a draft in a tight loop (database + file),
//! printing the number of every completed save; the parent kills it with SIGKILL at varying
//! moments, then checks the database file, the audit chain and the draft file.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use echolab::report::{ReportMeasurement, read_report};
use echolab::signing::KdfParams;
use echolab::store::Store;
use store_fixture::{STUDY1, session, setup, t0};

const DIR_ENV: &str = "ECHOLAB_CRASH_DIR";

fn edit_number(comment: &str) -> u64 {
    comment
        .strip_prefix("edit ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected comment {comment:?}"))
}

/// The child: autosaves forever (until killed). Does nothing in a normal test run.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(DIR_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut store = Store::open(&dir.join("db.sqlite3")).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    let r1 = session(&mut store, "r1");
    let mut draft = store.start_read(&r1, STUDY1, t0()).unwrap();
    let start = draft
        .comment
        .strip_prefix("edit ")
        .and_then(|n| n.parse::<u64>().ok())
        .map_or(0, |n| n + 1);
    let file = dir.join("draft.json");
    for i in start.. {
        draft.comment = format!("edit {i}");
        // A growing measurement list makes each write bigger (more time spent mid-write).
        draft.measurements.push(ReportMeasurement {
            id: format!("m{i}"),
            quantity: "mr_vc_width".to_owned(),
            draw_kind: echolab::measure::DrawKind::Caliper,
            value: Some(0.3 + (i % 50) as f64 / 100.0),
            unit: Some("cm".to_owned()),
            geometry: None,
        });
        store
            .autosave_draft(&r1, &draft, Some(&file), t0())
            .unwrap();
        println!("saved {i}");
    }
}

#[test]
fn killed_writer_leaves_database_and_draft_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    drop(setup(dir.path(), &db));
    let exe = std::env::current_exe().unwrap();
    let mut last_seen = None;
    for round in 0..6u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Wait for a few saves, then kill at a varying moment.
        let target = 5 + round * 7;
        let mut seen_this_round = 0u64;
        let deadline = Instant::now() + Duration::from_secs(60);
        while seen_this_round < target && Instant::now() < deadline {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(n) = line.strip_prefix("saved ") {
                        last_seen = Some(n.trim().parse::<u64>().unwrap());
                        seen_this_round += 1;
                    }
                }
                _ => break,
            }
        }
        assert!(
            seen_this_round >= target,
            "child stopped early in round {round}"
        );
        std::thread::sleep(Duration::from_micros(round * 1700));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let confirmed = last_seen.unwrap();
        // The database opens, passes SQLite's integrity check and the audit chain is intact.
        let store = Store::open_existing(&db).unwrap();
        store.integrity_check().unwrap();
        let chain = store.verify_audit_chain().unwrap();
        assert!(chain.is_intact(), "round {round}: {:?}", chain.first_bad);
        // The stored draft is a complete report holding at least the last confirmed save.
        let json: String = store
            .connection()
            .query_row("SELECT report_json FROM read_versions", [], |r| r.get(0))
            .unwrap();
        let stored = echolab::report::parse_report(&json).unwrap();
        let n = edit_number(&stored.comment);
        assert!(
            n >= confirmed,
            "round {round}: db has edit {n}, child confirmed {confirmed}"
        );
        assert_eq!(stored.measurements.len() as u64, n + 1);
        // The autosaved file is complete and parses strictly: the last confirmed save or the
        // one after it (the kill may land between the database commit and the file rename).
        let file = read_report(&dir.path().join("draft.json")).unwrap();
        let f = edit_number(&file.comment);
        assert!(
            f >= confirmed && f <= n,
            "round {round}: file {f}, confirmed {confirmed}, db {n}"
        );
        assert_eq!(file.measurements.len() as u64, f + 1);
        eprintln!("round {round}: confirmed {confirmed}, database {n}, file {f}");
    }
}
