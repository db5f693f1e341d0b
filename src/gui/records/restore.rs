//! Putting a stored read back on screen: the report's drawings, typed values and findings become
//! the workstation's [`Document`], so the screen is again the one source of what is saved and
//! signed. Drawings are placed on the open image with the same SOP Instance UID (else the same
//! path); a drawing whose image is not open cannot be placed, and then nothing is replaced.

use crate::gui::calibrate::gui_from_dicom;
use crate::gui::document::{Document, Drawing, ManualValue};
use crate::gui::library::Library;
use crate::measure::DrawKind;
use crate::report::ReadingReport;

/// Prefix of the measurement ids of typed values (see [`crate::gui::calibrate::build_reading`]).
const MANUAL_PREFIX: &str = "manual:";
/// Suffix of envelope peaks derived by the workstation (not drawings of their own).
const PEAK_SUFFIX: &str = ".peak";

/// True when the report holds something to put on screen.
pub fn has_content(report: &ReadingReport) -> bool {
    !report.measurements.is_empty() || !report.findings.is_empty()
}

/// The document that shows `report`, or why it cannot be built (an image not open).
pub fn document_from_report(report: &ReadingReport, library: &Library) -> Result<Document, String> {
    let mut doc = Document::default();
    let mut missing = Vec::new();
    for m in &report.measurements {
        if m.id.ends_with(PEAK_SUFFIX) {
            continue;
        }
        if m.draw_kind == DrawKind::ManualEntry || m.id.starts_with(MANUAL_PREFIX) {
            if let Some(value) = m.value {
                doc.manual.insert(m.quantity.clone(), ManualValue { value });
            }
            continue;
        }
        let Some(g) = m.geometry.as_ref().filter(|g| !g.points_px.is_empty()) else {
            continue;
        };
        let file = library.entries.iter().find_map(|e| {
            let f = e.file()?;
            let by_uid = g
                .sop_instance_uid
                .as_deref()
                .is_some_and(|uid| !uid.is_empty() && f.info().sop_instance_uid == uid);
            let by_path = g
                .source_file
                .as_deref()
                .is_some_and(|p| e.path.display().to_string() == p);
            (by_uid || by_path).then_some(e.id)
        });
        let Some(file) = file else {
            missing.push(m.id.clone());
            continue;
        };
        doc.drawings.push(Drawing {
            uid: m.id.clone(),
            catalog_id: m.quantity.clone(),
            kind: m.draw_kind,
            file,
            frame: g.frame.unwrap_or(0),
            points: g.points_px.iter().map(|p| gui_from_dicom(*p)).collect(),
        });
    }
    if !missing.is_empty() {
        return Err(format!(
            "the image of drawing(s) {} is not open",
            missing.join(", ")
        ));
    }
    doc.findings = report.findings.clone();
    Ok(doc)
}
