//! Observations and dual-read outcomes from the reading database.

use std::collections::BTreeMap;

use serde_json::Value;

use super::data::{GRADE_PARAMETER, Observation, ObservedValue};
use super::readers::PairOutcome;
use crate::adjudication::{DiscordanceRules, discordance};
use crate::catalog::Catalog;
use crate::compare::{all_values, report_grade};
use crate::report::ReadingReport;
use crate::store::{SignedRead, Store, StoreResult};

/// The observations of one report: every catalog value (in its catalog unit, as the long CSV
/// export writes it) and the MR grade.
pub fn report_observations(
    report: &ReadingReport,
    subject: &str,
    visit: &str,
    trial: Option<&str>,
    reader: &str,
    read: u32,
) -> Vec<Observation> {
    let catalog = Catalog::builtin();
    let make = |parameter: String, value| Observation {
        subject: subject.to_owned(),
        visit: visit.to_owned(),
        trial: trial.map(str::to_owned),
        reader: reader.to_owned(),
        read,
        parameter,
        value,
    };
    let mut out: Vec<Observation> = all_values(report)
        .into_iter()
        .filter(|(id, _)| catalog.unit(id).is_some())
        .map(|(id, v)| make(id, ObservedValue::Number(v.value)))
        .collect();
    if let Some(g) = report_grade(report) {
        out.push(make(GRADE_PARAMETER.to_owned(), ObservedValue::Grade(g)));
    }
    out
}

/// Observations of signed reads from the database (the subject falls back to the study UID,
/// the visit to empty).
pub fn observations_from_reads(reads: &[SignedRead]) -> Vec<Observation> {
    reads
        .iter()
        .flat_map(|r| {
            report_observations(
                &r.report,
                r.subject_id.as_deref().unwrap_or(&r.study_uid),
                r.visit.map(|v| v.code()).unwrap_or_default(),
                r.trial_id.as_deref(),
                &r.reader_id,
                r.read_number,
            )
        })
        .collect()
}

/// The discordance rules of a protocol id: its `[discordance]` table, else the built-in rules.
pub fn protocol_rules(protocol_id: Option<&str>) -> DiscordanceRules {
    let top_id = |text: &str| {
        toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_owned))
    };
    protocol_id
        .and_then(|id| {
            crate::protocol::BUILTIN_TOML
                .iter()
                .find(|(_, text)| top_id(text).as_deref() == Some(id))
        })
        .and_then(|(name, text)| DiscordanceRules::from_toml(text, name).ok().flatten())
        .unwrap_or_else(|| DiscordanceRules::builtin().clone())
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The outcome of every dual-read pair of first reads (two readers, one study): discordant
/// under the study's protocol rules, and, when an adjudication of the pair is logged, whom the
/// adjudicator sided with (the chosen read's reader; for a per-parameter decision, the readers
/// whose grade is the final grade).
pub fn pair_outcomes(reads: &[SignedRead], adjudications: &[Value]) -> Vec<PairOutcome> {
    let mut by_study: BTreeMap<&str, Vec<&SignedRead>> = BTreeMap::new();
    for r in reads.iter().filter(|r| r.read_number == 1) {
        by_study.entry(&r.study_uid).or_default().push(r);
    }
    let mut out = Vec::new();
    for group in by_study.values() {
        for (i, a) in group.iter().enumerate() {
            for b in group.iter().skip(i + 1) {
                if a.reader_id == b.reader_id {
                    continue;
                }
                let rules = protocol_rules(a.protocol_id.as_deref());
                let d = discordance(&a.report, &b.report, &rules);
                let ids = [a.report.report_id.as_str(), b.report.report_id.as_str()];
                let logged = adjudications.iter().rev().find(|v| {
                    let ra = text_at(v, &["read_a", "report_id"]);
                    let rb = text_at(v, &["read_b", "report_id"]);
                    matches!((ra, rb), (Some(x), Some(y)) if ids.contains(&x) && ids.contains(&y) && x != y)
                });
                let sided_with = logged.map(|v| {
                    let side_report = match text_at(v, &["decision", "side"]) {
                        Some("a") => text_at(v, &["read_a", "report_id"]),
                        Some("b") => text_at(v, &["read_b", "report_id"]),
                        _ => None,
                    };
                    match side_report {
                        Some(id) => [a, b]
                            .iter()
                            .filter(|r| r.report.report_id == id)
                            .map(|r| r.reader_id.clone())
                            .collect(),
                        None => {
                            let final_grade = text_at(v, &["final_grade"]);
                            [a, b]
                                .iter()
                                .filter(|r| {
                                    report_grade(&r.report).map(|g| g.as_str()) == final_grade
                                })
                                .map(|r| r.reader_id.clone())
                                .collect()
                        }
                    }
                });
                out.push(PairOutcome {
                    trial: a.trial_id.clone(),
                    visit: a.visit.map(|v| v.code().to_owned()).unwrap_or_default(),
                    readers: [a.reader_id.clone(), b.reader_id.clone()],
                    discordant: d.discordant,
                    sided_with,
                });
            }
        }
    }
    out
}

/// Observations and pair outcomes of the database's signed reads (of `trial`, if given).
pub fn from_store(
    store: &Store,
    trial: Option<&str>,
) -> StoreResult<(Vec<Observation>, Vec<PairOutcome>)> {
    let reads = store.signed_reads_with_context(trial)?;
    let log = store.adjudication_log()?;
    Ok((observations_from_reads(&reads), pair_outcomes(&reads, &log)))
}
