//! The identity of a DICOM instance received from elsewhere (a PACS): its UIDs, read from the
//! bytes before anything else is done with them.

use dicom_dictionary_std::tags;

use super::attrs::string;
use super::error::{DicomError, Result};
use super::uid::validate_uid;

/// The UIDs that identify one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceUids {
    /// Study Instance UID.
    pub study_uid: String,
    /// Series Instance UID.
    pub series_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// SOP Class UID.
    pub sop_class_uid: Option<String>,
    /// Transfer syntax the bytes are encoded in.
    pub transfer_syntax_uid: String,
}

/// Reads the UIDs of a Part-10 file (or bare data set) held in memory. Element lengths are
/// checked before the parser allocates, the parse stops before Pixel Data, and every UID must
/// follow the UID grammar (UIDs name files and folders).
pub fn instance_uids(bytes: &[u8]) -> Result<InstanceUids> {
    super::guard::check_lengths(bytes).map_err(DicomError::Parse)?;
    let (obj, transfer_syntax_uid) = super::file::parse(bytes, true)?;
    let uid = |tag, what: &str| -> Result<String> {
        let v = string(&obj, tag).ok_or_else(|| DicomError::Parse(format!("no {what}")))?;
        validate_uid(&v).map_err(|e| DicomError::Parse(format!("invalid {what}: {e}")))?;
        Ok(v)
    };
    Ok(InstanceUids {
        study_uid: uid(tags::STUDY_INSTANCE_UID, "Study Instance UID")?,
        series_uid: uid(tags::SERIES_INSTANCE_UID, "Series Instance UID")?,
        sop_instance_uid: uid(tags::SOP_INSTANCE_UID, "SOP Instance UID")?,
        sop_class_uid: string(&obj, tags::SOP_CLASS_UID),
        transfer_syntax_uid,
    })
}

#[cfg(test)]
mod tests {
    use super::instance_uids;

    #[test]
    fn garbage_is_an_error() {
        assert!(instance_uids(b"not dicom at all").is_err());
        assert!(instance_uids(&[]).is_err());
    }
}
