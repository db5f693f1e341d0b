//! The command line end to end: readers in a database, reports drafted and signed with
//! `echolab report`, then `compare`, `adjudicate check|decide|sign|verify` and `export`
//! (from files and from the database).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn echolab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .current_dir(dir)
        .env("ECHOLAB_DB", dir.join("lab.sqlite3"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = echolab(dir, args);
    assert!(
        out.status.success(),
        "echolab {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn add_reader(dir: &Path, id: &str, name: &str, role: &str) {
    ok(
        dir,
        &[
            "reader",
            "add",
            "--id",
            id,
            "--name",
            name,
            "--role",
            role,
            "--passphrase-file",
            "pass.txt",
            "--lab-passphrase-file",
            "lab.txt",
            "--kdf-memory-kib",
            "256",
            "--kdf-passes",
            "1",
        ],
    );
}

/// `server init`: the lab key sealed with lab.txt, its public key in lab-key.json.
fn init_lab(dir: &Path) {
    std::fs::write(dir.join("lab.txt"), "lab passphrase 123\n").unwrap();
    ok(
        dir,
        &[
            "server",
            "init",
            "--lab-name",
            "Test lab",
            "--passphrase-file",
            "lab.txt",
            "--kdf-memory-kib",
            "256",
            "--kdf-passes",
            "1",
        ],
    );
    assert!(dir.join("lab-key.json").is_file());
}

fn signed(dir: &Path, name: &str, reader: &str, visit: &str, input: &str) {
    std::fs::write(dir.join(format!("{name}.input.json")), input).unwrap();
    ok(
        dir,
        &[
            "report",
            "draft",
            "--from",
            &format!("{name}.input.json"),
            "--out",
            &format!("{name}.draft.json"),
            "--reader",
            reader,
            "--subject",
            "SUBJ-7",
            "--visit",
            visit,
        ],
    );
    ok(
        dir,
        &[
            "report",
            "sign",
            &format!("{name}.draft.json"),
            "--reader",
            reader,
            "--meaning",
            "authorship",
            "--passphrase-file",
            "pass.txt",
            "--out",
            &format!("{name}.json"),
        ],
    );
}

const SEVERE: &str = r#"{"values": {"mr_eroa": {"value": 0.45, "unit": "cm2"},
    "mr_rvol": {"value": 70, "unit": "ml"}, "mr_rf": {"value": 55, "unit": "%"}},
    "findings": {"mr_etiology": "secondary"}}"#;
const MODERATE: &str = r#"{"values": {"mr_eroa": {"value": 0.30, "unit": "cm2"},
    "mr_rvol": {"value": 45, "unit": "ml"}, "mr_rf": {"value": 40, "unit": "%"}},
    "findings": {"mr_etiology": "secondary"}}"#;

