//! Writing derived DICOM images (the de-identified image export): read a source file whole,
//! copy chosen attributes from it, set others, give the pixel data (the source's as it is, or
//! new 8-bit frames RLE-encoded) and write a Part 10 file atomically.
//!
//! Tags are plain `(group, element)` pairs so callers outside this module need no dicom-rs
//! type; value representations come from the standard dictionary.
//!
//! ```no_run
//! use echolab::dicom::{ImageWriter, SourceImage};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let src = SourceImage::open("in.dcm".as_ref())?;
//! let mut w = ImageWriter::new();
//! w.copy_from(&src, (0x0008, 0x0016)); // SOP Class UID
//! w.put_text((0x0010, 0x0010), "TRIAL-7")?; // Patient's Name
//! w.keep_pixel_data(&src)?;
//! w.write("out.dcm".as_ref())?;
//! # Ok(()) }
//! ```

use std::io::Write as _;
use std::path::Path;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::header::Header as _;
use dicom_core::value::{DataSetSequence, PixelFragmentSequence, Value};
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::error::{DicomError, Result};

/// A tag as `(group, element)`.
pub type TagId = (u16, u16);

/// Explicit VR Little Endian.
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// RLE Lossless.
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
/// Implementation Class UID written in the meta group of derived files.
const IMPLEMENTATION_CLASS_UID: &str = "2.25.270826113154183361839218377961317441309";

fn tag(t: TagId) -> Tag {
    Tag(t.0, t.1)
}

/// A text value found in a data set (nested sequences included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextValue {
    /// The element's tag.
    pub tag: TagId,
    /// Its VR (`PN`, `LO`, `DA`, …).
    pub vr: String,
    /// Its value (multiple values joined with `\`), trailing padding removed.
    pub value: String,
}

/// A source file read whole (header and pixel data), to derive a new image from.
#[derive(Debug, Clone)]
pub struct SourceImage {
    obj: InMemDicomObject,
    transfer_syntax_uid: String,
}

impl SourceImage {
    /// Reads `path` (lengths checked first; a parser panic becomes an error).
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)?;
        super::guard::check_lengths(&bytes).map_err(DicomError::Parse)?;
        let (obj, transfer_syntax_uid) = super::file::parse(&bytes, false)?;
        Ok(SourceImage {
            obj,
            transfer_syntax_uid,
        })
    }

    /// The transfer syntax of the file.
    pub fn transfer_syntax_uid(&self) -> &str {
        &self.transfer_syntax_uid
    }

    /// Whether the top-level data set holds `tag`.
    pub fn has(&self, t: TagId) -> bool {
        self.obj.get(tag(t)).is_some()
    }

    /// The text of a top-level element (padding trimmed), if present and textual.
    pub fn text(&self, t: TagId) -> Option<String> {
        self.obj
            .get(tag(t))
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
    }

    /// Tags of the top-level data set, in order.
    pub fn tags(&self) -> Vec<TagId> {
        self.obj.tags().map(|t| (t.0, t.1)).collect()
    }

    /// Every text value of the data set, items of sequences included, in file order.
    pub fn text_values(&self) -> Vec<TextValue> {
        let mut out = Vec::new();
        collect_text(&self.obj, &mut out);
        out
    }
}

fn is_text_vr(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UI
            | VR::UR
            | VR::UT
    )
}

