//! `compare` on two signed sample reports: deltas, % change and grade change.
#![allow(clippy::unwrap_used)]

mod export_support;

use echolab::compare::{GRADE_PARAMETER, GradeDirection, compare, subject_series, trial_series};
use echolab::grading::Grade;
use echolab::report::Visit;
use export_support::*;

fn pair() -> (
    echolab::report::ReadingReport,
    echolab::report::ReadingReport,
) {
    let b = signed_report(&Spec {
        id: "base",
        values: BASELINE_VALUES,
        ..Spec::default()
    });
    let f = signed_report(&Spec {
        id: "fu6",
        visit: Some(Visit::Month6),
        values: FOLLOWUP_VALUES,
        ..Spec::default()
    });
    (b, f)
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("value present");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn delta_table_has_expected_changes() {
    let (b, f) = pair();
    let t = compare(&b, &f);
    println!("{}", serde_json::to_string_pretty(&t).unwrap());
    let eroa = t.row("mr_eroa").unwrap();
    close(eroa.baseline, 0.45);
    close(eroa.followup, 0.30);
    close(eroa.abs_change, -0.15);
    close(eroa.pct_change, -100.0 / 3.0);
    assert_eq!(eroa.display[2], "-0.15");
    assert_eq!(eroa.display[3], "-33.33");
    assert_eq!(eroa.unit, "cm2");
    let rvol = t.row("mr_rvol").unwrap();
    close(rvol.abs_change, -25.0);
    close(rvol.pct_change, -25.0 / 70.0 * 100.0);
    close(t.row("mr_rf").unwrap().abs_change, -15.0);
    close(t.row("mr_vc_width").unwrap().abs_change, -0.2);
    // Jet/LA from the engine: 10/25 = 40 % → 6/24 = 25 %.
    close(t.row("mr_jet_la_ratio").unwrap().baseline, 40.0);
    close(t.row("mr_jet_la_ratio").unwrap().abs_change, -15.0);
    close(t.row("ma_diameter").unwrap().abs_change, -0.4);
    close(t.row("lv_edv").unwrap().abs_change, -20.0);
    close(t.row("lv_esv").unwrap().abs_change, -20.0);
    // LVEF from the volumes: (180-110)/180 = 38.89 % → (160-90)/160 = 43.75 %.
    close(t.row("lv_ef").unwrap().baseline, 70.0 / 180.0 * 100.0);
    close(t.row("lv_ef").unwrap().followup, 70.0 / 160.0 * 100.0);
    assert_eq!(t.rows.len(), 9);

    assert_eq!(t.grade.baseline, Some(Grade::Severe));
    assert_eq!(t.grade.followup, Some(Grade::ModerateToSevere));
    assert_eq!(t.grade.direction, GradeDirection::Improved);
    assert_eq!(t.grade.steps, Some(-1));
    assert_eq!(
        t.grade.text,
        "severe → moderate-to-severe, improved by one grade"
    );
    assert_eq!(t.baseline.label, "screening/baseline");
    assert_eq!(t.followup.label, "6 months");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);

    // Reversed order: worsened, and a warning that the visits are out of order.
    let r = compare(&f, &b);
    assert_eq!(r.grade.direction, GradeDirection::Worsened);
    assert!(r.warnings.iter().any(|w| w.contains("not after")));
}

#[test]
fn series_across_visits_and_subjects() {
    let (b, f) = pair();
    let other = signed_report(&Spec {
        id: "other",
        subject: Some("SUBJ-002"),
        values: FOLLOWUP_VALUES,
        ..Spec::default()
    });
    let reports = vec![f.clone(), b.clone(), other];
    let s = subject_series(&reports, "SUBJ-001", "mr_eroa");
    let months: Vec<Option<u32>> = s.points.iter().map(|p| p.months).collect();
    assert_eq!(months, [Some(0), Some(6)]);
    assert!((s.points[0].value - 0.45).abs() < 1e-12);
    assert_eq!(s.unit, "cm2");
    let g = subject_series(&reports, "SUBJ-001", GRADE_PARAMETER);
    assert_eq!(
        g.points.iter().map(|p| p.value).collect::<Vec<_>>(),
        [3.0, 2.0]
    );
    let all = trial_series(&reports, "mr_rvol");
    assert_eq!(all.len(), 2);
    assert_eq!(all["SUBJ-002"].points.len(), 1);
}
