//! What is signed is what was shown (egui_kittest, no GPU). The sample study is opened from the
//! command line and measured; then the reader signs in, opens the same study from the Worklist
//! (its stored draft is empty), saves the draft and signs. The stored signed version must hold
//! exactly the screen's measurements and grade, every drawing naming its image's SOP Instance
//! UID and frame; afterwards the read is locked until Amend. An empty read is refused unless
//! the reader ticks the confirmation. The signed read is then sent to a throwaway Orthanc as SR
//! (Reading ▸ Send results to PACS…).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod gui_support;
mod pacs_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use echolab::catalog::Catalog;
use echolab::gui::App;
use echolab::gui::app::Command;
use echolab::gui::calibrate::gui_from_dicom;
use echolab::gui::records::{RecordsCommand, Secret};
use echolab::report::{ReadingReport, ReportStatus, SignatureMeaning};
use echolab::signing::{KdfParams, verify_report};
use echolab::store::{Credentials, ImportOptions, Role, Store};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_support::type_into;
use serde_json::Value;
use time::macros::datetime;

const PASS: &str = "correct horse battery staple";

/// Reader r1, the generated sample study imported and assigned. Returns (db, sample folder).
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
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
    let study = summary.studies[0].study_uid.clone();
    store.assign("admin", &study, "r1", t0).unwrap();
    (db, sample)
}

/// The app started on `paths` (as from the command line), on the database `db`.
fn harness(paths: Vec<PathBuf>, db: PathBuf) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(400)
        .build_eframe(move |cc| {
            let mut app = App::new(cc, paths);
            app.records.model.db_path = Some(db);
            app
        });
    wait_loaded(&mut h);
    h
}

