//! Valid and plausible ranges from the catalog: impossible values are refused (library and
//! `echolab grade`, exit 2 with one line naming the id, the value and the bound), implausible
//! ones are graded with a warning that reaches the report and the read sheet.

use std::process::{Command, Output};

use echolab::catalog::Catalog;
use echolab::grading::{GradeError, GradeInput, InputValue, grade};
use echolab::measure::Dimension;

fn echolab_grade(json: &str) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("input.json");
    std::fs::write(&path, json).expect("write input");
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .arg("grade")
        .arg(&path)
        .output()
        .expect("runs echolab")
}

fn one_value(id: &str, value: f64, unit: &str) -> GradeInput {
    let mut i = GradeInput::default();
    i.values.insert(
        id.to_owned(),
        InputValue {
            value,
            unit: unit.to_owned(),
            sources: Vec::new(),
        },
    );
    i
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    text
}

#[test]
fn every_numeric_catalog_entry_has_valid_and_plausible_ranges() {
    let catalog = Catalog::builtin();
    for e in catalog.entries().iter().filter(|e| !e.is_finding()) {
        let (Some(valid), Some(plausible)) = (e.valid, e.plausible) else {
            panic!("{} has no ranges", e.id);
        };
        assert!(
            valid[0] <= plausible[0] && plausible[1] <= valid[1],
            "{}",
            e.id
        );
        let dim = e.unit.map(|u| u.dimension());
        if matches!(
            dim,
            Some(Dimension::Length | Dimension::Area | Dimension::Volume | Dimension::Time)
        ) || e.magnitude
        {
            assert_eq!(valid[0], 0.0, "{}: never negative", e.id);
        }
        if e.unit.map(|u| u.symbol()) == Some("%") {
            assert_eq!(valid, [0.0, 100.0], "{}: a percentage", e.id);
        }
    }
    for id in ["mr_vmax", "mv_e_velocity", "mr_alias_velocity"] {
        assert!(
            catalog.get(id).is_some_and(|e| e.magnitude),
            "{id} is a magnitude"
        );
    }
}

#[test]
fn negative_eroa_is_refused_by_the_cli_naming_id_value_and_bound() {
    let out = echolab_grade(r#"{"values": {"mr_eroa": {"value": -0.3, "unit": "cm2"}}}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing graded");
    let line = stderr_line(&out);
    for part in ["mr_eroa", "-0.3", "minimum 0"] {
        assert!(line.contains(part), "{part}: {line}");
    }
}

#[test]
fn impossible_values_are_refused_not_graded() {
    for (id, value, unit) in [
        ("mr_pisa_radius", -5.0, "cm"),
        ("mr_pisa_radius", -50.0, "mm"),
        ("mr_rf", 120.0, "%"),
        ("lv_ef", -1.0, "%"),
        ("mr_vti", -10.0, "cm"),
        ("mr_vmax", -400.0, "cm/s"),
        ("la_area", -3.0, "cm2"),
        ("lv_edv", -120.0, "ml"),
        ("mr_pisa_angle", 400.0, "deg"),
    ] {
        match grade(&one_value(id, value, unit), "ase2017", None) {
            Err(GradeError::OutOfValidRange { id: got, .. }) => assert_eq!(got, id),
            other => panic!("{id} = {value} {unit}: {other:?}"),
        }
    }
}

#[test]
fn implausible_values_are_graded_with_a_warning_on_the_read_sheet() {
    let r = grade(&one_value("mr_eroa", 3.0, "cm2"), "ase2017", None).expect("grades");
    let w = r
        .warnings
        .iter()
        .find(|w| w.code == "out_of_range")
        .expect("warning");
    assert!(
        w.message.contains("mr_eroa") && w.message.contains("plausible"),
        "{w:?}"
    );
    let section = echolab::report::GradeSection {
        guideline_id: "ase2017".to_owned(),
        protocol_id: None,
        result: r,
    };
    let lines = echolab::report::draft::grade_summary_lines(&section);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("warning:") && l.contains("mr_eroa")),
        "{lines:?}"
    );
}

