//! Header facts of one DICOM file: identity (patient, study, series, instance),
//! the Image Pixel module (rows, columns, samples, bits, photometric interpretation)
//! and the descriptive fields a study browser lists.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use super::attrs;
use super::error::{DicomError, Result};

/// Photometric Interpretation (0028,0004) of the stored pixel data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Photometric {
    /// Grey, minimum sample is white.
    Monochrome1,
    /// Grey, minimum sample is black.
    Monochrome2,
    /// Red, green, blue samples.
    Rgb,
    /// Full-range Y, Cb, Cr (ITU-T T.871).
    YbrFull,
    /// Y, Cb, Cr with horizontally halved chroma (raw data) or JPEG 4:2:2.
    YbrFull422,
    /// Y, Cb, Cr, vertically and horizontally halved chroma (MPEG).
    YbrPartial420,
    /// JPEG 2000 irreversible colour transform.
    YbrIct,
    /// JPEG 2000 reversible colour transform.
    YbrRct,
    /// Indexed samples mapped through the palette colour lookup tables.
    PaletteColor,
    /// Anything else, as written in the file.
    Other(String),
}

impl Photometric {
    /// Parses the defined term (trailing spaces ignored, case-insensitive).
    pub fn parse(term: &str) -> Self {
        match term.trim().to_ascii_uppercase().as_str() {
            "MONOCHROME1" => Self::Monochrome1,
            "MONOCHROME2" => Self::Monochrome2,
            "RGB" => Self::Rgb,
            "YBR_FULL" => Self::YbrFull,
            "YBR_FULL_422" => Self::YbrFull422,
            "YBR_PARTIAL_420" => Self::YbrPartial420,
            "YBR_ICT" => Self::YbrIct,
            "YBR_RCT" => Self::YbrRct,
            "PALETTE COLOR" => Self::PaletteColor,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The DICOM defined term.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Monochrome1 => "MONOCHROME1",
            Self::Monochrome2 => "MONOCHROME2",
            Self::Rgb => "RGB",
            Self::YbrFull => "YBR_FULL",
            Self::YbrFull422 => "YBR_FULL_422",
            Self::YbrPartial420 => "YBR_PARTIAL_420",
            Self::YbrIct => "YBR_ICT",
            Self::YbrRct => "YBR_RCT",
            Self::PaletteColor => "PALETTE COLOR",
            Self::Other(s) => s,
        }
    }

    /// True for the grey interpretations.
    pub fn is_monochrome(&self) -> bool {
        matches!(self, Self::Monochrome1 | Self::Monochrome2)
    }
}

/// The header of one DICOM file, parsed once at open.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// SOP Class UID (0008,0016), e.g. US Multi-frame Image Storage.
    pub sop_class_uid: String,
    /// SOP Instance UID (0008,0018).
    pub sop_instance_uid: Option<String>,
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: Option<String>,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: Option<String>,
    /// Transfer Syntax UID from the file meta group (or the one guessed for a bare data set).
    pub transfer_syntax_uid: String,
    /// Patient ID (0010,0020).
    pub patient_id: Option<String>,
    /// Patient's Name (0010,0010), DICOM `^`-separated form.
    pub patient_name: Option<String>,
    /// Study Date (0008,0020), `YYYYMMDD` as stored.
    pub study_date: Option<String>,
    /// Study Description (0008,1030).
    pub study_description: Option<String>,
    /// Series Description (0008,103E).
    pub series_description: Option<String>,
    /// Series Number (0020,0011).
    pub series_number: Option<i64>,
    /// Instance Number (0020,0013).
    pub instance_number: Option<i64>,
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// Manufacturer's Model Name (0008,1090).
    pub model: Option<String>,
    /// Photometric Interpretation of the stored samples.
    pub photometric: Photometric,
    /// Rows (image height in pixels).
    pub rows: u16,
    /// Columns (image width in pixels).
    pub columns: u16,
    /// Number of Frames (1 when absent).
    pub frames: u32,
    /// Samples per Pixel (1 or 3).
    pub samples_per_pixel: u16,
    /// Bits Allocated (8 or 16).
    pub bits_allocated: u16,
    /// Bits Stored.
    pub bits_stored: u16,
    /// High Bit.
    pub high_bit: u16,
    /// Pixel Representation: 0 unsigned, 1 two's complement.
    pub pixel_representation: u16,
    /// Planar Configuration: 0 interleaved, 1 one plane per sample (`None` when absent).
    pub planar_configuration: Option<u16>,
    /// Lossy Image Compression (0028,2110) was "01".
    pub lossy_compressed: bool,
}

