//! Inter- and intra-reader agreement of every parameter (the figures of `echolab agreement`).
//!
//! * **Inter-reader** uses the first reads (read 1) of each subject/visit. The raters are the
//!   read slots of a unit ordered by reader id; k is the most common number of readers per
//!   unit (2 for dual reads). With the same readers on every study the slots are those readers;
//!   with a reader pool they are "first and second reader", as usual for ICC(2,1).
//! * **Intra-reader** pairs read 1 with read 2 of the same reader (blinded re-reads), pooled over
//!   readers; k = 2.
//!
//! A unit that lacks the parameter in one of its reads (or has fewer than k reads) is left out
//! of that parameter and counted in `missing`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::bland_altman::{BlandAltman, bland_altman, wscv_percent};
use super::data::{Filter, GRADE_PARAMETER, GRADE_SCALE, Observation, ObservedValue};
use super::icc::{Estimate, TwoWayAnova, icc_2_1, icc_3_1};
use super::kappa::{Weights, cohen_kappa, contingency, fleiss_kappa};
use super::readers::{PairOutcome, ReaderRow, reader_rows};

/// Agreement of a continuous parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContinuousEntry {
    /// Parameter id.
    pub parameter: String,
    /// Catalog unit of the values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Units (subject/visit, or subject/visit/reader for intra) analysed.
    pub n: usize,
    /// Raters (k).
    pub raters: usize,
    /// Units left out because a value was missing.
    pub missing: usize,
    /// ICC(2,1) with its 95 % interval.
    pub icc_2_1: Option<Estimate>,
    /// ICC(3,1) with its 95 % interval.
    pub icc_3_1: Option<Estimate>,
    /// Bland–Altman bias and limits (first − second rater; read 1 − read 2), two raters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bland_altman: Option<Option<BlandAltman>>,
    /// Within-subject coefficient of variation, % (intra-reader only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wscv_percent: Option<Option<f64>>,
    /// The analysed table (one row per unit, k values), for plots.
    #[serde(skip)]
    pub rows: Vec<Vec<f64>>,
}

/// Weighted and unweighted Cohen's kappa.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KappaSet {
    /// Unweighted.
    pub unweighted: Option<f64>,
    /// Linear weights.
    pub linear: Option<f64>,
    /// Quadratic weights.
    pub quadratic: Option<f64>,
}

/// Agreement of the MR grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeEntry {
    /// Always [`GRADE_PARAMETER`].
    pub parameter: String,
    /// Units analysed.
    pub n: usize,
    /// Raters (k).
    pub raters: usize,
    /// Units left out (missing or indeterminate grade).
    pub missing: usize,
    /// Percent of units where every rater gave the same grade.
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa (two raters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kappa: Option<KappaSet>,
    /// Fleiss' kappa (more than two raters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleiss_kappa: Option<Option<f64>>,
    /// The analysed grade ranks (one row per unit), for tables.
    #[serde(skip)]
    pub rows: Vec<Vec<usize>>,
}

/// One parameter's agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Entry {
    /// A number.
    Continuous(ContinuousEntry),
    /// The MR grade.
    Grade(GradeEntry),
}

impl Entry {
    /// The parameter id.
    pub fn parameter(&self) -> &str {
        match self {
            Entry::Continuous(e) => &e.parameter,
            Entry::Grade(e) => &e.parameter,
        }
    }
}

/// What `echolab agreement --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    /// Between readers (first reads).
    pub inter_reader: Vec<Entry>,
    /// Within readers (read 1 vs read 2).
    pub intra_reader: Vec<Entry>,
    /// Per-reader figures.
    pub readers: Vec<ReaderRow>,
}

/// A unit's values: key → (reader → value).
type Units = BTreeMap<(String, String, String), BTreeMap<String, ObservedValue>>;

/// The parameters to report: the filter's, else every one present (catalog ids sorted, the
/// grade last).
pub fn parameters(obs: &[Observation], filter: &Filter) -> Vec<String> {
    if !filter.parameters.is_empty() {
        return filter.parameters.clone();
    }
    let set: BTreeSet<&str> = obs.iter().map(|o| o.parameter.as_str()).collect();
    let mut out: Vec<String> = set
        .iter()
        .filter(|p| **p != GRADE_PARAMETER)
        .map(|p| (*p).to_owned())
        .collect();
    if set.contains(GRADE_PARAMETER) {
        out.push(GRADE_PARAMETER.to_owned());
    }
    out
}

fn unit_of(o: &Observation) -> (String, String) {
    (o.subject.clone(), o.visit.clone())
}

/// Inter-reader: units = subject/visit with any first read; columns = readers by id.
fn inter_units(obs: &[&Observation], parameter: &str) -> (Units, usize) {
    let mut readers: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    let mut units: Units = BTreeMap::new();
    for o in obs.iter().filter(|o| o.read == 1) {
        readers.entry(unit_of(o)).or_default().insert(&o.reader);
        let entry = units
            .entry((o.subject.clone(), o.visit.clone(), String::new()))
            .or_default();
        if o.parameter == parameter {
            entry.entry(o.reader.clone()).or_insert(o.value);
        }
    }
    // k: the most common number of readers per unit (ties: the larger).
    let mut freq: BTreeMap<usize, usize> = BTreeMap::new();
    for r in readers.values() {
        *freq.entry(r.len()).or_default() += 1;
    }
    let k = freq
        .iter()
        .max_by_key(|(size, count)| (**count, **size))
        .map_or(0, |(size, _)| *size);
    (units, k)
}

