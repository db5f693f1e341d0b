//! Integrity of signed reads: only signers certified by the lab verify (a self-made key, a key
//! swapped in the database and a revoked key all fail), the audit trail covers every signed
//! version (a deleted version is found; a verifier running beside a writer never raises a false
//! alarm), damaged database files are refused, superseded versions are marked, and identifiers
//! are checked where they enter.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use echolab::report::{ReadingReport, SignatureMeaning, write_report};
use echolab::signing::{EncryptedKey, sign_report, signing_payload, unlock};
use echolab::store::{ImportOptions, Store};
use ed25519_dalek::SigningKey;
use rand_core::OsRng;
use rusqlite::Connection;
use store_fixture::{LAB_PASS, STUDY1, STUDY2, creds, session, setup, t0};
use time::Duration;

fn echolab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .env("ECHOLAB_DB", "")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A database with r1's signed read of study 1 written to `signed.json`, and the lab's public
/// key in `lab-key.json`. Returns (db, signed file, lab key file, the signed report).
fn signed_read(dir: &Path) -> (PathBuf, PathBuf, PathBuf, ReadingReport) {
    let db = dir.join("db.sqlite3");
    let mut store = setup(dir, &db);
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY1, t0()).unwrap();
    d.comment = "severe".into();
    store.save_draft(&r1, &d, t0()).unwrap();
    let signed = store
        .sign_read(
            &r1,
            &d.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    let file = dir.join("signed.json");
    write_report(&file, &signed).unwrap();
    let lab = dir.join("lab-key.json");
    let (public, _) = store.lab_public_key().unwrap().unwrap();
    std::fs::write(&lab, serde_json::to_string_pretty(&public).unwrap()).unwrap();
    (db, file, lab, signed)
}

/// A forged copy of `signed`: another comment, signed as r1 by `key` at `at`.
fn forge(
    signed: &ReadingReport,
    key: &SigningKey,
    at: time::OffsetDateTime,
    cert: Option<echolab::report::ReaderCertificate>,
) -> ReadingReport {
    use ed25519_dalek::Signer as _;
    let mut draft = signed.clone();
    draft.signature = None;
    draft.status = echolab::report::ReportStatus::Draft;
    draft.comment = "mild".into();
    // Signed as an attacker would: any certificate copied into the block, then signed.
    let mut r = sign_report(
        &draft,
        "r1",
        "Rita One",
        key,
        SignatureMeaning::Authorship,
        at,
    )
    .unwrap();
    let mut block = r.signature.take().unwrap();
    block.certificate = cert;
    let payload = signing_payload(&serde_json::to_value(&r).unwrap(), &block).unwrap();
    block.signature_hex = hex::encode(key.sign(&payload).to_bytes());
    r.signature = Some(block);
    assert!(
        echolab::signing::verify_report(&r).is_intact(),
        "the forgery is intact"
    );
    r
}

