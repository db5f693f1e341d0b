//! The reading report: one versioned, serde-serialized record of a reader's read of a study.
//!
//! Every field is always written (absent values are `null`), unknown fields are rejected, and the
//! `schema_version` says which layout a file uses. The signature block lives inside the report
//! (§11.70 linking); what it signs is described in [`crate::signing`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::visit::Visit;
use crate::grading::GradeReport;
use crate::measure::{DrawKind, FindingValue};

/// Layout version written in `schema_version`.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Name and version of the program that wrote a report or audit entry.
pub fn engine_build() -> String {
    format!("echolab {}", env!("CARGO_PKG_VERSION"))
}

/// Status of one report version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Editable; autosaved.
    Draft,
    /// Signed and locked.
    Signed,
    /// Signed earlier, then replaced by a signed amendment. A signed file keeps `signed` inside
    /// (its bytes are frozen); the database records that it has been superseded.
    Superseded,
}

impl ReportStatus {
    /// Lower-case code (`draft`, `signed`, `superseded`).
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Signed => "signed",
            ReportStatus::Superseded => "superseded",
        }
    }

    /// Parses a code written by [`ReportStatus::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "draft" => Some(ReportStatus::Draft),
            "signed" => Some(ReportStatus::Signed),
            "superseded" => Some(ReportStatus::Superseded),
            _ => None,
        }
    }
}

/// The meaning of an electronic signature (§11.50(a)(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMeaning {
    /// "I am the author of this read."
    Authorship,
    /// "I have reviewed this read."
    Review,
    /// "I approve this read."
    Approval,
    /// "This is my adjudication of discordant reads."
    Adjudication,
}

impl SignatureMeaning {
    /// Every meaning.
    pub const ALL: [SignatureMeaning; 4] = [
        SignatureMeaning::Authorship,
        SignatureMeaning::Review,
        SignatureMeaning::Approval,
        SignatureMeaning::Adjudication,
    ];

    /// Lower-case code (`authorship`, …).
    pub fn code(self) -> &'static str {
        match self {
            SignatureMeaning::Authorship => "authorship",
            SignatureMeaning::Review => "review",
            SignatureMeaning::Approval => "approval",
            SignatureMeaning::Adjudication => "adjudication",
        }
    }

    /// Parses a code written by [`SignatureMeaning::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        SignatureMeaning::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The sentence shown in the signing dialog and in printed reports.
    pub fn statement(self) -> &'static str {
        match self {
            SignatureMeaning::Authorship => "I am the author of this reading report",
            SignatureMeaning::Review => "I have reviewed this reading report",
            SignatureMeaning::Approval => "I approve this reading report",
            SignatureMeaning::Adjudication => "This reading report is my adjudication",
        }
    }
}

/// One image file the read used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRef {
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: String,
    /// SOP Instance UID (0008,0018).
    pub sop_instance_uid: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub file_sha256: String,
    /// SOP Class UID (0008,0016), so an export can reference the image without the file.
    /// Absent in reports of databases imported before it was recorded (then not serialized, so
    /// their signatures still verify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sop_class_uid: Option<String>,
}

/// The study a report reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyRef {
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Files of the study, sorted by SOP Instance UID.
    pub images: Vec<ImageRef>,
}

/// Where on the images a measurement was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementGeometry {
    /// SOP Instance UID of the image the points are on.
    pub sop_instance_uid: Option<String>,
    /// The file the measurement was made on, as the workstation named it.
    pub source_file: Option<String>,
    /// Zero-based frame index in that image.
    pub frame: Option<usize>,
    /// Points in image pixels, `[column, row]`.
    pub points_px: Vec<[f64; 2]>,
    /// The same points calibrated: `[x_cm, y_cm]` in 2D/colour regions, `[t_s, v_cm_s]` in
    /// spectral regions (empty when not calibrated).
    pub points_phys: Vec<[f64; 2]>,
    /// Index of the US region (Sequence of Ultrasound Regions item) used for calibration.
    pub region: Option<usize>,
}

/// One measurement with its calibrated value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeasurement {
    /// Identifier unique within the report (the measurement uid, e.g. `m3`).
    pub id: String,
    /// What was measured: a measurement catalog id (e.g. `mr_vc_width`).
    pub quantity: String,
    /// How it was drawn or entered.
    pub draw_kind: DrawKind,
    /// Calibrated value (None for drawings without a scalar value, e.g. an LV contour).
    pub value: Option<f64>,
    /// Unit of `value` (e.g. `cm`, `cm/s`, `ml`).
    pub unit: Option<String>,
    /// Geometry on the image; `null` for values typed in or imported without geometry.
    pub geometry: Option<MeasurementGeometry>,
}

/// A value with its unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueWithUnit {
    /// The number.
    pub value: f64,
    /// Its unit.
    pub unit: String,
}

/// The grade section: the grading engine's report (grade, rule set id and version, criteria,
/// derived values, warnings and protocol eligibility) and what was asked of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeSection {
    /// Guideline (rule set) requested, e.g. `ase2017`.
    pub guideline_id: String,
    /// Trial protocol requested for eligibility, if any.
    pub protocol_id: Option<String>,
    /// The engine's output as it produced it.
    pub result: GradeReport,
}

