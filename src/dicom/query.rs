//! Study-level query and match of a PACS search, shared by DICOMweb (QIDO-RS) and DIMSE
//! (C-FIND): what the reader asks for and what one matching study says about itself.

use serde::Serialize;

/// What a study search asks for; `None` fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudyQuery {
    /// Patient ID (or trial subject id as the site sent it); `*` and `?` wildcards allowed.
    pub patient_id: Option<String>,
    /// Study date or range in DICOM form: `YYYYMMDD`, `YYYYMMDD-`, `-YYYYMMDD` or
    /// `YYYYMMDD-YYYYMMDD`.
    pub study_date: Option<String>,
    /// Modality in the study (e.g. `US`).
    pub modality: Option<String>,
    /// Accession number.
    pub accession: Option<String>,
    /// One study by its Study Instance UID.
    pub study_uid: Option<String>,
}

/// One study the PACS answered with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StudyMatch {
    /// Study Instance UID.
    pub study_uid: String,
    /// Patient ID.
    pub patient_id: Option<String>,
    /// Study date (`YYYYMMDD`).
    pub study_date: Option<String>,
    /// Accession number.
    pub accession: Option<String>,
    /// Study description.
    pub description: Option<String>,
    /// Modalities in the study.
    pub modalities: Vec<String>,
    /// Number of study related instances, when the PACS says.
    pub instances: Option<u32>,
}

/// One instance of a study as the PACS lists it: what a retrieval must bring back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceRef {
    /// Series Instance UID.
    pub series_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// SOP Class UID, when the PACS says.
    pub sop_class_uid: Option<String>,
}

/// Checks a study date or range (`YYYYMMDD`, `A-`, `-B`, `A-B`); returns it unchanged.
pub fn check_date_range(range: &str) -> Result<&str, String> {
    let ok_date = |d: &str| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit());
    let valid = match range.split_once('-') {
        None => ok_date(range),
        Some((a, b)) => {
            (a.is_empty() || ok_date(a))
                && (b.is_empty() || ok_date(b))
                && !(a.is_empty() && b.is_empty())
        }
    };
    if valid {
        Ok(range)
    } else {
        Err(format!(
            "study date {range:?} is not YYYYMMDD or a range YYYYMMDD-YYYYMMDD"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_date_range;

    #[test]
    fn date_ranges() {
        for ok in ["20240101", "20240101-", "-20241231", "20240101-20241231"] {
            assert_eq!(check_date_range(ok), Ok(ok));
        }
        for bad in ["", "-", "2024", "2024-01-01", "20240101-2024", "x0240101"] {
            assert!(check_date_range(bad).is_err(), "{bad}");
        }
    }
}
