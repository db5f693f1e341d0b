//! Signed reading reports: sign → verify, every one-byte change fails, wrong passphrase cannot
//! sign, amendments keep the superseded version readable and verifiable.

#![allow(clippy::unwrap_used)] // tests may unwrap (COMMON.md)

mod store_fixture;

use echolab::grading::GradeInput;
use echolab::report::draft::{GradingChoice, draft_from_grade_input};
use echolab::report::{
    MeasurementGeometry, ReadingReport, ReportStatus, SignatureMeaning, parse_report, render_report,
};
use echolab::signing::{
    KdfParams, SigningError, amendment_draft, generate_key, record_sha256, sign_report, unlock,
    verify_report, verify_report_bytes,
};
use echolab::store::{Credentials, StoreError};
use rayon::prelude::*;
use store_fixture::{PASS, STUDY1, creds, session, setup, t0};
use time::macros::datetime;

const INPUT: &str = r#"{
  "values": {
    "mr_pisa_radius": {"value": 1.00, "unit": "cm"},
    "mr_alias_velocity": {"value": 40, "unit": "cm/s"},
    "mr_vmax": {"value": 5.00, "unit": "m/s"},
    "mr_vti": {"value": 150, "unit": "cm"},
    "lvot_diameter": {"value": 2.00, "unit": "cm"},
    "lvot_vti": {"value": 20, "unit": "cm"},
    "mr_vc_width": {"value": 0.75, "unit": "cm"}
  },
  "findings": {"mr_etiology": "primary", "mv_morphology": "flail"}
}"#;

fn draft() -> ReadingReport {
    let input: GradeInput = serde_json::from_str(INPUT).unwrap();
    let mut r = draft_from_grade_input(
        &input,
        &GradingChoice {
            guideline_id: "ase2017".into(),
            protocol_id: Some("ptma".into()),
        },
        "0123456789abcdef0123456789abcdef",
        t0(),
    )
    .unwrap();
    r.reader_id = Some("r1".into());
    r.comment = "Eccentric jet — flail P2 «seen in A3C»".into();
    r.measurements[0].geometry = Some(MeasurementGeometry {
        sop_instance_uid: Some("1.2.3.1.1".into()),
        source_file: Some("a1.dcm".into()),
        frame: Some(12),
        points_px: vec![[101.5, 220.25], [160.0, 221.0]],
        points_phys: vec![[3.1, 4.2], [4.9, 4.22]],
        region: Some(0),
    });
    r
}

fn signed_file() -> (ReadingReport, Vec<u8>) {
    let (_, sealed) = generate_key("r1", PASS, KdfParams::insecure_fast_for_tests()).unwrap();
    let key = unlock("r1", &sealed, PASS).unwrap();
    let signed = sign_report(
        &draft(),
        "r1",
        "Rita One",
        &key,
        SignatureMeaning::Authorship,
        datetime!(2026-05-01 14:03:27.9 UTC),
    )
    .unwrap();
    let bytes = render_report(&signed).unwrap().into_bytes();
    (signed, bytes)
}

#[test]
fn sign_then_verify_reports_who_when_and_meaning() {
    let (signed, bytes) = signed_file();
    let v = verify_report_bytes(&bytes);
    assert!(v.is_intact(), "{:?}", v.problems);
    let b = v.signature.unwrap();
    assert_eq!(b.signer_id, "r1");
    assert_eq!(b.printed_name, "Rita One");
    assert_eq!(b.signed_at_utc, "2026-05-01T14:03:27Z");
    assert_eq!(b.meaning, SignatureMeaning::Authorship);
    assert_eq!(b.algorithm, "Ed25519");
    let parsed = v.report.unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.status, ReportStatus::Signed);
    // The grade, rule set and eligibility went into the signed record.
    let g = parsed.grade.as_ref().unwrap();
    assert_eq!(g.result.guideline.id, "ase2017");
    assert!(g.result.eligibility.is_some());
    assert!(!g.result.criteria.is_empty());
    // In-memory verification agrees; a signed report cannot be signed again.
    assert!(verify_report(&signed).is_intact());
    let (_, sealed) = generate_key("r1", PASS, KdfParams::insecure_fast_for_tests()).unwrap();
    let key = unlock("r1", &sealed, PASS).unwrap();
    assert!(matches!(
        sign_report(
            &signed,
            "r1",
            "Rita One",
            &key,
            SignatureMeaning::Review,
            t0()
        ),
        Err(SigningError::NotSignable(_))
    ));
}

