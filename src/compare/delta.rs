//! Baseline vs follow-up: the delta table of two reading reports of one subject.

use serde::{Deserialize, Serialize};

use super::values::{KEY_PARAMETERS, label, param_value, report_grade};
use crate::calc::display_2dp;
use crate::grading::Grade;
use crate::report::{ReadingReport, Visit};

/// Which read a side of the comparison is, and its visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitSide {
    /// Visit label shown (`screening/baseline`, `6 months`, or `baseline (visit not recorded)`).
    pub label: String,
    /// The visit recorded in the report.
    pub visit: Option<Visit>,
    /// Months after baseline, when the visit is known.
    pub months: Option<u32>,
    /// Report id and version.
    pub report_id: String,
    /// Report version.
    pub version: u32,
    /// Study Instance UID read.
    pub study_instance_uid: Option<String>,
    /// Subject id recorded in the report.
    pub subject_id: Option<String>,
    /// Reader id.
    pub reader_id: Option<String>,
    /// Signature time (UTC), when signed.
    pub signed_at_utc: Option<String>,
}

impl VisitSide {
    fn of(report: &ReadingReport, role: &str) -> Self {
        let label = match report.visit {
            Some(v) => v.to_string(),
            None => format!("{role} (visit not recorded)"),
        };
        VisitSide {
            label,
            visit: report.visit,
            months: report.visit.map(Visit::months),
            report_id: report.report_id.clone(),
            version: report.version,
            study_instance_uid: report.study.as_ref().map(|s| s.study_instance_uid.clone()),
            subject_id: report.subject_id.clone(),
            reader_id: report.reader_id.clone(),
            signed_at_utc: report.signature.as_ref().map(|s| s.signed_at_utc.clone()),
        }
    }
}

/// One row of the delta table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaRow {
    /// Catalog id (`mr_eroa`).
    pub id: String,
    /// Short label (`EROA`).
    pub short: String,
    /// Catalog label.
    pub label: String,
    /// Unit symbol (`cm2`, `ml`, `%`, `cm`).
    pub unit: String,
    /// Baseline value (full precision).
    pub baseline: Option<f64>,
    /// Follow-up value (full precision).
    pub followup: Option<f64>,
    /// follow-up − baseline.
    pub abs_change: Option<f64>,
    /// (follow-up − baseline) / baseline × 100; None when the baseline is 0 or missing.
    pub pct_change: Option<f64>,
    /// Values and changes rounded to 2 dp for display: `[baseline, followup, abs, pct]`
    /// (`—` when missing).
    pub display: [String; 4],
}

/// Direction of a grade change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeDirection {
    /// Less severe at follow-up.
    Improved,
    /// More severe at follow-up.
    Worsened,
    /// Same grade.
    Unchanged,
    /// One side ungraded or indeterminate.
    NotComparable,
}

/// The change of MR grade between the two visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeChange {
    /// Baseline grade.
    pub baseline: Option<Grade>,
    /// Follow-up grade.
    pub followup: Option<Grade>,
    /// Follow-up rank − baseline rank (negative = improved), when both are graded.
    pub steps: Option<i8>,
    /// Direction.
    pub direction: GradeDirection,
    /// Sentence (`severe → moderate-to-severe, improved by one grade`).
    pub text: String,
}

/// The baseline vs follow-up comparison of two reports (what `echolab compare --json` prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaTable {
    /// Subject id (from the reports; None when neither has one).
    pub subject_id: Option<String>,
    /// The earlier read.
    pub baseline: VisitSide,
    /// The later read.
    pub followup: VisitSide,
    /// One row per key parameter, in [`KEY_PARAMETERS`] order.
    pub rows: Vec<DeltaRow>,
    /// Grade change.
    pub grade: GradeChange,
    /// Problems worth a look (different subjects, visits out of order, unsigned reads).
    pub warnings: Vec<String>,
}

