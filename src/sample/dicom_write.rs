//! Builds the sample DICOM files in memory with dicom-object (US Image / US Multi-frame Image
//! IODs: patient, study, series, equipment, image, cine, US region calibration, US image) and
//! serialises them with encapsulated RLE or JPEG baseline pixel data.

use dicom_core::value::{C, DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::error::SampleError;
use super::raster::{GrayImage, RgbImage};
use super::regions::UsRegion;
use super::{jpeg, rle, uids as sample_uids};

/// Patient's Name of the synthetic patient.
pub const PATIENT_NAME: &str = "ECHOLAB^SAMPLE";
/// Patient ID of the synthetic patient.
pub const PATIENT_ID: &str = "SAMPLE-001";
/// Manufacturer written in every file.
pub const MANUFACTURER: &str = "Echolab synthetic";
/// Study Date (fixed, so files are reproducible).
pub const STUDY_DATE: &str = "20240115";
/// Study Time (fixed).
pub const STUDY_TIME: &str = "093000";

/// The frames of one object.
#[derive(Debug, Clone)]
pub enum Frames {
    /// MONOCHROME2 frames.
    Gray(Vec<GrayImage>),
    /// RGB frames (written as RGB for RLE, YBR_FULL_422 for JPEG).
    Rgb(Vec<RgbImage>),
}

impl Frames {
    fn count(&self) -> usize {
        match self {
            Self::Gray(f) => f.len(),
            Self::Rgb(f) => f.len(),
        }
    }

    fn size(&self) -> Option<(usize, usize)> {
        match self {
            Self::Gray(f) => f.first().map(|i| (i.width, i.height)),
            Self::Rgb(f) => f.first().map(|i| (i.width, i.height)),
        }
    }

    fn samples(&self) -> usize {
        match self {
            Self::Gray(_) => 1,
            Self::Rgb(_) => 3,
        }
    }

    fn frame_bytes(&self, k: usize) -> Option<&[u8]> {
        match self {
            Self::Gray(f) => f.get(k).map(|i| i.data.as_slice()),
            Self::Rgb(f) => f.get(k).map(|i| i.data.as_slice()),
        }
    }
}

/// Pixel data encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// RLE Lossless, 1.2.840.10008.1.2.5.
    Rle,
    /// JPEG Baseline (Process 1), 1.2.840.10008.1.2.4.50.
    Jpeg,
}

impl Encoding {
    /// The transfer syntax UID.
    pub fn transfer_syntax_uid(self) -> &'static str {
        match self {
            Self::Rle => uids::RLE_LOSSLESS,
            Self::Jpeg => uids::JPEG_BASELINE8_BIT,
        }
    }
}

/// Cine timing of a multi-frame object.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameTiming {
    /// Constant Frame Time (0018,1063), ms.
    FrameTime(f64),
    /// Frame Time Vector (0018,1065): ms since the previous frame, first element 0.
    Vector(Vec<f64>),
}

/// Everything that varies between the sample files.
#[derive(Debug, Clone)]
pub struct ObjectSpec {
    /// File name, also the key of the SOP Instance UID.
    pub file_name: String,
    /// Key of the series UID (one series per view).
    pub series_key: String,
    /// Series Number.
    pub series_number: i32,
    /// Series Description.
    pub series_description: String,
    /// Instance Number.
    pub instance_number: i32,
    /// Image Type value 4: bitmap of the modes present (0001 2D, 0004 CW, 0008 PW, 0010 colour).
    pub mode_bits: u16,
    /// The frames.
    pub frames: Frames,
    /// Cine timing (multi-frame objects only).
    pub timing: Option<FrameTiming>,
    /// Heart Rate (0018,1088), beats per minute.
    pub heart_rate_bpm: Option<i32>,
    /// R Wave Pointer (0028,6040): frame numbers (1-based) of R waves.
    pub r_wave_frames: Vec<u16>,
    /// The Sequence of Ultrasound Regions.
    pub regions: Vec<UsRegion>,
    /// Pixel data encoding.
    pub encoding: Encoding,
}

/// The SOP Class UID a spec is written with.
pub fn sop_class_uid(spec: &ObjectSpec) -> &'static str {
    if spec.timing.is_some() {
        uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE
    } else {
        uids::ULTRASOUND_IMAGE_STORAGE
    }
}

/// The SOP Instance UID of a spec (derived from its file name).
pub fn sop_instance_uid(spec: &ObjectSpec) -> String {
    sample_uids::uid(&format!("instance/{}", spec.file_name))
}