fn verify(file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["report", "verify", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    echolab(&args)
}

#[test]
fn certified_signature_verifies_with_the_database_or_the_lab_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let (db, file, lab, signed) = signed_read(dir.path());
    assert!(signed.signature.as_ref().unwrap().certificate.is_some());
    let out = verify(&file, &["--db", &s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = verify(&file, &["--lab-key", &s(&lab)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // With neither, nobody vouches for the signer.
    let out = verify(&file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signer not certified by this lab"));
}

#[test]
fn a_self_made_key_is_not_certified() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, lab, signed) = signed_read(dir.path());
    let mallory = SigningKey::generate(&mut OsRng);
    // Without a certificate, and with r1's real certificate copied in.
    let bare = {
        let mut d = signed.clone();
        d.signature = None;
        d.status = echolab::report::ReportStatus::Draft;
        d.comment = "mild".into();
        sign_report(
            &d,
            "r1",
            "Rita One",
            &mallory,
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap()
    };
    write_report(&dir.path().join("bare.json"), &bare).unwrap();
    for extra in [
        vec!["--db", db.to_str().unwrap()],
        vec!["--lab-key", lab.to_str().unwrap()],
    ] {
        let out = verify(&dir.path().join("bare.json"), &extra);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("signer not certified by this lab"),
            "{}",
            text(&out)
        );
    }
    // A certificate made with a self-made "lab" key does not verify under the lab's key.
    let rogue_lab = SigningKey::generate(&mut OsRng);
    let pk = hex::encode(mallory.verifying_key().as_bytes());
    let cert = echolab::signing::lab::issue_certificate(
        &rogue_lab,
        "r1",
        "Rita One",
        "reader",
        &pk,
        "2026-01-01T00:00:00Z",
    )
    .unwrap();
    let forged = forge(&signed, &mallory, t0(), Some(cert));
    write_report(&dir.path().join("forged.json"), &forged).unwrap();
    let out = verify(&dir.path().join("forged.json"), &["--lab-key", &s(&lab)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signer not certified by this lab"));
    // Exports refuse it by name.
    let out = echolab(&[
        "export",
        "--format",
        "csv",
        &s(&dir.path().join("forged.json")),
        "--lab-key",
        &s(&lab),
        "--out",
        &s(&dir.path().join("x.csv")),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("forged.json"), "{}", text(&out));
    assert!(!dir.path().join("x.csv").exists());
}

#[test]
fn a_key_swapped_in_the_database_is_not_certified() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, lab, signed) = signed_read(dir.path());
    let mallory = SigningKey::generate(&mut OsRng);
    let pk = hex::encode(mallory.verifying_key().as_bytes());
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE readers SET public_key_hex = ?1 WHERE id = 'r1'",
            [&pk],
        )
        .unwrap();
    // The attacker copies r1's certificate into the forged report.
    let cert = signed.signature.as_ref().unwrap().certificate.clone();
    let forged = forge(&signed, &mallory, t0(), cert);
    let f = dir.path().join("forged.json");
    write_report(&f, &forged).unwrap();
    for extra in [
        vec!["--db", db.to_str().unwrap()],
        vec!["--lab-key", lab.to_str().unwrap()],
    ] {
        let out = verify(&f, &extra);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("signer not certified by this lab"),
            "{}",
            text(&out)
        );
    }
    // An attacker who also pins a lab key of their own is caught by the lab key file kept
    // outside the database.
    let c = Connection::open(&db).unwrap();
    c.execute_batch("DROP TRIGGER lab_key_pinned;").unwrap();
    let rogue = SigningKey::generate(&mut OsRng).verifying_key();
    c.execute(
        "UPDATE lab_key SET public_key_hex = ?1, fingerprint_sha256 = ?2",
        [
            hex::encode(rogue.as_bytes()),
            echolab::signing::key_fingerprint(&rogue),
        ],
    )
    .unwrap();
    drop(c);
    let out = verify(&f, &["--db", &s(&db), "--lab-key", &s(&lab)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("is not the lab key given"),
        "{}",
        text(&out)
    );
}

#[test]
fn revocation_fails_later_signatures_and_keeps_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (db, file, lab, signed) = signed_read(dir.path());
    let later = t0() + Duration::hours(2);
    let mut store = Store::open_existing(&db).unwrap();
    store.unlock_lab(LAB_PASS).unwrap();
    store
        .revoke_reader("boss", "r1", "left the trial", t0() + Duration::hours(1))
        .unwrap();
    // The store refuses to sign with a revoked key.
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY2, later).unwrap();
    d.comment = "x".into();
    store.save_draft(&r1, &d, later).unwrap();
    let refused = store.sign_read(
        &r1,
        &d.report_id,
        &creds("r1"),
        SignatureMeaning::Authorship,
        later,
    );
    assert!(refused.unwrap_err().to_string().contains("revoked"));
    // A signature made with the stolen key after the revocation fails; the earlier one stays.
    let sealed: String = store
        .connection()
        .query_row(
            "SELECT encrypted_key_json FROM readers WHERE id = 'r1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let sealed: EncryptedKey = serde_json::from_str(&sealed).unwrap();
    let key = unlock("r1", &sealed, store_fixture::PASS).unwrap();
    let cert = signed.signature.as_ref().unwrap().certificate.clone();
    let late = forge(&signed, &key, later, cert);
    let f = dir.path().join("late.json");
    write_report(&f, &late).unwrap();
    drop(store);
    let out = verify(&f, &["--db", &s(&db)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("revoked"), "{}", text(&out));
    let out = verify(&file, &["--db", &s(&db), "--lab-key", &s(&lab)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn rotation_certifies_the_new_key_and_ends_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (db, file, _, signed) = signed_read(dir.path());
    let later = t0() + Duration::hours(2);
    let mut store = Store::open_existing(&db).unwrap();
    store.set_kdf_params(echolab::signing::KdfParams::insecure_fast_for_tests());
    store.unlock_lab(LAB_PASS).unwrap();
    let old = store.reader("r1").unwrap().unwrap().public_key_hex;
    let info = store
        .rotate_reader_key(
            "boss",
            "r1",
            "a new passphrase 456",
            t0() + Duration::hours(1),
        )
        .unwrap();
    assert_ne!(info.public_key_hex, old);
    // New key signs and verifies; the old signature stays valid.
    let mut r1 = store
        .sign_in(
            &echolab::store::Credentials {
                reader_id: "r1".into(),
                passphrase: "a new passphrase 456".into(),
            },
            later,
        )
        .unwrap();
    let _ = &mut r1;
    let mut d = store.start_read(&r1, STUDY2, later).unwrap();
    d.comment = "y".into();
    store.save_draft(&r1, &d, later).unwrap();
    let new = store
        .sign_read(
            &r1,
            &d.report_id,
            &echolab::store::Credentials {
                reader_id: "r1".into(),
                passphrase: "a new passphrase 456".into(),
            },
            SignatureMeaning::Authorship,
            later,
        )
        .unwrap();
    drop(store);
    let f = dir.path().join("new.json");
    write_report(&f, &new).unwrap();
    for file in [&f, &file] {
        let out = verify(file, &["--db", &s(&db)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let _ = signed;
}

#[test]
fn deleting_a_signed_version_is_detected_even_with_triggers_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, _, signed) = signed_read(dir.path());
    let out = echolab(&["audit", "verify", "--db", &s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let c = Connection::open(&db).unwrap();
    c.execute_batch("DROP TRIGGER signed_versions_kept;")
        .unwrap();
    c.execute(
        "DELETE FROM read_versions WHERE read_id = ?1",
        [&signed.report_id],
    )
    .unwrap();
    drop(c);
    let store = Store::open_existing(&db).unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(report.first_bad.is_none(), "the chain itself is intact");
    assert!(!report.is_intact());
    assert!(
        report.record_problems.iter().any(|p| p.contains("missing")),
        "{:?}",
        report.record_problems
    );
    let out = echolab(&["audit", "verify", "--db", &s(&db)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("deleted"), "{}", text(&out));
}

#[test]
fn a_signed_version_altered_or_never_audited_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, _, signed) = signed_read(dir.path());
    let c = Connection::open(&db).unwrap();
    c.execute_batch("DROP TRIGGER signed_versions_locked;")
        .unwrap();
    c.execute(
        "UPDATE read_versions SET record_sha256 = 'x' WHERE read_id = ?1",
        [&signed.report_id],
    )
    .unwrap();
    drop(c);
    let report = Store::open_existing(&db)
        .unwrap()
        .verify_audit_chain()
        .unwrap();
    assert!(
        report.record_problems.iter().any(|p| p.contains("altered")),
        "{:?}",
        report.record_problems
    );
}

#[test]
fn verifying_beside_a_writer_raises_no_false_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let mut store = setup(dir.path(), &db);
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY1, t0()).unwrap();
    drop(store);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = db.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut store = Store::open_existing(&db).unwrap();
            let mut n = 0u32;
            while n < 400 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                d.comment = format!("comment {n}");
                store.save_draft(&r1, &d, t0()).unwrap();
                n += 1;
            }
            n
        })
    };
    let verifier = Store::open_existing(&db).unwrap();
    let mut runs = 0;
    let mut alarms = Vec::new();
    let started = std::time::Instant::now();
    while runs < 150 && started.elapsed() < std::time::Duration::from_secs(60) {
        let report = verifier.verify_audit_chain().unwrap();
        if !report.is_intact() {
            alarms.push(format!(
                "{:?} {:?}",
                report.first_bad, report.record_problems
            ));
        }
        runs += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert!(writes > 0 && runs > 0);
    assert!(
        alarms.is_empty(),
        "{} of {runs} runs alarmed: {:?}",
        alarms.len(),
        alarms.first()
    );
}

#[test]
fn empty_or_truncated_database_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    assert!(Store::open(&empty).is_err());
    assert!(Store::open_existing(&empty).is_err());
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "not re-created"
    );
    let out = echolab(&["audit", "verify", "--db", &s(&empty)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("empty"), "{}", text(&out));
    // A truncated copy of a real database.
    let (db, _, _, _) = signed_read(dir.path());
    Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let bytes = std::fs::read(&db).unwrap();
    let cut = dir.path().join("cut.sqlite3");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = Store::open(&cut).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn a_superseded_version_says_so_and_file_exports_refuse_it_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (db, v1_file, lab, v1) = signed_read(dir.path());
    let mut store = Store::open_existing(&db).unwrap();
    let r1 = session(&mut store, "r1");
    let mut amend = store.amend_read(&r1, &v1.report_id, t0()).unwrap();
    amend.comment = "moderate".into();
    store.save_draft(&r1, &amend, t0()).unwrap();
    let v2 = store
        .sign_read(
            &r1,
            &v1.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    drop(store);
    let v2_file = dir.path().join("v2.json");
    write_report(&v2_file, &v2).unwrap();
    let out = verify(&v1_file, &["--db", &s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "intact_superseded");
    let out = verify(&v2_file, &["--db", &s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Exports of both versions: refused, unless asked; then a status column says which.
    let csv = dir.path().join("both.csv");
    let mut args = vec![
        "export".to_owned(),
        "--format".into(),
        "csv".into(),
        s(&v1_file),
        s(&v2_file),
        "--lab-key".into(),
        s(&lab),
        "--out".into(),
        s(&csv),
    ];
    let run = |args: &[String]| echolab(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("superseded"), "{}", text(&out));
    args.push("--include-superseded".into());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = std::fs::read_to_string(&csv).unwrap();
    let mut lines = body.lines();
    assert!(lines.next().unwrap().ends_with(",version_status"));
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|l| l.contains(",1,") && l.ends_with(",superseded")),
        "{body}"
    );
    assert!(
        rows.iter()
            .any(|l| l.contains(",2,") && l.ends_with(",current")),
        "{body}"
    );
}

#[test]
fn a_study_uid_of_dot_dot_is_refused_at_import() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("evil");
    std::fs::create_dir_all(&folder).unwrap();
    store_fixture::write_dicom(
        &folder.join("x.dcm"),
        "..",
        "1.2.3",
        "1.2.3.4",
        "S-9",
        "Baseline",
    );
    let mut store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
    let summary = store
        .import_folder("admin", &folder, &ImportOptions::default(), t0())
        .unwrap();
    assert!(summary.studies.is_empty());
    assert_eq!(summary.skipped.len(), 1);
    assert!(
        summary.skipped[0].1.contains("invalid Study Instance UID"),
        "{:?}",
        summary.skipped
    );
    let n: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM studies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    assert!(store.assign("admin", "..", "r1", t0()).is_err());
}
