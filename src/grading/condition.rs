//! Conditions written in guideline and protocol TOML, and their three-valued evaluation.
//!
//! A condition is one of (TOML inline tables):
//!
//! * `{ value = "mr_vc_width", op = ">=", threshold = 0.7, unit = "cm" }`: a number compared on its
//!   2-dp rounded value in integer hundredths; `unit` is the threshold's unit (default: the
//!   value's catalog unit) and is converted exactly to the catalog unit.
//! * `{ finding = "mr_flow_convergence", in = ["none", "small"] }`: a choice finding.
//! * `{ finding = "low_flow", is = true }`: a yes/no finding.
//! * `{ grade_in = ["moderate_to_severe", "severe"] }`: the graded MR (protocols only).
//! * `{ all = [ … ] }` / `{ any = [ … ] }`: AND / OR groups.
//!
//! Evaluation is three-valued: `met`, `not_met`, `not_available` (an input is missing). `all` is
//! not met as soon as one part is not met; `any` is met as soon as one part is met.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Grade;
use crate::calc::{Hundredths, Op};
use crate::catalog::{Catalog, FindingKind};
use crate::measure::{FindingValue, Unit};

/// Outcome of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The criterion holds.
    Met,
    /// The criterion does not hold.
    NotMet,
    /// An input is missing, so it cannot be decided.
    NotAvailable,
}

/// A condition as written in TOML.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ConditionSpec {
    /// All parts must hold.
    All {
        /// The parts.
        all: Vec<ConditionSpec>,
    },
    /// At least one part must hold.
    Any {
        /// The parts.
        any: Vec<ConditionSpec>,
    },
    /// A number compared with a threshold.
    Value {
        /// Value id (catalog or derived).
        value: String,
        /// Comparison with its strictness.
        op: Op,
        /// Threshold in `unit`.
        threshold: f64,
        /// Unit of the threshold (default: the value's unit).
        #[serde(default)]
        unit: Option<Unit>,
    },
    /// A choice finding is one of the listed choices.
    Choice {
        /// Finding id.
        finding: String,
        /// Accepted choices.
        #[serde(rename = "in")]
        one_of: Vec<String>,
    },
    /// A yes/no finding has the given answer.
    Flag {
        /// Finding id.
        finding: String,
        /// Required answer.
        is: bool,
    },
    /// The graded MR is one of the listed grades.
    GradeIn {
        /// Accepted grades.
        grade_in: Vec<Grade>,
    },
}

/// A validated condition with thresholds in catalog units and integer hundredths.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// AND group.
    All(Vec<Condition>),
    /// OR group.
    Any(Vec<Condition>),
    /// Numeric comparison.
    Value {
        /// Value id.
        id: String,
        /// Operator.
        op: Op,
        /// Threshold in `unit`, rounded to hundredths.
        threshold: Hundredths,
        /// Catalog unit of the value.
        unit: Unit,
        /// Threshold as written when in another unit (e.g. "40 mm²").
        written: Option<String>,
    },
    /// Choice finding in a set.
    Choice {
        /// Finding id.
        id: String,
        /// Accepted choices.
        one_of: Vec<String>,
    },
    /// Yes/no finding.
    Flag {
        /// Finding id.
        id: String,
        /// Required answer.
        is: bool,
    },
    /// Grade in a set.
    GradeIn(Vec<Grade>),
}

/// A value known when conditions are evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Value in `unit` (full precision).
    pub value: f64,
    /// Catalog unit.
    pub unit: Unit,
    /// Measurement ids behind it: input ids and uids.
    pub sources: Vec<String>,
}

/// Everything conditions can look at.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Numeric values by id (inputs and derived, derived winning).
    pub values: BTreeMap<String, Fact>,
    /// Findings by id.
    pub findings: BTreeMap<String, FindingValue>,
    /// The grade, once known (for protocols).
    pub grade: Option<Grade>,
    /// Findings filled in from another finding that states the same fact: id → source id.
    pub finding_origin: BTreeMap<String, String>,
}

impl Facts {
    /// True when the yes/no finding `id` is answered yes.
    pub fn flag(&self, id: &str) -> bool {
        matches!(self.findings.get(id), Some(FindingValue::Bool(true)))
    }

