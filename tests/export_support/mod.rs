//! Shared helpers of the export, compare and adjudication tests: reports are built through the
//! real API (grading input → grading engine → draft → Ed25519 signature with a test key).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use echolab::grading::GradeInput;
use echolab::report::draft::{GradingChoice, draft_from_grade_input};
use echolab::report::{
    ImageRef, MeasurementGeometry, ReadingReport, ReportMeasurement, SignatureMeaning, StudyRef,
    Visit, write_report,
};
use echolab::signing::lab::{LabPublicKey, issue_certificate};
use echolab::signing::{KdfParams, generate_key, sign_report_certified, unlock};
use ed25519_dalek::SigningKey;
use time::macros::datetime;

/// The sample image: a real single-frame RGB ultrasound file of the shared corpus.
pub const SAMPLE_FILE: &str = "US1_UNCR.dcm";
pub const SAMPLE_SOP: &str = "1.3.6.1.4.1.5962.1.1.13.1.1.20040826185059.5457";
pub const SAMPLE_SERIES: &str = "1.3.6.1.4.1.5962.1.3.13.1.20040826185059.5457";
pub const SAMPLE_STUDY: &str = "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457";

/// The shared real-DICOM corpus folder (`$ECHOLAB_REAL_DICOM/files`), if present.
pub fn corpus_dir() -> Option<PathBuf> {
    let base = std::env::var_os("ECHOLAB_REAL_DICOM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/dicom"));
    let candidates = [
        base.join("files"),
        PathBuf::from("/work/shared/dicom/files"),
    ];
    candidates
        .into_iter()
        .find(|d| d.join(SAMPLE_FILE).is_file())
}

/// A test signing key (real key generation and passphrase sealing, fast KDF parameters).
pub fn test_key(reader: &str) -> SigningKey {
    let (_, sealed) = generate_key(
        reader,
        "correct horse battery",
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap();
    unlock(reader, &sealed, "correct horse battery").unwrap()
}

/// Grading input from `(id, value, unit)` values and `(id, answer)` findings.
pub fn input(values: &[(&str, f64, &str)], findings: &[(&str, &str)]) -> GradeInput {
    let mut v = serde_json::Map::new();
    for (id, value, unit) in values {
        v.insert(
            (*id).to_owned(),
            serde_json::json!({"value": value, "unit": unit}),
        );
    }
    let mut f = serde_json::Map::new();
    for (id, answer) in findings {
        f.insert((*id).to_owned(), serde_json::json!(answer));
    }
    serde_json::from_value(serde_json::json!({"values": v, "findings": f})).unwrap()
}

/// Options of [`signed_report`].
pub struct Spec<'a> {
    pub id: &'a str,
    pub reader: &'a str,
    pub name: &'a str,
    pub subject: Option<&'a str>,
    pub visit: Option<Visit>,
    pub protocol: Option<&'a str>,
    pub values: &'a [(&'a str, f64, &'a str)],
    pub findings: &'a [(&'a str, &'a str)],
    /// Add a drawn vena contracta caliper on the sample image.
    pub drawn_vc: bool,
    /// Add a drawn MR jet area trace on another file: (file name, SOP Instance UID, frame).
    pub drawn_jet: Option<(&'a str, &'a str, usize)>,
    /// SOP Class UID recorded in the report's study image reference.
    pub sop_class: Option<&'a str>,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            id: "r-1",
            reader: "reader1",
            name: "Dr Ada Reader",
            subject: Some("SUBJ-001"),
            visit: Some(Visit::Baseline),
            protocol: None,
            values: &[],
            findings: &[("mr_etiology", "secondary")],
            drawn_vc: false,
            drawn_jet: None,
            sop_class: None,
        }
    }
}

