//! De-identified DICOM images (`echolab export --format dicom --deidentify`): new files whose
//! header follows the PS3.15 basic profile with the full-dates option, whose UIDs are mapped
//! like the report exports ([`Deidentifier::uid`]) and whose pixels are cleaned
//! ([`super::masks`]).
//!
//! * Header: an allow-list. Only the attributes in [`KEPT`] are copied (SOP class, dates and
//!   times, modality, manufacturer and model, cine timing, the Sequence of Ultrasound Regions,
//!   series/instance numbers, lossy-compression history); the patient module is replaced by the
//!   subject code, UIDs are mapped, other type-2 identifiers are written empty, and everything
//!   else — private tags, descriptions, institution, operators, nested sequences — is not
//!   written. Patient Identity Removed = YES, Burned In Annotation = NO, and De-identification
//!   Method Code Sequence lists DCM 113100, 113101 (Clean Pixel Data) and 113106 (full dates).
//! * Pixels: every frame is decoded and masked. When the mask changed no pixel (everything
//!   outside the kept rectangles was black already) the source pixel data is kept as it is, in
//!   its transfer syntax; otherwise the cleaned frames are written RLE Lossless (8-bit
//!   MONOCHROME2 or RGB; palette and YBR sources become RGB). Lossy sources keep Lossy Image
//!   Compression = 01.
//! * Subjects: the Clinical Trial Subject ID, else the Patient ID, mapped as in the report
//!   exports (one subject → the trial id; several → `<trial>-001`, …).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::deident::{BASIC_PROFILE_CODE, Deidentifier, FULL_DATES_OPTION_CODE};
use super::masks::{MaskBook, MaskSource, black_sample, clean_rects};
use super::{ExportError, ExportOptions, Progress};
use crate::dicom::{DicomFile, ImageWriter, MaskStats, Photometric, PixelMask, SourceImage, TagId};

/// Code of the Clean Pixel Data option (DCM 113101).
pub const CLEAN_PIXEL_OPTION_CODE: (&str, &str, &str) =
    ("113101", "DCM", "Clean Pixel Data Option");

/// De-identification Method (0012,0063) of the images (LO: at most 64 characters).
pub const IMAGE_METHOD_TEXT: &str =
    "PS3.15 basic; clean pixel data; UIDs hashed by trial; dates kept";

const IMAGE_TYPE: TagId = (0x0008, 0x0008);
const SOP_INSTANCE_UID: TagId = (0x0008, 0x0018);
const STUDY_INSTANCE_UID: TagId = (0x0020, 0x000D);
const SERIES_INSTANCE_UID: TagId = (0x0020, 0x000E);
const FRAME_OF_REFERENCE_UID: TagId = (0x0020, 0x0052);
const PATIENT_NAME: TagId = (0x0010, 0x0010);
const PATIENT_ID: TagId = (0x0010, 0x0020);
const CLINICAL_TRIAL_SUBJECT_ID: TagId = (0x0012, 0x0040);
const LOSSY_IMAGE_COMPRESSION: TagId = (0x0028, 0x2110);

