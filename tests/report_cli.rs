//! The `echolab` command line: reader add, report draft / sign / verify / amend / show,
//! db import, assign, audit verify / show, with exit codes.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use std::path::Path;
use std::process::{Command, Output};

fn echolab(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .env("ECHOLAB_DB", db)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const INPUT: &str = r#"{"values": {"mr_eroa": {"value": 0.45, "unit": "cm2"},
    "mr_rvol": {"value": 70, "unit": "ml"}, "mr_vc_width": {"value": 0.75, "unit": "cm"}},
    "findings": {"mr_etiology": "primary"}}"#;

#[test]
fn draft_sign_verify_amend_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("db.sqlite3");
    let p = |name: &str| d.join(name).to_string_lossy().into_owned();
    std::fs::write(d.join("pass"), "correct horse battery\n").unwrap();
    std::fs::write(d.join("wrong"), "correct horse battery!\n").unwrap();
    std::fs::write(d.join("input.json"), INPUT).unwrap();
    let fast = ["--kdf-memory-kib", "256", "--kdf-passes", "1"];

    std::fs::write(d.join("lab"), "lab passphrase 123\n").unwrap();
    let lab = p("lab");
    let mut init = vec![
        "server",
        "init",
        "--lab-name",
        "Test lab",
        "--passphrase-file",
        &lab,
    ];
    init.extend(fast);
    ok(&echolab(&db, &init));
    // The lab key is created once.
    assert_eq!(echolab(&db, &init).status.code(), Some(2));
    let mut add = vec![
        "reader", "add", "--id", "r1", "--name", "Rita One", "--role", "reader",
    ];
    let pass = p("pass");
    add.extend(["--passphrase-file", &pass, "--lab-passphrase-file", &lab]);
    add.extend(fast);
    ok(&echolab(&db, &add));
    // Same id twice is refused.
    assert_eq!(echolab(&db, &add).status.code(), Some(2));

    // Import and assign.
    let folder = store_fixture::write_studies(d);
    let out = ok(&echolab(&db, &["db", "import", &folder.to_string_lossy()]));
    assert!(out.contains(store_fixture::STUDY1), "{out}");
    assert!(out.contains("skipped"), "{out}");
    ok(&echolab(
        &db,
        &["assign", "--study", store_fixture::STUDY1, "--reader", "r1"],
    ));
    assert_eq!(
        echolab(&db, &["assign", "--study", "9.9.9", "--reader", "r1"])
            .status
            .code(),
        Some(2)
    );

    let out = ok(&echolab(
        &db,
        &[
            "report",
            "draft",
            "--from",
            &p("input.json"),
            "--out",
            &p("draft.json"),
            "--reader",
            "r1",
            "--study",
            store_fixture::STUDY1,
            "--protocol",
            "ptma",
        ],
    ));
    assert!(out.contains("grade severe"), "{out}");
    let draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("draft.json")).unwrap()).unwrap();
    assert_eq!(draft["study"]["images"].as_array().unwrap().len(), 2);
    assert!(draft["grade"]["result"]["eligibility"].is_object());

    // Wrong passphrase: no signed file.
    let out = echolab(
        &db,
        &[
            "report",
            "sign",
            &p("draft.json"),
            "--reader",
            "r1",
            "--meaning",
            "authorship",
            "--passphrase-file",
            &p("wrong"),
            "--out",
            &p("signed.json"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    assert!(!d.join("signed.json").exists());

    let out = ok(&echolab(
        &db,
        &[
            "report",
            "sign",
            &p("draft.json"),
            "--reader",
            "r1",
            "--meaning",
            "authorship",
            "--passphrase-file",
            &pass,
            "--out",
            &p("signed.json"),
        ],
    ));
    assert!(
        out.contains("Electronically signed by Rita One (r1)"),
        "{out}"
    );
    let out = ok(&echolab(&db, &["report", "verify", &p("signed.json")]));
    assert!(out.starts_with("INTACT"), "{out}");
    assert!(out.contains("matches the key registered for r1"), "{out}");
    assert!(out.contains("meaning:  authorship"), "{out}");

    // Without a database the lab key file vouches for the signer (and revocations are not
    // checked, which is said); with neither, nobody does.
    let no_db = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_echolab"))
            .args(["report", "verify", &p("signed.json")])
            .args(extra)
            .env("ECHOLAB_DB", "")
            .env("HOME", d.join("no-home"))
            .env("XDG_DATA_HOME", d.join("no-data"))
            .output()
            .unwrap()
    };
    let text = ok(&no_db(&["--lab-key", &p("lab-key.json")]));
    assert!(text.contains("embedded public key only"), "{text}");
    assert!(text.contains("revocations"), "{text}");
    let out = no_db(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("signer not certified by this lab"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // One changed byte: exit 1 with the reason.
    let mut bytes = std::fs::read(d.join("signed.json")).unwrap();
    let at = String::from_utf8_lossy(&bytes).find("0.75").unwrap() + 3;
    bytes[at] = b'6';
    std::fs::write(d.join("tampered.json"), &bytes).unwrap();
    let out = echolab(&db, &["report", "verify", &p("tampered.json")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("NOT INTACT"), "{text}");
    assert!(text.contains("signature does not verify"), "{text}");
    assert_eq!(
        echolab(&db, &["report", "verify", &p("missing.json")])
            .status
            .code(),
        Some(1)
    );

    // Amend: new content, signed again; the old version stays verifiable and is marked.
    let mut edited = draft.clone();
    edited["comment"] = "re-measured VC".into();
    std::fs::write(d.join("edit.json"), edited.to_string()).unwrap();
    ok(&echolab(
        &db,
        &[
            "report",
            "amend",
            &p("signed.json"),
            "--edit-from",
            &p("edit.json"),
            "--out",
            &p("amend.json"),
        ],
    ));
    ok(&echolab(
        &db,
        &[
            "report",
            "sign",
            &p("amend.json"),
            "--reader",
            "r1",
            "--meaning",
            "authorship",
            "--passphrase-file",
            &pass,
            "--out",
            &p("signed2.json"),
        ],
    ));
    let out = ok(&echolab(
        &db,
        &[
            "report",
            "verify",
            &p("signed2.json"),
            "--previous",
            &p("signed.json"),
        ],
    ));
    assert!(out.contains("version 2"), "{out}");
    let out = echolab(&db, &["report", "verify", &p("signed.json"), "--json"]);
    assert_eq!(out.status.code(), Some(3), "superseded versions exit 3");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], true);
    assert_eq!(v["status"], "intact_superseded");
    assert_eq!(v["database_status"], "superseded");
    assert_eq!(v["key_check"]["check"], "matches_registry");
    // Amending a tampered file is refused.
    assert_eq!(
        echolab(
            &db,
            &[
                "report",
                "amend",
                &p("tampered.json"),
                "--out",
                &p("x.json")
            ]
        )
        .status
        .code(),
        Some(2)
    );

    let out = ok(&echolab(&db, &["report", "show", &p("signed2.json")]));
    assert!(out.contains("Amends version 1"), "{out}");
    assert!(out.contains("Signature: intact"), "{out}");

    // Audit: intact, then a history, then tampering makes `audit verify` exit 1.
    let out = ok(&echolab(&db, &["audit", "verify"]));
    assert!(out.contains("audit chain intact"), "{out}");
    let id = v["report_id"].as_str().unwrap().to_owned();
    let out = ok(&echolab(&db, &["audit", "show", "--record", &id]));
    assert!(out.contains("signature"), "{out}");
    assert!(out.contains("re-measured VC"), "{out}");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'eve' WHERE seq = 2;",
    )
    .unwrap();
    drop(c);
    let out = echolab(&db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("first bad row 2"));
}
