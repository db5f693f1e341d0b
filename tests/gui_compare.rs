//! Headless tests of the compare and longitudinal plot windows (egui_kittest, no GPU), driving
//! the real App: signed baseline / follow-up reports with LV contours on the sample study's A4C
//! cine (geometry from `sample_data/ground_truth.json`) → the delta table and grade sentence of
//! `compare()`, the two cine panes aligned by cardiac phase, and the plot's points per visit.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod export_support;
mod gui_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use echolab::compare::{EdSource, compare};
use echolab::gui::App;
use echolab::measure::DrawKind;
use echolab::report::draft::{GradingChoice, draft_from_grade_input};
use echolab::report::{
    MeasurementGeometry, ReadingReport, ReportMeasurement, SignatureMeaning, StudyRef, Visit,
};
use echolab::signing::sign_report;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use export_support::{BASELINE_VALUES, FOLLOWUP_VALUES, input, test_key, write};
use gui_support::{app_harness, type_into};
use serde_json::Value;
use time::macros::datetime;

/// The follow-up loop made from the sample A4C: 25 fps (Frame Time 40 ms), 60 bpm, R wave at
/// frame 8 (R Wave Pointer 9, 1-based).
const FOLLOWUP_SOP: &str = "2.25.1234567890123456789012345678901234567";
const FOLLOWUP_FILE: &str = "a4c_followup.dcm";

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn ground_truth() -> Value {
    let text = std::fs::read_to_string(sample_dir().join("ground_truth.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn a4c_sop(gt: &Value) -> String {
    gt["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "a4c_cine.dcm")
        .unwrap()["sop_instance_uid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The A4C LV contour of phase `ed`/`es` from the ground truth, as report geometry.
fn contour(gt: &Value, phase: &str) -> (usize, Vec<[f64; 2]>) {
    let v = &gt["lv"]["views"][0];
    assert_eq!(v["view"], "a4c");
    let frame = v[phase]["frame"].as_u64().unwrap() as usize;
    let pts = v[phase]["contour_px"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect();
    (frame, pts)
}

fn lv(id: &str, file: &str, sop: &str, frame: usize, points: Vec<[f64; 2]>) -> ReportMeasurement {
    ReportMeasurement {
        id: format!("m-{id}"),
        quantity: id.to_owned(),
        draw_kind: DrawKind::LvContour,
        value: None,
        unit: None,
        geometry: Some(MeasurementGeometry {
            sop_instance_uid: Some(sop.to_owned()),
            source_file: Some(file.to_owned()),
            frame: Some(frame),
            points_px: points,
            points_phys: Vec::new(),
            region: Some(0),
        }),
    }
}

fn signed(
    id: &str,
    subject: &str,
    visit: Visit,
    values: &[(&str, f64, &str)],
    extra: Vec<ReportMeasurement>,
) -> ReadingReport {
    let choice = GradingChoice {
        guideline_id: "ase2017".to_owned(),
        protocol_id: None,
    };
    let now = datetime!(2026-05-01 14:03:27 UTC);
    let findings = [("mr_etiology", "secondary")];
    let mut draft = draft_from_grade_input(&input(values, &findings), &choice, id, now).unwrap();
    draft.reader_id = Some("reader1".to_owned());
    draft.subject_id = Some(subject.to_owned());
    draft.visit = Some(visit);
    draft.study = Some(StudyRef {
        study_instance_uid: "2.25.4880751834765361451659509917129007534".to_owned(),
        images: Vec::new(),
    });
    draft.measurements.extend(extra);
    let key = test_key("reader1");
    sign_report(
        &draft,
        "reader1",
        "Dr Ada Reader",
        &key,
        SignatureMeaning::Authorship,
        now,
    )
    .unwrap()
}

/// A copy of the sample A4C with other timing: Frame Time 40 ms, Heart Rate 60, R wave at
/// frame 8, and its own SOP Instance UID.
fn write_followup_loop(dir: &Path) {
    let mut obj = dicom_object::open_file(sample_dir().join("a4c_cine.dcm")).unwrap();
    obj.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from(FOLLOWUP_SOP),
    ));
    obj.put(DataElement::new(
        tags::FRAME_TIME,
        VR::DS,
        PrimitiveValue::from("40"),
    ));
    obj.put(DataElement::new(
        tags::HEART_RATE,
        VR::IS,
        PrimitiveValue::from("60"),
    ));
    obj.put(DataElement::new(
        tags::R_WAVE_POINTER,
        VR::US,
        PrimitiveValue::U16(dicom_core::smallvec::smallvec![9u16]),
    ));
    obj.update_meta(|m| m.media_storage_sop_instance_uid = FOLLOWUP_SOP.to_owned());
    obj.write_to_file(dir.join(FOLLOWUP_FILE)).unwrap();
}

/// Baseline (ED and ES contours on the sample A4C: ED from the reading's marks) and 6-month
/// follow-up (ES contour only, on the re-timed copy: ED from its R wave). Returns the paths.
fn write_pair(dir: &Path) -> (PathBuf, PathBuf, ReadingReport, ReadingReport) {
    let gt = ground_truth();
    let sop = a4c_sop(&gt);
    let (ed_frame, ed_pts) = contour(&gt, "ed");
    let (es_frame, es_pts) = contour(&gt, "es");
    let baseline = signed(
        "r-base",
        "SUBJ-001",
        Visit::Baseline,
        BASELINE_VALUES,
        vec![
            lv("lv_a4c_ed", "a4c_cine.dcm", &sop, ed_frame, ed_pts),
            lv("lv_a4c_es", "a4c_cine.dcm", &sop, es_frame, es_pts.clone()),
        ],
    );
    write_followup_loop(dir);
    let followup = signed(
        "r-m6",
        "SUBJ-001",
        Visit::Month6,
        FOLLOWUP_VALUES,
        vec![lv("lv_a4c_es", FOLLOWUP_FILE, FOLLOWUP_SOP, 17, es_pts)],
    );
    (
        write(dir, &baseline),
        write(dir, &followup),
        baseline,
        followup,
    )
}

fn harness(dir: &Path) -> Harness<'static, App> {
    // Start on an empty folder: the compare window finds the images itself.
    app_harness(dir, [1400.0, 1000.0], None)
}

fn open_compare(h: &mut Harness<'_, App>, baseline: &Path, followup: &Path) {
    h.get_by_label("Review").click();
    h.run_ok();
    h.get_by_label("Compare visits…").click();
    h.run_ok();
    type_into(h, "Baseline report", &baseline.display().to_string());
    type_into(h, "Follow-up report", &followup.display().to_string());
    h.get_by_label("Compare files").click();
    h.run_ok();
}

fn wait_decoded(h: &mut Harness<'_, App>) {
    let started = Instant::now();
    loop {
        h.step();
        let ready = h.state().compare.model.panes.as_ref().is_some_and(|p| {
            p.panes
                .iter()
                .all(|pane| (0..pane.frame_count()).all(|i| pane.is_ready(i)))
        });
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "frames not decoded"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_ok();
}

fn frames(h: &Harness<'_, App>) -> [usize; 2] {
    h.state().compare.model.panes.as_ref().unwrap().frames()
}

#[test]
fn compare_window_shows_the_delta_table_and_aligns_the_cines_by_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let (b_path, f_path, baseline, followup) = write_pair(tmp.path());
    let mut h = harness(tmp.path());
    open_compare(&mut h, &b_path, &f_path);
    assert!(
        h.state().compare.model.message.is_none(),
        "{:?}",
        h.state().compare.model.message
    );

    // The delta table and grade sentence are the library's.
    let table = compare(&baseline, &followup);
    assert_eq!(h.state().compare.model.table.as_ref(), Some(&table));
    assert!(table.grade.text.contains("→"), "{}", table.grade.text);
    h.get_by_label(&table.grade.text);
    let eroa = table.row("mr_eroa").unwrap();
    assert_eq!(eroa.display[0], "0.45");
    assert_eq!(eroa.display[1], "0.30");
    assert_eq!(eroa.display[2], "-0.15");
    for row in &table.rows {
        for cell in row.display.iter().filter(|c| *c != "—") {
            assert!(
                h.query_all_by_label(cell).next().is_some(),
                "{} cell {cell} not shown",
                row.short
            );
        }
        assert!(h.query_all_by_label(&row.short).next().is_some());
    }

    // Both panes show the A4C loops; ED sources differ.
    let view = h.state().compare.model.view.clone();
    assert_eq!(view.as_deref(), Some("Apical 4-chamber"));
    wait_decoded(&mut h);
    {
        let pair = h.state().compare.model.panes.as_ref().unwrap();
        let [b, f] = &pair.panes;
        assert_eq!(b.cycles.as_ref().unwrap().source(), EdSource::Marks);
        assert_eq!(b.cycles.as_ref().unwrap().ed_frames(), &[0]);
        assert_eq!(f.cycles.as_ref().unwrap().source(), EdSource::RWaves);
        assert_eq!(f.cycles.as_ref().unwrap().ed_frames(), &[8]);
        assert_eq!(b.drawings.len(), 2);
        assert_eq!(f.drawings.len(), 1);
    }
    assert!(h.query_by_label_contains("ED from reading marks").is_some());
    assert!(h.query_by_label_contains("ED from R waves").is_some());

    // Baseline on ED (frame 0) → follow-up on its ED (frame 8).
    assert_eq!(frames(&h), [0, 8]);
    // Step the baseline to its ES (frame 12: 300 of 800 ms = 37.5 %) → follow-up frame
    // 8 + 0.375 × 1000 ms / 40 ms = 17.4 → 17, where its ES contour is drawn.
    for _ in 0..12 {
        h.get_by_label("▶").click();
        h.run_ok();
    }
    assert_eq!(frames(&h), [12, 17]);
    assert!(
        h.query_by_label_contains("Baseline frame 13/32 · 300 ms")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("Follow-up frame 18/32 · 680 ms")
            .is_some()
    );
    // Back to the baseline's ED frame: the follow-up is on its ED frame again.
    h.get_by_label("Next ED").click();
    h.run_ok();
    assert_eq!(frames(&h), [0, 8]);
    // Late in the cycle: baseline frame 28 (700 ms, 87.5 %) → follow-up 8 + 0.875 × 1000 / 40
    // = 29.9 → frame 30, still inside the loop. Baseline frame 31 (96.9 %) would fall past the
    // follow-up's last frame, so the end of the beat before its R wave is shown:
    // 8 − 0.031 × 1000 / 40 = 7.2 → frame 7.
    h.state_mut()
        .compare
        .request(echolab::gui::compare::CompareCommand::SetFrame(28));
    h.run_ok();
    assert_eq!(frames(&h), [28, 30]);
    h.get_by_label("▶").click();
    h.run_ok();
    h.get_by_label("▶").click();
    h.run_ok();
    h.get_by_label("▶").click();
    h.run_ok();
    assert_eq!(frames(&h), [31, 7]);
}

#[test]
fn missing_follow_up_image_is_reported_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let (b_path, f_path, _, _) = write_pair(tmp.path());
    std::fs::remove_file(tmp.path().join(FOLLOWUP_FILE)).unwrap();
    let mut h = harness(tmp.path());
    open_compare(&mut h, &b_path, &f_path);
    let pair = h.state().compare.model.panes.as_ref().unwrap();
    let err = pair.panes[1].file.as_ref().err().unwrap();
    assert!(err.contains("image not found"), "{err}");
    // The baseline still plays on its own.
    assert_eq!(pair.leader(), 0);
    h.get_by_label("▶").click();
    h.run_ok();
    assert_eq!(frames(&h)[0], 1);
}

#[test]
fn plot_window_has_one_point_per_visit_of_the_subject() {
    let tmp = tempfile::tempdir().unwrap();
    let (b_path, f_path, _, _) = write_pair(tmp.path());
    // A 12-month read of the same subject and a baseline of another subject.
    let m12 = signed(
        "r-m12",
        "SUBJ-001",
        Visit::Month12,
        FOLLOWUP_VALUES,
        Vec::new(),
    );
    write(tmp.path(), &m12);
    let other = signed(
        "r-other",
        "SUBJ-002",
        Visit::Baseline,
        BASELINE_VALUES,
        Vec::new(),
    );
    write(tmp.path(), &other);
    let mut h = harness(tmp.path());

    // From the two compared reports: one point per visit.
    open_compare(&mut h, &b_path, &f_path);
    h.get_by_label("Review").click();
    h.run_ok();
    h.get_by_label("Longitudinal plot…").click();
    h.run_ok();
    h.get_by_label("From compared reports").click();
    h.run_ok();
    let plot = &h.state().compare.plot;
    assert_eq!(plot.subject.as_deref(), Some("SUBJ-001"));
    let s = plot.series();
    let months: Vec<_> = s["SUBJ-001"].points.iter().map(|p| p.months).collect();
    assert_eq!(months, vec![Some(0), Some(6)]);
    assert!(
        h.query_by_label_contains("of subject SUBJ-001: 2 visit(s)")
            .is_some()
    );
    // The grade as an ordinal axis: severe (rank 3) → moderate-to-severe (rank 2).
    h.state_mut()
        .compare
        .request(echolab::gui::compare::CompareCommand::PlotParameter(
            echolab::compare::GRADE_PARAMETER.to_owned(),
        ));
    h.run_ok();
    let s = h.state().compare.plot.series();
    let ranks: Vec<f64> = s["SUBJ-001"].points.iter().map(|p| p.value).collect();
    assert_eq!(ranks, vec![3.0, 2.0]);
    assert!(
        h.query_by_label_contains("MR grade of subject SUBJ-001")
            .is_some()
    );
    h.state_mut()
        .compare
        .request(echolab::gui::compare::CompareCommand::PlotParameter(
            "mr_eroa".to_owned(),
        ));
    h.run_ok();

    // From the folder: three visits of SUBJ-001, and across subjects n per visit.
    type_into(&mut h, "Reports folder", &tmp.path().display().to_string());
    h.get_by_label("Load folder").click();
    h.run_ok();
    let plot = &h.state().compare.plot;
    assert_eq!(plot.reports.len(), 4);
    let s = plot.series();
    let points: Vec<_> = s["SUBJ-001"]
        .points
        .iter()
        .map(|p| (p.months, p.value))
        .collect();
    assert_eq!(
        points,
        vec![(Some(0), 0.45), (Some(6), 0.30), (Some(12), 0.30)]
    );
    assert!(
        h.query_by_label_contains("of subject SUBJ-001: 3 visit(s)")
            .is_some()
    );
    h.state_mut()
        .compare
        .request(echolab::gui::compare::CompareCommand::PlotSubject(None));
    h.run_ok();
    assert!(h.query_by_label_contains("across 2 subject(s)").is_some());
    assert!(
        h.query_by_label("0 mo: n = 2 · 6 mo: n = 1 · 12 mo: n = 1")
            .is_some()
    );
}

/// Writes a baseline / follow-up pair over the sample study (both on the real sample A4C
/// files: RLE at baseline, JPEG at follow-up), a 12-month read and two more subjects, into
/// `$ECHOLAB_COMPARE_FIXTURE` (default `target/compare-fixture`), for looking at the windows:
/// `cargo test --test gui_compare -- --ignored write_compare_fixture`.
#[test]
#[ignore = "writes the screenshot fixture"]
fn write_compare_fixture() {
    let dir = std::env::var_os("ECHOLAB_COMPARE_FIXTURE")
        .map_or_else(|| PathBuf::from("target/compare-fixture"), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    let gt = ground_truth();
    let sop = a4c_sop(&gt);
    let jpeg_sop = gt["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "a4c_cine_jpeg.dcm")
        .unwrap()["sop_instance_uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (ed_frame, ed_pts) = contour(&gt, "ed");
    let (es_frame, es_pts) = contour(&gt, "es");
    let baseline = signed(
        "r-base",
        "SUBJ-001",
        Visit::Baseline,
        BASELINE_VALUES,
        vec![
            lv("lv_a4c_ed", "a4c_cine.dcm", &sop, ed_frame, ed_pts.clone()),
            lv("lv_a4c_es", "a4c_cine.dcm", &sop, es_frame, es_pts.clone()),
        ],
    );
    let followup = signed(
        "r-m6",
        "SUBJ-001",
        Visit::Month6,
        FOLLOWUP_VALUES,
        vec![
            lv(
                "lv_a4c_ed",
                "a4c_cine_jpeg.dcm",
                &jpeg_sop,
                ed_frame,
                ed_pts,
            ),
            lv(
                "lv_a4c_es",
                "a4c_cine_jpeg.dcm",
                &jpeg_sop,
                es_frame,
                es_pts,
            ),
        ],
    );
    write(&dir, &baseline);
    write(&dir, &followup);
    let scaled = |k: f64| -> Vec<(&'static str, f64, &'static str)> {
        FOLLOWUP_VALUES
            .iter()
            .map(|&(id, v, u)| (id, v * k, u))
            .collect()
    };
    let m12 = scaled(0.9);
    write(
        &dir,
        &signed("r-m12", "SUBJ-001", Visit::Month12, &m12, Vec::new()),
    );
    for (i, (subject, k)) in [("SUBJ-002", 1.2), ("SUBJ-003", 0.8)]
        .into_iter()
        .enumerate()
    {
        for (j, (visit, f)) in [
            (Visit::Baseline, 1.0),
            (Visit::Month6, 0.85),
            (Visit::Month12, 0.8),
        ]
        .into_iter()
        .enumerate()
        {
            let values: Vec<_> = BASELINE_VALUES
                .iter()
                .map(|&(id, v, u)| (id, v * k * f, u))
                .collect();
            write(
                &dir,
                &signed(&format!("r-s{i}-{j}"), subject, visit, &values, Vec::new()),
            );
        }
    }
    println!("fixture written to {}", dir.display());
}

/// Database reads carry visit labels: blinded roles get the blinding message, an admin gets
/// the database's answer (here: no signed reads of the subject).
#[test]
fn database_visits_need_an_admin_session() {
    use echolab::gui::compare::sources::BLINDED_MESSAGE;
    use echolab::signing::KdfParams;
    use echolab::store::{Credentials, Role, Store};

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db").join("echolab.sqlite3");
    let t0 = datetime!(2026-03-04 10:00:00 UTC);
    let pass = "correct horse battery staple";
    let mut store = Store::open(&db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store
        .init_lab("admin", "Test lab", "lab passphrase 123", t0)
        .unwrap();
    store
        .add_reader("admin", "r1", "Rita Reader", Role::Reader, pass, t0)
        .unwrap();
    store
        .add_reader("admin", "a1", "Ann Admin", Role::Admin, pass, t0)
        .unwrap();
    let session = |store: &mut Store, id: &str| {
        let credentials = Credentials {
            reader_id: id.to_owned(),
            passphrase: pass.to_owned(),
        };
        store.sign_in(&credentials, t0).unwrap()
    };
    let reader = session(&mut store, "r1");
    let admin = session(&mut store, "a1");
    drop(store);

    let mut h = harness(tmp.path());
    h.state_mut().records.model.db_path = Some(db);
    h.get_by_label("Review").click();
    h.run_ok();
    h.get_by_label("Compare visits…").click();
    h.run_ok();
    type_into(&mut h, "Subject id", "SUBJ-001");

    // Not signed in.
    h.get_by_label("List signed reads").click();
    h.run_ok();
    let msg = h.state().compare.model.message.clone().unwrap();
    assert!(msg.contains("Sign in"), "{msg}");

    // A blinded reader.
    h.state_mut().records.model.session = Some(reader);
    h.get_by_label("List signed reads").click();
    h.run_ok();
    assert_eq!(
        h.state().compare.model.message.as_deref(),
        Some(BLINDED_MESSAGE)
    );
    assert!(h.query_by_label(BLINDED_MESSAGE).is_some());
    assert!(h.state().compare.model.db_reads.is_empty());

    // An admin passes the blinding check and reads the database.
    h.state_mut().records.model.session = Some(admin);
    h.get_by_label("List signed reads").click();
    h.run_ok();
    let msg = h.state().compare.model.message.clone().unwrap();
    assert!(
        msg.contains("no signed read") && msg.contains("SUBJ-001"),
        "{msg}"
    );
    assert_ne!(msg, BLINDED_MESSAGE);
}
