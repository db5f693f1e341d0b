//! `echolab grade` end to end: JSON output, readable table, protocol, extra rule files, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn echolab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .output()
        .expect("runs echolab")
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name)
        .join("input.json")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn grade_json_for_case_1() {
    let input = case("ex1_primary_severe_pisa");
    let out = echolab(&["grade", path_str(&input), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["grade"], "severe");
    assert_eq!(v["discordant"], false);
    assert_eq!(v["guideline"]["id"], "ase2017");
    assert_eq!(v["guideline"]["version"], "ASE2017-MR-v1-unverified");
    assert_eq!(v["derived"]["mr_eroa_pisa"]["display"], "0.50");
    assert_eq!(v["derived"]["mr_rvol_pisa"]["display"], "75.40");
    assert_eq!(v["derived"]["mr_rf"]["display"], "54.55");
    assert_eq!(v["derived"]["mr_eroa_pisa"]["unit"], "cm2");
    let value = v["derived"]["mr_eroa_pisa"]["value"]
        .as_f64()
        .expect("value");
    assert!(
        (value - 0.502_654_824_574_366_9).abs() < 1e-15,
        "full precision: {value}"
    );
    assert!(v["criteria"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(v.get("eligibility").is_none());
}

#[test]
fn grade_with_guideline_and_protocol() {
    let input = case("ex5_secondary_elliptical_low_flow");
    let out = echolab(&[
        "grade",
        path_str(&input),
        "--guideline",
        "esc_2021",
        "--protocol",
        "ptma",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["grade"], "severe");
    assert_eq!(v["esc_severe"], true);
    assert_eq!(v["eligibility"]["status"], "incomplete");
    assert!(
        v["eligibility"]["criteria"]
            .as_array()
            .is_some_and(|c| c.len() >= 4)
    );
}

#[test]
fn readable_table_without_json() {
    let input = case("ex3_exact_lower_thresholds");
    let out = echolab(&["grade", path_str(&input), "--guideline", "acc_aha_2020"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("MR grade: Moderate (mild-to-moderate, grade II)"),
        "{text}"
    );
    assert!(text.contains("ACC/AHA stage hint: B"), "{text}");
    assert!(text.contains("eroa_mild_to_moderate"), "{text}");
}

#[test]
fn guideline_from_a_toml_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/guidelines/ase2017.toml"),
    )
    .expect("ase2017.toml")
    .replace("id = \"ase2017\"", "id = \"lab_strict\"")
    .replace(
        "version = \"ASE2017-MR-v1-unverified\"",
        "version = \"LAB-v2\"",
    )
    .replace(
        "threshold = 0.40\nunit = \"cm2\"",
        "threshold = 0.60\nunit = \"cm2\"",
    );
    let file = dir.path().join("lab_strict.toml");
    std::fs::write(&file, toml).expect("write");
    let input = dir.path().join("in.json");
    std::fs::write(
        &input,
        r#"{"values": {"mr_eroa": {"value": 0.5, "unit": "cm2"}}}"#,
    )
    .expect("write");
    let out = echolab(&[
        "grade",
        path_str(&input),
        "--guideline",
        path_str(&file),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["guideline"]["version"], "LAB-v2");
    assert_eq!(v["grade"], "moderate_to_severe");
    // Same file through --rules and its id.
    let out = echolab(&[
        "grade",
        path_str(&input),
        "--rules",
        path_str(dir.path()),
        "--guideline",
        "lab_strict",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn errors_exit_2_and_name_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (json, needle) in [
        (
            r#"{"values": {"mr_nonsense": {"value": 1, "unit": "cm"}}}"#,
            "mr_nonsense",
        ),
        (
            r#"{"values": {"mr_vc_width": {"value": 1, "unit": "inch"}}}"#,
            "inch",
        ),
        (r#"{"findings": {"mr_etiology": "alien"}}"#, "alien"),
        (r#"{"values": "#, "in.json"),
    ] {
        let input = dir.path().join("in.json");
        std::fs::write(&input, json).expect("write");
        let out = echolab(&["grade", path_str(&input), "--json"]);
        assert_eq!(out.status.code(), Some(2), "{json}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:") && err.contains(needle), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one-line error: {err}");
    }
    let input = case("ex1_primary_severe_pisa");
    let out = echolab(&["grade", path_str(&input), "--guideline", "who_knows"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("who_knows"));
    let out = echolab(&["grade", "/nonexistent/x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.json"));
}
