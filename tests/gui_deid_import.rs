//! Headless test of Reading ▸ Import folder… (egui_kittest, no GPU): an admin imports the banner
//! sample with "De-identify (trial ID …)"; the window shows the subject code and no patient
//! identifier, and the database holds the de-identified study. Readers get no import entry.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gui_support;

use std::path::Path;

use echolab::signing::KdfParams;
use echolab::store::{Role, Store};
use egui_kittest::kittest::Queryable as _;
use gui_support::{app_harness, type_into};
use time::macros::datetime;

const PASS: &str = "correct horse battery staple";

fn sign_in(h: &mut egui_kittest::Harness<'_, echolab::gui::App>, id: &str) {
    h.get_by_label("Reading").click();
    h.run_ok();
    h.get_by_label("Sign in…").click();
    h.run_ok();
    type_into(h, "Reader id", id);
    type_into(h, "Passphrase", PASS);
    h.get_by_label("Sign in").click();
    h.run_ok();
}

fn database(dir: &Path) -> std::path::PathBuf {
    let t0 = datetime!(2026-03-04 10:00:00 UTC);
    let db = dir.join("db").join("echolab.sqlite3");
    let mut store = Store::open(&db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store
        .init_lab("setup", "Test lab", "lab passphrase 123", t0)
        .unwrap();
    store
        .add_reader("setup", "boss", "Bo Admin", Role::Admin, PASS, t0)
        .unwrap();
    store
        .add_reader("setup", "r1", "Rita Reader", Role::Reader, PASS, t0)
        .unwrap();
    db
}

#[test]
fn admin_imports_a_folder_de_identified_from_the_reading_menu() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    echolab::sample::write_study_with(&site, true).unwrap();
    let db = database(dir.path());
    let mut h = app_harness(dir.path(), [1280.0, 900.0], Some(db.clone()));
    sign_in(&mut h, "boss");
    h.get_by_label("Reading").click();
    h.run_ok();
    h.get_by_label("Import folder…").click();
    h.run_ok();
    type_into(&mut h, "Folder", &site.to_string_lossy());
    h.get_by_label("De-identify (trial ID …)").click();
    h.run_ok();
    type_into(&mut h, "Trial ID", "TRIAL-G");
    h.get_by_label("Import").click();
    h.run_ok();
    let start = std::time::Instant::now();
    while h.state().records.model.import_running {
        assert!(start.elapsed().as_secs() < 120, "the import did not finish");
        std::thread::sleep(std::time::Duration::from_millis(100));
        h.step();
    }
    h.run_ok();
    let result = h.state().records.model.import_result.clone().unwrap();
    let text = result.unwrap();
    assert!(
        text.contains("subject TRIAL-G-001") && text.contains("12 file(s) added"),
        "{text}"
    );
    let pid = echolab::sample::dicom_write::PATIENT_ID;
    assert!(!text.contains(pid), "{text}");
    assert!(h.query_by_label_contains("subject TRIAL-G-001").is_some());
    let store = Store::open_existing(&db).unwrap();
    let (subject, patient): (String, Option<String>) = store
        .connection()
        .query_row("SELECT subject_id, patient_id FROM studies", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((subject.as_str(), patient), ("TRIAL-G-001", None));
    assert!(db.parent().unwrap().join("echolab-images").is_dir());
}

#[test]
fn readers_have_no_import_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut h = app_harness(dir.path(), [1280.0, 900.0], Some(db));
    sign_in(&mut h, "r1");
    h.get_by_label("Reading").click();
    h.run_ok();
    // The entry is disabled: clicking it opens nothing.
    h.get_by_label("Import folder…").click();
    h.run_ok();
    assert!(!h.state().records.model.windows.import);
    assert!(h.query_by_label("Trial ID").is_none());
}
