//! Per-reader figures: reads, discordance under the protocol's rules, adjudication, and how
//! often the adjudicator sided with the reader.

use std::collections::BTreeMap;

use serde::Serialize;

use super::data::Observation;

/// The outcome of one dual-read pair (two first reads of one study by different readers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairOutcome {
    /// Trial of the study.
    pub trial: Option<String>,
    /// Visit code of the study (empty when unknown).
    pub visit: String,
    /// The two readers.
    pub readers: [String; 2],
    /// True when the protocol's discordance rules fired.
    pub discordant: bool,
    /// When adjudicated: the readers the adjudicator sided with (the chosen read's reader, or
    /// the readers whose grade is the final grade).
    pub sided_with: Option<Vec<String>>,
}

/// One reader's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReaderRow {
    /// Reader id.
    pub reader: String,
    /// Reads (first reads and re-reads) with at least one value.
    pub reads: usize,
    /// Re-reads (read 2).
    pub rereads: usize,
    /// Dual-read pairs the reader is in (None when the source has no pair outcomes, e.g. CSV).
    pub pairs: Option<usize>,
    /// Fraction of those pairs that were discordant.
    pub discordance_rate: Option<f64>,
    /// Fraction of those pairs that were adjudicated.
    pub adjudication_rate: Option<f64>,
    /// Fraction of adjudicated pairs where the adjudicator sided with this reader.
    pub adjudicator_sided_rate: Option<f64>,
}

fn rate(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The rows of every reader in `obs` (sorted by id). `outcomes` None: the source cannot tell
/// (pair figures are left empty).
pub fn reader_rows(obs: &[Observation], outcomes: Option<&[PairOutcome]>) -> Vec<ReaderRow> {
    let mut reads: BTreeMap<&str, BTreeMap<(&str, &str, u32), ()>> = BTreeMap::new();
    for o in obs {
        reads
            .entry(o.reader.as_str())
            .or_default()
            .insert((o.subject.as_str(), o.visit.as_str(), o.read), ());
    }
    if let Some(outcomes) = outcomes {
        for p in outcomes {
            for r in &p.readers {
                reads.entry(r.as_str()).or_default();
            }
        }
    }
    reads
        .iter()
        .map(|(reader, keys)| {
            let mine: Vec<&PairOutcome> = outcomes
                .unwrap_or_default()
                .iter()
                .filter(|p| p.readers.iter().any(|r| r == reader))
                .collect();
            let discordant = mine.iter().filter(|p| p.discordant).count();
            let adjudicated: Vec<&&PairOutcome> =
                mine.iter().filter(|p| p.sided_with.is_some()).collect();
            let sided = adjudicated
                .iter()
                .filter(|p| {
                    p.sided_with
                        .as_ref()
                        .is_some_and(|s| s.iter().any(|r| r == reader))
                })
                .count();
            ReaderRow {
                reader: (*reader).to_owned(),
                reads: keys.len(),
                rereads: keys.keys().filter(|(_, _, read)| *read == 2).count(),
                pairs: outcomes.map(|_| mine.len()),
                discordance_rate: outcomes.and_then(|_| rate(discordant, mine.len())),
                adjudication_rate: outcomes.and_then(|_| rate(adjudicated.len(), mine.len())),
                adjudicator_sided_rate: outcomes.and_then(|_| rate(sided, adjudicated.len())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::data::ObservedValue;

    fn obs(reader: &str, subject: &str, read: u32) -> Observation {
        Observation {
            subject: subject.to_owned(),
            visit: "baseline".to_owned(),
            trial: None,
            reader: reader.to_owned(),
            read,
            parameter: "mr_eroa".to_owned(),
            value: ObservedValue::Number(0.3),
        }
    }

    #[test]
    fn rates_per_reader() {
        let o = vec![
            obs("a", "s1", 1),
            obs("a", "s2", 1),
            obs("a", "s1", 2),
            obs("b", "s1", 1),
            obs("b", "s2", 1),
        ];
        let pair = |discordant, sided: Option<&[&str]>| PairOutcome {
            trial: None,
            visit: "baseline".to_owned(),
            readers: ["a".to_owned(), "b".to_owned()],
            discordant,
            sided_with: sided.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
        };
        let outcomes = [pair(true, Some(&["a"])), pair(false, None)];
        let rows = reader_rows(&o, Some(&outcomes));
        let a = &rows[0];
        assert_eq!((a.reads, a.rereads, a.pairs), (3, 1, Some(2)));
        assert_eq!(a.discordance_rate, Some(0.5));
        assert_eq!(a.adjudication_rate, Some(0.5));
        assert_eq!(a.adjudicator_sided_rate, Some(1.0));
        assert_eq!(rows[1].adjudicator_sided_rate, Some(0.0));
        let csv_rows = reader_rows(&o, None);
        assert_eq!(csv_rows[0].pairs, None);
        assert_eq!(csv_rows[0].discordance_rate, None);
    }
}
