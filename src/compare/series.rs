//! Longitudinal series: one parameter across the visits of a subject, and across subjects.
//!
//! The caller passes the reads to plot (usually the final signed or adjudicated read of each
//! visit). The pseudo-parameter [`GRADE_PARAMETER`] plots the MR grade as its severity rank
//! (0 mild … 3 severe; indeterminate reads are left out).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::values::{label, param_value, report_grade};
use crate::catalog::Catalog;
use crate::report::ReadingReport;

/// Id of the pseudo-parameter "MR grade rank" in [`subject_series`] and [`trial_series`].
pub const GRADE_PARAMETER: &str = "mr_grade";

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Months after baseline (x axis); None when the report has no visit.
    pub months: Option<u32>,
    /// Visit label (`6 months`).
    pub visit_label: String,
    /// The value (y axis), in the series unit.
    pub value: f64,
    /// Report id and version it came from.
    pub report_id: String,
    /// Report version.
    pub version: u32,
}

/// A parameter across the visits of one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Subject id (`""` for reports without one).
    pub subject_id: String,
    /// Parameter id (catalog id or [`GRADE_PARAMETER`]).
    pub parameter: String,
    /// Parameter label.
    pub label: String,
    /// Unit symbol (`rank` for the grade).
    pub unit: String,
    /// Points sorted by months (reports without a visit last), then report id and version.
    pub points: Vec<SeriesPoint>,
}

fn point(report: &ReadingReport, parameter: &str) -> Option<SeriesPoint> {
    let value = if parameter == GRADE_PARAMETER {
        f64::from(report_grade(report)?.rank()?)
    } else {
        param_value(report, parameter)?.value
    };
    Some(SeriesPoint {
        months: report.visit.map(|v| v.months()),
        visit_label: report
            .visit
            .map_or_else(|| "visit not recorded".to_owned(), |v| v.to_string()),
        value,
        report_id: report.report_id.clone(),
        version: report.version,
    })
}

fn series_meta(parameter: &str) -> (String, String) {
    if parameter == GRADE_PARAMETER {
        ("MR grade (0 mild … 3 severe)".to_owned(), "rank".to_owned())
    } else {
        (
            label(parameter),
            Catalog::builtin()
                .unit(parameter)
                .map_or_else(String::new, |u| u.symbol().to_owned()),
        )
    }
}

fn sort_points(points: &mut [SeriesPoint]) {
    points.sort_by(|a, b| {
        (a.months.is_none(), a.months, &a.report_id, a.version).cmp(&(
            b.months.is_none(),
            b.months,
            &b.report_id,
            b.version,
        ))
    });
}

/// `parameter` across the visits of `subject_id`, from the reports of that subject in `reports`.
pub fn subject_series(reports: &[ReadingReport], subject_id: &str, parameter: &str) -> Series {
    let (label, unit) = series_meta(parameter);
    let mut points: Vec<SeriesPoint> = reports
        .iter()
        .filter(|r| r.subject_id.as_deref().unwrap_or("") == subject_id)
        .filter_map(|r| point(r, parameter))
        .collect();
    sort_points(&mut points);
    Series {
        subject_id: subject_id.to_owned(),
        parameter: parameter.to_owned(),
        label,
        unit,
        points,
    }
}

/// `parameter` across the visits of every subject in `reports`, one series per subject (by
/// subject id). Subjects without any value of the parameter are left out.
pub fn trial_series(reports: &[ReadingReport], parameter: &str) -> BTreeMap<String, Series> {
    let mut subjects: Vec<&str> = reports
        .iter()
        .map(|r| r.subject_id.as_deref().unwrap_or(""))
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    subjects
        .into_iter()
        .map(|s| (s.to_owned(), subject_series(reports, s, parameter)))
        .filter(|(_, series)| !series.points.is_empty())
        .collect()
}

/// Summary of a parameter at each visit across subjects: (months, n, mean, median, min, max),
/// sorted by months; points without a visit are left out.
pub fn visit_summary(series: &BTreeMap<String, Series>) -> Vec<VisitStat> {
    let mut by_month: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for s in series.values() {
        for p in &s.points {
            if let Some(m) = p.months {
                by_month.entry(m).or_default().push(p.value);
            }
        }
    }
    by_month
        .into_iter()
        .map(|(months, mut v)| {
            let n = v.len();
            v.sort_by(f64::total_cmp);
            let mid = n / 2;
            let median = match (v.get(mid.wrapping_sub(1)), v.get(mid)) {
                (Some(a), Some(b)) if n % 2 == 0 => (a + b) / 2.0,
                (_, Some(b)) => *b,
                _ => f64::NAN,
            };
            let mean = v.iter().sum::<f64>() / n as f64;
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            VisitStat {
                months,
                n,
                mean,
                median,
                min,
                max,
            }
        })
        .collect()
}

/// Across-subject statistics of one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitStat {
    /// Months after baseline.
    pub months: u32,
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(subject: &str, points: &[(u32, f64)]) -> Series {
        Series {
            subject_id: subject.to_owned(),
            parameter: "mr_eroa".to_owned(),
            label: "EROA".to_owned(),
            unit: "cm2".to_owned(),
            points: points
                .iter()
                .map(|&(months, value)| SeriesPoint {
                    months: Some(months),
                    visit_label: String::new(),
                    value,
                    report_id: subject.to_owned(),
                    version: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn visit_summary_has_median_and_n() {
        let mut all = BTreeMap::new();
        all.insert("a".to_owned(), series("a", &[(0, 0.4), (6, 0.3)]));
        all.insert("b".to_owned(), series("b", &[(0, 0.6), (6, 0.1)]));
        all.insert("c".to_owned(), series("c", &[(0, 0.5)]));
        let s = visit_summary(&all);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].months, s[0].n), (0, 3));
        assert!((s[0].median - 0.5).abs() < 1e-12);
        assert_eq!((s[1].months, s[1].n), (6, 2));
        assert!((s[1].median - 0.2).abs() < 1e-12);
        assert!((s[1].min - 0.1).abs() < 1e-12 && (s[1].max - 0.3).abs() < 1e-12);
    }
}
