//! What a signature will cover, in the words of the signing dialog: every value, the grade and
//! the images drawn on. The dialog shows it and refuses an empty read unless the reader confirms.

use std::collections::BTreeSet;

use super::model::ReadingReport;

/// A summary of a report's content, built from the exact report that will be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSummary {
    /// One line per measurement with a value (`mr_vc_width = 0.7 cm`) or drawing without one.
    pub values: Vec<String>,
    /// One line per finding (`mr_etiology: primary`).
    pub findings: Vec<String>,
    /// The grade with its rule set (`Severe (ase2017@1.0)`), if graded.
    pub grade: Option<String>,
    /// Number of distinct images (SOP Instance UIDs) the drawings are on.
    pub image_count: usize,
    /// Drawings whose image is not named by a SOP Instance UID.
    pub drawings_without_image: usize,
}

impl SigningSummary {
    /// Summarizes `report`.
    pub fn of(report: &ReadingReport) -> Self {
        let mut images = BTreeSet::new();
        let mut drawings_without_image = 0;
        let values = report
            .measurements
            .iter()
            .map(|m| {
                if let Some(g) = &m.geometry
                    && !g.points_px.is_empty()
                {
                    match &g.sop_instance_uid {
                        Some(uid) => {
                            images.insert(uid.clone());
                        }
                        None => drawings_without_image += 1,
                    }
                }
                match (m.value, &m.unit) {
                    (Some(v), Some(u)) => format!("{} = {} {u}", m.quantity, round4(v)),
                    (Some(v), None) => format!("{} = {}", m.quantity, round4(v)),
                    (None, _) => format!("{} (drawn, no value)", m.quantity),
                }
            })
            .collect();
        let findings = report
            .findings
            .iter()
            .map(|(id, v)| format!("{id}: {v}"))
            .collect();
        let grade = report
            .grade
            .as_ref()
            .map(|g| format!("{} ({})", g.result.grade_label, g.ruleset_label()));
        SigningSummary {
            values,
            findings,
            grade,
            image_count: images.len(),
            drawings_without_image,
        }
    }

    /// True when there is nothing to sign: no measurement, no finding and no grade.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.findings.is_empty() && self.grade.is_none()
    }

    /// The summary as the dialog prints it.
    pub fn text(&self) -> String {
        if self.is_empty() {
            return "This read is EMPTY: no measurements, no findings and no grade.".to_owned();
        }
        let mut lines = vec![format!(
            "You are signing {} measurement(s), {} finding(s) on {} image(s); grade: {}.",
            self.values.len(),
            self.findings.len(),
            self.image_count,
            self.grade.as_deref().unwrap_or("not graded")
        )];
        lines.extend(self.values.iter().map(|v| format!("  {v}")));
        lines.extend(self.findings.iter().map(|f| format!("  {f}")));
        if self.drawings_without_image > 0 {
            lines.push(format!(
                "{} drawing(s) are not linked to an image of the study.",
                self.drawings_without_image
            ));
        }
        lines.join("\n")
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::DrawKind;
    use crate::report::{MeasurementGeometry, ReportMeasurement};

    #[test]
    fn counts_values_and_images() {
        let mut r = ReadingReport::new_draft("r", "2026-01-01T00:00:00Z");
        assert!(SigningSummary::of(&r).is_empty());
        assert!(SigningSummary::of(&r).text().contains("EMPTY"));
        let geometry = |sop: Option<&str>| MeasurementGeometry {
            sop_instance_uid: sop.map(str::to_owned),
            source_file: None,
            frame: Some(0),
            points_px: vec![[1.0, 2.0], [3.0, 4.0]],
            points_phys: Vec::new(),
            region: None,
        };
        for (id, sop) in [("a", Some("1.2")), ("b", Some("1.2")), ("c", None)] {
            r.measurements.push(ReportMeasurement {
                id: id.into(),
                quantity: "mr_vc_width".into(),
                draw_kind: DrawKind::Caliper,
                value: Some(0.712345),
                unit: Some("cm".into()),
                geometry: Some(geometry(sop)),
            });
        }
        let s = SigningSummary::of(&r);
        assert!(!s.is_empty());
        assert_eq!(s.image_count, 1);
        assert_eq!(s.drawings_without_image, 1);
        assert_eq!(s.values[0], "mr_vc_width = 0.7123 cm");
        assert!(
            s.text()
                .contains("3 measurement(s), 0 finding(s) on 1 image(s)")
        );
    }
}
