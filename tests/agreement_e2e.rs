//! Reader agreement end to end: a reading database with dual reads of 20 subjects and blinded
//! re-reads chosen by `Store::assign_rereads` → `echolab agreement --db … --json` gives the same
//! figures as `echolab agreement --csv` on the long CSV export of the same signed reads.

#![allow(clippy::unwrap_used)]

mod store_fixture;

use std::path::Path;
use std::process::Command;

use echolab::export::db::{Selection, signed_reads};
use echolab::protocol::RereadPolicy;
use echolab::report::SignatureMeaning;
use echolab::report::draft::{GradingChoice, draft_from_grade_input};
use echolab::signing::KdfParams;
use echolab::store::{ImportOptions, Role, Store, StoreError};
use serde_json::Value;
use store_fixture::{LAB_PASS, PASS, creds, t0, write_dicom};
use time::Duration;

const SUBJECTS: usize = 20;

fn study_uid(i: usize) -> String {
    format!("1.2.826.0.1.3680043.8.498.77.{i}")
}

/// Deterministic "measurement noise" in [-1, 1].
fn noise(i: usize, salt: usize) -> f64 {
    let x = ((i * 7919 + salt * 104_729) % 1000) as f64 / 1000.0;
    2.0 * x - 1.0
}

/// Values of one read: EROA, RVol, VC width around a subject's truth, with a reader offset.
fn values(i: usize, reader_bias: f64, salt: usize) -> Vec<(&'static str, f64, &'static str)> {
    let truth = 0.15 + 0.03 * i as f64;
    let eroa = ((truth + reader_bias + 0.03 * noise(i, salt)) * 1000.0).round() / 1000.0;
    let rvol = ((eroa * 140.0 + 4.0 * noise(i, salt + 1)) * 10.0).round() / 10.0;
    let vc = ((0.3 + truth * 0.9 + 0.04 * noise(i, salt + 2)) * 100.0).round() / 100.0;
    vec![
        ("mr_eroa", eroa, "cm2"),
        ("mr_rvol", rvol, "ml"),
        ("mr_vc_width", vc, "cm"),
    ]
}

fn grade_input(values: &[(&str, f64, &str)]) -> echolab::grading::GradeInput {
    let mut v = serde_json::Map::new();
    for (id, value, unit) in values {
        v.insert(
            (*id).to_owned(),
            serde_json::json!({"value": value, "unit": unit}),
        );
    }
    serde_json::from_value(serde_json::json!({
        "values": v,
        "findings": {"mr_etiology": "secondary"}
    }))
    .unwrap()
}

/// Starts the session reader's read of `study`, fills it from `values`, signs it.
fn read_and_sign(
    store: &mut Store,
    reader: &str,
    study: &str,
    values: &[(&str, f64, &str)],
    at: time::OffsetDateTime,
) -> echolab::report::ReadingReport {
    let session = store.sign_in(&creds(reader), at).unwrap();
    let mut draft = store.start_read(&session, study, at).unwrap();
    let choice = GradingChoice {
        guideline_id: "ase2017".to_owned(),
        protocol_id: None,
    };
    let filled = draft_from_grade_input(&grade_input(values), &choice, "x", at).unwrap();
    draft.measurements = filled.measurements;
    draft.derived = filled.derived;
    draft.findings = filled.findings;
    draft.grade = filled.grade;
    store.save_draft(&session, &draft, at).unwrap();
    store
        .sign_read(
            &session,
            &draft.report_id,
            &creds(reader),
            SignatureMeaning::Authorship,
            at,
        )
        .unwrap();
    draft
}

