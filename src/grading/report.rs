//! The grading report: exactly what `echolab grade --json` prints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Grade;
use super::condition::{Status, Term};
use crate::calc::{Derived, Warning};
use crate::measure::Unit;
use crate::protocol::Eligibility;

/// Which rule set graded the reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidelineRef {
    /// Short id (`ase2017`).
    pub id: String,
    /// Rule-set family (`ASE2017-MR`).
    pub rule_set: String,
    /// Version string (`ASE2017-MR-v1-unverified`).
    pub version: String,
    /// Title.
    pub title: String,
}

/// What kind of criterion a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// A category band of a quantitative parameter (EROA, RVol, RF).
    Quantitative,
    /// A sign specific for mild or severe MR (counts in the integration).
    SpecificSign,
    /// A supportive sign (shown, not counted).
    SupportiveSign,
}

/// One criterion row: what was tested, on which value, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Criterion id (`eroa_severe`, `vc_severe`).
    pub id: String,
    /// Label.
    pub label: String,
    /// Quantitative band, specific sign or supportive sign.
    pub kind: CriterionKind,
    /// Value id tested (first numeric input; None for finding-only signs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Full-precision value of `input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Unit of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// 2-dp rounded value (what was compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounded: Option<String>,
    /// The threshold / test as text (`≥ 0.40 cm²`).
    pub threshold: String,
    /// Outcome.
    pub status: Status,
    /// The category this criterion supports when met.
    pub supports: Grade,
    /// Measurement ids (catalog ids and uids) the value came from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Every leaf that was looked at (values and findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<Term>,
    /// Note from the rule set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One quantitative parameter's graded value and category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterResult {
    /// Parameter id (`eroa`).
    pub id: String,
    /// Label.
    pub label: String,
    /// Value id graded (`mr_eroa`).
    pub input: String,
    /// Full-precision value, if available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Unit.
    pub unit: Unit,
    /// 2-dp rounded value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounded: Option<String>,
    /// Method the value came from (`pisa`, `volumetric_ma`, `entered`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Its category (None when not available).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Grade>,
    /// When a conditional threshold decided the category (a guideline's lower threshold for an
    /// elliptical orifice or low flow): the threshold used and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_note: Option<String>,
}

/// How many specific signs were met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignCounts {
    /// Mild-specific signs met.
    pub mild: usize,
    /// Severe-specific signs met.
    pub severe: usize,
}

/// The full grading report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeReport {
    /// The MR grade.
    pub grade: Grade,
    /// The grade as a report label.
    pub grade_label: String,
    /// Quantitative parameters disagree, or a specific sign of the opposite extreme is present.
    pub discordant: bool,
    /// How the grade was reached, in words.
    pub reason: String,
    /// Which integration path decided (`quantitative_majority`, `single_quantitative`,
    /// `specific_signs`).
    pub basis: String,
    /// The rule set used.
    pub guideline: GuidelineRef,
    /// Options in effect (name → enabled).
    pub options: BTreeMap<String, bool>,
    /// The graded quantitative parameters.
    pub parameters: Vec<ParameterResult>,
    /// Specific signs met.
    pub specific_signs: SignCounts,
    /// Every criterion with its value, threshold and outcome.
    pub criteria: Vec<Criterion>,
    /// Every derived value with provenance.
    pub derived: BTreeMap<String, Derived>,
    /// Warnings (internal inconsistency, out-of-range values, unused inputs, …).
    pub warnings: Vec<Warning>,
    /// ACC/AHA stage hint (valve hemodynamics), when the rule set defines it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acc_aha_stage: Option<String>,
    /// ESC "severe MR" yes/no, when the rule set defines it (None when indeterminate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esc_severe: Option<bool>,
    /// Trial eligibility, when a protocol was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<Eligibility>,
    /// Engine name and version.
    pub engine: String,
}
