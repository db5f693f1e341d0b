//! Guideline rule sets as data: the TOML schema of `assets/guidelines/*.toml` and its validation.
//!
//! A rule set names its quantitative parameters (each with category bands: operator, threshold,
//! strictness), its specific and supportive signs for mild and severe MR, the integration numbers
//! (majority, number of specific signs needed without quantitation), optional bands such as the
//! secondary-MR lower thresholds, and optional output hints (ACC/AHA stage, ESC severe yes/no).
//! See `assets/guidelines/ase2017.toml` for a documented example.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::Grade;
use super::condition::{Condition, ConditionSpec};
use crate::calc::Op;
use crate::catalog::Catalog;
use crate::measure::Unit;

/// A rule set failed to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule set {origin}: {message}")]
pub struct RulesError {
    /// File name or id of the rule set.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// When an optional band applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Name of an option that must be enabled (e.g. `secondary_mr`).
    #[serde(default)]
    pub option: Option<String>,
    /// `mr_etiology` must be one of these (empty: any).
    #[serde(default)]
    pub etiology: Vec<String>,
    /// Yes/no findings that must all be answered yes.
    #[serde(default)]
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BandSpec {
    #[serde(default)]
    id: Option<String>,
    category: Grade,
    op: Op,
    threshold: f64,
    #[serde(default)]
    unit: Option<Unit>,
    #[serde(default)]
    when: Option<When>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantitativeSpec {
    id: String,
    label: String,
    value: String,
    band: Vec<BandSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignSpec {
    id: String,
    label: String,
    supports: Grade,
    #[serde(default = "default_true")]
    specific: bool,
    condition: ConditionSpec,
    #[serde(default)]
    unless: Option<ConditionSpec>,
    #[serde(default)]
    note: Option<String>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationSpec {
    majority: usize,
    specific_signs_required: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionSpec {
    default: bool,
    label: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputsSpec {
    #[serde(default)]
    esc_severe: bool,
    #[serde(default)]
    acc_aha_stage: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuidelineFile {
    kind: String,
    id: String,
    rule_set: String,
    version: String,
    title: String,
    #[serde(default)]
    citation: String,
    #[serde(default)]
    notes: Vec<String>,
    integration: IntegrationSpec,
    #[serde(default)]
    options: BTreeMap<String, OptionSpec>,
    #[serde(default)]
    outputs: OutputsSpec,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    quantitative: Vec<QuantitativeSpec>,
    #[serde(default)]
    sign: Vec<SignSpec>,
}

/// One category band of a quantitative parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Criterion id (`eroa_severe`).
    pub id: String,
    /// The category the band supports.
    pub category: Grade,
    /// The test (a single numeric comparison).
    pub condition: Condition,
    /// When the band applies (always when None).
    pub when: Option<When>,
    /// Note shown with the criterion.
    pub note: Option<String>,
}

/// A quantitative parameter (EROA, RVol, RF).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantitative {
    /// Parameter id (`eroa`).
    pub id: String,
    /// Label (`EROA (2D PISA)`).
    pub label: String,
    /// The value id graded (`mr_eroa`).
    pub value: String,
    /// Category bands; the most severe band met gives the category.
    pub bands: Vec<Band>,
}

/// A qualitative or semi-quantitative sign.
#[derive(Debug, Clone, PartialEq)]
pub struct Sign {
    /// Criterion id.
    pub id: String,
    /// Label.
    pub label: String,
    /// `mild` or `severe`.
    pub supports: Grade,
    /// Specific signs count in the integration; supportive ones are shown only.
    pub specific: bool,
    /// The test.
    pub condition: Condition,
    /// The sign is not met when this holds (e.g. an eccentric jet for "small central jet").
    pub unless: Option<Condition>,
    /// Note shown with the criterion.
    pub note: Option<String>,
}

/// An option a reading may switch (e.g. the secondary-MR lower thresholds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOption {
    /// Enabled unless the input says otherwise.
    pub default: bool,
    /// What it does.
    pub label: String,
}

/// A validated guideline rule set.
#[derive(Debug, Clone, PartialEq)]
pub struct Guideline {
    /// Short id used on the command line (`ase2017`).
    pub id: String,
    /// Rule-set family (`ASE2017-MR`).
    pub rule_set: String,
    /// Version string recorded in reports (`ASE2017-MR-v1-unverified`).
    pub version: String,
    /// Title.
    pub title: String,
    /// Citation of the source document.
    pub citation: String,
    /// Notes (what is unverified, engine policies).
    pub notes: Vec<String>,
    /// Quantitative parameters needed to agree for a majority.
    pub majority: usize,
    /// Specific signs needed for a grade without quantitation.
    pub specific_signs_required: usize,
    /// Options by name.
    pub options: BTreeMap<String, RuleOption>,
    /// Emit `esc_severe`.
    pub esc_severe: bool,
    /// ACC/AHA stage hint by grade, if emitted.
    pub acc_aha_stage: Option<BTreeMap<Grade, String>>,
    /// Report labels by grade (defaults to [`Grade::label`]).
    pub labels: BTreeMap<Grade, String>,
    /// Quantitative parameters.
    pub quantitative: Vec<Quantitative>,
    /// Signs.
    pub signs: Vec<Sign>,
}

impl Guideline {
    /// The report label of `grade` under this rule set.
    pub fn label(&self, grade: Grade) -> &str {
        self.labels
            .get(&grade)
            .map_or_else(|| grade.label(), String::as_str)
    }
}

impl Guideline {
    /// Parses and validates a guideline from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str, catalog: &Catalog) -> Result<Guideline, RulesError> {
        let err = |message: String| RulesError {
            origin: origin.to_owned(),
            message,
        };
        let file: GuidelineFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if file.kind != "guideline" {
            return Err(err(format!(
                "kind is `{}`, expected `guideline`",
                file.kind
            )));
        }
        if file.integration.majority < 1 || file.integration.specific_signs_required < 1 {
            return Err(err("integration numbers must be at least 1".to_owned()));
        }
        let mut ids = BTreeSet::new();
        let mut quantitative = Vec::new();
        for q in &file.quantitative {
            if catalog.unit(&q.value).is_none() {
                return Err(err(format!(
                    "parameter `{}` grades unknown value `{}`",
                    q.id, q.value
                )));
            }
            let mut bands = Vec::new();
            for b in &q.band {
                if b.category == Grade::Indeterminate {
                    return Err(err(format!(
                        "parameter `{}`: a band cannot be indeterminate",
                        q.id
                    )));
                }
                let id = b.id.clone().unwrap_or_else(|| {
                    let suffix = b
                        .when
                        .as_ref()
                        .and_then(|w| w.option.clone().or_else(|| w.etiology.first().cloned()))
                        .map(|s| format!("_{s}"))
                        .unwrap_or_default();
                    format!("{}_{}{suffix}", q.id, b.category.as_str())
                });
                if !ids.insert(id.clone()) {
                    return Err(err(format!("duplicate criterion id `{id}`")));
                }
                if let Some(w) = &b.when {
                    if let Some(o) = &w.option
                        && !file.options.contains_key(o)
                    {
                        return Err(err(format!("band `{id}` uses undeclared option `{o}`")));
                    }
                    for f in &w.findings {
                        ConditionSpec::Flag {
                            finding: f.clone(),
                            is: true,
                        }
                        .compile(catalog)
                        .map_err(|e| err(format!("band `{id}`: {e}")))?;
                    }
                    if !w.etiology.is_empty() {
                        ConditionSpec::Choice {
                            finding: "mr_etiology".to_owned(),
                            one_of: w.etiology.clone(),
                        }
                        .compile(catalog)
                        .map_err(|e| err(format!("band `{id}`: {e}")))?;
                    }
                }
                let condition = ConditionSpec::Value {
                    value: q.value.clone(),
                    op: b.op,
                    threshold: b.threshold,
                    unit: b.unit,
                }
                .compile(catalog)
                .map_err(|e| err(format!("band `{id}`: {e}")))?;
                bands.push(Band {
                    id,
                    category: b.category,
                    condition,
                    when: b.when.clone(),
                    note: b.note.clone(),
                });
            }
            quantitative.push(Quantitative {
                id: q.id.clone(),
                label: q.label.clone(),
                value: q.value.clone(),
                bands,
            });
        }
        let mut signs = Vec::new();
        for s in &file.sign {
            if !matches!(s.supports, Grade::Mild | Grade::Severe) {
                return Err(err(format!("sign `{}` must support mild or severe", s.id)));
            }
            if !ids.insert(s.id.clone()) {
                return Err(err(format!("duplicate criterion id `{}`", s.id)));
            }
            let condition = s
                .condition
                .compile(catalog)
                .map_err(|e| err(format!("sign `{}`: {e}", s.id)))?;
            let unless = s
                .unless
                .as_ref()
                .map(|u| u.compile(catalog))
                .transpose()
                .map_err(|e| err(format!("sign `{}`: {e}", s.id)))?;
            signs.push(Sign {
                id: s.id.clone(),
                label: s.label.clone(),
                supports: s.supports,
                specific: s.specific,
                condition,
                unless,
                note: s.note.clone(),
            });
        }
        let acc_aha_stage = match &file.outputs.acc_aha_stage {
            None => None,
            Some(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    let g = Grade::parse(k)
                        .ok_or_else(|| err(format!("acc_aha_stage: unknown grade `{k}`")))?;
                    out.insert(g, v.clone());
                }
                Some(out)
            }
        };
        let mut labels = BTreeMap::new();
        for (k, v) in &file.labels {
            let g = Grade::parse(k).ok_or_else(|| err(format!("labels: unknown grade `{k}`")))?;
            labels.insert(g, v.clone());
        }
        Ok(Guideline {
            id: file.id,
            rule_set: file.rule_set,
            version: file.version,
            title: file.title,
            citation: file.citation,
            notes: file.notes,
            majority: file.integration.majority,
            specific_signs_required: file.integration.specific_signs_required,
            options: file
                .options
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        RuleOption {
                            default: v.default,
                            label: v.label,
                        },
                    )
                })
                .collect(),
            esc_severe: file.outputs.esc_severe,
            acc_aha_stage,
            labels,
            quantitative,
            signs,
        })
    }
}