fn agreement(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_echolab"))
        .arg("agreement")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn build(dir: &Path, db: &Path) -> Vec<String> {
    let mut store = Store::open(db).unwrap();
    store.set_kdf_params(KdfParams::insecure_fast_for_tests());
    store.init_lab("setup", "Test lab", LAB_PASS, t0()).unwrap();
    for (id, role) in [
        ("r1", Role::Reader),
        ("r2", Role::Reader),
        ("boss", Role::Admin),
    ] {
        store.add_reader("setup", id, id, role, PASS, t0()).unwrap();
    }
    let folder = dir.join("dicom");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..SUBJECTS {
        write_dicom(
            &folder.join(format!("s{i}.dcm")),
            &study_uid(i),
            &format!("1.2.3.77.{i}"),
            &format!("1.2.3.77.{i}.1"),
            &format!("S-{i:03}"),
            "Baseline",
        );
    }
    store
        .import_folder("setup", &folder, &ImportOptions::default(), t0())
        .unwrap();
    for i in 0..SUBJECTS {
        for r in ["r1", "r2"] {
            store.assign("boss", &study_uid(i), r, t0()).unwrap();
        }
        read_and_sign(&mut store, "r1", &study_uid(i), &values(i, 0.0, 1), t0());
        read_and_sign(&mut store, "r2", &study_uid(i), &values(i, 0.02, 2), t0());
    }
    // Too early: nothing is eligible before the minimum delay.
    let policy = RereadPolicy {
        fraction: 0.25,
        min_delay_days: 14,
    };
    let early = store
        .assign_rereads(
            "boss",
            Some("TRIAL-A"),
            &policy,
            7,
            t0() + Duration::days(3),
        )
        .unwrap();
    assert_eq!(early.eligible_studies, 0);
    assert!(early.assignments.is_empty());
    let later = t0() + Duration::days(15);
    let sel = store
        .assign_rereads("boss", Some("TRIAL-A"), &policy, 7, later)
        .unwrap();
    assert_eq!(sel.eligible_studies, SUBJECTS);
    assert_eq!(sel.chosen_studies.len(), 5);
    assert_eq!(sel.assignments.len(), 10);
    // The same seed on a fresh database chooses the same studies (checked by the caller).
    let chosen = sel.chosen_studies.clone();
    // Running again adds nothing: the target share is reached.
    let again = store
        .assign_rereads("boss", Some("TRIAL-A"), &policy, 99, later)
        .unwrap();
    assert_eq!(again.already_chosen, 5);
    assert!(again.assignments.is_empty());

    for study in &chosen {
        let i: usize = study.rsplit('.').next().unwrap().parse().unwrap();
        let r1 = store.sign_in(&creds("r1"), later).unwrap();
        // Blinded: the reader's own first read of the study cannot be opened.
        let first = sel
            .assignments
            .iter()
            .find(|a| &a.study_uid == study && a.reader_id == "r1")
            .unwrap();
        assert!(matches!(
            store.open_read(&r1, &first.first_read_id),
            Err(StoreError::AccessDenied(_))
        ));
        let item = store
            .worklist(&r1)
            .unwrap()
            .into_iter()
            .find(|w| &w.study_uid == study)
            .unwrap();
        assert!(item.reread && item.read_id.is_none());
        let reread = read_and_sign(&mut store, "r1", study, &values(i, 0.005, 3), later);
        assert_eq!(reread.read_number, Some(2));
        // Signed: the first read is visible again.
        assert!(store.open_read(&r1, &first.first_read_id).is_ok());
        read_and_sign(&mut store, "r2", study, &values(i, 0.015, 4), later);
    }
    chosen
}

#[test]
fn db_and_long_csv_give_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("trial.sqlite3");
    let chosen = build(dir.path(), &db);

    // Same seed, fresh database → same choice.
    let dir2 = tempfile::tempdir().unwrap();
    let chosen2 = build(dir2.path(), &dir2.path().join("trial.sqlite3"));
    assert_eq!(chosen, chosen2);

    // The long CSV export of every signed read (admin).
    let mut store = Store::open_existing(&db).unwrap();
    let boss = store.sign_in(&creds("boss"), t0()).unwrap();
    let inputs = signed_reads(&store, &boss, &Selection::Trial, &db).unwrap();
    assert_eq!(inputs.len(), 2 * SUBJECTS + 10);
    let reports: Vec<_> = inputs.into_iter().map(|i| i.report).collect();
    let csv = echolab::export::csv::long_csv(&reports).unwrap();
    let csv_path = dir.path().join("long.csv");
    std::fs::write(&csv_path, csv).unwrap();

    let from_db = agreement(&["--db", db.to_str().unwrap()]);
    let from_csv = agreement(&["--csv", csv_path.to_str().unwrap()]);
    assert_eq!(from_db["inter_reader"], from_csv["inter_reader"]);
    assert_eq!(from_db["intra_reader"], from_csv["intra_reader"]);

    let inter = from_db["inter_reader"].as_array().unwrap();
    let eroa = inter.iter().find(|e| e["parameter"] == "mr_eroa").unwrap();
    assert_eq!(eroa["n"], 20);
    assert_eq!(eroa["raters"], 2);
    assert_eq!(eroa["missing"], 0);
    let icc = eroa["icc_2_1"]["value"].as_f64().unwrap();
    assert!(icc > 0.8 && icc < 1.0, "{icc}");
    // Reader 2 reads 0.02 cm² higher: bias r1 − r2 ≈ −0.02.
    let bias = eroa["bland_altman"]["bias"].as_f64().unwrap();
    assert!((bias + 0.02).abs() < 0.01, "{bias}");
    let grade = inter.iter().find(|e| e["parameter"] == "mr_grade").unwrap();
    // Indeterminate grades are left out and counted.
    assert_eq!(
        grade["n"].as_u64().unwrap() + grade["missing"].as_u64().unwrap(),
        20
    );
    assert!(grade["n"].as_u64().unwrap() >= 10);
    assert!(grade["kappa"]["quadratic"].is_number());

    let intra = from_db["intra_reader"].as_array().unwrap();
    let eroa = intra.iter().find(|e| e["parameter"] == "mr_eroa").unwrap();
    assert_eq!(eroa["n"], 10);
    assert!(eroa["wscv_percent"].as_f64().unwrap() > 0.0);

    // Readers: the database knows the dual-read pairs; the CSV does not.
    let r1 = &from_db["readers"][0];
    assert_eq!(r1["reader"], "r1");
    assert_eq!(r1["reads"], 25);
    assert_eq!(r1["rereads"], 5);
    assert_eq!(r1["pairs"], 20);
    assert!(r1["discordance_rate"].is_number());
    assert_eq!(from_csv["readers"][0]["reads"], 25);
    assert!(from_csv["readers"][0]["pairs"].is_null());

    // Filters and refusals.
    let only = agreement(&["--db", db.to_str().unwrap(), "--parameter", "mr_rvol"]);
    assert_eq!(only["inter_reader"].as_array().unwrap().len(), 1);
    let bad = Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args([
            "agreement",
            "--db",
            db.to_str().unwrap(),
            "--parameter",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown parameter `nope`"));

    // PDF and table CSV.
    let pdf = dir.path().join("qc.pdf");
    let table = dir.path().join("table.csv");
    agreement(&[
        "--db",
        db.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--table-csv",
        table.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let table_text = std::fs::read_to_string(&table).unwrap();
    assert!(table_text.starts_with("scope,parameter,unit,n,raters,missing,icc_2_1"));
    assert!(
        table_text.contains("inter,mr_eroa,cm²,20,2,0,") || table_text.contains("inter,mr_eroa,")
    );
}
