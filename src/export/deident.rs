//! De-identification for exports (PS3.15 Annex E, Basic Application Level Confidentiality
//! Profile, applied to the header fields the exports carry).
//!
//! * The subject id becomes the trial id given by the user (`--trial-id`); when a batch holds
//!   several subjects they become `<trial id>-001`, `<trial id>-002`, … in the sorted order of the
//!   original ids.
//! * Every UID (study, series, SOP instance) is replaced by `2.25.<n>`, `n` being 128 bits of
//!   SHA-256 over the trial id and the original UID: the mapping is the same in every export of
//!   one trial, so references between de-identified objects stay consistent.
//! * Patient name, birth date, sex, accession number, referring physician, study id, file names
//!   and the free-text comment are removed. Dates and times are kept (Retain Longitudinal
//!   Temporal Information with Full Dates option): the Part 11 signature time must stay.
//! * Signer names and ids are kept: they are the core lab's staff, not the patient, and the
//!   signature manifestation must be shown.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::ExportError;
use crate::report::ReadingReport;

/// Code of the basic profile (DCM 113100).
pub const BASIC_PROFILE_CODE: (&str, &str, &str) =
    ("113100", "DCM", "Basic Application Confidentiality Profile");
/// Code of the full-dates retention option (DCM 113106).
pub const FULL_DATES_OPTION_CODE: (&str, &str, &str) = (
    "113106",
    "DCM",
    "Retain Longitudinal Temporal Information Full Dates Option",
);
/// Text written in De-identification Method (0012,0063).
pub const METHOD_TEXT: &str = "PS3.15 basic profile; UIDs hashed per trial; dates kept";

/// A de-identification of one export batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deidentifier {
    trial_id: String,
    subjects: BTreeMap<String, String>,
}

impl Deidentifier {
    /// Prepares the subject mapping of `reports` under `trial_id`.
    pub fn new<'a>(
        trial_id: &str,
        reports: impl IntoIterator<Item = &'a ReadingReport>,
    ) -> Result<Deidentifier, ExportError> {
        Self::for_subjects(
            trial_id,
            reports.into_iter().filter_map(|r| r.subject_id.clone()),
        )
    }

    /// Prepares the mapping of the subject ids `ids` (DICOM exports: Clinical Trial Subject ID
    /// or Patient ID) under `trial_id`, numbered as [`Deidentifier::new`] numbers reports.
    pub fn for_subjects(
        trial_id: &str,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<Deidentifier, ExportError> {
        let t = trial_id.trim();
        if t.is_empty() || t.len() > 56 || t.contains('\\') || t.chars().any(char::is_control) {
            return Err(ExportError::Invalid(format!(
                "trial id {trial_id:?} must be 1-56 characters without backslash or control \
                 characters"
            )));
        }
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        ids.dedup();
        let subjects = if ids.len() <= 1 {
            ids.into_iter().map(|s| (s, t.to_owned())).collect()
        } else {
            ids.into_iter()
                .enumerate()
                .map(|(i, s)| (s, format!("{t}-{:03}", i + 1)))
                .collect()
        };
        Ok(Deidentifier {
            trial_id: t.to_owned(),
            subjects,
        })
    }

    /// The trial id.
    pub fn trial_id(&self) -> &str {
        &self.trial_id
    }

    /// The pseudonym of a subject (the trial id when the subject is unknown).
    pub fn subject(&self, original: Option<&str>) -> String {
        original
            .and_then(|s| self.subjects.get(s).cloned())
            .unwrap_or_else(|| self.trial_id.clone())
    }

    /// The replacement of a UID: `2.25.` and 128 bits of SHA-256(trial id, UID) in decimal.
    pub fn uid(&self, original: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"echolab-deidentify-v1\n");
        h.update(self.trial_id.as_bytes());
        h.update(b"\n");
        h.update(original.trim_end_matches('\0').trim().as_bytes());
        let d = h.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        format!("2.25.{}", u128::from_be_bytes(b))
    }

    /// A de-identified copy of a report (its signature block is kept as the record of who signed
    /// the original; it does not verify on the copy).
    pub fn report(&self, r: &ReadingReport) -> ReadingReport {
        let mut out = r.clone();
        out.subject_id = Some(self.subject(r.subject_id.as_deref()));
        if let Some(study) = &mut out.study {
            study.study_instance_uid = self.uid(&study.study_instance_uid);
            for image in &mut study.images {
                image.series_instance_uid = self.uid(&image.series_instance_uid);
                image.sop_instance_uid = self.uid(&image.sop_instance_uid);
            }
        }
        for m in &mut out.measurements {
            if let Some(g) = &mut m.geometry {
                g.sop_instance_uid = g.sop_instance_uid.as_deref().map(|u| self.uid(u));
                g.source_file = None;
            }
        }
        out.comment = String::new();
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_stable_and_valid() {
        let d = Deidentifier::new("TRIAL-7", std::iter::empty()).unwrap();
        let a = d.uid("1.2.3.4");
        assert_eq!(a, d.uid("1.2.3.4"));
        assert_ne!(a, d.uid("1.2.3.5"));
        assert!(a.starts_with("2.25.") && a.len() <= 64);
        assert!(a[5..].chars().all(|c| c.is_ascii_digit()) && !a[5..].starts_with('0'));
        let other = Deidentifier::new("TRIAL-8", std::iter::empty()).unwrap();
        assert_ne!(a, other.uid("1.2.3.4"));
        assert!(Deidentifier::new(" ", std::iter::empty()).is_err());
    }

    #[test]
    fn several_subjects_get_numbered_pseudonyms() {
        let mut a = ReadingReport::new_draft("a", "2026-01-01T00:00:00Z");
        a.subject_id = Some("S-2".to_owned());
        let mut b = a.clone();
        b.subject_id = Some("S-1".to_owned());
        let d = Deidentifier::new("T", [&a, &b]).unwrap();
        assert_eq!(d.subject(Some("S-1")), "T-001");
        assert_eq!(d.subject(Some("S-2")), "T-002");
        assert_eq!(d.report(&a).subject_id.as_deref(), Some("T-002"));
    }
}
