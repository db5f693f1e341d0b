//! Headless tests of the read-sheet export window (egui_kittest, no GPU): signed reports are
//! added by path, exported to CSV through the window (progress runs on the background thread),
//! and the CSV parses with one row per read; a tampered report stops the batch with a message
//! naming the file and nothing is written; a PDF batch can be cancelled.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (COMMON.md)

mod export_support;
mod gui_support;

use std::path::Path;
use std::time::{Duration, Instant};

use echolab::gui::App;
use echolab::gui::export::{ExportCommand, FormatChoice, Outcome};
use echolab::report::Visit;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use export_support::*;
use gui_support::{app_harness, type_into};

fn harness(dir: &Path) -> Harness<'static, App> {
    app_harness(dir, [1280.0, 800.0], None)
}

/// Two signed reports of two subjects in `dir/reports`.
fn write_reports(dir: &Path) -> std::path::PathBuf {
    let reports = dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    for (id, subject, visit, values) in [
        ("base", "SUBJ-001", Visit::Baseline, BASELINE_VALUES),
        ("fu6", "SUBJ-002", Visit::Month6, FOLLOWUP_VALUES),
    ] {
        let r = signed_report(&Spec {
            id,
            subject: Some(subject),
            visit: Some(visit),
            values,
            ..Spec::default()
        });
        write(&reports, &r);
    }
    reports
}

/// Steps the app until the export job has finished.
fn wait_for_export(h: &mut Harness<'_, App>) {
    let start = Instant::now();
    while h.state().export.busy() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "export never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_ok();
}

#[test]
fn csv_export_through_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let reports = write_reports(dir.path());
    let mut h = harness(dir.path());

    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label("Export read sheets…").click();
    h.run_ok();
    assert!(h.state().export.open);

    // A folder adds every reading report in it.
    type_into(&mut h, "Add a path", &reports.display().to_string());
    h.get_by_label("Add").click();
    h.run_ok();
    assert_eq!(h.state().export.form.files.len(), 2);
    h.get_by_label("2 report file(s)");
    // The output defaults to read_sheets.csv beside the reports.
    let out = reports.join("read_sheets.csv");
    assert_eq!(h.state().export.form.out_text, out.display().to_string());
    // Switching to PDF makes the default a folder; switching back restores the CSV file.
    let ctx = h.ctx.clone();
    h.state_mut().export.form.format = FormatChoice::Pdf;
    h.state_mut()
        .apply_export(&ctx, ExportCommand::FormatChanged(FormatChoice::CsvWide));
    let folder = reports.join("read_sheets");
    assert_eq!(h.state().export.form.out_text, folder.display().to_string());
    h.state_mut().export.form.format = FormatChoice::CsvWide;
    h.state_mut()
        .apply_export(&ctx, ExportCommand::FormatChanged(FormatChoice::Pdf));
    assert_eq!(h.state().export.form.out_text, out.display().to_string());

    // Only signers certified by the lab are exported: its public key file is given.
    let lab = write_lab_key(dir.path());
    type_into(&mut h, "Lab key file", &lab.display().to_string());
    h.get_by_label("Export").click();
    h.run_ok();
    wait_for_export(&mut h);
    match &h.state().export.outcome {
        Some(Outcome::Done(s)) => assert_eq!(s.files, vec![out.clone()]),
        other => panic!("export did not finish: {other:?}"),
    }
    h.get_by_label("Wrote 1 file(s)");

    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert!(headers.iter().any(|c| c == "subject_id"), "{headers:?}");
    let subject = headers.iter().position(|c| c == "subject_id").unwrap();
    let rows: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "one row per signed read");
    let subjects: Vec<&str> = rows.iter().map(|r| &r[subject]).collect();
    assert_eq!(subjects, ["SUBJ-001", "SUBJ-002"]);
}

#[test]
fn deidentified_export_needs_a_trial_id_and_replaces_the_subject() {
    let dir = tempfile::tempdir().unwrap();
    let reports = write_reports(dir.path());
    let mut h = harness(dir.path());
    let out = dir.path().join("deid.csv");
    {
        let app = h.state_mut();
        app.export.open = true;
        app.export.form.files = vec![reports.join("base.json")];
        app.export.form.lab_key_text = write_lab_key(dir.path()).display().to_string();
        app.export.form.out_text = out.display().to_string();
        app.export.form.deidentify = true;
    }
    h.run_ok();
    h.get_by_label("Export").click();
    h.run_ok();
    h.get_by_label("de-identification needs the trial id");
    assert!(!out.exists());

    type_into(&mut h, "Trial id", "TRIAL-7");
    h.get_by_label("Export").click();
    h.run_ok();
    wait_for_export(&mut h);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("TRIAL-7"), "{text}");
    assert!(!text.contains("SUBJ-001"), "subject id leaked: {text}");
}

#[test]
fn a_tampered_report_stops_the_batch_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let reports = write_reports(dir.path());
    let bad = reports.join("fu6.json");
    let text = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, text.replacen("SUBJ-002", "SUBJ-003", 1)).unwrap();
    let out = dir.path().join("out.csv");
    let mut h = harness(dir.path());
    {
        let app = h.state_mut();
        app.export.open = true;
        app.export.form.files = vec![reports.join("base.json"), bad.clone()];
        app.export.form.lab_key_text = write_lab_key(dir.path()).display().to_string();
        app.export.form.out_text = out.display().to_string();
    }
    h.run_ok();
    h.get_by_label("Export").click();
    h.run_ok();
    wait_for_export(&mut h);
    match &h.state().export.outcome {
        Some(Outcome::Failed(e)) => {
            assert!(e.contains("fu6.json"), "{e}");
            assert!(e.contains("not an intact signed report"), "{e}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(
        !out.exists(),
        "nothing is written when a report does not verify"
    );
}

#[test]
fn a_pdf_batch_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("many");
    std::fs::create_dir_all(&reports).unwrap();
    let mut files = Vec::new();
    for i in 0..40 {
        let id = format!("r{i:02}");
        let r = signed_report(&Spec {
            id: &id,
            values: BASELINE_VALUES,
            ..Spec::default()
        });
        files.push(write(&reports, &r));
    }
    let out = dir.path().join("sheets");
    let mut h = harness(dir.path());
    {
        let app = h.state_mut();
        app.export.open = true;
        app.export.form.files = files;
        app.export.form.lab_key_text = write_lab_key(dir.path()).display().to_string();
        app.export.form.format = FormatChoice::Pdf;
        app.export.form.out_text = out.display().to_string();
    }
    h.run_ok();
    h.get_by_label("Export").click();
    h.step();
    assert!(h.state().export.busy());
    let ctx = h.ctx.clone();
    h.state_mut().apply_export(&ctx, ExportCommand::Cancel);
    wait_for_export(&mut h);
    match &h.state().export.outcome {
        Some(Outcome::Failed(e)) => assert!(e.contains("cancelled"), "{e}"),
        // A very fast machine may finish first; then every sheet must be there.
        Some(Outcome::Done(s)) => assert_eq!(s.files.len(), 40),
        None => panic!("no outcome"),
    }
    let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert!(written <= 40);
}
