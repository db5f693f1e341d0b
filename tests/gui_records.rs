//! Headless tests of the reading-records GUI (egui_kittest, no GPU): a temporary reading
//! database made through the library (reader added, the generated sample study imported and
//! assigned), then sign-in, the worklist, opening the study, signing with a wrong and then the
//! right passphrase, and the signed report with its history.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod gui_support;

use std::path::{Path, PathBuf};

use echolab::gui::App;
use echolab::gui::records::short_uid;
use echolab::report::ReportStatus;
use echolab::signing::{KdfParams, verify_report};
use echolab::store::{Credentials, ImportOptions, Role, Store, WorkStatus};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_support::{app_harness, type_into};
use time::macros::datetime;

const PASS: &str = "correct horse battery staple";

/// Builds the database: reader `r1` (Rita Reader), the sample study imported and assigned.
/// Returns the database path, the study UID and the number of its files.
fn setup(dir: &Path) -> (PathBuf, String, usize) {
    let t0 = datetime!(2026-03-04 10:00:00 UTC);
    let sample = dir.join("sample");
    echolab::sample::write_study(&sample).unwrap();
    let db = dir.join("db").join("echolab.sqlite3");
    let mut store = Store::open(&db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store
        .init_lab("admin", "Test lab", "lab passphrase 123", t0)
        .unwrap();
    store
        .add_reader("admin", "r1", "Rita Reader", Role::Reader, PASS, t0)
        .unwrap();
    let summary = store
        .import_folder("admin", &sample, &ImportOptions::default(), t0)
        .unwrap();
    assert_eq!(summary.studies.len(), 1, "the sample is one study");
    let study = summary.studies[0].study_uid.clone();
    let files = summary.studies[0].files_added;
    assert!(files > 0);
    store.assign("admin", &study, "r1", t0).unwrap();
    (db, study, files)
}

fn harness(dir: &Path, db: PathBuf) -> Harness<'static, App> {
    app_harness(dir, [1280.0, 800.0], Some(db))
}

fn sign_in(h: &mut Harness<'_, App>, passphrase: &str) {
    h.get_by_label("Reading").click();
    h.run_ok();
    h.get_by_label("Sign in…").click();
    h.run_ok();
    type_into(h, "Reader id", "r1");
    type_into(h, "Passphrase", passphrase);
    h.get_by_label("Sign in").click();
    h.run_ok();
}

#[test]
fn sign_in_worklist_open_sign_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let (db, study, files) = setup(dir.path());
    let mut h = harness(dir.path(), db.clone());

    // A wrong passphrase does not sign in.
    sign_in(&mut h, "not the passphrase");
    assert!(h.state().records.model.session.is_none());
    assert!(h.query_by_label_contains("Cannot sign in").is_some());
    type_into(&mut h, "Passphrase", PASS);
    h.get_by_label("Sign in").click();
    h.run_ok();
    let model = &h.state().records.model;
    assert_eq!(
        model.session.as_ref().map(|s| s.reader_id().to_owned()),
        Some("r1".to_owned())
    );

    // The worklist shows the assigned study, to read.
    assert_eq!(model.worklist.len(), 1);
    assert_eq!(model.worklist[0].study_uid, study);
    assert_eq!(model.worklist[0].status, WorkStatus::ToRead);
    assert!(h.query_by_label(&short_uid(&study)).is_some());
    assert!(h.query_by_label("to read").is_some());

    // Opening it starts a draft and opens its files in the workstation.
    h.get_by_label("Open").click();
    h.run_ok();
    let app = h.state();
    assert_eq!(app.records.model.worklist[0].status, WorkStatus::Draft);
    assert!(h.query_by_label("draft").is_some());
    assert_eq!(
        app.library.entries.len(),
        files,
        "the study's files are opened"
    );
    let read_id = app
        .records
        .model
        .current
        .as_ref()
        .map(|c| c.read_id().to_owned())
        .expect("a read is open");

    // Explicit save.
    h.get_by_label("Save draft").click();
    h.run_ok();
    assert!(
        h.query_by_label_contains("Draft saved").is_some(),
        "{:?}",
        h.state().records.model.message
    );
    let backup = db
        .parent()
        .unwrap()
        .join("echolab-drafts")
        .join(format!("{read_id}.json"));
    assert!(
        backup.is_file(),
        "the draft is also written next to the database"
    );

    // The signing dialog shows the manifestation text.
    h.get_by_label("Sign…").click();
    h.run_ok();
    assert!(h.state().records.model.windows.sign_dialog);
    assert!(
        h.query_by_label_contains("I, Rita Reader (r1), sign this reading report")
            .is_some()
    );
    assert!(h.query_by_label_contains("recorded in UTC").is_some());
    assert!(h.query_by_label_contains("authorship").is_some());
    // Nothing was measured: the dialog says so and signing needs the explicit tick.
    assert!(h.query_by_label_contains("This read is EMPTY").is_some());
    h.get_by_label("Sign an empty read (no measurements, findings or grade)")
        .click();
    h.run_ok();
    assert!(h.state().records.forms.sign.confirm_empty);

    // Wrong passphrase: not signed, the dialog says so and stays open.
    type_into(&mut h, "Signing reader id", "r1");
    type_into(&mut h, "Signing passphrase", "wrong passphrase");
    h.get_by_label("Sign").click();
    h.run_ok();
    assert!(h.query_by_label_contains("Wrong passphrase").is_some());
    let model = &h.state().records.model;
    assert!(model.windows.sign_dialog);
    assert_eq!(model.worklist[0].status, WorkStatus::Draft);

    // Right passphrase: signed, locked, the worklist says signed.
    type_into(&mut h, "Signing passphrase", PASS);
    h.get_by_label("Sign").click();
    h.run_ok();
    let model = &h.state().records.model;
    assert!(!model.windows.sign_dialog);
    assert_eq!(model.worklist[0].status, WorkStatus::Signed);
    let current = model.current.as_ref().expect("read open");
    assert_eq!(current.report.status, ReportStatus::Signed);
    assert!(!current.is_draft());
    assert!(h.query_by_label("signed").is_some());
    assert!(
        h.query_by_label_contains("Electronically signed by Rita Reader (r1)")
            .is_some()
    );

    // The signed report with its versions and audit history.
    h.get_by_label("History").click();
    h.run_ok();
    let view = h
        .state()
        .records
        .model
        .history
        .clone()
        .expect("history open");
    assert_eq!(view.read_id, read_id);
    assert_eq!(view.versions.len(), 1);
    assert!(
        view.text
            .contains("Electronically signed by Rita Reader (r1)")
    );
    assert!(matches!(view.verification, Some(Ok(_))));
    let audit = view.audit.expect("the owner sees the audit history");
    assert!(audit.iter().any(|e| e.action == "create"));
    assert!(audit.iter().any(|e| e.entity_type == "signature"));
    assert!(h.query_by_label_contains("Signature valid").is_some());
    drop(h);

    // The database holds the signed, intact version.
    let mut store = Store::open(&db).unwrap();
    let session = store
        .sign_in(
            &Credentials {
                reader_id: "r1".into(),
                passphrase: PASS.into(),
            },
            datetime!(2026-03-04 11:00:00 UTC),
        )
        .unwrap();
    let opened = store.open_read(&session, &read_id).unwrap();
    assert_eq!(opened.report.status, ReportStatus::Signed);
    assert!(verify_report(&opened.report).is_intact());
}
