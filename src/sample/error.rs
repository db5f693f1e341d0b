//! Errors of the sample-study generator.

use std::path::PathBuf;

/// What can go wrong while generating or writing the sample study.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// Pixel data could not be encoded (RLE or JPEG).
    #[error("encoding pixel data failed: {0}")]
    Encode(String),
    /// The DICOM object could not be built or serialised.
    #[error("building the DICOM file {file} failed: {reason}")]
    Dicom {
        /// Sample file name.
        file: String,
        /// What dicom-rs reported.
        reason: String,
    },
    /// The ground truth could not be serialised.
    #[error("serialising the ground truth failed: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing a file failed.
    #[error("writing {path} failed")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