impl Header {
    /// Reads the header attributes of a data set.
    pub(crate) fn from_dataset(obj: &InMemDicomObject, transfer_syntax_uid: &str) -> Result<Self> {
        let rows = attrs::u16_value(obj, tags::ROWS).ok_or(DicomError::MissingAttribute("Rows"))?;
        let columns =
            attrs::u16_value(obj, tags::COLUMNS).ok_or(DicomError::MissingAttribute("Columns"))?;
        if rows == 0 || columns == 0 {
            return Err(DicomError::InvalidAttribute {
                name: "Rows/Columns",
                reason: format!("{rows}x{columns} image has no pixels"),
            });
        }
        let samples_per_pixel = attrs::u16_value(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        if samples_per_pixel != 1 && samples_per_pixel != 3 {
            return Err(DicomError::Unsupported(format!(
                "{samples_per_pixel} samples per pixel"
            )));
        }
        let bits_allocated = attrs::u16_value(obj, tags::BITS_ALLOCATED)
            .ok_or(DicomError::MissingAttribute("BitsAllocated"))?;
        if bits_allocated != 8 && bits_allocated != 16 {
            return Err(DicomError::Unsupported(format!(
                "{bits_allocated} bits allocated (only 8 and 16)"
            )));
        }
        let bits_stored = attrs::u16_value(obj, tags::BITS_STORED)
            .filter(|b| (1..=bits_allocated).contains(b))
            .unwrap_or(bits_allocated);
        let high_bit = attrs::u16_value(obj, tags::HIGH_BIT).unwrap_or(bits_stored - 1);
        let frames = number_of_frames(obj)?;
        let photometric = attrs::string(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .map(|s| Photometric::parse(&s))
            .unwrap_or(if samples_per_pixel == 3 {
                Photometric::Rgb
            } else {
                Photometric::Monochrome2
            });
        let sop_class_uid = attrs::string(obj, tags::SOP_CLASS_UID).unwrap_or_default();
        Ok(Self {
            sop_class_uid,
            sop_instance_uid: attrs::string(obj, tags::SOP_INSTANCE_UID),
            study_instance_uid: attrs::string(obj, tags::STUDY_INSTANCE_UID),
            series_instance_uid: attrs::string(obj, tags::SERIES_INSTANCE_UID),
            transfer_syntax_uid: transfer_syntax_uid.to_owned(),
            patient_id: attrs::string(obj, tags::PATIENT_ID),
            patient_name: attrs::string(obj, tags::PATIENT_NAME),
            study_date: attrs::string(obj, tags::STUDY_DATE),
            study_description: attrs::string(obj, tags::STUDY_DESCRIPTION),
            series_description: attrs::string(obj, tags::SERIES_DESCRIPTION),
            series_number: attrs::int(obj, tags::SERIES_NUMBER),
            instance_number: attrs::int(obj, tags::INSTANCE_NUMBER),
            modality: attrs::string(obj, tags::MODALITY),
            manufacturer: attrs::string(obj, tags::MANUFACTURER),
            model: attrs::string(obj, tags::MANUFACTURER_MODEL_NAME),
            photometric,
            rows,
            columns,
            frames,
            samples_per_pixel,
            bits_allocated,
            bits_stored,
            high_bit,
            pixel_representation: attrs::u16_value(obj, tags::PIXEL_REPRESENTATION).unwrap_or(0),
            planar_configuration: attrs::u16_value(obj, tags::PLANAR_CONFIGURATION),
            lossy_compressed: attrs::string(obj, tags::LOSSY_IMAGE_COMPRESSION).as_deref()
                == Some("01"),
        })
    }

    /// Pixels per frame (`rows × columns`).
    pub fn pixels_per_frame(&self) -> usize {
        usize::from(self.rows) * usize::from(self.columns)
    }
}

/// More frames than any echo loop holds (an hour at 250 fps is 900 000).
const MAX_FRAMES: i64 = 1_000_000;

/// Number of Frames (0028,0008): 1 when absent or empty, an error when zero, negative or not a number.
fn number_of_frames(obj: &InMemDicomObject) -> Result<u32> {
    if obj.get(tags::NUMBER_OF_FRAMES).is_none() {
        return Ok(1);
    }
    let invalid = |reason: String| DicomError::InvalidAttribute {
        name: "NumberOfFrames",
        reason,
    };
    match attrs::int(obj, tags::NUMBER_OF_FRAMES) {
        Some(n) if n <= 0 => Err(invalid(format!("{n} frames"))),
        Some(n) if n > MAX_FRAMES => Err(invalid(format!("{n} frames is absurd"))),
        Some(n) => u32::try_from(n).map_err(|_| invalid(format!("{n} frames is absurd"))),
        None => match attrs::string(obj, tags::NUMBER_OF_FRAMES) {
            None => Ok(1),
            Some(text) => Err(invalid(format!("{text:?} is not a whole number"))),
        },
    }
}
