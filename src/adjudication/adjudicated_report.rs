//! The adjudicated result as a reading report of its own, signed with meaning `adjudication`.
//!
//! A signed [`AdjudicationRecord`] says *what* the adjudicator decided; downstream tools
//! (exports, the compare window, the trial database) read [`ReadingReport`]s. So the final read
//! of a discordant study is written as a new report:
//!
//! * `report_id`: new; `reader_id`: the adjudicator; study, subject and visit: from the reads;
//! * **choose read**: the chosen read's measurements (with their geometry), derived values,
//!   findings and grade section, copied unchanged;
//! * **per parameter**: the final value of every parameter ([`AdjudicationRecord::final_value`]:
//!   the adjudicated value, else the mean of the two reads) entered as values and re-graded by the
//!   real grading engine under the reads' guideline (and protocol). When the adjudicator recorded
//!   a grade that differs from the engine's re-grade, the grade section carries the adjudicated
//!   grade with basis `adjudicated` and a reason naming the engine's grade;
//! * `comment`: the adjudication record id and its content SHA-256, the two reads, and every
//!   adjudicated value with its origin and reason.
//!
//! The report is signed with the ordinary report signature ([`crate::signing::sign_report`],
//! meaning `adjudication`), so `echolab report verify` and every report reader accept it.

use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::SigningKey;
use time::OffsetDateTime;

use super::discordance::{ReadRef, Side};
use super::record::{AdjudicationRecord, AdjudicationStatus, Decision, ValueOrigin};
use super::sign::{sign_adjudication, verify_adjudication};
use crate::catalog::Catalog;
use crate::compare::{all_values, grade_words};
use crate::grading::{GradeError, GradeInput};
use crate::report::draft::{GradingChoice, draft_from_grade_input};
use crate::report::{
    ReaderCertificate, ReadingReport, SignatureMeaning, ValueWithUnit, format_utc, new_id,
};
use crate::signing::{SigningError, record_sha256, sign_report_certified};

