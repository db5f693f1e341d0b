//! The PDF read sheet a person can file: identification (or blinded / de-identified ids), the
//! MR grade with its criteria, the values table, findings, key frames with the measurements
//! drawn, and the Part 11 signature manifestation (printed name, date and time UTC, meaning),
//! repeated in every page footer.
//!
//! Key frames are rendered from the DICOM files the report measured (found by SOP Instance
//! UID, see [`super::images`]); when a file is not available the sheet says so in place of the
//! frame.

use std::collections::BTreeMap;

use super::deident::Deidentifier;
use super::images::ImageIndex;
use super::masks::{MaskBook, clean_rects};
use super::pdf_doc::{Doc, MAX_IMAGES, PlacedImage};
use super::pdf_frame::{RgbFrame, decode_frame, to_jpeg};
use super::sheet::{grade_lines, sheet_rows};
use crate::catalog::Catalog;
use crate::measure::DrawKind;
use crate::report::ReadingReport;

/// The signature manifestation sentence (§11.50): printed name, date and time UTC, meaning.
pub fn signature_manifestation(report: &ReadingReport) -> String {
    match &report.signature {
        Some(s) => {
            let when = s.signed_at_utc.replace('T', " ").replace('Z', " UTC");
            format!(
                "Electronically signed by {} ({}) on {} - meaning: {} (\"{}\")",
                s.printed_name,
                s.signer_id,
                when,
                s.meaning.code(),
                s.meaning.statement()
            )
        }
        None => "NOT SIGNED".to_owned(),
    }
}

