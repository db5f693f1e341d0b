//! Headless tests of the adjudication window (egui_kittest driving the real App): two
//! discordant signed reads of the sample study (PISA EROA 0.45 vs 0.30 cm², severe vs moderate)
//! whose drawings sit on the committed `sample_data/` images; the window shows both values, the
//! fired rules and the key frames; a missing reason is refused with nothing signed; signing
//! needs the reading database; a per-parameter decision is signed and both files verify.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod export_support;
mod gui_support;

use std::path::{Path, PathBuf};

use echolab::adjudication::{AdjudicationRecord, verify_adjudication};
use echolab::compare::{param_value, report_grade};
use echolab::grading::{Grade, GradeInput};
use echolab::gui::App;
use echolab::gui::adjudicate::decision::{Mode, Take};
use echolab::measure::DrawKind;
use echolab::report::draft::{GradingChoice, draft_from_grade_input};
use echolab::report::{
    MeasurementGeometry, ReadingReport, SignatureMeaning, StudyRef, read_report, write_report,
};
use echolab::signing::{KdfParams, sign_report, verify_report_bytes};
use echolab::store::{Credentials, ImportOptions, Role, Store};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_support::{app_harness, type_into};
use time::macros::datetime;

const PASS: &str = "correct horse battery staple";
const COLOR_FILE: &str = "mr_color.dcm";

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn truth() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(sample_dir().join("ground_truth.json")).unwrap())
        .unwrap()
}