/// Attributes copied as they are when present (none identifies the patient).
pub const KEPT: &[TagId] = &[
    (0x0008, 0x0005), // Specific Character Set
    (0x0008, 0x0008), // Image Type
    (0x0008, 0x0016), // SOP Class UID
    (0x0008, 0x0020), // Study Date
    (0x0008, 0x0021), // Series Date
    (0x0008, 0x0022), // Acquisition Date
    (0x0008, 0x0023), // Content Date
    (0x0008, 0x002A), // Acquisition DateTime
    (0x0008, 0x0030), // Study Time
    (0x0008, 0x0031), // Series Time
    (0x0008, 0x0032), // Acquisition Time
    (0x0008, 0x0033), // Content Time
    (0x0008, 0x0060), // Modality
    (0x0008, 0x0070), // Manufacturer
    (0x0008, 0x1090), // Manufacturer's Model Name
    (0x0008, 0x2122), // Stage Number
    (0x0008, 0x2124), // Number of Stages
    (0x0008, 0x2128), // View Number
    (0x0008, 0x212A), // Number of Views in Stage
    (0x0008, 0x2142), // Start Trim
    (0x0008, 0x2143), // Stop Trim
    (0x0008, 0x2144), // Recommended Display Frame Rate
    (0x0018, 0x0040), // Cine Rate
    (0x0018, 0x0072), // Effective Duration
    (0x0018, 0x1020), // Software Versions
    (0x0018, 0x1060), // Trigger Time
    (0x0018, 0x1063), // Frame Time
    (0x0018, 0x1065), // Frame Time Vector
    (0x0018, 0x1066), // Frame Delay
    (0x0018, 0x1067), // Image Trigger Delay
    (0x0018, 0x1088), // Heart Rate
    (0x0018, 0x1242), // Actual Frame Duration
    (0x0018, 0x1244), // Preferred Playback Sequencing
    (0x0018, 0x6011), // Sequence of Ultrasound Regions
    (0x0020, 0x0011), // Series Number
    (0x0020, 0x0013), // Instance Number
    (0x0020, 0x0020), // Patient Orientation
    (0x0020, 0x0060), // Laterality
    (0x0028, 0x0008), // Number of Frames
    (0x0028, 0x0009), // Frame Increment Pointer
    (0x0028, 0x0014), // Ultrasound Color Data Present
    (0x0028, 0x0034), // Pixel Aspect Ratio
    (0x0028, 0x2110), // Lossy Image Compression
    (0x0028, 0x2112), // Lossy Image Compression Ratio
    (0x0028, 0x2114), // Lossy Image Compression Method
    (0x0028, 0x6040), // R Wave Pointer
];

/// Image Pixel attributes copied with the source pixel data when it is kept as it is.
const PIXEL_DESCRIPTION: &[TagId] = &[
    (0x0028, 0x0002), // Samples per Pixel
    (0x0028, 0x0004), // Photometric Interpretation
    (0x0028, 0x0006), // Planar Configuration
    (0x0028, 0x0010), // Rows
    (0x0028, 0x0011), // Columns
    (0x0028, 0x0100), // Bits Allocated
    (0x0028, 0x0101), // Bits Stored
    (0x0028, 0x0102), // High Bit
    (0x0028, 0x0103), // Pixel Representation
    (0x0028, 0x1101), // Red Palette Color Lookup Table Descriptor
    (0x0028, 0x1102), // Green Palette Color Lookup Table Descriptor
    (0x0028, 0x1103), // Blue Palette Color Lookup Table Descriptor
    (0x0028, 0x1201), // Red Palette Color Lookup Table Data
    (0x0028, 0x1202), // Green Palette Color Lookup Table Data
    (0x0028, 0x1203), // Blue Palette Color Lookup Table Data
    (0x7FE0, 0x0001), // Extended Offset Table
    (0x7FE0, 0x0002), // Extended Offset Table Lengths
];

/// Type-2 attributes written empty (present, no value), as the basic profile's Z action asks.
const EMPTIED: &[TagId] = &[
    (0x0010, 0x0030), // Patient's Birth Date
    (0x0010, 0x0040), // Patient's Sex
    (0x0008, 0x0050), // Accession Number
    (0x0008, 0x0090), // Referring Physician's Name
    (0x0020, 0x0010), // Study ID
];

/// One de-identified image written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CleanedImage {
    /// The source file.
    pub source: PathBuf,
    /// The file written.
    pub output: PathBuf,
    /// Its (new) SOP Instance UID.
    pub sop_instance_uid: String,
    /// Where the kept rectangles came from.
    pub mask: MaskSource,
    /// What the mask did, summed over the frames.
    pub stats: MaskStats,
    /// True when no pixel changed and the source pixel data was kept as it is.
    pub pixels_kept: bool,
}

/// The subject of a source file: Clinical Trial Subject ID, else Patient ID.
fn subject_of(src: &SourceImage) -> Option<String> {
    [CLINICAL_TRIAL_SUBJECT_ID, PATIENT_ID]
        .into_iter()
        .filter_map(|t| src.text(t))
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
}

fn encode_error(path: &Path, message: String) -> ExportError {
    ExportError::Encode {
        path: path.to_owned(),
        message,
    }
}