impl DeltaTable {
    /// The row of parameter `id`.
    pub fn row(&self, id: &str) -> Option<&DeltaRow> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// Grade name for sentences: `mild`, `mild-to-moderate`, `moderate-to-severe`, `severe`.
pub fn grade_words(g: Grade) -> String {
    g.as_str().replace('_', "-")
}

fn count_words(n: u8) -> String {
    match n {
        1 => "one grade".to_owned(),
        2 => "two grades".to_owned(),
        3 => "three grades".to_owned(),
        n => format!("{n} grades"),
    }
}

/// The grade change from `baseline` to `followup`.
pub fn grade_change(baseline: Option<Grade>, followup: Option<Grade>) -> GradeChange {
    let name = |g: Option<Grade>| g.map_or_else(|| "not graded".to_owned(), grade_words);
    let arrow = format!("{} → {}", name(baseline), name(followup));
    let ranks = baseline
        .and_then(Grade::rank)
        .zip(followup.and_then(Grade::rank));
    let (steps, direction, tail) = match ranks {
        Some((b, f)) => {
            let steps = f as i8 - b as i8;
            match steps.cmp(&0) {
                std::cmp::Ordering::Less => (
                    Some(steps),
                    GradeDirection::Improved,
                    format!("improved by {}", count_words(steps.unsigned_abs())),
                ),
                std::cmp::Ordering::Greater => (
                    Some(steps),
                    GradeDirection::Worsened,
                    format!("worsened by {}", count_words(steps.unsigned_abs())),
                ),
                std::cmp::Ordering::Equal => {
                    (Some(0), GradeDirection::Unchanged, "unchanged".to_owned())
                }
            }
        }
        None => (
            None,
            GradeDirection::NotComparable,
            "not comparable".to_owned(),
        ),
    };
    GradeChange {
        baseline,
        followup,
        steps,
        direction,
        text: format!("{arrow}, {tail}"),
    }
}

fn opt_display(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), display_2dp)
}

/// Compares a baseline read with a follow-up read of the same subject.
pub fn compare(baseline: &ReadingReport, followup: &ReadingReport) -> DeltaTable {
    let mut warnings = Vec::new();
    let b_side = VisitSide::of(baseline, "baseline");
    let f_side = VisitSide::of(followup, "follow-up");
    if let (Some(b), Some(f)) = (&baseline.subject_id, &followup.subject_id)
        && b != f
    {
        warnings.push(format!(
            "the reports are of different subjects ({b} and {f})"
        ));
    }
    if let (Some(b), Some(f)) = (b_side.months, f_side.months)
        && f <= b
    {
        warnings.push(format!(
            "the follow-up visit ({}) is not after the baseline visit ({})",
            f_side.label, b_side.label
        ));
    }
    for (side, r) in [("baseline", baseline), ("follow-up", followup)] {
        if r.signature.is_none() {
            warnings.push(format!(
                "the {side} report {} v{} is not signed",
                r.report_id, r.version
            ));
        }
    }
    let rows = KEY_PARAMETERS
        .iter()
        .map(|p| {
            let b = param_value(baseline, p.id);
            let f = param_value(followup, p.id);
            let unit = b
                .as_ref()
                .or(f.as_ref())
                .map(|v| v.unit)
                .or_else(|| crate::catalog::Catalog::builtin().unit(p.id));
            let bv = b.map(|v| v.value);
            let fv = f.map(|v| v.value);
            let abs_change = bv.zip(fv).map(|(b, f)| f - b);
            let pct_change = bv
                .zip(abs_change)
                .and_then(|(b, d)| (b != 0.0).then(|| d / b * 100.0));
            DeltaRow {
                id: p.id.to_owned(),
                short: p.short.to_owned(),
                label: label(p.id),
                unit: unit.map_or_else(String::new, |u| u.symbol().to_owned()),
                baseline: bv,
                followup: fv,
                abs_change,
                pct_change,
                display: [
                    opt_display(bv),
                    opt_display(fv),
                    opt_display(abs_change),
                    opt_display(pct_change),
                ],
            }
        })
        .collect();
    DeltaTable {
        subject_id: baseline
            .subject_id
            .clone()
            .or_else(|| followup.subject_id.clone()),
        baseline: b_side,
        followup: f_side,
        rows,
        grade: grade_change(report_grade(baseline), report_grade(followup)),
        warnings,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn grade_change_sentences() {
        let c = grade_change(Some(Grade::Severe), Some(Grade::ModerateToSevere));
        assert_eq!(c.text, "severe → moderate-to-severe, improved by one grade");
        assert_eq!(c.steps, Some(-1));
        let c = grade_change(Some(Grade::Mild), Some(Grade::Severe));
        assert_eq!(c.direction, GradeDirection::Worsened);
        assert_eq!(c.text, "mild → severe, worsened by three grades");
        let c = grade_change(Some(Grade::Indeterminate), Some(Grade::Severe));
        assert_eq!(c.direction, GradeDirection::NotComparable);
        assert_eq!(c.steps, None);
        let c = grade_change(Some(Grade::Severe), Some(Grade::Severe));
        assert_eq!(c.text, "severe → severe, unchanged");
    }
}
