//! Golden cases: every directory under `tests/cases/` holds `input.json` (a grading input) and
//! `expected.json`:
//!
//! ```json
//! {
//!   "description": "…",
//!   "protocol": "ptma",                       // optional
//!   "derived": {"mr_eroa_pisa": "0.50"},      // 2-dp display of derived values
//!   "expect": {
//!     "<guideline id>": {
//!       "grade": "severe", "discordant": false, "basis": "…",
//!       "warning_codes": [],                  // exact set of warning codes
//!       "criteria": {"eroa_severe": "met"},   // status of named criteria
//!       "specific_signs": {"mild": 0, "severe": 2},
//!       "acc_aha_stage": "C/D", "esc_severe": true, "options": {"secondary_mr": true},
//!       "eligibility": "eligible"
//!     }
//!   }
//! }
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use echolab::grading::{GradeInput, grade};
use serde_json::Value;

fn check_case(dir: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let input: GradeInput =
        serde_json::from_str(&std::fs::read_to_string(dir.join("input.json")).expect("input.json"))
            .expect("input.json parses");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json parses");
    let protocol = expected.get("protocol").and_then(Value::as_str);
    let guidelines = expected["expect"].as_object().expect("expect object");
    assert!(!guidelines.is_empty(), "{name}: nothing expected");
    for (gid, exp) in guidelines {
        let report = match grade(&input, gid, protocol) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}/{gid}: error {e}"));
                continue;
            }
        };
        let got = serde_json::to_value(&report).expect("report serializes");
        let mut fail = |what: String| failures.push(format!("{name}/{gid}: {what}"));
        for key in [
            "grade",
            "discordant",
            "basis",
            "acc_aha_stage",
            "esc_severe",
            "options",
            "specific_signs",
        ] {
            if let Some(want) = exp.get(key) {
                let have = got.get(key).cloned().unwrap_or(Value::Null);
                if &have != want {
                    fail(format!(
                        "{key}: expected {want}, got {have} ({})",
                        report.reason
                    ));
                }
            }
        }
        if let Some(want) = exp.get("warning_codes") {
            let want: BTreeSet<String> = want
                .as_array()
                .expect("warning_codes array")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let have: BTreeSet<String> = report.warnings.iter().map(|w| w.code.clone()).collect();
            if want != have {
                fail(format!(
                    "warnings: expected {want:?}, got {:?}",
                    report.warnings
                ));
            }
        }
        if let Some(want) = exp.get("criteria").and_then(Value::as_object) {
            for (cid, status) in want {
                let have = report
                    .criteria
                    .iter()
                    .find(|c| &c.id == cid)
                    .map(|c| serde_json::to_value(c.status).expect("status"));
                if have.as_ref() != Some(status) {
                    fail(format!("criterion {cid}: expected {status}, got {have:?}"));
                }
            }
        }
        if let Some(want) = exp.get("eligibility") {
            let have = report
                .eligibility
                .as_ref()
                .map(|e| serde_json::to_value(e.status).expect("status"));
            if have.as_ref() != Some(want) {
                fail(format!("eligibility: expected {want}, got {have:?}"));
            }
        }
        if let Some(want) = expected.get("derived").and_then(Value::as_object) {
            for (id, display) in want {
                let have = report.derived.get(id).map(|d| d.display.clone());
                if have.as_deref() != display.as_str() {
                    fail(format!("derived {id}: expected {display}, got {have:?}"));
                }
            }
        }
    }
    failures
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/cases")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("input.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 20,
        "expected the golden cases, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs.iter().flat_map(|d| check_case(d)).collect();
    assert!(
        failures.is_empty(),
        "golden case failures:\n{}",
        failures.join("\n")
    );
}