#[test]
fn every_one_byte_change_fails_verification() {
    let (_, bytes) = signed_file();
    assert!(verify_report_bytes(&bytes).is_intact());
    let text = String::from_utf8(bytes.clone()).unwrap();
    // The file really holds what the issue names.
    for needle in [
        "\"value\": 0.75",
        "Rita One",
        "2026-05-01T14:03:27Z",
        "\"authorship\"",
        "\"severe\"",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let started = std::time::Instant::now();
    // At every position: flip the lowest bit (digit → other digit, letter → neighbour letter,
    // so the JSON often stays valid); at line ends and some spaces also swap in other
    // whitespace, which keeps the content identical and is caught only by the rendering check.
    let changes: Vec<(usize, u8)> = (0..bytes.len())
        .flat_map(|i| {
            let mut c = vec![(i, bytes[i] ^ 0x01)];
            // Indentation is mostly spaces: every 5th whitespace byte gets the extra change.
            match bytes[i] {
                b' ' if i % 5 == 0 => c.push((i, b'\t')),
                b'\n' => c.push((i, b'\r')),
                _ => {}
            }
            c
        })
        .collect();
    let results: Vec<(usize, u8, bool, bool)> = changes
        .par_iter()
        .map(|&(i, new)| {
            let mut tampered = bytes.clone();
            tampered[i] = new;
            let intact = verify_report_bytes(&tampered).is_intact();
            let json = serde_json::from_slice::<serde_json::Value>(&tampered).is_ok();
            (i, new, intact, json)
        })
        .collect();
    for &(i, new, intact, _) in &results {
        assert!(
            !intact,
            "byte {i} ({:?} -> {:?}) went undetected near {:?}",
            bytes[i] as char,
            new as char,
            String::from_utf8_lossy(&bytes[i.saturating_sub(30)..(i + 30).min(bytes.len())])
        );
    }
    let checked = results.len();
    let still_json = results.iter().filter(|r| r.3).count();
    eprintln!("{:?} for {checked} verifications", started.elapsed());
    assert!(checked > bytes.len(), "{checked}");
    // Many changes leave valid JSON: those are caught by the signature, not by the parser.
    assert!(still_json > bytes.len() / 4, "{still_json} of {checked}");
    eprintln!(
        "{} bytes, {checked} one-byte changes, {still_json} still valid JSON, all rejected",
        bytes.len()
    );
}

#[test]
fn named_field_changes_fail_with_a_signature_problem() {
    let (signed, _) = signed_file();
    let mut cases: Vec<(&str, ReadingReport)> = Vec::new();
    let mut r = signed.clone();
    r.measurements[6].value = Some(0.76);
    cases.push(("measurement value", r));
    let mut r = signed.clone();
    r.signature.as_mut().unwrap().printed_name = "Rita Once".into();
    cases.push(("name", r));
    let mut r = signed.clone();
    r.signature.as_mut().unwrap().signed_at_utc = "2026-05-01T14:03:28Z".into();
    cases.push(("time", r));
    let mut r = signed.clone();
    r.signature.as_mut().unwrap().meaning = SignatureMeaning::Approval;
    cases.push(("meaning", r));
    let mut r = signed.clone();
    r.grade.as_mut().unwrap().result.grade = echolab::grading::Grade::ModerateToSevere;
    cases.push(("grade", r));
    for (what, r) in cases {
        // Re-rendered cleanly, so only the signature can catch it.
        let v = verify_report_bytes(render_report(&r).unwrap().as_bytes());
        assert!(!v.is_intact(), "{what}");
        assert!(
            v.problems
                .iter()
                .any(|p| p.contains("signature does not verify") || p.contains("content changed")),
            "{what}: {:?}",
            v.problems
        );
    }
}

#[test]
fn wrong_passphrase_cannot_sign() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let d = draft();
    let wrong = Credentials {
        reader_id: "r1".into(),
        passphrase: "correct horse battery stapler".into(),
    };
    let before = store.verify_audit_chain().unwrap().rows;
    let err = store
        .sign_report(&wrong, &d, SignatureMeaning::Authorship, t0())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Signing(SigningError::WrongPassphrase)),
        "{err}"
    );
    assert!(store.version_info(&d.report_id, 1).unwrap().is_none());
    // The refused attempt is in the audit trail.
    let chain = store.verify_audit_chain().unwrap();
    assert!(chain.is_intact());
    assert_eq!(chain.rows, before + 1);
    let refused = store.record_history("r1").unwrap();
    assert_eq!(refused.last().unwrap().action, "refused");
    // Sign-in fails the same way; another reader's passphrase does not open r1's key.
    assert!(store.sign_in(&wrong, t0()).is_err());
    let (_, sealed) = generate_key(
        "r2",
        "another passphrase",
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap();
    assert!(matches!(
        unlock("r2", &sealed, PASS),
        Err(SigningError::WrongPassphrase)
    ));
    // The right passphrase signs.
    let signed = store
        .sign_report(&creds("r1"), &d, SignatureMeaning::Authorship, t0())
        .unwrap();
    assert!(verify_report(&signed).is_intact());
}

