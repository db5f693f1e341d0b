//! Studies from the lab's PACS: search, retrieve into the local image cache, and send signed
//! results back as DICOM SR.
//!
//! Two interfaces, one model ([`crate::dicom::query`]):
//!
//! * DICOMweb ([`dicomweb::DicomWeb`]): QIDO-RS search, WADO-RS retrieval of single instances in
//!   parallel, STOW-RS store; over HTTP(S) with `ureq` (rustls), Basic authentication.
//! * DIMSE ([`crate::dicom::dimse`]): C-ECHO, C-FIND, C-GET with `dicom-ul`.
//!
//! Retrieval ([`retrieve`]) writes every instance atomically into `<cache>/<Study UID>/`, checks
//! each file's UIDs and the study's instance list against the PACS's own answer, resumes after an
//! interruption (files already complete are kept), and only then hands the folder to the
//! reading database's import. A study that is incomplete is never registered.
//!
//! The PACS list of a workstation (name, DICOMweb URL or AE title/host/port, user) is
//! [`endpoints::PacsList`]; passwords never go into it.

mod dicom_json;
pub mod dicomweb;
pub mod endpoints;
mod http;
mod multipart;
pub mod retrieve;

pub use crate::dicom::query::{InstanceRef, StudyMatch, StudyQuery};
pub use endpoints::{PacsEndpoint, PacsList};

/// Errors talking to a PACS: each one line naming the peer and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum PacsError {
    /// The connection could not be made or broke (refused, unknown host, TLS, reset).
    #[error("{peer}: {message}")]
    Network {
        /// URL or AE title@host:port.
        peer: String,
        /// What happened.
        message: String,
    },
    /// No answer in time.
    #[error("{peer}: no answer within {seconds} s")]
    Timeout {
        /// URL or AE title@host:port.
        peer: String,
        /// The limit.
        seconds: u64,
    },
    /// The PACS answered with an HTTP error status.
    #[error("{peer}: HTTP {status}{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Http {
        /// URL.
        peer: String,
        /// Status code.
        status: u16,
        /// What the status means (e.g. "wrong user or password").
        reason: Option<String>,
    },
    /// The PACS answered with something that is not what the standard says.
    #[error("{peer}: malformed answer: {message}")]
    Malformed {
        /// URL or AE title.
        peer: String,
        /// What was wrong.
        message: String,
    },
    /// The retrieved study does not match the PACS's list, or a file is not what was asked for.
    #[error("{0}")]
    Incomplete(String),
    /// DIMSE failure (association, status, network).
    #[error(transparent)]
    Dimse(#[from] crate::dicom::dimse::DimseError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// A local file could not be written or read.
    #[error("{path}: {message}")]
    File {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Bad input from the user (URL, date range, UID).
    #[error("{0}")]
    Invalid(String),
}

/// Result alias of this module.
pub type PacsResult<T> = Result<T, PacsError>;

/// A PACS reached through one of the two interfaces.
#[derive(Debug, Clone)]
pub enum Pacs {
    /// DICOMweb (QIDO-RS / WADO-RS / STOW-RS).
    Web(dicomweb::DicomWeb),
    /// DIMSE (C-ECHO / C-FIND / C-GET).
    Dimse(crate::dicom::dimse::DimsePeer),
}

impl Pacs {
    /// URL or `AET@host:port`.
    pub fn label(&self) -> String {
        match self {
            Pacs::Web(w) => w.url().to_owned(),
            Pacs::Dimse(p) => p.label(),
        }
    }

    /// Study search.
    pub fn find_studies(&self, q: &StudyQuery) -> PacsResult<Vec<StudyMatch>> {
        match self {
            Pacs::Web(w) => w.find_studies(q),
            Pacs::Dimse(p) => {
                if let Some(d) = q.study_date.as_deref() {
                    crate::dicom::query::check_date_range(d).map_err(PacsError::Invalid)?;
                }
                Ok(crate::dicom::dimse::find_studies(p, q)?)
            }
        }
    }

    /// Retrieves a study into the cache (see [`retrieve`]).
    pub fn retrieve(
        &self,
        study_uid: &str,
        options: &retrieve::RetrieveOptions<'_>,
        progress: &(dyn Fn(&retrieve::Progress) + Sync),
    ) -> PacsResult<retrieve::RetrievedStudy> {
        match self {
            Pacs::Web(w) => retrieve::retrieve_dicomweb(w, study_uid, options, progress),
            Pacs::Dimse(p) => retrieve::retrieve_dimse(p, study_uid, options, progress),
        }
    }
}