/// Why the adjudicated report cannot be built or signed.
#[derive(Debug, thiserror::Error)]
pub enum AdjudicatedReportError {
    /// The adjudication record is not signed or does not verify.
    #[error("the adjudication record is not intact: {0}")]
    NotIntact(String),
    /// A read given is not the read the record names.
    #[error("read {side} is {given}, but the adjudication names {expected}")]
    WrongRead {
        /// `A` or `B`.
        side: &'static str,
        /// The read given (`id v2`, or `id v2 with another record hash`).
        given: String,
        /// The read named in the record.
        expected: String,
    },
    /// Re-grading the final values failed.
    #[error("re-grading the adjudicated values: {0}")]
    Grade(#[from] GradeError),
    /// Signing failed.
    #[error(transparent)]
    Signing(#[from] SigningError),
}

fn check_read(
    side: &'static str,
    read: &ReadingReport,
    expected: &ReadRef,
) -> Result<(), AdjudicatedReportError> {
    let hash = record_sha256(read).ok();
    let given = || format!("{} v{}", read.report_id, read.version);
    let expected_text = || format!("{} v{}", expected.report_id, expected.version);
    if read.report_id != expected.report_id || read.version != expected.version {
        return Err(AdjudicatedReportError::WrongRead {
            side,
            given: given(),
            expected: expected_text(),
        });
    }
    if expected.record_sha256.is_some() && hash != expected.record_sha256 {
        return Err(AdjudicatedReportError::WrongRead {
            side,
            given: format!("{} with another record hash", given()),
            expected: expected_text(),
        });
    }
    Ok(())
}

fn origin_words(origin: ValueOrigin) -> &'static str {
    match origin {
        ValueOrigin::ReadA => "read A",
        ValueOrigin::ReadB => "read B",
        ValueOrigin::Adjudicator => "adjudicator's own value",
    }
}

fn read_line(side: &str, r: &ReadRef) -> String {
    format!(
        "Read {side}: {} v{} by {} (record sha256 {}).",
        r.report_id,
        r.version,
        r.reader_id.as_deref().unwrap_or("unknown reader"),
        r.record_sha256.as_deref().unwrap_or("unknown")
    )
}

/// The grading choice of the reads (A's, else B's, else the default guideline).
fn grading_choice(a: &ReadingReport, b: &ReadingReport) -> GradingChoice {
    a.grade
        .as_ref()
        .or(b.grade.as_ref())
        .map(|g| GradingChoice {
            guideline_id: g.guideline_id.clone(),
            protocol_id: g.protocol_id.clone(),
        })
        .unwrap_or_default()
}

/// Ids the engine derived each value from, transitively, over both reads.
fn transitive_inputs(roots: &BTreeSet<String>, reads: [&ReadingReport; 2]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(id) = todo.pop() {
        for r in reads {
            let Some(d) = r.grade.as_ref().and_then(|g| g.result.derived.get(&id)) else {
                continue;
            };
            for input in &d.inputs {
                if input != &id && out.insert(input.clone()) {
                    todo.push(input.clone());
                }
            }
        }
    }
    out
}

/// Findings both reads agree on (or only one gives); the differing ones, for the comment.
fn merged_findings(
    a: &ReadingReport,
    b: &ReadingReport,
) -> (BTreeMap<String, crate::measure::FindingValue>, Vec<String>) {
    let mut out = b.findings.clone();
    let mut notes = Vec::new();
    for (id, va) in &a.findings {
        if let Some(vb) = b.findings.get(id)
            && vb != va
        {
            notes.push(format!(
                "Finding {id} differs (A: {}, B: {}); read A's answer is kept.",
                serde_json::to_string(va).unwrap_or_default(),
                serde_json::to_string(vb).unwrap_or_default()
            ));
        }
        out.insert(id.clone(), va.clone());
    }
    (out, notes)
}

/// The per-parameter result: every final value entered and re-graded.
fn per_parameter_content(
    record: &AdjudicationRecord,
    a: &ReadingReport,
    b: &ReadingReport,
    now: OffsetDateTime,
) -> Result<(ReadingReport, Vec<String>), AdjudicatedReportError> {
    let catalog = Catalog::builtin();
    let mut ids: BTreeSet<String> = all_values(a).into_keys().collect();
    ids.extend(all_values(b).into_keys());
    if let Decision::PerParameter { values, .. } = &record.decision {
        ids.extend(values.keys().cloned());
    }
    ids.retain(|id| catalog.get(id).is_some());
    // Values the engine chose (keys of `derived`) are entered as they are; the measurements
    // they were computed from are left out, so the engine does not recompute (and override) an
    // adjudicated value.
    let roots: BTreeSet<String> = ids
        .iter()
        .filter(|id| a.derived.contains_key(*id) || b.derived.contains_key(*id))
        .cloned()
        .collect();
    let feeding = transitive_inputs(&roots, [a, b]);
    let mut input = GradeInput::default();
    let mut notes = Vec::new();
    for id in ids
        .iter()
        .filter(|id| roots.contains(*id) || !feeding.contains(*id))
    {
        let Some(v) = record.final_value(a, b, id) else {
            continue;
        };
        input.values.insert(
            id.clone(),
            crate::grading::InputValue {
                value: v.value,
                unit: v.unit.symbol().to_owned(),
                sources: Vec::new(),
            },
        );
    }
    let (findings, finding_notes) = merged_findings(a, b);
    notes.extend(finding_notes);
    input.findings = findings;
    if let Some(options) = a
        .grade
        .as_ref()
        .or(b.grade.as_ref())
        .map(|g| &g.result.options)
    {
        input.options = options.clone();
    }
    let mut report = draft_from_grade_input(&input, &grading_choice(a, b), new_id(), now)?;
    // The adjudicated values exactly as recorded (the engine may have rounded or converted).
    if let Decision::PerParameter { values, .. } = &record.decision {
        for (id, v) in values {
            report.derived.insert(
                id.clone(),
                ValueWithUnit {
                    value: v.value,
                    unit: v.unit.clone(),
                },
            );
        }
    }
    if let (Some(final_grade), Some(section)) = (record.final_grade, report.grade.as_mut())
        && section.result.grade != final_grade
    {
        let engine = section.result.grade;
        let why = match &record.decision {
            Decision::PerParameter { grade: Some(g), .. } => g.reason.clone(),
            _ => record.reason.clone(),
        };
        section.result.reason = format!(
            "adjudicated: {why} (the engine re-grades the final values as {})",
            grade_words(engine)
        );
        section.result.grade = final_grade;
        section.result.grade_label = final_grade.label().to_owned();
        section.result.basis = "adjudicated".to_owned();
        notes.push(format!(
            "Grade {} is the adjudicated grade; the engine re-grades the final values as {}.",
            grade_words(final_grade),
            grade_words(engine)
        ));
    }
    Ok((report, notes))
}

fn decision_lines(record: &AdjudicationRecord) -> Vec<String> {
    match &record.decision {
        Decision::ChooseRead {
            side,
            report_id,
            version,
        } => vec![format!(
            "Decision: read {} ({report_id} v{version}) adopted as the final read.",
            match side {
                Side::A => "A",
                Side::B => "B",
            }
        )],
        Decision::PerParameter { values, grade } => {
            let mut lines = vec!["Decision: adjudicated value per parameter.".to_owned()];
            for (id, v) in values {
                lines.push(format!(
                    "{id} = {} {} ({}): {}",
                    crate::report::canonical::format_double(v.value),
                    v.unit,
                    origin_words(v.origin),
                    v.reason
                ));
            }
            if let Some(g) = grade {
                lines.push(format!(
                    "grade = {} (adjudicated): {}",
                    grade_words(g.grade),
                    g.reason
                ));
            }
            lines
        }
    }
}

/// Builds the adjudicated result of a **signed** adjudication as a draft reading report by the
/// adjudicator (see the module docs). `read_a` / `read_b` must be the exact reads the record
/// names (id, version and record hash).
pub fn adjudicated_report(
    record: &AdjudicationRecord,
    read_a: &ReadingReport,
    read_b: &ReadingReport,
    now: OffsetDateTime,
) -> Result<ReadingReport, AdjudicatedReportError> {
    let problems = verify_adjudication(record);
    if !problems.is_empty() {
        return Err(AdjudicatedReportError::NotIntact(problems.join("; ")));
    }
    check_read("A", read_a, &record.read_a)?;
    check_read("B", read_b, &record.read_b)?;
    let content_sha256 = record
        .signature
        .as_ref()
        .map(|s| s.content_sha256.clone())
        .unwrap_or_default();
    let (mut report, notes) = match &record.decision {
        Decision::ChooseRead { side, .. } => {
            let chosen = match side {
                Side::A => read_a,
                Side::B => read_b,
            };
            let mut r = ReadingReport::new_draft(new_id(), format_utc(now));
            r.measurements = chosen.measurements.clone();
            r.derived = chosen.derived.clone();
            r.findings = chosen.findings.clone();
            r.grade = chosen.grade.clone();
            (r, Vec::new())
        }
        Decision::PerParameter { .. } => per_parameter_content(record, read_a, read_b, now)?,
    };
    report.reader_id = Some(record.adjudicator_id.clone());
    report.study = read_a.study.clone().or_else(|| read_b.study.clone());
    report.subject_id = record.subject_id.clone();
    report.visit = record.visit;
    let mut lines = vec![
        format!(
            "Adjudicated result of adjudication record {} (content sha256 {content_sha256}).",
            record.record_id
        ),
        read_line("A", &record.read_a),
        read_line("B", &record.read_b),
    ];
    lines.extend(decision_lines(record));
    lines.extend(notes);
    lines.push(format!("Reason: {}", record.reason));
    report.comment = lines.join("\n");
    Ok(report)
}

/// Signs the adjudicated report with meaning `adjudication` (the adjudicator's key, unlocked
/// with the passphrase just before), embedding the lab's certificate of that key when given.
pub fn sign_adjudicated_report(
    draft: &ReadingReport,
    signer_id: &str,
    printed_name: &str,
    key: &SigningKey,
    now: OffsetDateTime,
    certificate: Option<ReaderCertificate>,
) -> Result<ReadingReport, SigningError> {
    sign_report_certified(
        draft,
        signer_id,
        printed_name,
        key,
        SignatureMeaning::Adjudication,
        now,
        certificate,
    )
}

/// Signs a draft adjudication and builds and signs its adjudicated report in one step (one
/// passphrase entry): returns `(signed record, signed adjudicated report)`. `certificate` is
/// the lab's certificate of the adjudicator's key (embedded in the report's signature).
#[allow(clippy::too_many_arguments)] // the signer's id, name, key and certificate belong together
pub fn sign_adjudication_with_report(
    draft: &AdjudicationRecord,
    read_a: &ReadingReport,
    read_b: &ReadingReport,
    signer_id: &str,
    printed_name: &str,
    key: &SigningKey,
    now: OffsetDateTime,
    certificate: Option<ReaderCertificate>,
) -> Result<(AdjudicationRecord, ReadingReport), AdjudicatedReportError> {
    if draft.status != AdjudicationStatus::Draft {
        return Err(SigningError::NotSignable(format!(
            "adjudication {} is signed and locked",
            draft.record_id
        ))
        .into());
    }
    // Check the reads before signing anything.
    check_read("A", read_a, &draft.read_a)?;
    check_read("B", read_b, &draft.read_b)?;
    let record = sign_adjudication(draft, signer_id, printed_name, key, now)?;
    let report = adjudicated_report(&record, read_a, read_b, now)?;
    let signed = sign_adjudicated_report(&report, signer_id, printed_name, key, now, certificate)?;
    Ok((record, signed))
}