/// Grades, drafts and signs a report (meaning authorship).
pub fn signed_report(spec: &Spec<'_>) -> ReadingReport {
    let choice = GradingChoice {
        guideline_id: "ase2017".to_owned(),
        protocol_id: spec.protocol.map(str::to_owned),
    };
    let now = datetime!(2026-05-01 14:03:27 UTC);
    let mut draft =
        draft_from_grade_input(&input(spec.values, spec.findings), &choice, spec.id, now).unwrap();
    draft.reader_id = Some(spec.reader.to_owned());
    draft.subject_id = spec.subject.map(str::to_owned);
    draft.visit = spec.visit;
    draft.study = Some(StudyRef {
        study_instance_uid: SAMPLE_STUDY.to_owned(),
        images: vec![ImageRef {
            series_instance_uid: SAMPLE_SERIES.to_owned(),
            sop_instance_uid: SAMPLE_SOP.to_owned(),
            file_sha256: "0".repeat(64),
            sop_class_uid: spec.sop_class.map(str::to_owned),
        }],
    });
    draft.comment = "Eccentric jet; patient name must not leak".to_owned();
    if spec.drawn_vc {
        draft.measurements.push(ReportMeasurement {
            id: "m-vc".to_owned(),
            quantity: "mr_vc_width".to_owned(),
            draw_kind: echolab::measure::DrawKind::Caliper,
            value: Some(0.62),
            unit: Some("cm".to_owned()),
            geometry: Some(MeasurementGeometry {
                sop_instance_uid: Some(SAMPLE_SOP.to_owned()),
                source_file: Some(SAMPLE_FILE.to_owned()),
                frame: Some(0),
                points_px: vec![[300.0, 200.0], [340.0, 230.0]],
                points_phys: vec![[4.0, 3.0], [4.5, 3.4]],
                region: Some(0),
            }),
        });
    }
    if let Some((file, sop, frame)) = spec.drawn_jet {
        draft.measurements.push(ReportMeasurement {
            id: "m-jet".to_owned(),
            quantity: "mr_jet_area".to_owned(),
            draw_kind: echolab::measure::DrawKind::AreaTrace,
            value: Some(7.5),
            unit: Some("cm2".to_owned()),
            geometry: Some(MeasurementGeometry {
                sop_instance_uid: Some(sop.to_owned()),
                source_file: Some(file.to_owned()),
                frame: Some(frame),
                points_px: vec![
                    [250.0, 150.0],
                    [330.0, 160.0],
                    [320.0, 240.0],
                    [240.0, 230.0],
                ],
                points_phys: Vec::new(),
                region: None,
            }),
        });
    }
    let key = test_key(spec.reader);
    let cert = issue_certificate(
        &test_lab(),
        spec.reader,
        spec.name,
        "reader",
        &hex::encode(key.verifying_key().as_bytes()),
        "2000-01-01T00:00:00Z",
    )
    .unwrap();
    sign_report_certified(
        &draft,
        spec.reader,
        spec.name,
        &key,
        SignatureMeaning::Authorship,
        now,
        Some(cert),
    )
    .unwrap()
}

/// The test lab's signing key (fixed), which certifies every test reader's key.
pub fn test_lab() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// Writes the test lab's public key file into `dir` (as `server init` does) and returns it.
pub fn write_lab_key(dir: &Path) -> PathBuf {
    let path = dir.join("lab-key.json");
    let lab = LabPublicKey::of("Test lab", &test_lab().verifying_key());
    std::fs::write(&path, serde_json::to_string_pretty(&lab).unwrap()).unwrap();
    path
}

/// Writes a report into `dir` as `<id>.json` and returns the path.
pub fn write(dir: &Path, report: &ReadingReport) -> PathBuf {
    let path = dir.join(format!("{}.json", report.report_id));
    write_report(&path, report).unwrap();
    path
}

/// Baseline: severe secondary MR (EROA 0.45 cm², RVol 70 mL, RF 55 %).
pub const BASELINE_VALUES: &[(&str, f64, &str)] = &[
    ("mr_eroa", 0.45, "cm2"),
    ("mr_rvol", 70.0, "ml"),
    ("mr_rf", 55.0, "%"),
    ("mr_vc_width", 0.75, "cm"),
    ("mr_jet_area", 10.0, "cm2"),
    ("la_area", 25.0, "cm2"),
    ("ma_diameter", 3.8, "cm"),
    ("lv_edv", 180.0, "ml"),
    ("lv_esv", 110.0, "ml"),
];

/// Follow-up: moderate-to-severe (EROA 0.30 cm², RVol 45 mL, RF 40 %).
pub const FOLLOWUP_VALUES: &[(&str, f64, &str)] = &[
    ("mr_eroa", 0.30, "cm2"),
    ("mr_rvol", 45.0, "ml"),
    ("mr_rf", 40.0, "%"),
    ("mr_vc_width", 0.55, "cm"),
    ("mr_jet_area", 6.0, "cm2"),
    ("la_area", 24.0, "cm2"),
    ("ma_diameter", 3.4, "cm"),
    ("lv_edv", 160.0, "ml"),
    ("lv_esv", 90.0, "ml"),
];
