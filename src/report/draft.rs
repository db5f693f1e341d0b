//! Filling a draft report: from a grading input file (CLI) or from the reader's calibrated
//! measurement set (GUI), running the real grading engine ([`crate::grading::grade`]).

use time::OffsetDateTime;

use super::format_utc;
use super::model::{GradeSection, MeasurementGeometry, ReadingReport, ReportMeasurement};
use crate::grading::{self, GradeError, GradeInput};
use crate::measure::{DrawKind, MeasurementSet};

/// Which rule set (and optionally which trial protocol) grades the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingChoice {
    /// Guideline id (e.g. `ase2017`).
    pub guideline_id: String,
    /// Trial protocol id for eligibility.
    pub protocol_id: Option<String>,
}

impl Default for GradingChoice {
    fn default() -> Self {
        GradingChoice {
            guideline_id: grading::DEFAULT_GUIDELINE.to_owned(),
            protocol_id: None,
        }
    }
}

/// Grades `input` and wraps the result as a report grade section.
pub fn grade_section(
    input: &GradeInput,
    choice: &GradingChoice,
) -> Result<GradeSection, GradeError> {
    let result = grading::grade(input, &choice.guideline_id, choice.protocol_id.as_deref())?;
    Ok(GradeSection {
        guideline_id: choice.guideline_id.clone(),
        protocol_id: choice.protocol_id.clone(),
        result,
    })
}

/// Measurements of a grading input: each value (no geometry; typed-in) and each LV contour
/// (physical points only).
pub fn measurements_from_grade_input(input: &GradeInput) -> Vec<ReportMeasurement> {
    let mut out: Vec<ReportMeasurement> = input
        .values
        .iter()
        .map(|(id, v)| ReportMeasurement {
            id: id.clone(),
            quantity: id.clone(),
            draw_kind: DrawKind::ManualEntry,
            value: Some(v.value),
            unit: Some(v.unit.clone()),
            geometry: None,
        })
        .collect();
    for (id, c) in &input.contours {
        out.push(ReportMeasurement {
            id: id.clone(),
            quantity: id.clone(),
            draw_kind: DrawKind::LvContour,
            value: None,
            unit: None,
            geometry: Some(MeasurementGeometry {
                sop_instance_uid: None,
                source_file: None,
                frame: None,
                points_px: Vec::new(),
                points_phys: c.points.clone(),
                region: None,
            }),
        });
    }
    out
}

/// Copies the derived values of the grade into the report's `derived` map.
fn set_derived(report: &mut ReadingReport) {
    report.derived = report
        .grade
        .as_ref()
        .map(|g| {
            g.result
                .derived
                .iter()
                .map(|(id, d)| {
                    (
                        id.clone(),
                        super::model::ValueWithUnit {
                            value: d.value,
                            unit: d.unit.symbol().to_owned(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
}

/// A new draft from a grading input: its values become measurements, its findings the report
/// findings, and the grade (with criteria, derived values and eligibility) comes from the engine.
pub fn draft_from_grade_input(
    input: &GradeInput,
    choice: &GradingChoice,
    report_id: impl Into<String>,
    now: OffsetDateTime,
) -> Result<ReadingReport, GradeError> {
    let mut report = ReadingReport::new_draft(report_id, format_utc(now));
    report.measurements = measurements_from_grade_input(input);
    report.findings = input.findings.clone();
    report.grade = Some(grade_section(input, choice)?);
    set_derived(&mut report);
    Ok(report)
}

/// Replaces a draft's measurements, findings, derived values and grade with those of the
/// reader's calibrated measurement set (the GUI calls this before each autosave).
/// `sop_for_file` maps a measurement's source file to its SOP Instance UID.
/// With `choice = None` the grade is removed (not graded yet).
pub fn apply_measurement_set(
    report: &mut ReadingReport,
    set: &MeasurementSet,
    choice: Option<&GradingChoice>,
    sop_for_file: &dyn Fn(&str) -> Option<String>,
) -> Result<(), GradeError> {
    report.measurements = set
        .measurements
        .iter()
        .map(|m| {
            let drawn = m.frame.is_some() || !m.points_px.is_empty() || !m.points_phys.is_empty();
            ReportMeasurement {
                id: m.uid.clone(),
                quantity: m.catalog_id.clone(),
                draw_kind: m.kind,
                value: m.value.map(|q| q.value),
                unit: m.value.map(|q| q.unit.symbol().to_owned()),
                geometry: drawn.then(|| MeasurementGeometry {
                    sop_instance_uid: m.source_file.as_deref().and_then(sop_for_file),
                    source_file: m.source_file.clone(),
                    frame: m.frame,
                    points_px: m.points_px.clone(),
                    points_phys: m.points_phys.clone(),
                    region: m.region_index,
                }),
            }
        })
        .collect();
    report.findings = set.findings.clone();
    report.grade = match choice {
        Some(c) => Some(grade_section(
            &grading::grade_input_from_measurements(set)?,
            c,
        )?),
        None => None,
    };
    set_derived(report);
    Ok(())
}

/// Summary lines (rule set, criteria met, eligibility) of a grade section for text rendering.
pub fn grade_summary_lines(g: &GradeSection) -> Vec<String> {
    let r = &g.result;
    let mut lines = vec![format!(
        "{} ({}{}) — {}",
        r.grade_label,
        r.basis,
        if r.discordant { ", discordant" } else { "" },
        r.reason
    )];
    for c in &r.criteria {
        let value = match (&c.rounded, &c.unit) {
            (Some(v), Some(u)) => format!(" = {v} {}", u.symbol()),
            (Some(v), None) => format!(" = {v}"),
            _ => String::new(),
        };
        lines.push(format!(
            "criterion {}{value} [{}]: {:?}",
            c.label, c.threshold, c.status
        ));
    }
    if let Some(e) = &r.eligibility {
        lines.push(format!(
            "eligibility under protocol {} {}: {:?}",
            e.protocol, e.version, e.status
        ));
        if !e.missing.is_empty() {
            lines.push(format!("eligibility missing: {}", e.missing.join(", ")));
        }
    }
    for w in &r.warnings {
        lines.push(format!("warning: {}", w.message));
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn draft_runs_the_real_grading() {
        let input: GradeInput = serde_json::from_str(
            r#"{"values": {"mr_eroa": {"value": 0.45, "unit": "cm2"},
                           "mr_rvol": {"value": 70, "unit": "ml"}},
                "findings": {"mr_etiology": "primary"}}"#,
        )
        .unwrap();
        let r = draft_from_grade_input(
            &input,
            &GradingChoice::default(),
            "id1",
            time::macros::datetime!(2026-01-02 03:04:05 UTC),
        )
        .unwrap();
        let g = r.grade.as_ref().unwrap();
        assert_eq!(g.result.grade, crate::grading::Grade::Severe);
        assert_eq!(r.measurements.len(), 2);
        assert_eq!(r.created_utc, "2026-01-02T03:04:05Z");
        assert!(g.ruleset_label().starts_with("ase2017@"));
    }
}
