//! Which studies need adjudication: pairs of independent signed reads of one study that the
//! discordance rules flag (the adjudicator's worklist).

use std::collections::BTreeMap;

use super::discordance::{Discordance, discordance};
use super::rules::DiscordanceRules;
use crate::report::ReadingReport;

/// The latest signed version of each first read, grouped by Study Instance UID (blinded re-reads,
/// read number 2, are for intra-reader agreement and never go to adjudication).
fn latest_signed_by_study(reports: &[ReadingReport]) -> BTreeMap<String, Vec<&ReadingReport>> {
    let mut latest: BTreeMap<&str, &ReadingReport> = BTreeMap::new();
    for r in reports
        .iter()
        .filter(|r| r.signature.is_some() && r.read_number.unwrap_or(1) == 1)
    {
        match latest.get(r.report_id.as_str()) {
            Some(seen) if seen.version >= r.version => {}
            _ => {
                latest.insert(r.report_id.as_str(), r);
            }
        }
    }
    let mut by_study: BTreeMap<String, Vec<&ReadingReport>> = BTreeMap::new();
    for r in latest.into_values() {
        if let Some(study) = &r.study {
            by_study
                .entry(study.study_instance_uid.clone())
                .or_default()
                .push(r);
        }
    }
    by_study
}

/// Every pair of signed reads of one study by two different readers, evaluated under `rules`
/// (study order, then report ids). Keep those with `discordant` for the worklist.
pub fn study_pairs(reports: &[ReadingReport], rules: &DiscordanceRules) -> Vec<Discordance> {
    let mut out = Vec::new();
    for reads in latest_signed_by_study(reports).into_values() {
        for (i, a) in reads.iter().enumerate() {
            for b in reads.iter().skip(i + 1) {
                if a.reader_id.is_some() && a.reader_id != b.reader_id {
                    out.push(discordance(a, b, rules));
                }
            }
        }
    }
    out
}

/// The discordant pairs only: the adjudicator's worklist.
pub fn needing_adjudication(
    reports: &[ReadingReport],
    rules: &DiscordanceRules,
) -> Vec<Discordance> {
    study_pairs(reports, rules)
        .into_iter()
        .filter(|d| d.discordant)
        .collect()
}
