//! DICOMweb client: QIDO-RS search, WADO-RS retrieval, STOW-RS store (PS3.18).
//!
//! Instances are retrieved one by one (`…/studies/S/series/R/instances/I`) so that a study can
//! be fetched on several connections at once, each answer is checked on its own, and a broken
//! retrieval resumes at the instance it stopped at. The original transfer syntax is asked for
//! (`transfer-syntax=*`), so pixel data arrive as the site stored them.

use std::time::Duration;

use super::http::HttpClient;
use super::{InstanceRef, PacsError, PacsResult, StudyMatch, StudyQuery};
use super::{dicom_json, multipart};
use crate::dicom::query::check_date_range;
use crate::dicom::uid::validate_uid;

/// Media type asked for when retrieving instances.
const ACCEPT_DICOM: &str = r#"multipart/related; type="application/dicom"; transfer-syntax=*"#;

/// Study attributes asked for in a search.
const STUDY_FIELDS: &[&str] = &[
    "00100020", "00080020", "00080050", "00081030", "00080061", "00201208",
];

/// A DICOMweb service (the base URL its QIDO/WADO/STOW paths hang from).
#[derive(Debug, Clone)]
pub struct DicomWeb {
    base: String,
    http: HttpClient,
}

/// What a STOW-RS store answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreOutcome {
    /// Instances sent.
    pub sent: usize,
    /// SOP Instance UIDs the PACS reported as failed.
    pub failed: Vec<String>,
}

impl DicomWeb {
    /// A client for `base_url` (`http://` or `https://`), with optional Basic authentication
    /// and a timeout for connecting and for each read.
    pub fn new(
        base_url: &str,
        user: Option<&str>,
        password: Option<&str>,
        timeout: Duration,
    ) -> PacsResult<DicomWeb> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let scheme_ok = base.starts_with("http://") || base.starts_with("https://");
        if !scheme_ok || base.len() <= "https://".len() {
            return Err(PacsError::Invalid(format!(
                "DICOMweb URL {base_url:?} must start with http:// or https://"
            )));
        }
        Ok(DicomWeb {
            base,
            http: HttpClient::new(user, password, timeout),
        })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// QIDO-RS study search.
    pub fn find_studies(&self, q: &StudyQuery) -> PacsResult<Vec<StudyMatch>> {
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(p) = q.patient_id.as_deref().filter(|s| !s.is_empty()) {
            params.push(("PatientID", p));
        }
        if let Some(d) = q.study_date.as_deref().filter(|s| !s.is_empty()) {
            params.push((
                "StudyDate",
                check_date_range(d).map_err(PacsError::Invalid)?,
            ));
        }
        if let Some(m) = q.modality.as_deref().filter(|s| !s.is_empty()) {
            params.push(("ModalitiesInStudy", m));
        }
        if let Some(a) = q.accession.as_deref().filter(|s| !s.is_empty()) {
            params.push(("AccessionNumber", a));
        }
        if let Some(u) = q.study_uid.as_deref().filter(|s| !s.is_empty()) {
            validate_uid(u).map_err(|e| PacsError::Invalid(format!("study UID: {e}")))?;
            params.push(("StudyInstanceUID", u));
        }
        for f in STUDY_FIELDS {
            params.push(("includefield", f));
        }
        let url = format!("{}/studies", self.base);
        let answer = self.http.get(&url, "application/dicom+json", &params)?;
        dicom_json::studies(&answer.body)
            .map_err(|message| PacsError::Malformed { peer: url, message })
    }

    /// QIDO-RS: every instance of a study (the list a retrieval is checked against).
    pub fn list_instances(&self, study_uid: &str) -> PacsResult<Vec<InstanceRef>> {
        validate_uid(study_uid).map_err(|e| PacsError::Invalid(format!("study UID: {e}")))?;
        let url = format!("{}/studies/{study_uid}/instances", self.base);
        let params = [
            ("includefield", "0020000E"),
            ("includefield", "00080016"),
            ("limit", "100000"),
        ];
        let answer = self.http.get(&url, "application/dicom+json", &params)?;
        dicom_json::instances(&answer.body)
            .map_err(|message| PacsError::Malformed { peer: url, message })
    }

    /// WADO-RS: one instance as Part-10 bytes, in the transfer syntax the PACS holds.
    pub fn retrieve_instance(&self, study_uid: &str, item: &InstanceRef) -> PacsResult<Vec<u8>> {
        let url = format!(
            "{}/studies/{study_uid}/series/{}/instances/{}",
            self.base, item.series_uid, item.sop_instance_uid
        );
        let answer = self.http.get(&url, ACCEPT_DICOM, &[])?;
        let malformed = |message: String| PacsError::Malformed {
            peer: url.clone(),
            message,
        };
        let boundary = multipart::boundary_of(&answer.content_type).map_err(malformed)?;
        let mut parts = multipart::split(&answer.body, &boundary).map_err(malformed)?;
        if parts.len() != 1 {
            return Err(malformed(format!(
                "expected one instance, got {} parts",
                parts.len()
            )));
        }
        let part = parts.remove(0);
        if let Some(ct) = part.header("content-type")
            && !ct.to_ascii_lowercase().starts_with("application/dicom")
        {
            return Err(malformed(format!(
                "part of type {ct:?}, not application/dicom"
            )));
        }
        Ok(part.body.to_vec())
    }

    /// STOW-RS: stores Part-10 files in one request; the PACS's per-instance failures are
    /// reported (Failed SOP Sequence).
    pub fn store(&self, files: &[Vec<u8>]) -> PacsResult<StoreOutcome> {
        let boundary = format!("echolab-{:016x}", {
            use rand_core::RngCore as _;
            rand_core::OsRng.next_u64()
        });
        let mut body = Vec::new();
        for f in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(f);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let url = format!("{}/studies", self.base);
        let ct = format!(r#"multipart/related; type="application/dicom"; boundary={boundary}"#);
        let answer = self.http.post(&url, &ct, &body)?;
        let failed = failed_sops(&answer.body);
        Ok(StoreOutcome {
            sent: files.len(),
            failed,
        })
    }
}

/// SOP Instance UIDs of the Failed SOP Sequence (0008,1198) of a STOW-RS answer.
fn failed_sops(body: &[u8]) -> Vec<String> {
    let Ok(v) = crate::json::value_from_slice(body) else {
        return Vec::new();
    };
    v.get("00081198")
        .and_then(|s| s.get("Value"))
        .and_then(|s| s.as_array())
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    i.get("00081155")
                        .and_then(|u| u.get("Value"))
                        .and_then(|u| u.get(0))
                        .and_then(|u| u.as_str())
                        .unwrap_or("(unknown)")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