#[test]
fn superseded_version_stays_readable_and_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = setup(dir.path(), &dir.path().join("db.sqlite3"));
    let r1 = session(&mut store, "r1");
    let mut d = store.start_read(&r1, STUDY1, t0()).unwrap();
    d.comment = "first".into();
    store.save_draft(&r1, &d, t0()).unwrap();
    let v1 = store
        .sign_read(
            &r1,
            &d.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    let mut v2 = store.amend_read(&r1, &d.report_id, t0()).unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(
        v2.supersedes.as_ref().unwrap().record_sha256,
        record_sha256(&v1).unwrap()
    );
    v2.comment = "corrected".into();
    store.save_draft(&r1, &v2, t0()).unwrap();
    let v2s = store
        .sign_read(
            &r1,
            &d.report_id,
            &creds("r1"),
            SignatureMeaning::Authorship,
            t0(),
        )
        .unwrap();
    assert!(verify_report(&v2s).is_intact());

    let versions = store.read_versions(&r1, &d.report_id).unwrap();
    let statuses: Vec<_> = versions.iter().map(|v| (v.version, v.status)).collect();
    assert_eq!(
        statuses,
        vec![(1, ReportStatus::Superseded), (2, ReportStatus::Signed)]
    );
    let old = store.read_version(&r1, &d.report_id, 1).unwrap();
    assert_eq!(old, v1, "the superseded version is stored unchanged");
    assert_eq!(old.comment, "first");
    let v = verify_report(&old);
    assert!(v.is_intact(), "{:?}", v.problems);
    // Its file form verifies as well, and the amendment links to exactly it.
    let old_bytes = render_report(&old).unwrap();
    let vb = verify_report_bytes(old_bytes.as_bytes());
    assert!(vb.is_intact());
    assert_eq!(
        vb.record_sha256.as_deref(),
        Some(v2s.supersedes.as_ref().unwrap().record_sha256.as_str())
    );
    // The file-level amendment helper builds the same link.
    let again = amendment_draft(&parse_report(&old_bytes).unwrap(), None, t0()).unwrap();
    assert_eq!(again.supersedes, v2s.supersedes);
    // A third amendment must supersede version 2, not the superseded version 1.
    let mut stale = amendment_draft(&v1, None, t0()).unwrap();
    stale.version = 3;
    assert!(matches!(
        store.sign_report(&creds("r1"), &stale, SignatureMeaning::Authorship, t0()),
        Err(StoreError::Conflict(_))
    ));
}
