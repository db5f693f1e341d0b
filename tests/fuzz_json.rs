//! Hostile input to every JSON reader, by mutation of real seeds: grading inputs (the golden
//! cases and the sample study's), drafts and signed reports, and signed adjudication records.
//! Every input ends in `Ok` or a typed error with a one-line message; nothing panics; an input
//! that grades never carries a value outside its valid range; a mutated signed file never
//! verifies. See `fuzz_support` for the case count and the longer run.

#![allow(clippy::unwrap_used)]

mod export_support;
mod fuzz_support;

use std::path::Path;

use echolab::adjudication::{
    AdjudicationRecord, DiscordanceRules, Side, discordance, parse_adjudication, sign_adjudication,
    verify_adjudication,
};
use echolab::catalog::{Catalog, RangeCheck};
use echolab::grading::{GUIDELINE_IDS, GradeInput, grade};
use echolab::report::{parse_report, render_report};
use echolab::signing::verify_report_bytes;
use export_support::{BASELINE_VALUES, FOLLOWUP_VALUES, Spec, signed_report, test_key};
use fuzz_support::{JSON_TOKENS, run_target};
use time::macros::datetime;

fn one_line(message: &str) -> Result<(), String> {
    if message.contains('\n') || message.len() > 1_000 || message.is_empty() {
        return Err(format!("error message is not one short line: {message:?}"));
    }
    Ok(())
}

fn grade_input_seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = vec![(
        "sample_data/grade_input.json".to_owned(),
        std::fs::read(root.join("sample_data/grade_input.json")).unwrap(),
    )];
    for entry in std::fs::read_dir(root.join("tests/cases")).unwrap() {
        let path = entry.unwrap().path().join("input.json");
        seeds.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    seeds.sort();
    seeds
}

/// Grades a parsed input under every guideline and checks that no graded value is invalid.
fn check_grading(input: &GradeInput) -> Result<(), String> {
    let catalog = Catalog::builtin();
    for g in GUIDELINE_IDS {
        match grade(input, g, Some("ptma")) {
            Ok(r) => {
                for (id, d) in &r.derived {
                    if matches!(catalog.check_range(id, d.value), RangeCheck::Invalid { .. }) {
                        return Err(format!("{g}: {id} = {} graded", d.value));
                    }
                }
            }
            Err(e) => one_line(&e.to_string())?,
        }
    }
    Ok(())
}

#[test]
fn fuzz_grade_input_json_never_panics_and_never_grades_an_impossible_value() {
    let n = run_target(
        "grade_input_json",
        &grade_input_seeds(),
        JSON_TOKENS,
        6,
        |bytes| match echolab::json::from_slice::<GradeInput>(bytes) {
            Ok(input) => check_grading(&input),
            Err(e) => one_line(&e.message),
        },
    );
    assert!(n >= fuzz_support::cases() as usize);
}

fn reads() -> (
    echolab::report::ReadingReport,
    echolab::report::ReadingReport,
) {
    let a = signed_report(&Spec {
        id: "read-a",
        reader: "reader1",
        values: BASELINE_VALUES,
        ..Spec::default()
    });
    let b = signed_report(&Spec {
        id: "read-b",
        reader: "reader2",
        name: "Dr Bo Reader",
        values: FOLLOWUP_VALUES,
        ..Spec::default()
    });
    (a, b)
}

#[test]
fn fuzz_report_json_drafts_and_signed_reports_never_panic_or_verify_when_changed() {
    let (a, b) = reads();
    let mut draft = a.clone();
    draft.signature = None;
    draft.status = echolab::report::ReportStatus::Draft;
    let signed: Vec<Vec<u8>> = [&a, &b]
        .iter()
        .map(|r| render_report(r).unwrap().into_bytes())
        .collect();
    let mut seeds = vec![
        (
            "draft".to_owned(),
            render_report(&draft).unwrap().into_bytes(),
        ),
        ("signed-a".to_owned(), signed[0].clone()),
        ("signed-b".to_owned(), signed[1].clone()),
    ];
    seeds.sort();
    for s in &signed {
        assert!(verify_report_bytes(s).is_intact(), "seed verifies");
    }
    run_target("report_json", &seeds, JSON_TOKENS, 6, |bytes| {
        if let Ok(text) = std::str::from_utf8(bytes)
            && let Err(e) = parse_report(text)
        {
            one_line(&e)?;
        }
        let v = verify_report_bytes(bytes);
        if v.is_intact() && !signed.iter().any(|s| s == bytes) {
            return Err("a changed signed report verified".to_owned());
        }
        Ok(())
    });
}

#[test]
fn fuzz_adjudication_record_json_never_panics_or_verifies_when_changed() {
    let (a, b) = reads();
    let d = discordance(&a, &b, DiscordanceRules::builtin());
    let draft = AdjudicationRecord::choose_read(
        &a,
        &b,
        &d,
        Side::A,
        "A is complete",
        "adj1",
        "2026-05-02T09:00:00Z",
    )
    .unwrap();
    let key = test_key("adj1");
    let signed = sign_adjudication(
        &draft,
        "adj1",
        "Dr Adj",
        &key,
        datetime!(2026-05-02 09:05:00 UTC),
    )
    .unwrap();
    let text = |r: &AdjudicationRecord| serde_json::to_vec_pretty(r).unwrap();
    let seeds = vec![
        ("adjudication-draft".to_owned(), text(&draft)),
        ("adjudication-signed".to_owned(), text(&signed)),
    ];
    let original = parse_adjudication(std::str::from_utf8(&seeds[1].1).unwrap()).unwrap();
    assert!(verify_adjudication(&original).is_empty());
    run_target("adjudication_json", &seeds, JSON_TOKENS, 6, |bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Ok(());
        };
        match parse_adjudication(text) {
            Ok(record) => {
                let problems = verify_adjudication(&record);
                if record.signature.is_some() && problems.is_empty() && record != original {
                    return Err("a changed signed adjudication verified".to_owned());
                }
                Ok(())
            }
            Err(e) => one_line(&e.message),
        }
    });
}