fn collect_text(obj: &InMemDicomObject, out: &mut Vec<TextValue>) {
    for e in obj.iter() {
        match e.value() {
            Value::Sequence(seq) => {
                for item in seq.items() {
                    collect_text(item, out);
                }
            }
            Value::Primitive(_) if is_text_vr(e.vr()) => {
                if let Ok(s) = e.to_str() {
                    out.push(TextValue {
                        tag: (e.tag().0, e.tag().1),
                        vr: e.vr().to_string().to_owned(),
                        value: s.trim_end_matches(['\0', ' ']).to_owned(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// A new image data set being assembled (see the module docs).
#[derive(Debug, Clone)]
pub struct ImageWriter {
    obj: InMemDicomObject,
    transfer_syntax_uid: String,
}

impl Default for ImageWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ImageWriter {
    /// An empty data set (Explicit VR Little Endian until pixel data says otherwise).
    pub fn new() -> Self {
        ImageWriter {
            obj: InMemDicomObject::new_empty(),
            transfer_syntax_uid: EXPLICIT_VR_LE.to_owned(),
        }
    }

    /// Copies element `t` (with any nested items) from `src`; false when `src` has none.
    pub fn copy_from(&mut self, src: &SourceImage, t: TagId) -> bool {
        match src.obj.get(tag(t)) {
            Some(e) => {
                self.obj.put(e.clone());
                true
            }
            None => false,
        }
    }

    /// Sets a text element; its VR comes from the standard dictionary (an unknown tag, or one
    /// whose VR is not text, is an error).
    pub fn put_text(&mut self, t: TagId, value: &str) -> Result<()> {
        let vr = match StandardDataDictionary.by_tag(tag(t)).map(|e| e.vr()) {
            Some(VirtualVr::Exact(vr)) if is_text_vr(vr) => vr,
            _ => {
                return Err(DicomError::Unsupported(format!(
                    "({:04X},{:04X}) is not a standard text attribute",
                    t.0, t.1
                )));
            }
        };
        self.obj
            .put(DataElement::new(tag(t), vr, PrimitiveValue::from(value)));
        Ok(())
    }

    /// Sets a sequence of coded entries: each item holds Code Value, Coding Scheme Designator
    /// and Code Meaning.
    pub fn put_code_sequence(&mut self, t: TagId, codes: &[(&str, &str, &str)]) {
        let items: Vec<InMemDicomObject> = codes
            .iter()
            .map(|(value, scheme, meaning)| {
                InMemDicomObject::from_element_iter([
                    DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(*value)),
                    DataElement::new(
                        tags::CODING_SCHEME_DESIGNATOR,
                        VR::SH,
                        PrimitiveValue::from(*scheme),
                    ),
                    DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(*meaning)),
                ])
            })
            .collect();
        self.obj.put(DataElement::new(
            tag(t),
            VR::SQ,
            DataSetSequence::new(items, Length::UNDEFINED),
        ));
    }

    /// Keeps the source's pixel data as it is (and its transfer syntax). The caller copies the
    /// Image Pixel attributes that describe it.
    pub fn keep_pixel_data(&mut self, src: &SourceImage) -> Result<()> {
        let pixels = src
            .obj
            .get(tags::PIXEL_DATA)
            .ok_or(DicomError::NoPixelData)?;
        self.obj.put(pixels.clone());
        self.transfer_syntax_uid = src.transfer_syntax_uid.clone();
        Ok(())
    }

    /// New pixel data: `frames` of `width × height` 8-bit pixels with `channels` (1 or 3)
    /// interleaved samples, written RLE Lossless with the Image Pixel attributes that describe
    /// them (photometric `photometric`, 8 bits, unsigned, planar configuration 0 for colour).
    pub fn put_rle_frames(
        &mut self,
        width: u16,
        height: u16,
        channels: u8,
        photometric: &str,
        frames: Vec<Vec<u8>>,
    ) -> Result<()> {
        if frames.is_empty() || !(channels == 1 || channels == 3) {
            return Err(DicomError::Unsupported(format!(
                "{} frame(s) of {channels} channel(s) cannot be written",
                frames.len()
            )));
        }
        let mut offsets = Vec::with_capacity(frames.len());
        let mut fragments = Vec::with_capacity(frames.len());
        let mut at = 0u32;
        for f in &frames {
            let encoded = super::rle_encode::rle_encode_frame(
                f,
                usize::from(width),
                usize::from(height),
                usize::from(channels),
            )
            .map_err(DicomError::Unsupported)?;
            offsets.push(at);
            at = u32::try_from(encoded.len())
                .ok()
                .and_then(|n| at.checked_add(n)?.checked_add(8))
                .ok_or_else(|| {
                    DicomError::Unsupported("pixel data larger than 4 GiB".to_owned())
                })?;
            fragments.push(encoded);
        }
        let us = |t: Tag, v: u16| DataElement::new(t, VR::US, PrimitiveValue::from(v));
        self.obj
            .put(us(tags::SAMPLES_PER_PIXEL, u16::from(channels)));
        self.obj.put(DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(photometric),
        ));
        self.obj.put(us(tags::ROWS, height));
        self.obj.put(us(tags::COLUMNS, width));
        self.obj.put(us(tags::BITS_ALLOCATED, 8));
        self.obj.put(us(tags::BITS_STORED, 8));
        self.obj.put(us(tags::HIGH_BIT, 7));
        self.obj.put(us(tags::PIXEL_REPRESENTATION, 0));
        if channels == 3 {
            self.obj.put(us(tags::PLANAR_CONFIGURATION, 0));
        } else {
            self.obj.remove_element(tags::PLANAR_CONFIGURATION);
        }
        self.obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new(offsets, fragments),
        ));
        self.transfer_syntax_uid = RLE_LOSSLESS.to_owned();
        Ok(())
    }

    /// The transfer syntax the file will be written in.
    pub fn transfer_syntax_uid(&self) -> &str {
        &self.transfer_syntax_uid
    }

    /// The Part 10 bytes (preamble, meta group from the data set's SOP Class and Instance UIDs,
    /// data set).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let err = |e: &dyn std::fmt::Display| DicomError::Unsupported(format!("writing: {e}"));
        let file = self
            .obj
            .clone()
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(self.transfer_syntax_uid.as_str())
                    .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                    .implementation_version_name("ECHOLAB"),
            )
            .map_err(|e| err(&e))?;
        let mut bytes = Vec::new();
        file.write_all(&mut bytes).map_err(|e| err(&e))?;
        Ok(bytes)
    }

    /// Writes the file atomically (temporary file in the same folder, fsync, rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image.dcm".to_owned());
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