fn wait_loaded(h: &mut Harness<'_, App>) {
    let started = Instant::now();
    loop {
        h.step();
        if h.state().loading_done() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "files did not load"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_ok();
}

fn apply(h: &mut Harness<'_, App>, c: Command) {
    h.state_mut().apply(&egui::Context::default(), c);
    h.run_ok();
}

fn ground_truth() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data/ground_truth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Draws the ground-truth caliper `name` as catalog entry `id`; returns the file's SOP UID.
fn draw(h: &mut Harness<'_, App>, gt: &Value, name: &str, id: &str) -> String {
    let m = gt["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap();
    let file = m["files"][0].as_str().unwrap();
    let entry = h
        .state()
        .library
        .entries
        .iter()
        .find(|e| e.name() == file)
        .unwrap();
    let (fid, sop) = (
        entry.id,
        entry.file().unwrap().info().sop_instance_uid.clone(),
    );
    apply(h, Command::SelectFile(fid));
    apply(h, Command::SelectMeasurement(id.to_owned()));
    let points = m["points_px"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| gui_from_dicom([p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]))
        .collect::<Vec<_>>();
    apply(
        h,
        Command::AddDrawing(vec![points[0], points[points.len() - 1]]),
    );
    sop
}

fn sign_in(h: &mut Harness<'_, App>) {
    h.get_by_label("Reading").click();
    h.run_ok();
    h.get_by_label("Sign in…").click();
    h.run_ok();
    type_into(h, "Reader id", "r1");
    type_into(h, "Passphrase", PASS);
    h.get_by_label("Sign in").click();
    h.run_ok();
    assert!(h.state().records.model.session.is_some());
}

fn menu(h: &mut Harness<'_, App>, item: &str) {
    h.get_by_label("Reading").click();
    h.run_ok();
    // The worklist window may show a button of the same name; the menu entry is drawn last.
    h.query_all_by_label(item)
        .last()
        .unwrap_or_else(|| panic!("no menu entry {item:?}"))
        .click();
    h.run_ok();
}

fn stored(db: &Path, read_id: &str) -> ReadingReport {
    let mut store = Store::open(db).unwrap();
    let session = store
        .sign_in(
            &Credentials {
                reader_id: "r1".into(),
                passphrase: PASS.into(),
            },
            datetime!(2026-03-04 11:00:00 UTC),
        )
        .unwrap();
    store.open_read(&session, read_id).unwrap().report
}

#[test]
fn measured_at_launch_then_opened_from_worklist_signs_what_the_screen_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (db, sample) = setup(dir.path());
    let mut h = harness(vec![sample], db.clone());

    // Measure before signing in: two drawings and the typed values of the sample's grade input.
    let gt = ground_truth();
    let sop_vc = draw(&mut h, &gt, "vena_contracta", "mr_vc_width");
    let sop_pisa = draw(&mut h, &gt, "pisa_radius", "mr_pisa_radius");
    let catalog = Catalog::builtin();
    for (id, v) in gt["grade_input"]["values"].as_object().unwrap() {
        let same_unit = catalog
            .unit(id)
            .is_some_and(|u| Some(u.symbol()) == v["unit"].as_str());
        if same_unit && !matches!(id.as_str(), "mr_vc_width" | "mr_pisa_radius") {
            apply(
                &mut h,
                Command::SetManual {
                    id: id.clone(),
                    value: Some(v["value"].as_f64().unwrap()),
                },
            );
        }
    }
    h.run_ok();
    let shown = h.state().results.reading.set.clone();
    let shown_grade = h
        .state()
        .results
        .grade
        .clone()
        .expect("graded")
        .expect("grading works")
        .grade;
    assert!(
        shown.measurements.len() >= 8,
        "{}",
        shown.measurements.len()
    );

    // Sign in, open the same study from the Worklist, save, sign.
    sign_in(&mut h);
    h.get_by_label("Open").click();
    h.run_ok();
    wait_loaded(&mut h);
    let read_id = h
        .state()
        .records
        .model
        .current
        .as_ref()
        .unwrap()
        .read_id()
        .to_owned();
    menu(&mut h, "Save draft");
    menu(&mut h, "Sign…");
    assert!(h.state().records.model.windows.sign_dialog);
    let summary = format!(
        "You are signing {} measurement(s)",
        shown.measurements.len()
    );
    assert!(h.query_by_label_contains(&summary).is_some(), "{summary}");
    assert!(h.query_by_label_contains("on 1 image(s)").is_some());
    type_into(&mut h, "Signing reader id", "r1");
    type_into(&mut h, "Signing passphrase", PASS);
    h.get_by_label("Sign").click();
    h.run_ok();
    let m = &h.state().records.model;
    assert!(!m.windows.sign_dialog, "{:?}", m.sign_error);

    // Reading ▸ Send results to PACS…: the signed read goes to a real PACS as SR.
    let pacs = pacs_support::Orthanc::start();
    menu(&mut h, "Send results to PACS…");
    type_into(&mut h, "DICOMweb URL", &pacs.dicomweb_url());
    type_into(&mut h, "User", pacs_support::USER);
    type_into(&mut h, "Password", &pacs.password);
    h.get_by_label("Send signed read as SR").click();
    h.run_ok();
    let started = Instant::now();
    while h.state().pacs.job.is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the send did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_ok();
    let message = h.state().pacs.message.clone().unwrap_or_default();
    assert!(message.starts_with("sent 1 SR object(s)"), "{message}");
    assert_eq!(pacs.instance_count(), 1);

    // The stored signed version is the screen's read.
    let report = stored(&db, &read_id);
    assert_eq!(report.status, ReportStatus::Signed);
    assert!(verify_report(&report).is_intact());
    assert_eq!(report.measurements.len(), shown.measurements.len());
    let grade = report.grade.as_ref().expect("the signed report is graded");
    assert_eq!(grade.result.grade, shown_grade);
    for (id, sop) in [("mr_vc_width", &sop_vc), ("mr_pisa_radius", &sop_pisa)] {
        let m = report
            .measurements
            .iter()
            .find(|m| m.quantity == id)
            .unwrap();
        let g = m.geometry.as_ref().expect("drawn");
        assert_eq!(g.sop_instance_uid.as_ref(), Some(sop), "{id}");
        assert_eq!(g.frame, Some(0), "{id}");
    }

    // Locked: drawing, typing and undo are refused with a message.
    let doc_before = h.state().doc.clone();
    apply(
        &mut h,
        Command::SetManual {
            id: "lv_edv".into(),
            value: Some(1.0),
        },
    );
    apply(&mut h, Command::Undo);
    assert_eq!(h.state().doc, doc_before);
    let status = h.state().status.clone().unwrap_or_default();
    assert!(status.contains("signed and locked"), "{status}");

    // Amend unlocks: the amendment draft takes the screen's changes.
    menu(&mut h, "Amend signed read");
    let current = h.state().records.model.current.clone().unwrap();
    assert!(current.is_draft());
    assert_eq!(current.report.version, 2);
    apply(
        &mut h,
        Command::SetManual {
            id: "lv_edv".into(),
            value: Some(231.0),
        },
    );
    assert_ne!(h.state().doc, doc_before);
    menu(&mut h, "Save draft");
    let amended = stored(&db, &read_id);
    assert_eq!(amended.version, 2);
    assert!(
        amended
            .measurements
            .iter()
            .any(|m| m.quantity == "lv_edv" && m.value == Some(231.0))
    );
}

#[test]
fn a_stored_read_is_put_back_on_screen_and_an_empty_read_needs_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let (db, sample) = setup(dir.path());
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut h = harness(vec![empty.clone()], db.clone());
    let _ = &sample;

    // An empty read: the dialog says so and Sign is refused without the tick.
    sign_in(&mut h);
    h.get_by_label("Open").click();
    h.run_ok();
    wait_loaded(&mut h);
    menu(&mut h, "Sign…");
    assert!(h.query_by_label_contains("This read is EMPTY").is_some());
    h.state_mut().apply_records(
        &egui::Context::default(),
        RecordsCommand::Sign {
            reader_id: "r1".into(),
            passphrase: Secret(PASS.into()),
            meaning: SignatureMeaning::Authorship,
            confirm_empty: false,
        },
    );
    let err = h
        .state()
        .records
        .model
        .sign_error
        .clone()
        .unwrap_or_default();
    assert!(err.contains("the read is empty"), "{err}");
    let read_id = h
        .state()
        .records
        .model
        .current
        .as_ref()
        .unwrap()
        .read_id()
        .to_owned();
    assert_eq!(stored(&db, &read_id).status, ReportStatus::Draft);
    h.state_mut()
        .apply_records(&egui::Context::default(), RecordsCommand::CancelSign);

    // Measure, save, then a new app (empty screen) opens the read: the drawing is back on screen
    // and saving keeps it.
    let gt = ground_truth();
    let sop = draw(&mut h, &gt, "vena_contracta", "mr_vc_width");
    menu(&mut h, "Save draft");
    assert_eq!(stored(&db, &read_id).measurements.len(), 1);
    drop(h);
    let mut h = harness(vec![empty], db.clone());
    sign_in(&mut h);
    h.get_by_label("Open").click();
    h.run_ok();
    wait_loaded(&mut h);
    h.run_ok();
    let app = h.state();
    assert_eq!(app.doc.drawings.len(), 1, "{:?}", app.records.model.message);
    let file = app.library.file(app.doc.drawings[0].file).unwrap();
    assert_eq!(file.info().sop_instance_uid, sop);
    menu(&mut h, "Save draft");
    assert_eq!(stored(&db, &read_id).measurements.len(), 1);
}