#[test]
fn implausible_derived_values_are_flagged() {
    // Valid inputs whose EROA (r 2 cm, Va 100 cm/s, Vmax 100 cm/s → 25 cm²) no heart has.
    let mut i = one_value("mr_pisa_radius", 2.0, "cm");
    for (id, v, u) in [
        ("mr_alias_velocity", 100.0, "cm/s"),
        ("mr_vmax", 100.0, "cm/s"),
    ] {
        i.values.insert(
            id.to_owned(),
            InputValue {
                value: v,
                unit: u.to_owned(),
                sources: Vec::new(),
            },
        );
    }
    let r = grade(&i, "ase2017", None).expect("grades");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.code == "out_of_range" && w.message.contains("mr_eroa_pisa")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn non_finite_and_out_of_range_json_numbers_are_refused_by_name() {
    for (text, name) in [
        (
            r#"{"values": {"mr_eroa": {"value": NaN, "unit": "cm2"}}}"#,
            "NaN",
        ),
        (
            r#"{"values": {"mr_eroa": {"value": Infinity, "unit": "cm2"}}}"#,
            "Infinity",
        ),
        (
            r#"{"values": {"mr_eroa": {"value": -Infinity, "unit": "cm2"}}}"#,
            "-Infinity",
        ),
        (
            r#"{"values": {"mr_eroa": {"value": 1e999, "unit": "cm2"}}}"#,
            "f64 range",
        ),
    ] {
        let out = echolab_grade(text);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let line = stderr_line(&out);
        assert!(line.contains(name), "{text}: {line}");
        assert!(line.contains("values.mr_eroa.value"), "{text}: {line}");
    }
}

#[test]
fn duplicate_keys_in_grading_input_are_an_error_naming_the_key() {
    let out = echolab_grade(
        r#"{"values": {"mr_eroa": {"value": 0.5, "unit": "cm2"}, "mr_eroa": {"value": 0.1, "unit": "cm2"}}}"#,
    );
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(line.contains("duplicate key `mr_eroa`"), "{line}");
}

#[test]
fn a_byte_order_mark_is_accepted_in_grading_input() {
    let out =
        echolab_grade("\u{FEFF}{\"values\": {\"mr_eroa\": {\"value\": 0.5, \"unit\": \"cm2\"}}}");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("MR grade: Severe"));
}

#[test]
fn error_messages_quote_at_most_80_characters_of_input() {
    let long = "q".repeat(5000);
    for text in [
        format!(r#"{{"values": {{"{long}": {{"value": 1, "unit": "cm"}}}}}}"#),
        format!(r#"{{"values": {{"mr_eroa": {{"value": 1, "unit": "{long}"}}}}}}"#),
        format!(r#"{{"findings": {{"mr_etiology": "{long}"}}}}"#),
        format!(r#"{{"values": {{"mr_eroa": {{"value": "{long}", "unit": "cm2"}}}}}}"#),
    ] {
        let out = echolab_grade(&text);
        assert_eq!(out.status.code(), Some(2));
        let line = stderr_line(&out);
        assert!(line.contains(&"q".repeat(80)), "{line}");
        assert!(!line.contains(&"q".repeat(81)), "{}", line.len());
    }
}

#[test]
fn a_signed_doppler_value_is_graded_as_its_magnitude_with_its_direction_kept() {
    use echolab::measure::{
        DrawKind, FlowDirection, Measurement, MeasurementSet, geometry::doppler_direction,
    };
    // An MR jet below the baseline (away from the transducer), sampled in cm/s.
    let points = vec![[0.10, -120.0], [0.20, -480.0], [0.30, -200.0]];
    assert_eq!(doppler_direction(&points), Some(FlowDirection::Away));
    assert_eq!(
        doppler_direction(&[[0.0, 90.0]]),
        Some(FlowDirection::Toward)
    );
    let mut set = MeasurementSet::new();
    set.upsert(Measurement {
        uid: "m1".to_owned(),
        catalog_id: "mr_vmax".to_owned(),
        kind: DrawKind::DopplerPoint,
        frame: Some(0),
        points_px: vec![[10.0, 200.0]],
        points_phys: vec![[0.20, -480.0]],
        region_index: Some(0),
        value: None,
        source_file: None,
        direction: doppler_direction(&[[0.20, -480.0]]),
    });
    let input = echolab::grading::grade_input_from_measurements(&set).expect("input");
    assert_eq!(input.values["mr_vmax"].value, 480.0);
    assert!(echolab::grading::invalid_measurements(&set).is_empty());
    // A typed negative velocity cannot exist: excluded from grading and reported.
    set.upsert(Measurement::manual(
        "manual:mv_e_velocity",
        "mv_e_velocity",
        echolab::measure::Quantity::new(-90.0, echolab::measure::Unit::CmPerS),
    ));
    let invalid = echolab::grading::invalid_measurements(&set);
    assert!(
        invalid["manual:mv_e_velocity"].contains("minimum 0"),
        "{invalid:?}"
    );
    let input = echolab::grading::grade_input_from_measurements(&set).expect("input");
    assert!(!input.values.contains_key("mv_e_velocity"));
}