/// The Series Instance UID of a spec (one series per view).
pub fn series_instance_uid(spec: &ObjectSpec) -> String {
    sample_uids::uid(&format!("series/{}", spec.series_key))
}

/// The Photometric Interpretation a spec is written with.
pub fn photometric(spec: &ObjectSpec) -> &'static str {
    match (&spec.frames, spec.encoding) {
        (Frames::Gray(_), _) => "MONOCHROME2",
        (Frames::Rgb(_), Encoding::Rle) => "RGB",
        (Frames::Rgb(_), Encoding::Jpeg) => "YBR_FULL_422",
    }
}

/// Serialises `spec` as a complete DICOM Part 10 file (preamble, meta group, data set).
pub fn build_file(spec: &ObjectSpec) -> Result<Vec<u8>, SampleError> {
    let err = |reason: String| SampleError::Dicom {
        file: spec.file_name.clone(),
        reason,
    };
    let (width, height) = spec
        .frames
        .size()
        .ok_or_else(|| err("no frames".to_owned()))?;
    let (fragments, raw_len) = encode_frames(spec, width, height)?;
    let samples = spec.frames.samples();
    build_file_from_fragments(spec, [width, height, samples], fragments, raw_len)
}

/// Serialises `spec` around frames that are already encoded (`fragments`, one per frame, in
/// `spec.encoding`) of `size = [columns, rows, samples per pixel]`; `raw_len` is their
/// uncompressed size in bytes (for the compression ratio). Of `spec.frames` only the kind
/// (grey or colour) is read; it may hold no images.
pub fn build_file_from_fragments(
    spec: &ObjectSpec,
    size: [usize; 3],
    fragments: Vec<Vec<u8>>,
    raw_len: usize,
) -> Result<Vec<u8>, SampleError> {
    let err = |reason: String| SampleError::Dicom {
        file: spec.file_name.clone(),
        reason,
    };
    let [width, height, samples] = size;
    let obj = build_dataset(spec, [width, height, samples], fragments, raw_len).map_err(err)?;
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(spec.encoding.transfer_syntax_uid())
                .implementation_class_uid(sample_uids::implementation_class_uid())
                .implementation_version_name("ECHOLAB_SAMPLE1"),
        )
        .map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).map_err(|e| err(e.to_string()))?;
    Ok(bytes)
}

fn encode_frames(
    spec: &ObjectSpec,
    width: usize,
    height: usize,
) -> Result<(Vec<Vec<u8>>, usize), SampleError> {
    let samples = spec.frames.samples();
    let mut fragments = Vec::with_capacity(spec.frames.count());
    let mut raw_len = 0;
    for k in 0..spec.frames.count() {
        let px = spec
            .frames
            .frame_bytes(k)
            .ok_or_else(|| SampleError::Encode("missing frame".to_owned()))?;
        if px.len() != width * height * samples {
            return Err(SampleError::Encode(format!(
                "frame {k} of {} has another size",
                spec.file_name
            )));
        }
        raw_len += px.len();
        fragments.push(match spec.encoding {
            Encoding::Rle => rle::encode_frame(px, width, height, samples)?,
            Encoding::Jpeg => jpeg::encode_frame(px, width, height, samples)?,
        });
    }
    Ok((fragments, raw_len))
}

type Elem = DataElement<InMemDicomObject>;

fn string(tag: Tag, vr: VR, value: &str) -> Elem {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn strings(tag: Tag, vr: VR, values: &[String]) -> Elem {
    DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().cloned().collect::<C<String>>()),
    )
}