/// Renders the read sheet of `report` (de-identified with `deid` when given). Returns the PDF
/// bytes and notes (key frames not available).
pub fn read_sheet_pdf(
    report: &ReadingReport,
    deid: Option<&Deidentifier>,
    masks: &MaskBook,
    index: &mut ImageIndex,
) -> Result<(Vec<u8>, Vec<String>), String> {
    let mut notes = Vec::new();
    let shown = deid.map_or_else(|| report.clone(), |d| d.report(report));
    let sig_line = signature_manifestation(report);
    let title = "Echocardiography core-lab read sheet";
    let mut doc = Doc::new(
        title,
        &format!(
            "Report {} v{} - {}",
            shown.report_id, shown.version, sig_line
        ),
    );
    doc.para(title, 16.0, true, 0.0);
    doc.gap(4.0);
    let subject = shown.subject_id.as_deref().unwrap_or("(blinded)");
    let visit = shown
        .visit
        .map_or_else(|| "(blinded / not recorded)".to_owned(), |v| v.to_string());
    let mut id_rows: Vec<(&str, String)> = vec![
        ("Subject", subject.to_owned()),
        ("Visit", visit),
        (
            "Study Instance UID",
            shown
                .study
                .as_ref()
                .map_or_else(|| "—".to_owned(), |s| s.study_instance_uid.clone()),
        ),
        (
            "Report",
            format!(
                "{} version {} ({}), created {}",
                shown.report_id,
                shown.version,
                shown.status.code(),
                shown.created_utc
            ),
        ),
        (
            "Reader",
            shown.reader_id.clone().unwrap_or_else(|| "—".to_owned()),
        ),
    ];
    if let Some(g) = &shown.grade {
        id_rows.push((
            "Rule set",
            format!(
                "{} ({}){}",
                g.result.guideline.title,
                g.ruleset_label(),
                g.protocol_id
                    .as_deref()
                    .map(|p| format!(", protocol {p}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(d) = deid {
        id_rows.push((
            "De-identified",
            format!(
                "for trial {} (PS3.15 basic profile; UIDs replaced)",
                d.trial_id()
            ),
        ));
    }
    for (k, v) in &id_rows {
        doc.row(&[k, v], &[0.25, 0.75], 9.5, false);
    }
    doc.rule();

    doc.gap(4.0);
    let grade_title = shown.grade.as_ref().map_or_else(
        || "MR grade: not graded".to_owned(),
        |g| format!("MR grade: {}", g.result.grade_label),
    );
    doc.para(&grade_title, 13.0, true, 0.0);
    for line in grade_lines(&shown) {
        doc.para(&line, 8.5, false, 10.0);
    }
    doc.rule();

    doc.gap(4.0);
    doc.para("Values", 12.0, true, 0.0);
    let rows = sheet_rows(&shown);
    if rows.is_empty() {
        doc.para("No values recorded.", 9.5, false, 0.0);
    } else {
        let f = [0.5, 0.2, 0.3];
        doc.row(&["Parameter", "Value", "Source"], &f, 9.5, true);
        for r in &rows {
            let label = if r.key {
                format!("{} *", r.label)
            } else {
                r.label.clone()
            };
            doc.row(&[&label, &r.display, &r.source], &f, 9.0, false);
        }
        doc.para("* key parameter", 7.5, false, 0.0);
    }
    if !shown.findings.is_empty() {
        doc.gap(6.0);
        doc.para("Findings", 12.0, true, 0.0);
        let catalog = Catalog::builtin();
        for (id, v) in &shown.findings {
            doc.row(
                &[catalog.label(id), &v.to_string()],
                &[0.5, 0.5],
                9.0,
                false,
            );
        }
    }
    if !shown.comment.trim().is_empty() {
        doc.gap(6.0);
        doc.para("Comment", 12.0, true, 0.0);
        doc.para(&shown.comment, 9.0, false, 0.0);
    }
    doc.rule();

    let clean = deid.map(|_| masks);
    key_frames(&mut doc, report, &shown, index, clean, &mut notes);

    doc.rule();
    doc.gap(6.0);
    doc.para(
        "Electronic signature (21 CFR Part 11 §11.50)",
        12.0,
        true,
        0.0,
    );
    if let Some(s) = &report.signature {
        let rows = [
            ("Printed name", s.printed_name.clone()),
            ("Signer id", s.signer_id.clone()),
            (
                "Date and time (UTC)",
                s.signed_at_utc.replace('T', " ").replace('Z', " UTC"),
            ),
            (
                "Meaning",
                format!("{} - {}", s.meaning.code(), s.meaning.statement()),
            ),
            (
                "Key fingerprint (SHA-256)",
                s.key_fingerprint_sha256.clone(),
            ),
            ("Content SHA-256", s.content_sha256.clone()),
        ];
        for (k, v) in &rows {
            doc.row(&[k, v], &[0.3, 0.7], 9.5, false);
        }
        doc.gap(4.0);
        doc.para(&sig_line, 9.0, false, 0.0);
        if deid.is_some() {
            doc.para(
                "The signature was made on the identified record kept by the core lab; this \
                 de-identified sheet reproduces its manifestation.",
                8.0,
                false,
                0.0,
            );
        }
    } else {
        doc.para("NOT SIGNED", 11.0, true, 0.0);
    }
    Ok((doc.finish(), notes))
}

/// Draws the measured frames (grouped by image and frame) with their geometry.
/// With `clean` (de-identified sheets) every frame is cleaned first ([`super::masks`]); a file
/// the mask rule refuses is not shown, and the sheet says why.
fn key_frames(
    doc: &mut Doc,
    original: &ReadingReport,
    shown: &ReadingReport,
    index: &mut ImageIndex,
    clean: Option<&MaskBook>,
    notes: &mut Vec<String>,
) {
    // (original SOP, frame) → measurements drawn there; shown SOP for captions.
    let mut groups: BTreeMap<(String, usize), Vec<usize>> = BTreeMap::new();
    for (i, m) in original.measurements.iter().enumerate() {
        if let Some(g) = &m.geometry
            && let Some(sop) = &g.sop_instance_uid
            && !g.points_px.is_empty()
        {
            groups
                .entry((sop.clone(), g.frame.unwrap_or(0)))
                .or_default()
                .push(i);
        }
    }
    doc.gap(4.0);
    doc.para("Key frames", 12.0, true, 0.0);
    if groups.is_empty() {
        doc.para(
            "No measurement was drawn on an image (values entered or imported).",
            9.0,
            false,
            0.0,
        );
        return;
    }
    let catalog = Catalog::builtin();
    let mut drawn = 0usize;
    for ((sop, frame), ms) in groups {
        let shown_sop = shown
            .measurements
            .get(ms.first().copied().unwrap_or(0))
            .and_then(|m| m.geometry.as_ref())
            .and_then(|g| g.sop_instance_uid.clone())
            .unwrap_or_else(|| sop.clone());
        let names: Vec<String> = ms
            .iter()
            .filter_map(|&i| original.measurements.get(i))
            .map(|m| {
                let value = match (m.value, &m.unit) {
                    (Some(v), Some(u)) => format!(
                        " = {} {}",
                        crate::calc::display_2dp(v),
                        crate::measure::Unit::parse(u).map_or(u.as_str(), |u| u.display_symbol())
                    ),
                    _ => String::new(),
                };
                format!("{}{value}", catalog.label(&m.quantity))
            })
            .collect();
        doc.gap(4.0);
        doc.para(
            &format!(
                "Image {shown_sop}, frame {}: {}",
                frame + 1,
                names.join("; ")
            ),
            8.5,
            true,
            0.0,
        );
        let source = ms
            .iter()
            .filter_map(|&i| original.measurements.get(i))
            .find_map(|m| m.geometry.as_ref().and_then(|g| g.source_file.clone()));
        doc.gap(3.0);
        let rendered = if drawn >= MAX_IMAGES {
            Err("too many key frames for one sheet".to_owned())
        } else {
            match index.find(&sop, source.as_deref()) {
                None => Err("image file not available".to_owned()),
                Some(found) => decode_frame(&found.path, frame as u32).and_then(|mut f| {
                    if let Some(masks) = clean {
                        clean_key_frame(&found.path, &mut f, masks)?;
                    }
                    let jpeg = to_jpeg(&f)?;
                    Ok((f.width, f.height, jpeg))
                }),
            }
        };
        match rendered {
            Ok((width, height, jpeg)) => {
                let overlays = ms
                    .iter()
                    .filter_map(|&i| original.measurements.get(i))
                    .filter_map(|m| {
                        m.geometry.as_ref().map(|g| {
                            (
                                g.points_px.clone(),
                                matches!(m.draw_kind, DrawKind::AreaTrace),
                            )
                        })
                    })
                    .collect();
                doc.image(
                    PlacedImage {
                        jpeg,
                        width,
                        height,
                        overlays,
                    },
                    300.0,
                );
                drawn += 1;
            }
            Err(why) => {
                doc.para(
                    &format!("Key frame not shown: {why} (SOP Instance UID {shown_sop})."),
                    9.0,
                    false,
                    10.0,
                );
                notes.push(format!("key frame of {sop} frame {}: {why}", frame + 1));
            }
        }
    }
}

/// Blacks out everything of a key frame outside its data regions (or the device's mask).
fn clean_key_frame(
    path: &std::path::Path,
    f: &mut RgbFrame,
    masks: &MaskBook,
) -> Result<(), String> {
    let info = crate::dicom::read_info(path).map_err(|e| e.to_string())?;
    let (rects, _) = clean_rects(&info.header, &info.calibration, masks)?;
    crate::dicom::PixelMask::new(f.width, f.height, &rects)
        .apply(&mut f.rgb, &[0, 0, 0])
        .map(|_| ())
}
