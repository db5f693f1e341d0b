//! CSV (wide and long) round-trips through a CSV parser with the right columns; JSON export.
#![allow(clippy::unwrap_used)]

mod export_support;

use echolab::export::csv::{LONG_COLUMNS, META_COLUMNS, wide_columns};
use echolab::export::{ExportFormat, ExportOptions, SignedInput, export, load_signed};
use echolab::report::Visit;
use echolab::signing::verify_report;
use export_support::*;

fn inputs(dir: &std::path::Path) -> Vec<SignedInput> {
    let a = signed_report(&Spec {
        id: "base",
        name: "Reader, \"Ada\" Ünal",
        values: BASELINE_VALUES,
        ..Spec::default()
    });
    let b = signed_report(&Spec {
        id: "fu6",
        subject: Some("SUBJ-002"),
        visit: Some(Visit::Month6),
        protocol: Some("cs_annuloplasty_rct"),
        values: FOLLOWUP_VALUES,
        ..Spec::default()
    });
    [a, b]
        .iter()
        .map(|r| load_signed(&write(dir, r)).unwrap())
        .collect()
}

fn run(
    inputs: &[SignedInput],
    format: ExportFormat,
    options: &ExportOptions,
    out: &std::path::Path,
) {
    let mut ticks = Vec::new();
    export(inputs, format, options, out, &mut |p| {
        ticks.push((p.done, p.total))
    })
    .unwrap();
    assert_eq!(ticks.last(), Some(&(inputs.len(), inputs.len())));
}

#[test]
fn wide_csv_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let out = dir.path().join("reads.csv");
    run(&inputs, ExportFormat::Csv, &ExportOptions::default(), &out);
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(headers, wide_columns());
    assert_eq!(&headers[..META_COLUMNS.len()], META_COLUMNS);
    for col in [
        "mr_eroa_cm2",
        "mr_eroa_pisa_cm2",
        "mr_rvol_ml",
        "mr_rf_pct",
        "mr_vc_width_cm",
        "mr_jet_la_ratio_pct",
        "ma_diameter_cm",
        "lv_edv_ml",
        "lv_ef_pct",
        "mr_vmax_cm_s",
        "mr_etiology",
    ] {
        assert!(headers.iter().any(|h| h == col), "missing column {col}");
    }
    let unique: std::collections::BTreeSet<&String> = headers.iter().collect();
    assert_eq!(unique.len(), headers.len(), "duplicate column names");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let r = &rows[0];
    assert_eq!(&r[col("report_id")], "base");
    assert_eq!(&r[col("subject_id")], "SUBJ-001");
    assert_eq!(&r[col("visit")], "baseline");
    assert_eq!(
        &r[col("signer_name")],
        "Reader, \"Ada\" Ünal",
        "RFC 4180 quoting, UTF-8"
    );
    assert_eq!(&r[col("signed_at_utc")], "2026-05-01T14:03:27Z");
    assert_eq!(&r[col("signature_meaning")], "authorship");
    assert_eq!(&r[col("mr_grade")], "severe");
    assert_eq!(&r[col("mr_eroa_cm2")], "0.45");
    assert_eq!(&r[col("mr_rvol_ml")], "70");
    assert_eq!(&r[col("mr_jet_la_ratio_pct")], "40");
    assert_eq!(&r[col("mr_etiology")], "secondary");
    assert_eq!(&r[col("eligibility")], "");
    assert_eq!(&r[col("mr_vmax_cm_s")], "", "not measured");
    let r = &rows[1];
    assert_eq!(&r[col("mr_grade")], "moderate_to_severe");
    assert_eq!(&r[col("visit_months")], "6");
    assert_eq!(&r[col("protocol_id")], "cs_annuloplasty_rct");
    assert!(!r[col("eligibility")].is_empty());
    // The raw text quotes the name as RFC 4180 requires.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"Reader, \"\"Ada\"\" Ünal\""));
}

#[test]
fn long_csv_has_one_row_per_value() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let out = dir.path().join("long.csv");
    run(
        &inputs,
        ExportFormat::Csv,
        &ExportOptions {
            long: true,
            ..ExportOptions::default()
        },
        &out,
    );
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        LONG_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let find = |report: &str, param: &str| {
        rows.iter()
            .find(|r| &r[0] == report && &r[9] == param)
            .unwrap_or_else(|| panic!("no row {report}/{param}"))
    };
    let eroa = find("base", "mr_eroa");
    assert_eq!((&eroa[8], &eroa[11], &eroa[12]), ("value", "0.45", "cm2"));
    assert_eq!(&find("base", "mr_grade")[11], "severe");
    assert_eq!(&find("fu6", "mr_rvol")[11], "45");
    assert_eq!(&find("base", "mr_etiology")[8], "finding");
    assert_eq!(&find("fu6", "eligibility")[8], "eligibility");
    // One row per value: no (report, parameter) pair twice.
    let mut keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[0].to_owned(), r[9].to_owned()))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn json_export_as_is_bundle_and_deidentified() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let one = dir.path().join("one.json");
    run(
        &inputs[..1],
        ExportFormat::Json,
        &ExportOptions::default(),
        &one,
    );
    assert_eq!(
        std::fs::read(&one).unwrap(),
        inputs[0].bytes,
        "single report copied as-is"
    );
    assert!(load_signed(&one).is_ok(), "the copy still verifies");

    let bundle = dir.path().join("bundle.json");
    run(
        &inputs,
        ExportFormat::Json,
        &ExportOptions::default(),
        &bundle,
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(v["format"], "echolab-report-bundle-v1");
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    for r in reports {
        let report: echolab::report::ReadingReport = serde_json::from_value(r.clone()).unwrap();
        assert!(
            verify_report(&report).is_intact(),
            "bundled report verifies"
        );
    }

    let deid = dir.path().join("deid.json");
    run(
        &inputs,
        ExportFormat::Json,
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-9".to_owned()),
            ..ExportOptions::default()
        },
        &deid,
    );
    let text = std::fs::read_to_string(&deid).unwrap();
    assert!(!text.contains("SUBJ-001") && !text.contains("SUBJ-002"));
    assert!(!text.contains(SAMPLE_STUDY) && !text.contains(SAMPLE_SOP));
    assert!(
        !text.contains("patient name must not leak"),
        "comment removed"
    );
    assert!(text.contains("TRIAL-9-001") && text.contains("TRIAL-9-002"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["deidentified"], true);
    assert_eq!(
        v["reports"][0]["original_record_sha256"],
        echolab::signing::record_sha256(&inputs[0].report).unwrap()
    );

    // De-identified CSV: the subject column holds the pseudonym.
    let csv_out = dir.path().join("deid.csv");
    run(
        &inputs[..1],
        ExportFormat::Csv,
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-9".to_owned()),
            ..ExportOptions::default()
        },
        &csv_out,
    );
    let text = std::fs::read_to_string(&csv_out).unwrap();
    assert!(!text.contains("SUBJ-001") && text.contains("TRIAL-9"));
}

#[test]
fn unsigned_or_tampered_reports_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let report = signed_report(&Spec {
        values: BASELINE_VALUES,
        ..Spec::default()
    });
    let path = write(dir.path(), &report);
    let text = std::fs::read_to_string(&path).unwrap();
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, text.replacen("0.45", "0.35", 1)).unwrap();
    let err = load_signed(&tampered).unwrap_err().to_string();
    assert!(err.contains("tampered.json"), "{err}");
    let draft = echolab::report::ReadingReport::new_draft("d", "2026-01-01T00:00:00Z");
    let draft_path = write(dir.path(), &draft);
    assert!(load_signed(&draft_path).is_err());
}
