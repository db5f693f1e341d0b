//! The adjudicated result as its own signed reading report (meaning `adjudication`): it carries
//! the adjudicated values and grade, names the adjudication record, verifies, and any byte flip
//! of the written file breaks it.
#![allow(clippy::unwrap_used)]

mod export_support;

use std::collections::BTreeMap;

use echolab::adjudication::{
    AdjudicatedGrade, AdjudicatedReportError, AdjudicatedValue, AdjudicationRecord,
    DiscordanceRules, Side, ValueOrigin, adjudicated_report, adjudication_content_sha256,
    discordance, sign_adjudication, sign_adjudication_with_report, verify_adjudication,
};
use echolab::compare::{param_value, report_grade};
use echolab::grading::Grade;
use echolab::report::{ReadingReport, SignatureMeaning, render_report};
use echolab::signing::{verify_report, verify_report_bytes};
use export_support::*;
use time::macros::datetime;

fn reads() -> (ReadingReport, ReadingReport) {
    let a = signed_report(&Spec {
        id: "read-a",
        reader: "reader1",
        values: BASELINE_VALUES,
        drawn_vc: true,
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

fn value(v: f64, unit: &str, origin: ValueOrigin, reason: &str) -> AdjudicatedValue {
    AdjudicatedValue {
        value: v,
        unit: unit.to_owned(),
        origin,
        reason: reason.to_owned(),
    }
}

/// A per-parameter draft for every fired numeric rule: EROA is the adjudicator's own value,
/// the others are read B's, and the grade is adjudicated moderate-to-severe.
fn per_parameter_draft(a: &ReadingReport, b: &ReadingReport) -> AdjudicationRecord {
    let d = discordance(a, b, DiscordanceRules::builtin());
    assert!(d.discordant);
    let mut values = BTreeMap::new();
    for r in d.fired() {
        if let (Some(p), Some(unit)) = (&r.parameter, &r.unit) {
            let v = if p == "mr_eroa" {
                value(0.38, "cm2", ValueOrigin::Adjudicator, "re-measured PISA")
            } else {
                value(
                    r.b_value.unwrap(),
                    unit,
                    ValueOrigin::ReadB,
                    "B traced better",
                )
            };
            values.insert(p.clone(), v);
        }
    }
    assert!(values.contains_key("mr_eroa"), "{d:#?}");
    AdjudicationRecord::per_parameter(
        a,
        b,
        &d,
        values,
        Some(AdjudicatedGrade {
            grade: Grade::ModerateToSevere,
            reason: "integrative: EROA 0.38".to_owned(),
        }),
        "second look at the colour loops",
        "adj1",
        "2026-05-02T09:00:00Z",
    )
    .unwrap()
}

#[test]
fn per_parameter_report_carries_the_adjudicated_values_and_verifies() {
    let (a, b) = reads();
    let draft = per_parameter_draft(&a, &b);
    let key = test_key("adj1");
    let now = datetime!(2026-05-02 09:05:00 UTC);
    let (record, report) =
        sign_adjudication_with_report(&draft, &a, &b, "adj1", "Dr Adj Udicator", &key, now, None)
            .unwrap();
    assert!(verify_adjudication(&record).is_empty());
    let v = verify_report(&report);
    assert!(v.is_intact(), "{:?}", v.problems);
    let sig = report.signature.as_ref().unwrap();
    assert_eq!(sig.meaning, SignatureMeaning::Adjudication);
    assert_eq!(sig.signer_id, "adj1");

    // A new report by the adjudicator, of the same study, subject and visit.
    assert_ne!(report.report_id, a.report_id);
    assert_ne!(report.report_id, b.report_id);
    assert_eq!(report.reader_id.as_deref(), Some("adj1"));
    assert_eq!(report.study, a.study);
    assert_eq!(report.subject_id, a.subject_id);
    assert_eq!(report.visit, a.visit);

    // The adjudicated EROA, B's RVol, and the adjudicated grade.
    let eroa = param_value(&report, "mr_eroa").unwrap();
    assert!((eroa.value - 0.38).abs() < 1e-12, "{eroa:?}");
    let rvol = param_value(&report, "mr_rvol").unwrap();
    assert!((rvol.value - 45.0).abs() < 1e-9, "{rvol:?}");
    assert_eq!(report_grade(&report), Some(Grade::ModerateToSevere));
    let grade = report.grade.as_ref().unwrap();
    assert_eq!(grade.guideline_id, "ase2017");
    assert!(!grade.result.criteria.is_empty(), "re-graded by the engine");

    // The comment names the record, its content hash, and each value's origin and reason.
    let sha = adjudication_content_sha256(&record).unwrap();
    assert!(report.comment.contains(&record.record_id));
    assert!(report.comment.contains(&sha), "{}", report.comment);
    assert!(
        report
            .comment
            .contains("mr_eroa = 0.38 cm2 (adjudicator's own value): re-measured PISA"),
        "{}",
        report.comment
    );
    assert!(report.comment.contains("read-a v1"));
}

#[test]
fn choose_read_report_copies_the_chosen_read() {
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
    let now = datetime!(2026-05-02 09:05:00 UTC);
    let (_, report) =
        sign_adjudication_with_report(&draft, &a, &b, "adj1", "Dr Adj", &key, now, None).unwrap();
    assert!(verify_report(&report).is_intact());
    assert_eq!(report.measurements, a.measurements, "geometry kept");
    assert_eq!(report.derived, a.derived);
    assert_eq!(report.grade, a.grade);
    assert_eq!(report_grade(&report), Some(Grade::Severe));
    assert!(report.comment.contains("read A (read-a v1) adopted"));
}

#[test]
fn a_byte_flip_breaks_the_written_report() {
    let (a, b) = reads();
    let draft = per_parameter_draft(&a, &b);
    let key = test_key("adj1");
    let now = datetime!(2026-05-02 09:05:00 UTC);
    let (_, report) =
        sign_adjudication_with_report(&draft, &a, &b, "adj1", "Dr Adj", &key, now, None).unwrap();
    let bytes = render_report(&report).unwrap().into_bytes();
    assert!(verify_report_bytes(&bytes).is_intact());
    // Flip one digit of the adjudicated EROA, then any single byte in a few places.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.find("0.38").unwrap() + 3;
    let mut flipped = bytes.clone();
    flipped[at] = b'9';
    assert!(!verify_report_bytes(&flipped).is_intact());
    for at in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 10] {
        let mut f = bytes.clone();
        f[at] ^= 0x01;
        assert!(!verify_report_bytes(&f).is_intact(), "flip at {at}");
    }
}

#[test]
fn wrong_reads_or_unsigned_records_are_refused() {
    let (a, b) = reads();
    let draft = per_parameter_draft(&a, &b);
    let now = datetime!(2026-05-02 09:05:00 UTC);
    // An unsigned record has no adjudicated report.
    assert!(matches!(
        adjudicated_report(&draft, &a, &b, now),
        Err(AdjudicatedReportError::NotIntact(_))
    ));
    let key = test_key("adj1");
    let signed = sign_adjudication(&draft, "adj1", "Dr Adj", &key, now).unwrap();
    // Reads swapped.
    assert!(matches!(
        adjudicated_report(&signed, &b, &a, now),
        Err(AdjudicatedReportError::WrongRead { side: "A", .. })
    ));
    // Same id and version, different content (another record hash).
    let other = signed_report(&Spec {
        id: "read-b",
        reader: "reader2",
        values: BASELINE_VALUES,
        ..Spec::default()
    });
    let err = adjudicated_report(&signed, &a, &other, now).unwrap_err();
    assert!(err.to_string().contains("another record hash"), "{err}");
    // And nothing is signed when the reads do not match.
    assert!(
        sign_adjudication_with_report(&draft, &a, &other, "adj1", "Dr Adj", &key, now, None)
            .is_err()
    );
}