    /// The ids behind an answered finding: itself, or the finding it was filled in from.
    fn finding_sources(&self, id: &str) -> Vec<String> {
        vec![
            self.finding_origin
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned()),
        ]
    }

    /// The choice of finding `id`.
    pub fn choice(&self, id: &str) -> Option<&str> {
        match self.findings.get(id) {
            Some(FindingValue::Choice(c)) => Some(c.as_str()),
            _ => None,
        }
    }
}

/// One leaf of an evaluated condition, as shown to the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// The value or finding id.
    pub id: String,
    /// The test as text (`mr_vc_width ≥ 0.70 cm`).
    pub test: String,
    /// Full-precision value, if numeric and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Unit of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// `value` rounded to 2 decimals (what was compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounded: Option<String>,
    /// The finding's answer, if a finding and answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Outcome of this leaf.
    pub status: Status,
    /// Measurement ids behind the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A condition failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConditionError(pub String);

fn threshold_text(op: Op, threshold: Hundredths, unit: Unit) -> String {
    let sym = unit.display_symbol();
    if sym.is_empty() {
        format!("{} {threshold}", op.symbol())
    } else {
        format!("{} {threshold} {sym}", op.symbol())
    }
}

impl ConditionSpec {
    /// Validates ids against the catalog and converts thresholds to catalog units.
    pub fn compile(&self, catalog: &Catalog) -> Result<Condition, ConditionError> {
        Ok(match self {
            ConditionSpec::All { all } => Condition::All(
                all.iter()
                    .map(|c| c.compile(catalog))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionSpec::Any { any } => Condition::Any(
                any.iter()
                    .map(|c| c.compile(catalog))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionSpec::Value {
                value,
                op,
                threshold,
                unit,
            } => {
                let target = catalog
                    .unit(value)
                    .ok_or_else(|| ConditionError(format!("unknown value id `{value}`")))?;
                let from = unit.unwrap_or(target);
                let converted = from
                    .convert(*threshold, target)
                    .map_err(|e| ConditionError(format!("threshold of `{value}`: {e}")))?;
                let h = Hundredths::round(converted).ok_or_else(|| {
                    ConditionError(format!("threshold of `{value}` is not a finite number"))
                })?;
                if (h.as_f64() - converted).abs() > 1e-9 {
                    return Err(ConditionError(format!(
                        "threshold of `{value}` ({converted} {target}) has more than 2 decimals"
                    )));
                }
                let written = (from != target)
                    .then(|| format!("{} {} {}", op.symbol(), threshold, from.display_symbol()));
                Condition::Value {
                    id: value.clone(),
                    op: *op,
                    threshold: h,
                    unit: target,
                    written,
                }
            }
            ConditionSpec::Choice { finding, one_of } => {
                match catalog.get(finding).and_then(|e| e.finding_kind()) {
                    Some(FindingKind::Choice(choices)) => {
                        if let Some(bad) = one_of.iter().find(|c| !choices.contains(c)) {
                            return Err(ConditionError(format!(
                                "`{bad}` is not a choice of `{finding}` ({})",
                                choices.join(", ")
                            )));
                        }
                    }
                    _ => {
                        return Err(ConditionError(format!(
                            "`{finding}` is not a choice finding in the catalog"
                        )));
                    }
                }
                Condition::Choice {
                    id: finding.clone(),
                    one_of: one_of.clone(),
                }
            }
            ConditionSpec::Flag { finding, is } => {
                if catalog.get(finding).and_then(|e| e.finding_kind()) != Some(FindingKind::Boolean)
                {
                    return Err(ConditionError(format!(
                        "`{finding}` is not a yes/no finding in the catalog"
                    )));
                }
                Condition::Flag {
                    id: finding.clone(),
                    is: *is,
                }
            }
            ConditionSpec::GradeIn { grade_in } => Condition::GradeIn(grade_in.clone()),
        })
    }
}

impl Condition {
    /// The test as text, e.g. `mr_vc_width ≥ 0.70 cm`.
    pub fn text(&self) -> String {
        match self {
            Condition::All(parts) => parts
                .iter()
                .map(|p| p.text())
                .collect::<Vec<_>>()
                .join(" and "),
            Condition::Any(parts) => format!(
                "({})",
                parts
                    .iter()
                    .map(|p| p.text())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Condition::Value {
                id,
                op,
                threshold,
                unit,
                written,
            } => {
                let base = format!("{id} {}", threshold_text(*op, *threshold, *unit));
                match written {
                    Some(w) => format!("{base} (written {w})"),
                    None => base,
                }
            }
            Condition::Choice { id, one_of } => format!("{id} is {}", one_of.join(" or ")),
            Condition::Flag { id, is } => format!("{id} = {}", if *is { "yes" } else { "no" }),
            Condition::GradeIn(grades) => format!(
                "MR grade is {}",
                grades
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }

    /// Threshold text only (for criteria of a single numeric test), e.g. `≥ 0.40 cm²`.
    pub fn threshold_text(&self) -> String {
        match self {
            Condition::Value {
                op,
                threshold,
                unit,
                ..
            } => threshold_text(*op, *threshold, *unit),
            other => other.text(),
        }
    }

    /// Evaluates the condition; returns its status and the leaves it looked at.
    pub fn evaluate(&self, facts: &Facts) -> (Status, Vec<Term>) {
        let mut terms = Vec::new();
        let status = self.eval_into(facts, &mut terms);
        (status, terms)
    }

    fn eval_into(&self, facts: &Facts, terms: &mut Vec<Term>) -> Status {
        match self {
            Condition::All(parts) => {
                let statuses: Vec<Status> =
                    parts.iter().map(|p| p.eval_into(facts, terms)).collect();
                if statuses.contains(&Status::NotMet) {
                    Status::NotMet
                } else if statuses.contains(&Status::NotAvailable) {
                    Status::NotAvailable
                } else {
                    Status::Met
                }
            }
            Condition::Any(parts) => {
                let statuses: Vec<Status> =
                    parts.iter().map(|p| p.eval_into(facts, terms)).collect();
                if statuses.contains(&Status::Met) {
                    Status::Met
                } else if statuses.contains(&Status::NotAvailable) {
                    Status::NotAvailable
                } else {
                    Status::NotMet
                }
            }
            Condition::Value {
                id,
                op,
                threshold,
                unit,
                ..
            } => {
                let fact = facts.values.get(id);
                let rounded = fact.and_then(|f| Hundredths::round(f.value));
                let status = match rounded {
                    Some(h) if op.holds(h, *threshold) => Status::Met,
                    Some(_) => Status::NotMet,
                    None => Status::NotAvailable,
                };
                terms.push(Term {
                    id: id.clone(),
                    test: self.text(),
                    value: fact.map(|f| f.value),
                    unit: Some(*unit),
                    rounded: rounded.map(|h| h.to_string()),
                    answer: None,
                    status,
                    sources: fact.map(|f| f.sources.clone()).unwrap_or_default(),
                });
                status
            }
            Condition::Choice { id, one_of } => {
                let answer = facts.choice(id);
                let status = match answer {
                    Some(a) if one_of.iter().any(|c| c == a) => Status::Met,
                    Some(_) => Status::NotMet,
                    None => Status::NotAvailable,
                };
                terms.push(Term {
                    id: id.clone(),
                    test: self.text(),
                    value: None,
                    unit: None,
                    rounded: None,
                    answer: answer.map(str::to_owned),
                    status,
                    sources: answer
                        .map(|_| facts.finding_sources(id))
                        .unwrap_or_default(),
                });
                status
            }
            Condition::Flag { id, is } => {
                let answer = match facts.findings.get(id) {
                    Some(FindingValue::Bool(b)) => Some(*b),
                    _ => None,
                };
                let status = match answer {
                    Some(b) if b == *is => Status::Met,
                    Some(_) => Status::NotMet,
                    None => Status::NotAvailable,
                };
                terms.push(Term {
                    id: id.clone(),
                    test: self.text(),
                    value: None,
                    unit: None,
                    rounded: None,
                    answer: answer.map(|b| if b { "yes" } else { "no" }.to_owned()),
                    status,
                    sources: answer
                        .map(|_| facts.finding_sources(id))
                        .unwrap_or_default(),
                });
                status
            }
            Condition::GradeIn(grades) => {
                let status = match facts.grade {
                    None | Some(Grade::Indeterminate) => Status::NotAvailable,
                    Some(g) if grades.contains(&g) => Status::Met,
                    Some(_) => Status::NotMet,
                };
                terms.push(Term {
                    id: "mr_grade".to_owned(),
                    test: self.text(),
                    value: None,
                    unit: None,
                    rounded: None,
                    answer: facts.grade.map(|g| g.as_str().to_owned()),
                    status,
                    sources: Vec::new(),
                });
                status
            }
        }
    }
}
