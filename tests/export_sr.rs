//! Every DICOM SR written must pass dcmtk's `dsrdump` and dicom3tools' `dciodvfy` without errors.
#![allow(clippy::unwrap_used)]

mod export_support;

use std::path::Path;
use std::process::Command;

use echolab::export::{ExportFormat, ExportOptions, export, load_signed};
use echolab::report::Visit;
use export_support::*;

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n!!!!!!!! SKIPPING SR VALIDATION: `{name}` is not installed \
             (apt-get install dcmtk dicom3tools) !!!!!!!!\n"
        );
    }
    found
}

/// Runs both validators on `file`; panics with their output on any error.
fn validate(file: &Path) {
    if tool("dciodvfy") {
        let out = Command::new("dciodvfy").arg(file).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
        assert!(errors.is_empty(), "dciodvfy {}:\n{text}", file.display());
        println!("dciodvfy {}:\n{text}", file.display());
    }
    if tool("dsrdump") {
        let out = Command::new("dsrdump").arg(file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && !stderr.contains("E:") && !stderr.contains("W:"),
            "dsrdump {}: status {:?}\n{stderr}\n{stdout}",
            file.display(),
            out.status
        );
        println!("{stdout}");
    }
}

fn sr_of(
    dir: &Path,
    spec: &Spec<'_>,
    options: &ExportOptions,
) -> (std::path::PathBuf, Vec<String>) {
    let report = signed_report(spec);
    let path = write(dir, &report);
    let input = load_signed(&path).unwrap();
    let out = dir.join(format!("{}.dcm", spec.id));
    let summary = export(&[input], ExportFormat::Sr, options, &out, &mut |_| {}).unwrap();
    assert_eq!(summary.files, std::slice::from_ref(&out));
    (out, summary.notes)
}

fn dump(path: &Path) -> String {
    let out = Command::new("dcmdump").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sr_with_measured_image_passes_validators() {
    let Some(corpus) = corpus_dir() else {
        panic!("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    };
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        image_dirs: vec![corpus.clone()],
        ..ExportOptions::default()
    };
    let (sr, notes) = sr_of(
        dir.path(),
        &Spec {
            id: "measured",
            values: BASELINE_VALUES,
            drawn_vc: true,
            ..Spec::default()
        },
        &options,
    );
    assert!(notes.is_empty(), "{notes:?}");
    validate(&sr);
    if tool("dcmdump") {
        let d = dump(&sr);
        assert!(d.contains("=ComprehensiveSRStorage"), "{d}");
        assert!(
            d.contains(SAMPLE_SOP),
            "the measured image is referenced: {d}"
        );
        assert!(
            d.contains("=UltrasoundImageStorage"),
            "SOP class from the file"
        );
        assert!(d.contains("Adult Echocardiography Procedure Report"));
        assert!(d.contains("Cardiovascular Orifice Area"));
        assert!(d.contains("Reader^Dr Ada"), "verifying observer");
        assert!(d.contains("VERIFIED"));
        assert!(d.contains("SCOORD"));
    }
}

#[test]
fn sr_variants_pass_validators() {
    let dir = tempfile::tempdir().unwrap();
    // Image file not found (SOP class assumed, noted), protocol with eligibility.
    let (sr, notes) = sr_of(
        dir.path(),
        &Spec {
            id: "nofile",
            visit: Some(Visit::Month12),
            protocol: Some("cs_annuloplasty_rct"),
            values: FOLLOWUP_VALUES,
            drawn_vc: true,
            ..Spec::default()
        },
        &ExportOptions::default(),
    );
    assert!(notes.iter().any(|n| n.contains("not found")), "{notes:?}");
    validate(&sr);
    // De-identified: subject replaced by the trial id, UIDs remapped, identification removed.
    let (sr, _) = sr_of(
        dir.path(),
        &Spec {
            id: "deid",
            values: BASELINE_VALUES,
            drawn_vc: true,
            ..Spec::default()
        },
        &ExportOptions {
            deidentify_trial_id: Some("TRIAL-42".to_owned()),
            image_dirs: corpus_dir().into_iter().collect(),
            ..ExportOptions::default()
        },
    );
    validate(&sr);
    if tool("dcmdump") {
        let d = dump(&sr);
        assert!(!d.contains("SUBJ-001"), "{d}");
        assert!(!d.contains(SAMPLE_SOP) && !d.contains(SAMPLE_STUDY));
        assert!(d.contains("TRIAL-42"));
        assert!(d.contains("(0012,0062) CS [YES]"));
    }
    // Nothing measured: grade only.
    let (sr, _) = sr_of(
        dir.path(),
        &Spec {
            id: "empty",
            values: &[],
            findings: &[],
            ..Spec::default()
        },
        &ExportOptions::default(),
    );
    validate(&sr);
}

#[test]
fn sr_references_a_frame_of_a_multiframe_image() {
    let corpus = corpus_dir().expect("real DICOM corpus not found (set ECHOLAB_REAL_DICOM)");
    let dir = tempfile::tempdir().unwrap();
    let (sr, notes) = sr_of(
        dir.path(),
        &Spec {
            id: "multiframe",
            values: BASELINE_VALUES,
            drawn_vc: true,
            drawn_jet: Some((
                "OBXXXX1A_rle_2frame.dcm",
                "1.3.46.670589.14.1000.210.2.199999.20110525185628.1.0",
                1,
            )),
            ..Spec::default()
        },
        &ExportOptions {
            image_dirs: vec![corpus],
            ..ExportOptions::default()
        },
    );
    assert!(notes.is_empty(), "{notes:?}");
    validate(&sr);
    if tool("dcmdump") {
        let d = dump(&sr);
        assert!(d.contains("=UltrasoundMultiframeImageStorage"), "{d}");
        assert!(d.contains("(0008,1160) IS [2]"), "frame 2 referenced: {d}");
        assert!(d.contains("Jet Area"));
    }
}

#[test]
fn sr_uses_the_sop_class_recorded_in_the_report_when_the_image_is_absent() {
    let dir = tempfile::tempdir().unwrap();
    let (sr, notes) = sr_of(
        dir.path(),
        &Spec {
            id: "recorded-class",
            values: BASELINE_VALUES,
            drawn_vc: true,
            sop_class: Some("1.2.840.10008.5.1.4.1.1.6.1"),
            ..Spec::default()
        },
        // No image folder: the measured file cannot be found.
        &ExportOptions::default(),
    );
    assert!(
        notes.iter().all(|n| !n.contains("SOP class assumed")),
        "the report's SOP class is used: {notes:?}"
    );
    validate(&sr);
    if tool("dcmdump") {
        let d = dump(&sr);
        assert!(d.contains("=UltrasoundImageStorage"), "{d}");
        assert!(!d.contains("=UltrasoundMultiframeImageStorage"), "{d}");
    }
}