/// Intra-reader: units = subject/visit/reader with a re-read; columns = read 1, read 2.
fn intra_units(obs: &[&Observation], parameter: &str) -> Units {
    let mut units: Units = obs
        .iter()
        .filter(|o| o.read == 2)
        .map(|o| {
            (
                (o.subject.clone(), o.visit.clone(), o.reader.clone()),
                BTreeMap::new(),
            )
        })
        .collect();
    for o in obs
        .iter()
        .filter(|o| o.parameter == parameter && (o.read == 1 || o.read == 2))
    {
        let key = (o.subject.clone(), o.visit.clone(), o.reader.clone());
        if let Some(entry) = units.get_mut(&key) {
            entry.entry(format!("read{}", o.read)).or_insert(o.value);
        }
    }
    units
}

/// The k-column table of complete units: each unit's first k values by column key.
fn table<T: Copy>(
    units: &Units,
    k: usize,
    pick: impl Fn(ObservedValue) -> Option<T>,
) -> (Vec<Vec<T>>, usize) {
    let mut rows = Vec::new();
    let mut missing = 0;
    for values in units.values() {
        let row: Vec<T> = values.values().filter_map(|v| pick(*v)).take(k).collect();
        if k >= 2 && row.len() == k {
            rows.push(row);
        } else {
            missing += 1;
        }
    }
    (rows, missing)
}

fn continuous(parameter: &str, units: &Units, k: usize, intra: bool) -> ContinuousEntry {
    let (rows, missing) = table(units, k, ObservedValue::number);
    let anova = TwoWayAnova::of(&rows);
    let pairs: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((*r.first()?, *r.get(1)?)))
        .collect();
    ContinuousEntry {
        parameter: parameter.to_owned(),
        unit: crate::catalog::Catalog::builtin()
            .unit(parameter)
            .map(|u| u.symbol().to_owned()),
        n: rows.len(),
        raters: k,
        missing,
        icc_2_1: anova.as_ref().and_then(icc_2_1),
        icc_3_1: anova.as_ref().and_then(icc_3_1),
        bland_altman: (k == 2).then(|| bland_altman(&pairs)),
        wscv_percent: intra.then(|| wscv_percent(&pairs)),
        rows,
    }
}

fn grade(units: &Units, k: usize) -> GradeEntry {
    let (rows, missing) = table(units, k, ObservedValue::grade_rank);
    let agreeing = rows
        .iter()
        .filter(|r| r.windows(2).all(|w| w.first() == w.get(1)))
        .count();
    let c = GRADE_SCALE.len();
    let (kappa, fleiss) = if k == 2 {
        let pairs: Vec<(usize, usize)> = rows
            .iter()
            .filter_map(|r| Some((*r.first()?, *r.get(1)?)))
            .collect();
        let t = contingency(&pairs, c);
        (
            Some(KappaSet {
                unweighted: cohen_kappa(&t, Weights::Unweighted),
                linear: cohen_kappa(&t, Weights::Linear),
                quadratic: cohen_kappa(&t, Weights::Quadratic),
            }),
            None,
        )
    } else {
        let counts: Vec<Vec<usize>> = rows
            .iter()
            .map(|r| {
                let mut n = vec![0; c];
                for &g in r {
                    if let Some(x) = n.get_mut(g) {
                        *x += 1;
                    }
                }
                n
            })
            .collect();
        (None, Some(fleiss_kappa(&counts)))
    };
    GradeEntry {
        parameter: GRADE_PARAMETER.to_owned(),
        n: rows.len(),
        raters: k,
        missing,
        percent_agreement: (!rows.is_empty()).then(|| 100.0 * agreeing as f64 / rows.len() as f64),
        kappa,
        fleiss_kappa: fleiss,
        rows,
    }
}

fn entry(parameter: &str, units: &Units, k: usize, intra: bool) -> Entry {
    if parameter == GRADE_PARAMETER {
        Entry::Grade(grade(units, k))
    } else {
        Entry::Continuous(continuous(parameter, units, k, intra))
    }
}

/// Inter- and intra-reader entries of every parameter and the per-reader rows, of the
/// observations (and dual-read `outcomes`, None when the source has none) that `filter` admits.
pub fn analyse(
    obs: &[Observation],
    outcomes: Option<&[PairOutcome]>,
    filter: &Filter,
) -> AgreementReport {
    let kept: Vec<&Observation> = obs.iter().filter(|o| filter.admits(o)).collect();
    let owned: Vec<Observation> = kept.iter().map(|o| (*o).clone()).collect();
    let mut inter = Vec::new();
    let mut intra = Vec::new();
    for p in parameters(&owned, filter) {
        let (units, k) = inter_units(&kept, &p);
        inter.push(entry(&p, &units, k, false));
        let units = intra_units(&kept, &p);
        if !units.is_empty() {
            intra.push(entry(&p, &units, 2, true));
        }
    }
    let outcomes: Option<Vec<PairOutcome>> = outcomes.map(|all| {
        all.iter()
            .filter(|p| {
                filter
                    .trial
                    .as_deref()
                    .is_none_or(|t| p.trial.as_deref() == Some(t))
                    && filter.visit.as_deref().is_none_or(|v| p.visit == v)
            })
            .cloned()
            .collect()
    });
    AgreementReport {
        inter_reader: inter,
        intra_reader: intra,
        readers: reader_rows(&owned, outcomes.as_deref()),
    }
}