fn us(tag: Tag, v: u16) -> Elem {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

fn ul(tag: Tag, v: u32) -> Elem {
    DataElement::new(tag, VR::UL, PrimitiveValue::from(v))
}

fn sl(tag: Tag, v: i32) -> Elem {
    DataElement::new(tag, VR::SL, PrimitiveValue::from(v))
}

fn fd(tag: Tag, v: f64) -> Elem {
    DataElement::new(tag, VR::FD, PrimitiveValue::from(v))
}

/// A decimal string of at most 16 characters.
fn ds_text(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    s.truncate(16);
    s
}

fn region_item(r: &UsRegion) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        us(tags::REGION_SPATIAL_FORMAT, r.spatial_format),
        us(tags::REGION_DATA_TYPE, r.data_type),
        ul(tags::REGION_FLAGS, r.flags),
        ul(tags::REGION_LOCATION_MIN_X0, r.x0),
        ul(tags::REGION_LOCATION_MIN_Y0, r.y0),
        ul(tags::REGION_LOCATION_MAX_X1, r.x1),
        ul(tags::REGION_LOCATION_MAX_Y1, r.y1),
        sl(tags::REFERENCE_PIXEL_X0, r.ref_pixel_x0),
        sl(tags::REFERENCE_PIXEL_Y0, r.ref_pixel_y0),
        us(tags::PHYSICAL_UNITS_X_DIRECTION, r.units_x),
        us(tags::PHYSICAL_UNITS_Y_DIRECTION, r.units_y),
        fd(tags::REFERENCE_PIXEL_PHYSICAL_VALUE_X, r.ref_value_x),
        fd(tags::REFERENCE_PIXEL_PHYSICAL_VALUE_Y, r.ref_value_y),
        fd(tags::PHYSICAL_DELTA_X, r.delta_x),
        fd(tags::PHYSICAL_DELTA_Y, r.delta_y),
    ])
}

