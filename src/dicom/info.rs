//! Reading a file's header, timing and calibration without its pixel data, for a study
//! browser scanning folders: only the bytes before Pixel Data are read (growing the
//! prefix when needed), lengths are checked first, nothing is decoded.

use std::io::Read as _;
use std::path::Path;

use serde::Serialize;

use super::error::{DicomError, Result};
use super::file::parse;
use super::guard::{Scan, check_header_lengths, check_lengths};
use super::header::Header;
use super::regions::Calibration;
use super::timing::Timing;

/// First read size; most echo headers are a few kB.
const FIRST_READ: usize = 256 * 1024;

/// What a browser lists about one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// Header facts.
    pub header: Header,
    /// Frame times (the frame count is not checked against the pixel data here).
    pub timing: Timing,
    /// US regions.
    pub calibration: Calibration,
}

/// Reads the start of `file` until it holds everything before the top-level Pixel Data
/// element (or the whole file), checking element lengths on the way. The file position is
/// left just after the bytes returned.
pub(crate) fn read_header_prefix(file: &mut std::fs::File, total: u64) -> Result<(Vec<u8>, Scan)> {
    let total_len = usize::try_from(total).unwrap_or(usize::MAX);
    let mut prefix = Vec::new();
    let mut want = FIRST_READ;
    loop {
        let missing = want.min(total_len).saturating_sub(prefix.len());
        file.by_ref()
            .take(missing as u64)
            .read_to_end(&mut prefix)?;
        let scan = check_header_lengths(&prefix, total_len).map_err(DicomError::Parse)?;
        if scan != Scan::NeedMore || prefix.len() >= total_len || missing == 0 {
            return Ok((prefix, scan));
        }
        want = want.saturating_mul(8);
    }
}

/// Reads header, timing and calibration of the DICOM file at `path` without loading
/// its pixel data.
pub fn read_info(path: impl AsRef<Path>) -> Result<FileInfo> {
    let mut file = std::fs::File::open(path.as_ref())?;
    let total = file.metadata()?.len();
    let (mut prefix, _) = read_header_prefix(&mut file, total)?;
    let parsed = match parse(&prefix, true) {
        Ok(parsed) => parsed,
        // A header the prefix did not hold after all (nested pixel data, bare data set):
        // read everything.
        Err(_) if (prefix.len() as u64) < total => {
            file.read_to_end(&mut prefix)?;
            check_lengths(&prefix).map_err(DicomError::Parse)?;
            parse(&prefix, true)?
        }
        Err(e) => return Err(e),
    };
    let (obj, transfer_syntax_uid) = parsed;
    let header = Header::from_dataset(&obj, &transfer_syntax_uid)?;
    Ok(FileInfo {
        timing: Timing::from_dataset(&obj, header.frames),
        calibration: Calibration::from_dataset(&obj),
        header,
    })
}