fn sop_of(truth: &serde_json::Value, file: &str) -> String {
    truth["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .unwrap()["sop_instance_uid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A draft read of the sample study: the ground-truth grading input with the PISA radius,
/// vena contracta and jet area of this reader; the PISA radius and the vena contracta are
/// drawn on `mr_color.dcm` frame 0 (40 px per cm there).
fn draft(id: &str, reader: &str, pisa_cm: f64, vc_cm: f64, jet_cm2: f64) -> ReadingReport {
    let t = truth();
    let mut input: GradeInput = serde_json::from_value(t["grade_input"].clone()).unwrap();
    input.values.get_mut("mr_pisa_radius").unwrap().value = pisa_cm;
    input.values.get_mut("mr_vc_width").unwrap().value = vc_cm;
    input.values.get_mut("mr_jet_area").unwrap().value = jet_cm2;
    let now = datetime!(2026-05-01 14:03:27 UTC);
    let mut draft = draft_from_grade_input(&input, &GradingChoice::default(), id, now).unwrap();
    draft.reader_id = Some(reader.to_owned());
    draft.subject_id = Some("SAMPLE-001".to_owned());
    draft.study = Some(StudyRef {
        study_instance_uid: t["patient"]["study_instance_uid"]
            .as_str()
            .unwrap()
            .to_owned(),
        images: Vec::new(),
    });
    let sop = sop_of(&t, COLOR_FILE);
    for m in &mut draft.measurements {
        let points = match m.quantity.as_str() {
            "mr_pisa_radius" => vec![[240.0, 192.0], [240.0, 192.0 - pisa_cm * 40.0]],
            "mr_vc_width" => vec![[240.0 - vc_cm * 20.0, 198.0], [240.0 + vc_cm * 20.0, 198.0]],
            _ => continue,
        };
        m.draw_kind = DrawKind::Caliper;
        m.geometry = Some(MeasurementGeometry {
            sop_instance_uid: Some(sop.clone()),
            source_file: Some(COLOR_FILE.to_owned()),
            frame: Some(0),
            points_px: points,
            points_phys: Vec::new(),
            region: Some(0),
        });
    }
    draft
}

/// [`draft`] signed with a test key (file source).
fn read(id: &str, reader: &str, pisa_cm: f64, vc_cm: f64, jet_cm2: f64) -> ReadingReport {
    let d = draft(id, reader, pisa_cm, vc_cm, jet_cm2);
    let key = export_support::test_key(reader);
    let now = datetime!(2026-05-01 14:03:27 UTC);
    sign_report(&d, reader, reader, &key, SignatureMeaning::Authorship, now).unwrap()
}

/// The two reads written to `dir/reads`, and the database with adjudicator `adj1`.
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let reads = dir.join("reads");
    std::fs::create_dir_all(&reads).unwrap();
    let a = read("read-a", "reader1", 0.95, 0.75, 12.3);
    let b = read("read-b", "reader2", 0.77, 0.45, 6.0);
    assert_eq!(report_grade(&a), Some(Grade::Severe));
    assert_ne!(
        report_grade(&b),
        Some(Grade::Severe),
        "{:?}",
        report_grade(&b)
    );
    let (pa, pb) = (reads.join("read-a.json"), reads.join("read-b.json"));
    write_report(&pa, &a).unwrap();
    write_report(&pb, &b).unwrap();
    let db = dir.join("db").join("echolab.sqlite3");
    let mut store = Store::open(&db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    let t0 = datetime!(2026-05-02 08:00:00 UTC);
    store
        .init_lab("admin", "Test lab", "lab passphrase 123", t0)
        .unwrap();
    store
        .add_reader(
            "admin",
            "adj1",
            "Ada Judicator",
            Role::Adjudicator,
            PASS,
            t0,
        )
        .unwrap();
    (db, pa, pb)
}

fn harness(dir: &Path, db: PathBuf) -> Harness<'static, App> {
    app_harness(dir, [1400.0, 1500.0], Some(db))
}

/// Scrolls the widget into view (the window scrolls), then clicks it.
fn click(h: &mut Harness<'_, App>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    h.get_by_label(label).click();
    h.run_ok();
}

fn open_and_load(h: &mut Harness<'_, App>, pa: &Path, pb: &Path) {
    click(h, "Review");
    click(h, "Adjudicate…");
    assert!(h.state().adjudication.model.open);
    type_into(h, "Read A report", &pa.display().to_string());
    type_into(h, "Read B report", &pb.display().to_string());
    click(h, "Load reads");
}

fn signed_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("adjudication-") && !name.starts_with("adjudication-draft")
                || name.starts_with("adjudicated-")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn side_by_side_decide_refuse_missing_reason_and_sign() {
    let dir = tempfile::tempdir().unwrap();
    let (db, pa, pb) = setup(dir.path());
    let mut h = harness(dir.path(), db);
    open_and_load(&mut h, &pa, &pb);

    // Both values, the fired rule and the key frames (found in sample_data) are shown.
    let pair = h
        .state()
        .adjudication
        .model
        .pair
        .clone()
        .expect("pair loaded");
    assert!(pair.discordance.discordant);
    let fired: Vec<&str> = pair.discordance.fired().map(|r| r.id.as_str()).collect();
    assert!(fired.contains(&"eroa"), "{fired:?}");
    assert!(fired.contains(&"grade"), "{fired:?}");
    // In the values table (EROA and EROA by PISA) and again in the decision table.
    assert!(
        h.query_all_by_label("0.45 cm²").count() >= 2,
        "read A's EROA"
    );
    assert!(
        h.query_all_by_label("0.30 cm²").count() >= 2,
        "read B's EROA"
    );
    assert!(h.query_by_label_contains("eroa fired").is_some());
    assert!(
        !h.query_all_by_label("DISCORDANT")
            .collect::<Vec<_>>()
            .is_empty()
    );
    assert_eq!(
        h.state().adjudication.model.selected_param.as_deref(),
        Some("mr_eroa"),
        "the first disputed parameter is selected"
    );
    {
        let frames = &h.state().adjudication.model.frames;
        let sides = frames.sides.as_ref().expect("key frames looked up");
        for s in sides {
            let k = s.as_ref().expect("the image is found in sample_data");
            assert!(k.path.ends_with(COLOR_FILE), "{:?}", k.path);
            assert_eq!(k.frame, 0);
            assert!(!k.key_ids.is_empty(), "the PISA radius is highlighted");
        }
    }
    assert_eq!(
        h.query_all_by_label_contains("mr_color.dcm, frame 1")
            .count(),
        2
    );

    // Per parameter: EROA is the adjudicator's own value, the grade moderate-to-severe; other
    // disputed parameters take read B (set in the form directly).
    let disputed = pair.disputed();
    {
        let form = &mut h.state_mut().adjudication.decision;
        assert_eq!(form.mode, Mode::PerParameter);
        for id in disputed.iter().filter(|id| *id != "mr_eroa") {
            let c = form.params.entry(id.clone()).or_default();
            c.take = Some(Take::B);
            c.reason = "B traced the better loop".to_owned();
        }
        form.grade = Some(Grade::ModerateToSevere);
    }
    h.run_ok();
    h.query_all_by_label("own")
        .next()
        .expect("own radio")
        .scroll_to_me();
    h.run_ok();
    h.query_all_by_label("own")
        .next()
        .expect("own radio")
        .click();
    h.run_ok();
    type_into(&mut h, "Own value of EROA", "0.38");
    type_into(&mut h, "Reason for the grade", "integrative, EROA 0.38");
    type_into(&mut h, "Adjudicator id", "adj1");

    // Missing reason for EROA: refused inline, no dialog, nothing written.
    click(&mut h, "Sign adjudication…");
    let m = &h.state().adjudication.model;
    let err = m.decision_error.clone().expect("an error is shown");
    assert!(err.contains("reason is required"), "{err}");
    assert!(!m.signing);
    assert!(h.query_by_label_contains("reason is required").is_some());
    assert!(signed_files(pa.parent().unwrap()).is_empty());

    // With the reason, but not signed in: the dialog explains signing needs the database.
    type_into(&mut h, "Reason for EROA", "re-measured the PISA radius");
    click(&mut h, "Save draft record");
    let draft_path = pa
        .parent()
        .unwrap()
        .join("adjudication-draft-read-a-read-b.json");
    let draft: AdjudicationRecord =
        serde_json::from_str(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    assert!(draft.signature.is_none());
    // Loading the same pair again resumes the saved draft.
    let ctx = h.ctx.clone();
    h.state_mut().adjudication.decision = Default::default();
    h.state_mut()
        .apply_adjudication(&ctx, echolab::gui::adjudicate::AdjCommand::LoadFiles);
    h.run_ok();
    let resumed = &h.state().adjudication;
    assert!(
        resumed
            .model
            .message
            .as_deref()
            .is_some_and(|m| m.contains("Resumed the draft")),
        "{:?}",
        resumed.model.message
    );
    assert_eq!(resumed.decision.params["mr_eroa"].own_value, "0.38");
    assert_eq!(
        resumed.decision.params["mr_eroa"].reason,
        "re-measured the PISA radius"
    );
    assert_eq!(resumed.decision.adjudicator_id, "adj1");
    click(&mut h, "Sign adjudication…");
    assert!(h.state().adjudication.model.signing);
    assert!(
        h.query_by_label_contains("Signing needs the reading database")
            .is_some()
    );
    click(&mut h, "Close");
    assert!(!h.state().adjudication.model.signing);

    // Sign in as the adjudicator, then sign: a wrong passphrase signs nothing.
    click(&mut h, "Reading");
    click(&mut h, "Sign in…");
    type_into(&mut h, "Reader id", "adj1");
    type_into(&mut h, "Passphrase", PASS);
    click(&mut h, "Sign in");
    assert!(h.state().records.model.session.is_some());
    click(&mut h, "Sign adjudication…");
    assert!(
        h.query_by_label_contains("I, Ada Judicator (adj1), sign")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("Meaning of this signature: adjudication")
            .is_some()
    );
    type_into(&mut h, "Adjudicator passphrase", "not the passphrase");
    click(&mut h, "Sign with meaning adjudication");
    assert!(h.query_by_label_contains("Wrong passphrase").is_some());
    assert!(signed_files(pa.parent().unwrap()).is_empty());
    type_into(&mut h, "Adjudicator passphrase", PASS);
    click(&mut h, "Sign with meaning adjudication");

    // Both files are written next to each other, verify, and carry the adjudicated value.
    let signed = h.state().adjudication.model.signed.clone().expect("signed");
    assert_eq!(signed_files(pa.parent().unwrap()).len(), 2);
    let record: AdjudicationRecord =
        serde_json::from_str(&std::fs::read_to_string(&signed.record_path).unwrap()).unwrap();
    assert!(verify_adjudication(&record).is_empty());
    assert_eq!(record.final_grade, Some(Grade::ModerateToSevere));
    let bytes = std::fs::read(&signed.report_path).unwrap();
    let v = verify_report_bytes(&bytes);
    assert!(v.is_intact(), "{:?}", v.problems);
    let report = read_report(&signed.report_path).unwrap();
    let sig = report.signature.as_ref().unwrap();
    assert_eq!(sig.meaning, SignatureMeaning::Adjudication);
    assert_eq!(sig.signer_id, "adj1");
    let eroa = param_value(&report, "mr_eroa").unwrap();
    assert!((eroa.value - 0.38).abs() < 1e-12, "{eroa:?}");
    assert_eq!(report_grade(&report), Some(Grade::ModerateToSevere));
    assert!(report.comment.contains(&record.record_id));
    assert!(h.query_all_by_label_contains(": intact").count() == 2);
    assert!(
        !draft_path.exists(),
        "the working draft is gone once signed"
    );

    // The audit trail holds the adjudication, its signature and the adjudicated report.
    let store = Store::open_existing(&dir.path().join("db").join("echolab.sqlite3")).unwrap();
    let history = store.record_history(&record.record_id).unwrap();
    let kinds: Vec<(&str, &str)> = history
        .iter()
        .map(|e| (e.entity_type.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("adjudication", "create"), ("signature", "create")],
        "{history:?}"
    );
    assert!(
        history[1]
            .new_value
            .as_deref()
            .is_some_and(|v| v.contains("\"meaning\":\"adjudication\""))
    );
    let report_history = store.record_history(&report.report_id).unwrap();
    assert_eq!(report_history.len(), 2, "{report_history:?}");
    assert!(store.verify_audit_chain().unwrap().is_intact());
}

#[test]
fn worklist_from_the_database_and_choose_a_read() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = datetime!(2026-05-02 08:00:00 UTC);
    // The sample study written to a temporary folder and imported: the key frames must come
    // from the database's study files.
    let study_dir = dir.path().join("study");
    echolab::sample::write_study(&study_dir).unwrap();
    let db = dir.path().join("db").join("echolab.sqlite3");
    let mut store = Store::open(&db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store
        .init_lab("admin", "Test lab", "lab passphrase 123", t0)
        .unwrap();
    for (id, name, role) in [
        ("r1", "Rita Reader", Role::Reader),
        ("r2", "Rob Reader", Role::Reader),
        ("adj1", "Ada Judicator", Role::Adjudicator),
    ] {
        store.add_reader("admin", id, name, role, PASS, t0).unwrap();
    }
    let summary = store
        .import_folder("admin", &study_dir, &ImportOptions::default(), t0)
        .unwrap();
    let study = summary.studies[0].study_uid.clone();
    for (reader, d) in [
        ("r1", draft("read-a", "r1", 0.95, 0.75, 12.3)),
        ("r2", draft("read-b", "r2", 0.77, 0.45, 6.0)),
    ] {
        assert_eq!(d.study.as_ref().unwrap().study_instance_uid, study);
        store.assign("admin", &study, reader, t0).unwrap();
        let credentials = Credentials {
            reader_id: reader.into(),
            passphrase: PASS.into(),
        };
        store
            .sign_report(&credentials, &d, SignatureMeaning::Authorship, t0)
            .unwrap();
    }
    drop(store);

    // The same worklist from the command line, with the pair's reads written out for `decide`.
    let pass_file = dir.path().join("pass.txt");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let cli = |reader: &str, out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_echolab"))
            .args(["adjudicate", "worklist", "--json", "--db"])
            .arg(&db)
            .args(["--reader", reader, "--passphrase-file"])
            .arg(&pass_file)
            .arg("--out-dir")
            .arg(out)
            .output()
            .unwrap()
    };
    let wl = dir.path().join("worklist");
    let out = cli("adj1", &wl);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pairs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs}");
    assert_eq!(pairs[0]["discordant"], true);
    let folder = wl.join(study.replace(
        |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
        "_",
    ));
    for name in ["read-a.json", "read-b.json"] {
        let bytes = std::fs::read(folder.join(name)).unwrap();
        assert!(verify_report_bytes(&bytes).is_intact(), "{name}");
    }
    let refused = cli("r1", &dir.path().join("refused"));
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is a reader"));

    let mut h = harness(dir.path(), db.clone());
    click(&mut h, "Reading");
    click(&mut h, "Sign in…");
    type_into(&mut h, "Reader id", "adj1");
    type_into(&mut h, "Passphrase", PASS);
    click(&mut h, "Sign in");
    click(&mut h, "Review");
    click(&mut h, "Adjudicate…");

    // The worklist holds the one discordant pair.
    let model = &h.state().adjudication.model;
    assert_eq!(model.worklist.len(), 1, "{:?}", model.worklist_note);
    assert_eq!(h.state().adjudication.decision.adjudicator_id, "adj1");
    click(&mut h, "Adjudicate");
    let pair = h
        .state()
        .adjudication
        .model
        .pair
        .clone()
        .expect("pair open");
    assert_eq!(pair.read_a.report_id, "read-a");
    assert!(pair.blinded, "adjudicators are blinded to the visit");
    let sides = h.state().adjudication.model.frames.sides.as_ref().map(|s| {
        s.iter()
            .map(|k| k.as_ref().map(|k| k.path.clone()))
            .collect::<Vec<_>>()
    });
    for p in sides.expect("key frames") {
        let p = p.expect("image found");
        assert!(
            p.starts_with(&study_dir),
            "{p:?} comes from the database's study files"
        );
    }

    // Choose read B with a reason and sign.
    click(&mut h, "Choose one read");
    click(&mut h, "Choose read B");
    type_into(
        &mut h,
        "Overall reason",
        "B measured the PISA at the right frame",
    );
    click(&mut h, "Sign adjudication…");
    type_into(&mut h, "Adjudicator passphrase", PASS);
    click(&mut h, "Sign with meaning adjudication");
    let signed = h
        .state()
        .adjudication
        .model
        .signed
        .clone()
        .unwrap_or_else(|| panic!("{:?}", h.state().adjudication.model.sign_error));
    assert!(
        signed
            .record_path
            .starts_with(db.parent().unwrap().join("adjudications"))
    );
    let record: AdjudicationRecord =
        serde_json::from_str(&std::fs::read_to_string(&signed.record_path).unwrap()).unwrap();
    assert!(verify_adjudication(&record).is_empty());
    let report = read_report(&signed.report_path).unwrap();
    assert!(verify_report_bytes(&std::fs::read(&signed.report_path).unwrap()).is_intact());
    assert_eq!(report.measurements, pair.read_b.measurements);
    assert_eq!(report_grade(&report), report_grade(&pair.read_b));
}

/// Writes the two discordant demo reads used for `docs/screenshot-adjudication.png` into
/// `$ECHOLAB_DEMO_DIR` (run with `--ignored`; see the README of the screenshot in the report).
#[test]
#[ignore = "writes demo files; run by hand"]
fn write_demo_reads() {
    let dir = PathBuf::from(std::env::var("ECHOLAB_DEMO_DIR").expect("set ECHOLAB_DEMO_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    write_report(
        &dir.join("read-a.json"),
        &read("read-a", "reader1", 0.95, 0.75, 12.3),
    )
    .unwrap();
    write_report(
        &dir.join("read-b.json"),
        &read("read-b", "reader2", 0.77, 0.45, 6.0),
    )
    .unwrap();
}