impl GradeSection {
    /// `id@version` of the rule set that graded (recorded in audit entries).
    pub fn ruleset_label(&self) -> String {
        format!(
            "{}@{}",
            self.result.guideline.id, self.result.guideline.version
        )
    }
}

/// Reference from an amendment to the signed version it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupersededRef {
    /// Version number of the replaced report.
    pub version: u32,
    /// [`crate::signing::record_sha256`] of the replaced signed report.
    pub record_sha256: String,
}

/// The electronic signature stored inside a signed report (§11.50, §11.70).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureBlock {
    /// Reader id of the signer.
    pub signer_id: String,
    /// Printed name of the signer (§11.50(a)(1)).
    pub printed_name: String,
    /// When the signature was executed, RFC 3339 UTC (`2026-05-01T14:03:27Z`) (§11.50(a)(2)).
    pub signed_at_utc: String,
    /// Meaning of the signature (§11.50(a)(3)).
    pub meaning: SignatureMeaning,
    /// Always `Ed25519`.
    pub algorithm: String,
    /// Signer's public key, 32 bytes lowercase hex.
    pub public_key_hex: String,
    /// SHA-256 of the public key bytes, lowercase hex.
    pub key_fingerprint_sha256: String,
    /// SHA-256 of the canonical report content (everything but `signature`).
    pub content_sha256: String,
    /// Ed25519 signature, 64 bytes lowercase hex.
    pub signature_hex: String,
    /// The lab's certificate of the signer's key (part of what is signed). Absent in reports
    /// signed outside a lab (then not serialized, so their signatures still verify); such a
    /// signer is not certified by any lab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<ReaderCertificate>,
}

/// A lab's statement that a public key belongs to a reader: who, in which role, from when and
/// until when, signed with the lab's Ed25519 key (see [`crate::signing::lab`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderCertificate {
    /// Reader id.
    pub reader_id: String,
    /// Printed name at enrolment.
    pub printed_name: String,
    /// Role code (`reader`, `adjudicator`, `admin`).
    pub role: String,
    /// The reader's public key, lowercase hex.
    pub public_key_hex: String,
    /// Start of validity, RFC 3339 UTC.
    pub valid_from_utc: String,
    /// End of validity (exclusive), RFC 3339 UTC; `None` until revoked or rotated.
    pub valid_until_utc: Option<String>,
    /// SHA-256 fingerprint of the lab key that signed it, lowercase hex.
    pub lab_key_fingerprint_sha256: String,
    /// The lab's Ed25519 signature, lowercase hex.
    pub signature_hex: String,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingReport {
    /// Layout version ([`REPORT_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Identifier of the read; all versions of one read share it.
    pub report_id: String,
    /// Version number, 1 for the first.
    pub version: u32,
    /// Draft / signed / superseded.
    pub status: ReportStatus,
    /// The signed version this one amends.
    pub supersedes: Option<SupersededRef>,
    /// When this version was created, RFC 3339 UTC.
    pub created_utc: String,
    /// Program that wrote this version ([`engine_build`]).
    pub engine_build: String,
    /// Reader id of the author.
    pub reader_id: Option<String>,
    /// The study and image files read.
    pub study: Option<StudyRef>,
    /// Trial subject id (blinded reads may leave it empty).
    pub subject_id: Option<String>,
    /// Visit; left empty in reports of blinded readers (the database links read → study → visit).
    pub visit: Option<Visit>,
    /// `2` for a blinded re-read of the study by the same reader (absent for a first read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_number: Option<u32>,
    /// Measurements, in the order they were made.
    pub measurements: Vec<ReportMeasurement>,
    /// Values derived from the measurements, by id (e.g. `eroa_cm2`).
    pub derived: BTreeMap<String, ValueWithUnit>,
    /// Qualitative findings by catalog id (a choice or yes/no).
    pub findings: BTreeMap<String, FindingValue>,
    /// Grade with rule set, criteria and protocol eligibility.
    pub grade: Option<GradeSection>,
    /// Free-text comment.
    pub comment: String,
    /// The signature (present only when signed).
    pub signature: Option<SignatureBlock>,
}

impl ReadingReport {
    /// A new empty draft, version 1.
    pub fn new_draft(report_id: impl Into<String>, created_utc: impl Into<String>) -> Self {
        ReadingReport {
            schema_version: REPORT_SCHEMA_VERSION,
            report_id: report_id.into(),
            version: 1,
            status: ReportStatus::Draft,
            supersedes: None,
            created_utc: created_utc.into(),
            engine_build: engine_build(),
            reader_id: None,
            study: None,
            subject_id: None,
            visit: None,
            read_number: None,
            measurements: Vec::new(),
            derived: BTreeMap::new(),
            findings: BTreeMap::new(),
            grade: None,
            comment: String::new(),
            signature: None,
        }
    }

    /// True when the report carries a signature (it is locked).
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}