fn build_dataset(
    spec: &ObjectSpec,
    [width, height, samples]: [usize; 3],
    fragments: Vec<Vec<u8>>,
    raw_len: usize,
) -> Result<InMemDicomObject, String> {
    let rows = u16::try_from(height).map_err(|_| "too many rows".to_owned())?;
    let cols = u16::try_from(width).map_err(|_| "too many columns".to_owned())?;
    let samples = u16::try_from(samples).map_err(|_| "too many samples".to_owned())?;
    let sop_instance = sop_instance_uid(spec);
    let image_type: Vec<String> = ["ORIGINAL", "PRIMARY", "CARDIOLOGY"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([format!("{:04X}", spec.mode_bits)])
        .collect();

    let mut obj = InMemDicomObject::from_element_iter([
        string(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        strings(tags::IMAGE_TYPE, VR::CS, &image_type),
        string(tags::INSTANCE_CREATION_DATE, VR::DA, STUDY_DATE),
        string(tags::INSTANCE_CREATION_TIME, VR::TM, STUDY_TIME),
        string(tags::SOP_CLASS_UID, VR::UI, sop_class_uid(spec)),
        string(tags::SOP_INSTANCE_UID, VR::UI, &sop_instance),
        string(tags::STUDY_DATE, VR::DA, STUDY_DATE),
        string(tags::SERIES_DATE, VR::DA, STUDY_DATE),
        string(tags::CONTENT_DATE, VR::DA, STUDY_DATE),
        string(tags::STUDY_TIME, VR::TM, STUDY_TIME),
        string(tags::SERIES_TIME, VR::TM, STUDY_TIME),
        string(tags::CONTENT_TIME, VR::TM, STUDY_TIME),
        string(tags::ACCESSION_NUMBER, VR::SH, "SAMPLE-ACC-1"),
        string(tags::MODALITY, VR::CS, "US"),
        string(tags::BODY_PART_EXAMINED, VR::CS, "HEART"),
        string(tags::MANUFACTURER, VR::LO, MANUFACTURER),
        string(tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
        string(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "Echolab synthetic sample study (TTE, MR)",
        ),
        string(tags::SERIES_DESCRIPTION, VR::LO, &spec.series_description),
        string(
            tags::MANUFACTURER_MODEL_NAME,
            VR::LO,
            "echolab sample generator",
        ),
        string(tags::PATIENT_NAME, VR::PN, PATIENT_NAME),
        string(tags::PATIENT_ID, VR::LO, PATIENT_ID),
        string(tags::PATIENT_BIRTH_DATE, VR::DA, "19600101"),
        string(tags::PATIENT_SEX, VR::CS, "O"),
        string(
            tags::SOFTWARE_VERSIONS,
            VR::LO,
            concat!("echolab ", env!("CARGO_PKG_VERSION")),
        ),
        string(tags::STUDY_INSTANCE_UID, VR::UI, &sample_uids::uid("study")),
        string(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &series_instance_uid(spec),
        ),
        string(tags::STUDY_ID, VR::SH, "1"),
        string(tags::SERIES_NUMBER, VR::IS, &spec.series_number.to_string()),
        string(
            tags::INSTANCE_NUMBER,
            VR::IS,
            &spec.instance_number.to_string(),
        ),
        string(tags::PATIENT_ORIENTATION, VR::CS, ""),
        us(tags::SAMPLES_PER_PIXEL, samples),
        string(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric(spec)),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, cols),
        us(tags::BITS_ALLOCATED, 8),
        us(tags::BITS_STORED, 8),
        us(tags::HIGH_BIT, 7),
        us(tags::PIXEL_REPRESENTATION, 0),
        string(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"),
    ]);
    if samples == 3 {
        obj.put(us(tags::PLANAR_CONFIGURATION, 0));
        obj.put(us(
            tags::ULTRASOUND_COLOR_DATA_PRESENT,
            u16::from(spec.mode_bits & 0x0010 != 0),
        ));
    }
    match spec.encoding {
        Encoding::Rle => obj.put(string(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00")),
        Encoding::Jpeg => {
            let coded: usize = fragments.iter().map(Vec::len).sum();
            let ratio = raw_len as f64 / coded.max(1) as f64;
            obj.put(string(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "01"));
            obj.put(string(
                tags::LOSSY_IMAGE_COMPRESSION_RATIO,
                VR::DS,
                &format!("{ratio:.2}"),
            ));
            obj.put(string(
                tags::LOSSY_IMAGE_COMPRESSION_METHOD,
                VR::CS,
                "ISO_10918_1",
            ))
        }
    };
    if let Some(hr) = spec.heart_rate_bpm {
        obj.put(string(tags::HEART_RATE, VR::IS, &hr.to_string()));
    }
    put_timing(&mut obj, spec, fragments.len())?;
    let items: Vec<InMemDicomObject> = spec.regions.iter().map(region_item).collect();
    obj.put(DataElement::new(
        tags::SEQUENCE_OF_ULTRASOUND_REGIONS,
        VR::SQ,
        DataSetSequence::new(items, Length::UNDEFINED),
    ));
    let mut offsets = Vec::with_capacity(fragments.len());
    let mut at = 0u32;
    for f in &fragments {
        offsets.push(at);
        at += 8 + u32::try_from(f.len()).map_err(|_| "fragment larger than 4 GiB".to_owned())?;
    }
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(offsets, fragments),
    ));
    Ok(obj)
}

fn put_timing(obj: &mut InMemDicomObject, spec: &ObjectSpec, frames: usize) -> Result<(), String> {
    let Some(timing) = &spec.timing else {
        return Ok(());
    };
    obj.put(string(tags::NUMBER_OF_FRAMES, VR::IS, &frames.to_string()));
    let (pointer, mean_ms, total_ms) = match timing {
        FrameTiming::FrameTime(ms) => {
            obj.put(string(tags::FRAME_TIME, VR::DS, &ds_text(*ms)));
            (tags::FRAME_TIME, *ms, *ms * frames as f64)
        }
        FrameTiming::Vector(v) => {
            if v.len() != frames {
                return Err(format!(
                    "Frame Time Vector has {} values for {frames} frames",
                    v.len()
                ));
            }
            let text: Vec<String> = v.iter().map(|x| ds_text(*x)).collect();
            obj.put(strings(tags::FRAME_TIME_VECTOR, VR::DS, &text));
            let sum: f64 = v.iter().sum();
            let mean = sum / (frames.max(2) - 1) as f64;
            (tags::FRAME_TIME_VECTOR, mean, sum + mean)
        }
    };
    obj.put(DataElement::new(
        tags::FRAME_INCREMENT_POINTER,
        VR::AT,
        PrimitiveValue::from(pointer),
    ));
    let rate = (1000.0 / mean_ms).round() as i32;
    obj.put(string(tags::CINE_RATE, VR::IS, &rate.to_string()));
    obj.put(string(
        tags::RECOMMENDED_DISPLAY_FRAME_RATE,
        VR::IS,
        &rate.to_string(),
    ));
    obj.put(string(tags::FRAME_DELAY, VR::DS, "0"));
    obj.put(string(
        tags::EFFECTIVE_DURATION,
        VR::DS,
        &ds_text(total_ms / 1000.0),
    ));
    obj.put(us(tags::PREFERRED_PLAYBACK_SEQUENCING, 0));
    if !spec.r_wave_frames.is_empty() {
        obj.put(DataElement::new(
            tags::R_WAVE_POINTER,
            VR::US,
            PrimitiveValue::U16(spec.r_wave_frames.iter().copied().collect()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_are_short() {
        assert_eq!(ds_text(25.0), "25");
        assert_eq!(ds_text(0.8), "0.8");
        assert_eq!(ds_text(26.666_666_666), "26.666667");
        assert!(ds_text(123_456_789_012.123).len() <= 16);
    }
}