/// Writes a de-identified copy of every file of `files` into the folder `out` (created if
/// missing), named `<new SOP Instance UID>.dcm`. Every file is checked first (readable, a mask
/// for it, 8-bit samples): one refused file stops the batch before anything is written.
pub fn export_dicom_images(
    files: &[PathBuf],
    trial_id: &str,
    masks: &MaskBook,
    out: &Path,
    options: &ExportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<CleanedImage>, ExportError> {
    if files.is_empty() {
        return Err(ExportError::Invalid("no DICOM file to export".to_owned()));
    }
    // Check every file before writing anything, and learn the subjects.
    let mut subjects = Vec::new();
    for path in files {
        check_cleanable(path, masks)?;
        let src = SourceImage::open(path).map_err(|e| encode_error(path, e.to_string()))?;
        subjects.extend(subject_of(&src));
    }
    let deid = Deidentifier::for_subjects(trial_id, subjects)?;
    std::fs::create_dir_all(out).map_err(|error| ExportError::Io {
        path: out.to_owned(),
        error,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for (i, path) in files.iter().enumerate() {
        progress(&Progress {
            done: i,
            total: files.len(),
            current: path.clone(),
        });
        options.cancelled(written.len())?;
        written.push(clean_one(path, &deid, masks, out)?);
    }
    if let Some(last) = files.last() {
        progress(&Progress {
            done: files.len(),
            total: files.len(),
            current: last.clone(),
        });
    }
    Ok(written)
}

/// Checks that `path` can be cleaned: readable, a mask for it (regions or the device's explicit
/// mask), 8-bit samples. `Err` names the reason.
pub fn check_cleanable(path: &Path, masks: &MaskBook) -> Result<(), ExportError> {
    let info = crate::dicom::read_info(path).map_err(|e| encode_error(path, e.to_string()))?;
    clean_rects(&info.header, &info.calibration, masks).map_err(|m| encode_error(path, m))?;
    if info.header.bits_allocated != 8 {
        return Err(encode_error(
            path,
            format!(
                "{} bits allocated: only 8-bit images can be cleaned and re-encoded losslessly",
                info.header.bits_allocated
            ),
        ));
    }
    Ok(())
}

/// Decodes and masks every frame of `file`: the cleaned reference samples and the counts.
fn cleaned_frames(
    file: &DicomFile,
    mask: &PixelMask,
    black: &[u8],
) -> Result<(Vec<Vec<u8>>, MaskStats), String> {
    let frames: Vec<(Vec<u8>, MaskStats)> = (0..file.frame_count())
        .into_par_iter()
        .map(|i| {
            let mut s = file.frame_samples(i).map_err(|e| e.to_string())?;
            let stats = mask
                .apply(&mut s.data, black)
                .map_err(|e| format!("frame {}: {e}", i + 1))?;
            Ok((s.data, stats))
        })
        .collect::<Result<_, String>>()?;
    let mut total = MaskStats::default();
    let mut data = Vec::with_capacity(frames.len());
    for (d, s) in frames {
        total.add(s);
        data.push(d);
    }
    Ok((data, total))
}

fn clean_one(
    path: &Path,
    deid: &Deidentifier,
    masks: &MaskBook,
    out: &Path,
) -> Result<CleanedImage, ExportError> {
    clean_image(path, deid, None, masks, &|_study, sop| {
        out.join(format!("{sop}.dcm"))
    })
}

/// Writes the de-identified, pixel-cleaned copy of one file (see the module docs) to the path
/// `output(new Study Instance UID, new SOP Instance UID)` gives, atomically. The subject is
/// `subject` when given, else the file's subject mapped by `deid`.
pub fn clean_image(
    path: &Path,
    deid: &Deidentifier,
    subject: Option<&str>,
    masks: &MaskBook,
    output: &dyn Fn(&str, &str) -> PathBuf,
) -> Result<CleanedImage, ExportError> {
    let err = |m: String| encode_error(path, m);
    let file = DicomFile::open(path).map_err(|e| err(e.to_string()))?;
    let src = SourceImage::open(path).map_err(|e| err(e.to_string()))?;
    let header = file.header();
    let (rects, mask_source) = clean_rects(header, file.calibration(), masks).map_err(err)?;
    let mask = PixelMask::new(u32::from(header.columns), u32::from(header.rows), &rects);
    let channels = file.reference_channels();
    let black = black_sample(channels, &header.photometric);
    let (frames, stats) = cleaned_frames(&file, &mask, &black).map_err(err)?;

    let mut w = ImageWriter::new();
    for &t in KEPT {
        w.copy_from(&src, t);
    }
    let pixels_kept = stats.cleared == 0;
    if pixels_kept {
        drop(frames);
        for &t in PIXEL_DESCRIPTION {
            w.copy_from(&src, t);
        }
        w.keep_pixel_data(&src).map_err(|e| err(e.to_string()))?;
    } else {
        let photometric = match (channels, &header.photometric) {
            (3, _) => "RGB",
            (_, Photometric::Monochrome1) => "MONOCHROME1",
            _ => "MONOCHROME2",
        };
        w.put_rle_frames(header.columns, header.rows, channels, photometric, frames)
            .map_err(|e| err(e.to_string()))?;
    }
    let put = |w: &mut ImageWriter, t: TagId, v: &str| {
        w.put_text(t, v)
            .map_err(|e| encode_error(path, e.to_string()))
    };
    // Image Type: DERIVED once pixels changed; empty first values filled (type 1 values).
    if let Some(image_type) = src.text(IMAGE_TYPE) {
        let mut values: Vec<String> = image_type.split('\\').map(str::to_owned).collect();
        values.resize(values.len().max(2), String::new());
        if !pixels_kept || values[0].trim().is_empty() {
            values[0] = if pixels_kept { "ORIGINAL" } else { "DERIVED" }.to_owned();
        }
        if values[1].trim().is_empty() {
            values[1] = "PRIMARY".to_owned();
        }
        put(&mut w, IMAGE_TYPE, &values.join("\\"))?;
    }
    let subject = match subject {
        Some(s) => s.to_owned(),
        None => deid.subject(subject_of(&src).as_deref()),
    };
    put(&mut w, PATIENT_NAME, &subject)?;
    put(&mut w, PATIENT_ID, &subject)?;
    for &t in EMPTIED {
        put(&mut w, t, "")?;
    }
    let sop = src
        .text(SOP_INSTANCE_UID)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| err("no SOP Instance UID".to_owned()))?;
    let new_sop = deid.uid(&sop);
    put(&mut w, SOP_INSTANCE_UID, &new_sop)?;
    for t in [
        STUDY_INSTANCE_UID,
        SERIES_INSTANCE_UID,
        FRAME_OF_REFERENCE_UID,
    ] {
        if let Some(uid) = src.text(t).filter(|s| !s.trim().is_empty()) {
            put(&mut w, t, &deid.uid(&uid))?;
        }
    }
    for t in [(0x0020, 0x0020), (0x0020, 0x0060)] {
        // Patient Orientation and Laterality are type 2C: present, empty when unknown.
        if !src.has(t) {
            put(&mut w, t, "")?;
        }
    }
    if !src.has((0x0008, 0x0060)) {
        put(&mut w, (0x0008, 0x0060), "US")?;
    }
    if file.is_lossy() && !src.has(LOSSY_IMAGE_COMPRESSION) {
        put(&mut w, LOSSY_IMAGE_COMPRESSION, "01")?;
    }
    put(&mut w, (0x0028, 0x0301), "NO")?; // Burned In Annotation
    put(&mut w, (0x0028, 0x0303), "UNMODIFIED")?; // Longitudinal Temporal Information Modified
    put(&mut w, (0x0012, 0x0062), "YES")?; // Patient Identity Removed
    put(&mut w, (0x0012, 0x0063), IMAGE_METHOD_TEXT)?;
    w.put_code_sequence(
        (0x0012, 0x0064),
        &[
            BASIC_PROFILE_CODE,
            CLEAN_PIXEL_OPTION_CODE,
            FULL_DATES_OPTION_CODE,
        ],
    );
    let new_study = src
        .text(STUDY_INSTANCE_UID)
        .filter(|s| !s.trim().is_empty())
        .map(|u| deid.uid(&u))
        .ok_or_else(|| err("no Study Instance UID".to_owned()))?;
    let output = output(&new_study, &new_sop);
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).map_err(|error| ExportError::Io {
            path: dir.to_owned(),
            error,
        })?;
    }
    w.write(&output).map_err(|e| ExportError::Encode {
        path: output.clone(),
        message: e.to_string(),
    })?;
    Ok(CleanedImage {
        source: path.to_owned(),
        output,
        sop_instance_uid: new_sop,
        mask: mask_source,
        stats,
        pixels_kept,
    })
}
