//! Discordance between two independent reads of one study.

use serde::{Deserialize, Serialize};

use super::rules::{DiscordanceRules, OnMissing, Rule, RuleKind};
use crate::calc::Hundredths;
use crate::compare::{grade_words, param_value, report_eligibility, report_grade};
use crate::grading::Grade;
use crate::report::ReadingReport;

/// Which read of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The first read.
    A,
    /// The second read.
    B,
}

/// Outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// The rule fired: the reads disagree.
    Discordant,
    /// The reads agree for this rule.
    Concordant,
    /// A needed value is missing (and the rules ignore missing values).
    NotEvaluable,
}

impl RuleStatus {
    /// Snake-case code (`discordant`, `concordant`, `not_evaluable`).
    pub fn code(self) -> &'static str {
        match self {
            RuleStatus::Discordant => "discordant",
            RuleStatus::Concordant => "concordant",
            RuleStatus::NotEvaluable => "not_evaluable",
        }
    }
}

/// One read of the pair, as identified in the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadRef {
    /// Report id.
    pub report_id: String,
    /// Report version.
    pub version: u32,
    /// Reader id.
    pub reader_id: Option<String>,
    /// Signer's printed name, when signed.
    pub signer_name: Option<String>,
    /// [`crate::signing::record_sha256`] of the report (ties a decision to the exact record).
    pub record_sha256: Option<String>,
    /// Study Instance UID.
    pub study_instance_uid: Option<String>,
}

impl ReadRef {
    /// The reference of `report`.
    pub fn of(report: &ReadingReport) -> Self {
        ReadRef {
            report_id: report.report_id.clone(),
            version: report.version,
            reader_id: report.reader_id.clone(),
            signer_name: report.signature.as_ref().map(|s| s.printed_name.clone()),
            record_sha256: crate::signing::record_sha256(report).ok(),
            study_instance_uid: report.study.as_ref().map(|s| s.study_instance_uid.clone()),
        }
    }
}

/// The result of one rule, with the values it compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    /// Rule id.
    pub id: String,
    /// Rule label.
    pub label: String,
    /// Rule kind (`grade_differs`, `abs_difference`, `eligibility_differs`, `finding_differs`).
    pub kind: String,
    /// Outcome.
    pub status: RuleStatus,
    /// Read A's value as shown (`0.45`, `severe`, `eligible`, `—`).
    pub a: String,
    /// Read B's value as shown.
    pub b: String,
    /// Read A's number (numeric rules), in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_value: Option<f64>,
    /// Read B's number (numeric rules), in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_value: Option<f64>,
    /// |A − B| after rounding both to 2 dp (numeric rules), or the grade steps apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<f64>,
    /// Threshold (numeric rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Unit of the numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The parameter the rule is about (numeric rules), for per-parameter adjudication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// Discordance of two reads under a rule set (what `echolab adjudicate check --json` prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discordance {
    /// True when any rule fired.
    pub discordant: bool,
    /// Rule set id.
    pub rules_id: String,
    /// Rule set version.
    pub rules_version: String,
    /// Read A.
    pub read_a: ReadRef,
    /// Read B.
    pub read_b: ReadRef,
    /// Every rule's result, in rule order.
    pub results: Vec<RuleResult>,
    /// Problems with the pair itself (different studies, same reader, unsigned reads).
    pub warnings: Vec<String>,
}

impl Discordance {
    /// The results that fired.
    pub fn fired(&self) -> impl Iterator<Item = &RuleResult> {
        self.results
            .iter()
            .filter(|r| r.status == RuleStatus::Discordant)
    }

    /// The result of rule `id`.
    pub fn result(&self, id: &str) -> Option<&RuleResult> {
        self.results.iter().find(|r| r.id == id)
    }
}

fn missing_status(a: bool, b: bool, policy: OnMissing) -> RuleStatus {
    if a != b && policy == OnMissing::Discordant {
        RuleStatus::Discordant
    } else {
        RuleStatus::NotEvaluable
    }
}

fn dash() -> String {
    "—".to_owned()
}

fn base(rule: &Rule, status: RuleStatus, a: String, b: String) -> RuleResult {
    RuleResult {
        id: rule.id.clone(),
        label: rule.label.clone(),
        kind: rule.kind.code().to_owned(),
        status,
        a,
        b,
        a_value: None,
        b_value: None,
        difference: None,
        threshold: None,
        unit: None,
        parameter: None,
    }
}

fn grade_rule(
    rule: &Rule,
    min_steps: Option<u8>,
    a: Option<Grade>,
    b: Option<Grade>,
    policy: OnMissing,
) -> RuleResult {
    let show = |g: Option<Grade>| g.map_or_else(dash, grade_words);
    let (Some(ga), Some(gb)) = (a, b) else {
        let status = missing_status(a.is_some(), b.is_some(), policy);
        return base(rule, status, show(a), show(b));
    };
    let steps = ga.rank().zip(gb.rank()).map(|(x, y)| x.abs_diff(y));
    let status = match (min_steps, steps) {
        (None, _) if ga != gb => RuleStatus::Discordant,
        (None, _) => RuleStatus::Concordant,
        (Some(n), Some(s)) if s >= n => RuleStatus::Discordant,
        (Some(_), Some(_)) => RuleStatus::Concordant,
        // One side indeterminate: the grades differ unless both are indeterminate.
        (Some(_), None) if ga != gb => RuleStatus::Discordant,
        (Some(_), None) => RuleStatus::Concordant,
    };
    let mut r = base(rule, status, show(a), show(b));
    r.difference = steps.map(f64::from);
    r
}

