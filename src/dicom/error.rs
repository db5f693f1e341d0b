//! Errors raised while opening DICOM files and decoding their frames.

/// Why a DICOM file could not be opened or one of its frames could not be decoded.
///
/// Messages are one line and name the problem; callers add the file name.
#[derive(Debug, thiserror::Error)]
pub enum DicomError {
    /// The file could not be read from disk.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a DICOM data set dicom-rs can parse.
    #[error("not a readable DICOM file: {0}")]
    Parse(String),
    /// A required attribute is absent.
    #[error("missing attribute {0}")]
    MissingAttribute(&'static str),
    /// An attribute is present but its value is unusable.
    #[error("invalid {name}: {reason}")]
    InvalidAttribute {
        /// Attribute keyword.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The data set has no Pixel Data (7FE0,0010).
    #[error("no pixel data in the file")]
    NoPixelData,
    /// The file uses a feature this reader does not decode.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A frame index past the end of the loop.
    #[error("frame {index} out of range (the file has {count} frames)")]
    FrameOutOfRange {
        /// Requested 0-based frame index.
        index: u32,
        /// Number of frames in the file.
        count: u32,
    },
    /// The pixel data is shorter than the header promises.
    #[error("pixel data too short: the header needs {needed} bytes, the file holds {available}")]
    PixelDataTooShort {
        /// Bytes needed for all frames.
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// One frame's compressed data could not be decoded.
    #[error("cannot decode frame {frame}: {reason}")]
    Decode {
        /// 0-based frame index.
        frame: u32,
        /// Codec message.
        reason: String,
    },
}

/// Result alias for the DICOM module.
pub type Result<T, E = DicomError> = std::result::Result<T, E>;