#[test]
fn command_line_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("pass.txt"), "correct horse battery\n").unwrap();
    init_lab(dir);
    add_reader(dir, "reader1", "Dr Ada Reader", "reader");
    add_reader(dir, "reader2", "Dr Bo Second", "reader");
    add_reader(dir, "adj1", "Dr Cy Adjudicator", "adjudicator");
    add_reader(dir, "admin1", "Dee Admin", "admin");
    signed(dir, "a", "reader1", "baseline", SEVERE);
    signed(dir, "b", "reader2", "baseline", MODERATE);
    signed(dir, "fu", "reader1", "6", MODERATE);

    // compare --json
    let v: serde_json::Value =
        serde_json::from_str(&ok(dir, &["compare", "a.json", "fu.json", "--json"])).unwrap();
    assert_eq!(
        v["grade"]["text"],
        "severe → moderate-to-severe, improved by one grade"
    );
    let eroa = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "mr_eroa")
        .unwrap();
    assert!((eroa["abs_change"].as_f64().unwrap() + 0.15).abs() < 1e-9);
    assert_eq!(v["followup"]["label"], "6 months");

    // adjudicate check: discordant → exit 1; concordant pair → exit 0.
    let out = echolab(dir, &["adjudicate", "check", "a.json", "b.json", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["discordant"], true);
    let eroa = d["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "eroa")
        .unwrap();
    assert_eq!(eroa["status"], "discordant");
    let same = echolab(dir, &["adjudicate", "check", "b.json", "fu.json"]);
    assert_eq!(same.status.code(), Some(0), "equal values are concordant");
    let out = echolab(
        dir,
        &[
            "adjudicate",
            "check",
            "b.json",
            "fu.json",
            "--protocol",
            "ptma",
            "--json",
        ],
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["discordant"], false, "{d}");
    assert_eq!(out.status.code(), Some(0));

    // decide → sign (adjudicator) → verify; a reader may not sign it.
    ok(
        dir,
        &[
            "adjudicate",
            "decide",
            "a.json",
            "b.json",
            "--choose",
            "b",
            "--reason",
            "B measured on axis",
            "--adjudicator",
            "adj1",
            "--out",
            "adj.draft.json",
        ],
    );
    let refused = echolab(
        dir,
        &[
            "adjudicate",
            "sign",
            "adj.draft.json",
            "--reader",
            "reader1",
            "--passphrase-file",
            "pass.txt",
            "--out",
            "adj.json",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    ok(
        dir,
        &[
            "adjudicate",
            "sign",
            "adj.draft.json",
            "--reader",
            "adj1",
            "--passphrase-file",
            "pass.txt",
            "--out",
            "adj.json",
        ],
    );
    let text = ok(dir, &["adjudicate", "verify", "adj.json"]);
    assert!(text.contains("signed by Dr Cy Adjudicator") && text.contains("adjudication"));
    // --report-out: the adjudicated result as a reading report signed "adjudication".
    let sign_with_report = |extra: &[&str]| {
        let mut args = vec![
            "adjudicate",
            "sign",
            "adj.draft.json",
            "--reader",
            "adj1",
            "--passphrase-file",
            "pass.txt",
            "--out",
            "adj2.json",
            "--report-out",
            "adjudicated.json",
        ];
        args.extend_from_slice(extra);
        echolab(dir, &args)
    };
    assert_eq!(
        sign_with_report(&[]).status.code(),
        Some(2),
        "needs both reads"
    );
    let swapped = sign_with_report(&["--read-a", "b.json", "--read-b", "a.json"]);
    assert_eq!(
        swapped.status.code(),
        Some(2),
        "the reads must be the record's"
    );
    assert!(!dir.join("adjudicated.json").exists());
    let out = sign_with_report(&["--read-a", "a.json", "--read-b", "b.json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(dir, &["report", "verify", "adjudicated.json"]);
    ok(dir, &["adjudicate", "verify", "adj2.json"]);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("adjudicated.json")).unwrap())
            .unwrap();
    assert_eq!(r["signature"]["meaning"], "adjudication");
    assert_eq!(r["reader_id"], "adj1");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("b.json")).unwrap()).unwrap();
    assert_eq!(r["derived"], b["derived"], "read B was chosen");
    let tampered = std::fs::read_to_string(dir.join("adj.json"))
        .unwrap()
        .replace("B measured on axis", "A measured on axis");
    std::fs::write(dir.join("adj.bad.json"), tampered).unwrap();
    assert_eq!(
        echolab(dir, &["adjudicate", "verify", "adj.bad.json"])
            .status
            .code(),
        Some(1)
    );

    // export from files, and from the database (admin sees visits).
    ok(
        dir,
        &[
            "export",
            "--format",
            "csv",
            "a.json",
            "b.json",
            "fu.json",
            "--lab-key",
            "lab-key.json",
            "--out",
            "reads.csv",
        ],
    );
    let csv = std::fs::read_to_string(dir.join("reads.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    let out = echolab(
        dir,
        &[
            "export",
            "--format",
            "csv",
            "a.draft.json",
            "--lab-key",
            "lab-key.json",
            "--out",
            "x.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.draft.json"));
    ok(
        dir,
        &[
            "export",
            "--format",
            "csv",
            "--db",
            "lab.sqlite3",
            "--reader",
            "admin1",
            "--passphrase-file",
            "pass.txt",
            "--visit",
            "baseline",
            "--out",
            "baseline.csv",
        ],
    );
    let csv = std::fs::read_to_string(dir.join("baseline.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    ok(
        dir,
        &[
            "export",
            "--format",
            "sr",
            "--db",
            "lab.sqlite3",
            "--reader",
            "admin1",
            "--passphrase-file",
            "pass.txt",
            "--subject",
            "SUBJ-7",
            "--out",
            "srs",
        ],
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("srs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    // One file per read, named by subject and visit so the folder sorts like the trial.
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("SUBJ-7_") && n.ends_with("_v1.dcm")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("SUBJ-7_baseline_")),
        "{names:?}"
    );
}