fn numeric_rule(
    rule: &Rule,
    read_a: &ReadingReport,
    read_b: &ReadingReport,
    policy: OnMissing,
) -> RuleResult {
    let RuleKind::AbsDifference {
        parameter,
        op,
        threshold,
        unit,
    } = &rule.kind
    else {
        return base(rule, RuleStatus::NotEvaluable, dash(), dash());
    };
    let value = |r: &ReadingReport| {
        param_value(r, parameter)
            .and_then(|v| v.unit.convert(v.value, *unit).ok())
            .filter(|v| v.is_finite())
    };
    let (a, b) = (value(read_a), value(read_b));
    let rounded = |v: Option<f64>| v.and_then(Hundredths::round);
    let (ra, rb, rt) = (rounded(a), rounded(b), Hundredths::round(*threshold));
    let show = |h: Option<Hundredths>| h.map_or_else(dash, |h| h.to_string());
    let mut r = match (ra, rb, rt) {
        (Some(x), Some(y), Some(t)) => {
            let diff = Hundredths((x.0 - y.0).abs());
            let status = if op.holds(diff, t) {
                RuleStatus::Discordant
            } else {
                RuleStatus::Concordant
            };
            let mut r = base(rule, status, show(ra), show(rb));
            r.difference = Some(diff.as_f64());
            r
        }
        _ => base(
            rule,
            missing_status(ra.is_some(), rb.is_some(), policy),
            show(ra),
            show(rb),
        ),
    };
    r.a_value = a;
    r.b_value = b;
    r.threshold = Some(*threshold);
    r.unit = Some(unit.symbol().to_owned());
    r.parameter = Some(parameter.clone());
    r
}

fn text_rule(rule: &Rule, a: Option<String>, b: Option<String>, policy: OnMissing) -> RuleResult {
    match (&a, &b) {
        (Some(x), Some(y)) => {
            let status = if x == y {
                RuleStatus::Concordant
            } else {
                RuleStatus::Discordant
            };
            base(rule, status, x.clone(), y.clone())
        }
        _ => base(
            rule,
            missing_status(a.is_some(), b.is_some(), policy),
            a.unwrap_or_else(dash),
            b.unwrap_or_else(dash),
        ),
    }
}

fn eligibility_text(r: &ReadingReport) -> Option<String> {
    report_eligibility(r).map(|s| match s {
        crate::protocol::EligibilityStatus::Eligible => "eligible".to_owned(),
        crate::protocol::EligibilityStatus::NotEligible => "not_eligible".to_owned(),
        crate::protocol::EligibilityStatus::Incomplete => "incomplete".to_owned(),
    })
}

/// Evaluates `rules` on two reads of one study.
pub fn discordance(
    read_a: &ReadingReport,
    read_b: &ReadingReport,
    rules: &DiscordanceRules,
) -> Discordance {
    let policy = rules.on_missing;
    let results: Vec<RuleResult> = rules
        .rules
        .iter()
        .map(|rule| match &rule.kind {
            RuleKind::GradeDiffers { min_steps } => grade_rule(
                rule,
                *min_steps,
                report_grade(read_a),
                report_grade(read_b),
                policy,
            ),
            RuleKind::AbsDifference { .. } => numeric_rule(rule, read_a, read_b, policy),
            RuleKind::EligibilityDiffers => text_rule(
                rule,
                eligibility_text(read_a),
                eligibility_text(read_b),
                policy,
            ),
            RuleKind::FindingDiffers { finding } => text_rule(
                rule,
                read_a.findings.get(finding).map(|v| v.to_string()),
                read_b.findings.get(finding).map(|v| v.to_string()),
                policy,
            ),
        })
        .collect();
    let a = ReadRef::of(read_a);
    let b = ReadRef::of(read_b);
    let mut warnings = Vec::new();
    if a.study_instance_uid != b.study_instance_uid {
        warnings.push(format!(
            "the reads are of different studies ({} and {})",
            a.study_instance_uid.as_deref().unwrap_or("none"),
            b.study_instance_uid.as_deref().unwrap_or("none")
        ));
    }
    if a.reader_id.is_some() && a.reader_id == b.reader_id {
        warnings.push(format!(
            "both reads are by the same reader ({}): they are not independent",
            a.reader_id.as_deref().unwrap_or("")
        ));
    }
    if a.report_id == b.report_id {
        warnings.push("both reads are versions of the same report".to_owned());
    }
    for (side, r) in [("A", read_a), ("B", read_b)] {
        if r.signature.is_none() {
            warnings.push(format!(
                "read {side} ({} v{}) is not signed",
                r.report_id, r.version
            ));
        }
    }
    Discordance {
        discordant: results.iter().any(|r| r.status == RuleStatus::Discordant),
        rules_id: rules.id.clone(),
        rules_version: rules.version.clone(),
        read_a: a,
        read_b: b,
        results,
        warnings,
    }
}
