//! The PDF read sheet: its text (pdftotext) holds the signature manifestation, the values and the
//! grade; the key frame is drawn from the measured DICOM file, or the sheet says it is missing.
#![allow(clippy::unwrap_used)]

mod export_support;

use std::path::Path;
use std::process::Command;

use echolab::export::{ExportFormat, ExportOptions, export, load_signed};
use export_support::*;

fn pdftotext(pdf: &Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "pdftotext failed on {}: {}",
            pdf.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!(
                "\n!!!!!!!! SKIPPING PDF TEXT CHECK: `pdftotext` is not installed \
                 (apt-get install poppler-utils) !!!!!!!!\n"
            );
            None
        }
    }
}

fn pdf_of(
    dir: &Path,
    spec: &Spec<'_>,
    options: &ExportOptions,
) -> (std::path::PathBuf, Vec<String>) {
    let report = signed_report(spec);
    let input = load_signed(&write(dir, &report)).unwrap();
    let out = dir.join(format!("{}.pdf", spec.id));
    let summary = export(&[input], ExportFormat::Pdf, options, &out, &mut |_| {}).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    (out, summary.notes)
}

#[test]
fn read_sheet_text_has_manifestation_values_and_key_frame() {
    let corpus = corpus_dir().expect("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    let dir = tempfile::tempdir().unwrap();
    let (pdf, notes) = pdf_of(
        dir.path(),
        &Spec {
            id: "sheet",
            values: BASELINE_VALUES,
            drawn_vc: true,
            ..Spec::default()
        },
        &ExportOptions {
            image_dirs: vec![corpus],
            ..ExportOptions::default()
        },
    );
    assert!(notes.is_empty(), "{notes:?}");
    let Some(text) = pdftotext(&pdf) else { return };
    println!("{text}");
    for needle in [
        "Echocardiography core-lab read sheet",
        "SUBJ-001",
        "screening/baseline",
        "MR grade: Severe",
        // Part 11 manifestation: printed name, date and time UTC, meaning.
        "Electronically signed by Dr Ada Reader (reader1) on 2026-05-01 14:03:27 UTC",
        "meaning: authorship",
        "I am the author of this reading report",
        "Printed name",
        // Values with units.
        "0.45 cm²",
        "70.00 mL",
        "55.00 %",
        "40.00 %",
        "Key frames",
        "frame 1: MR vena contracta width = 0.62 cm",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    assert!(!text.contains("Key frame not shown"));
    // The key frame is an embedded image.
    if let Ok(o) = Command::new("pdfimages").arg("-list").arg(&pdf).output() {
        let list = String::from_utf8_lossy(&o.stdout);
        assert!(list.contains("640") && list.contains("480"), "{list}");
    }
}

#[test]
fn read_sheet_says_when_the_image_is_missing_and_deidentifies() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, notes) = pdf_of(
        dir.path(),
        &Spec {
            id: "noimage",
            values: FOLLOWUP_VALUES,
            drawn_vc: true,
            ..Spec::default()
        },
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-3".to_owned()),
            ..ExportOptions::default()
        },
    );
    assert!(
        notes.iter().any(|n| n.contains("not available")),
        "{notes:?}"
    );
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(text.contains("Key frame not shown: image file not available"));
    assert!(text.contains("TRIAL-3"));
    assert!(!text.contains("SUBJ-001"));
    assert!(!text.contains(SAMPLE_SOP));
    assert!(text.contains("Electronically signed by Dr Ada Reader"));
    assert!(text.contains("MR grade: Moderate (moderate-to-severe, grade III)"));
}

#[test]
fn palette_multiframe_key_frame_is_drawn() {
    let corpus = corpus_dir().expect("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    let dir = tempfile::tempdir().unwrap();
    let (pdf, notes) = pdf_of(
        dir.path(),
        &Spec {
            id: "palette",
            values: BASELINE_VALUES,
            drawn_jet: Some(("US-PAL-8-10x-echo.dcm", "999.999.133.1996.1.1800.1.6.25", 3)),
            ..Spec::default()
        },
        &ExportOptions {
            image_dirs: vec![corpus],
            ..ExportOptions::default()
        },
    );
    assert!(notes.is_empty(), "{notes:?}");
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(
        text.contains("frame 4: MR color jet area (maximal) = 7.50 cm²"),
        "{text}"
    );
    assert!(!text.contains("Key frame not shown"));
}
