//! Headless test of Review ▸ Reader agreement… (egui_kittest, no GPU), driving the real App: a
//! CSV of dual reads and re-reads → the table rows with the figures of the library, the
//! selected parameter's plots, a trial filter, and the table exported as CSV.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod gui_support;

use echolab::agreement::{Entry, Filter, analyse, observations_from_csv};
use egui_kittest::kittest::Queryable as _;
use gui_support::{app_harness, type_into};

/// 12 subjects read by a and b; subjects 0–3 re-read by a. Trial T1 for subjects 0–7, T2 after.
fn csv_text() -> String {
    let mut s = String::from("subject,visit,reader,read,parameter,value,trial\n");
    for i in 0..12 {
        let truth = 0.2 + 0.05 * i as f64;
        let wobble = if i % 2 == 0 { 0.01 } else { -0.015 };
        let trial = if i < 8 { "T1" } else { "T2" };
        s.push_str(&format!("S{i},baseline,a,1,mr_eroa,{:.3},{trial}\n", truth));
        s.push_str(&format!(
            "S{i},baseline,b,1,mr_eroa,{:.3},{trial}\n",
            truth + 0.02 + wobble
        ));
        let g = ["mild", "mild_to_moderate", "moderate_to_severe", "severe"][i % 4];
        s.push_str(&format!("S{i},baseline,a,1,mr_grade,{g},{trial}\n"));
        s.push_str(&format!("S{i},baseline,b,1,mr_grade,{g},{trial}\n"));
        if i < 4 {
            s.push_str(&format!(
                "S{i},baseline,a,2,mr_eroa,{:.3},{trial}\n",
                truth - wobble
            ));
        }
    }
    s
}

#[test]
fn agreement_window_loads_csv_plots_filters_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("reads.csv");
    std::fs::write(&csv, csv_text()).unwrap();
    let expected = analyse(
        &observations_from_csv(csv_text().as_bytes()).unwrap(),
        None,
        &Filter::default(),
    );
    let Entry::Continuous(eroa) = &expected.inter_reader[0] else {
        panic!("EROA first");
    };
    let icc_text = format!("{:.3}", eroa.icc_2_1.unwrap().value);

    let mut h = app_harness(dir.path(), [1400.0, 1000.0], None);
    h.get_by_label("Review").click();
    h.run_ok();
    h.get_by_label("Reader agreement…").click();
    h.run_ok();
    assert!(h.query_by_label("No reads loaded.").is_some());
    type_into(&mut h, "CSV file", csv.to_str().unwrap());
    h.get_by_label("Load CSV").click();
    h.run_ok();
    // Table: the EROA rows (inter and intra) and the grade row, with the library's ICC.
    assert!(h.query_by_label("No reads loaded.").is_none());
    assert!(h.query_all_by_label("mr_eroa (cm²)").count() == 2);
    assert!(h.query_by_label_contains(&icc_text).is_some(), "{icc_text}");
    assert!(h.query_by_label_contains("100.0 % agree").is_some());
    // The first continuous parameter is plotted.
    assert!(h.query_by_label("mr_eroa — inter").is_some());
    assert!(h.state().agreement.plots_rect.is_some());
    // Select the intra-reader row: its plots replace the inter-reader ones.
    h.query_all_by_label("mr_eroa (cm²)")
        .nth(1)
        .unwrap()
        .click();
    h.run_ok();
    assert!(h.query_by_label("mr_eroa — intra").is_some());

    // Filter by trial: T2 has subjects 8–11 only, no re-reads.
    h.state_mut()
        .agreement
        .request(echolab::gui::agreement::AgreementCommand::SetTrial(Some(
            "T2".to_owned(),
        )));
    h.run_ok();
    let report = h.state().agreement.report.clone().unwrap();
    let Entry::Continuous(t2) = &report.inter_reader[0] else {
        panic!("EROA first");
    };
    assert_eq!(t2.n, 4);
    assert!(report.intra_reader.is_empty());

    // Export the table.
    let out = dir.path().join("table.csv");
    type_into(&mut h, "Table CSV", out.to_str().unwrap());
    h.get_by_label("Export table").click();
    h.run_ok();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("scope,parameter,unit,n,raters,missing"));
    assert!(text.contains("inter,mr_eroa,cm2,4,2,0,"), "{text}");
}
