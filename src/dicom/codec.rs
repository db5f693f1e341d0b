//! Decoding one frame's encoded bytes into raw samples ([`RawFrame`]).
//!
//! * native (implicit/explicit LE, explicit BE, deflated data sets): slicing, planar
//!   configuration 1 interleaved, uncompressed YBR_FULL_422 chroma replicated;
//! * RLE Lossless: our own decoder ([`super::rle`]);
//! * 8-bit JPEG baseline/extended and lossless: libjpeg-turbo ([`super::turbo`]), colour
//!   converted to RGB by the codec;
//! * everything else (12- and 16-bit JPEG, JPEG-LS, JPEG 2000, JPEG XL): the dicom-rs
//!   transfer syntax registry adapter, one frame at a time.

use std::borrow::Cow;

use dicom_core::smallvec::smallvec;
use dicom_encoding::adapters::{PixelDataObject, RawPixelData};
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex as _};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::color::{RawFrame, Samples, expand_ybr422, interleave_planes};
use super::header::{Header, Photometric};
use super::turbo::Output;

/// Families of transfer syntaxes, by how their frames are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// Uncompressed samples (incl. big endian and deflated data sets).
    Native,
    /// Encapsulated Uncompressed: each fragment holds raw samples.
    EncapsulatedNative,
    /// RLE Lossless.
    Rle,
    /// JPEG baseline (process 1) and extended (processes 2 & 4).
    JpegLossy,
    /// JPEG lossless (process 14, incl. SV1).
    JpegLossless,
    /// JPEG-LS lossless and near-lossless.
    JpegLs,
    /// JPEG 2000 and HTJ2K.
    Jpeg2000,
    /// JPEG XL.
    JpegXl,
    /// Another encapsulated syntax (the registry decides whether it can decode it).
    OtherEncapsulated,
}

impl Syntax {
    /// Classifies a transfer syntax UID; `encapsulated` tells how the pixel data was stored.
    pub(crate) fn classify(uid: &str, encapsulated: bool) -> Self {
        match uid {
            "1.2.840.10008.1.2.5" => Self::Rle,
            "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => Self::JpegLossy,
            "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => Self::JpegLossless,
            "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => Self::JpegLs,
            "1.2.840.10008.1.2.4.90"
            | "1.2.840.10008.1.2.4.91"
            | "1.2.840.10008.1.2.4.92"
            | "1.2.840.10008.1.2.4.93"
            | "1.2.840.10008.1.2.4.201"
            | "1.2.840.10008.1.2.4.202"
            | "1.2.840.10008.1.2.4.203" => Self::Jpeg2000,
            "1.2.840.10008.1.2.4.110" | "1.2.840.10008.1.2.4.111" | "1.2.840.10008.1.2.4.112" => {
                Self::JpegXl
            }
            "1.2.840.10008.1.2.1.98" => Self::EncapsulatedNative,
            _ if encapsulated => Self::OtherEncapsulated,
            _ => Self::Native,
        }
    }

    /// True for syntaxes whose decoded samples may differ from the original (lossy).
    pub fn is_lossy(uid: &str) -> bool {
        matches!(
            uid,
            "1.2.840.10008.1.2.4.50"
                | "1.2.840.10008.1.2.4.51"
                | "1.2.840.10008.1.2.4.81"
                | "1.2.840.10008.1.2.4.91"
                | "1.2.840.10008.1.2.4.93"
                | "1.2.840.10008.1.2.4.111"
                | "1.2.840.10008.1.2.4.112"
                | "1.2.840.10008.1.2.4.203"
        )
    }
}

/// Decodes the encoded bytes of one frame. A panic inside a third-party codec on hostile
/// data becomes an error.
pub(crate) fn decode_frame(
    header: &Header,
    syntax: Syntax,
    encoded: Cow<'_, [u8]>,
) -> Result<RawFrame, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_frame_inner(header, syntax, encoded)
    }))
    .unwrap_or_else(|_| Err("the codec failed on corrupt data".to_owned()))
}

fn decode_frame_inner(
    header: &Header,
    syntax: Syntax,
    encoded: Cow<'_, [u8]>,
) -> Result<RawFrame, String> {
    let rows = usize::from(header.rows);
    let columns = usize::from(header.columns);
    let pixels = rows * columns;
    let spp = usize::from(header.samples_per_pixel);
    let bytes_per_sample = usize::from(header.bits_allocated / 8);
    match syntax {
        Syntax::Native | Syntax::EncapsulatedNative => native(header, encoded),
        Syntax::Rle => {
            let data = super::rle::decode_frame(&encoded, pixels, spp, bytes_per_sample)?;
            Ok(RawFrame {
                samples: samples_from_le(data, bytes_per_sample),
                samples_per_pixel: spp,
                photometric: header.photometric.clone(),
            })
        }
        _ => match turbo_output(header, syntax) {
            Some(output) => jpeg_turbo(header, output, &encoded),
            None => registry(header, &encoded),
        },
    }
}

/// Uncompressed frame bytes (little endian) to interleaved samples.
fn native(header: &Header, encoded: Cow<'_, [u8]>) -> Result<RawFrame, String> {
    let rows = usize::from(header.rows);
    let columns = usize::from(header.columns);
    let spp = usize::from(header.samples_per_pixel);
    let bytes_per_sample = usize::from(header.bits_allocated / 8);
    if header.photometric == Photometric::YbrFull422 && spp == 3 && bytes_per_sample == 1 {
        let full = expand_ybr422(&encoded, rows, columns);
        if full.len() != rows * columns * 3 {
            return Err("uncompressed YBR_FULL_422 frame is too short".to_owned());
        }
        return Ok(RawFrame {
            samples: Samples::U8(full),
            samples_per_pixel: 3,
            photometric: Photometric::YbrFull,
        });
    }
    let needed = rows * columns * spp * bytes_per_sample;
    if encoded.len() < needed {
        return Err(format!("frame has {} bytes, needs {needed}", encoded.len()));
    }
    let planar = spp > 1 && header.planar_configuration == Some(1);
    let samples = if planar && bytes_per_sample == 1 {
        Samples::U8(interleave_planes(&encoded[..needed], spp))
    } else {
        let mut bytes = encoded.into_owned();
        bytes.truncate(needed);
        match samples_from_le(bytes, bytes_per_sample) {
            Samples::U16(v) if planar => Samples::U16(interleave_planes(&v, spp)),
            other => other,
        }
    };
    Ok(RawFrame {
        samples,
        samples_per_pixel: spp,
        photometric: header.photometric.clone(),
    })
}

fn samples_from_le(bytes: Vec<u8>, bytes_per_sample: usize) -> Samples {
    if bytes_per_sample == 2 {
        Samples::U16(
            bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect(),
        )
    } else {
        Samples::U8(bytes)
    }
}

/// Whether libjpeg-turbo decodes this file's frames: 8-bit JPEG (lossy, or lossless with one
/// or three components), unsigned, one or three samples per pixel.
pub(crate) fn turbo_output(header: &Header, syntax: Syntax) -> Option<Output> {
    let eight_bit =
        header.bits_allocated == 8 && header.bits_stored <= 8 && header.pixel_representation == 0;
    if !matches!(syntax, Syntax::JpegLossy | Syntax::JpegLossless) || !eight_bit {
        return None;
    }
    match (header.samples_per_pixel, &header.photometric) {
        (1, Photometric::Monochrome1 | Photometric::Monochrome2) => Some(Output::Gray),
        (3, _) => Some(Output::Rgb),
        _ => None,
    }
}

/// An 8-bit JPEG frame (see [`turbo_output`]) decoded to display RGB straight into `out`
/// (`columns × rows × 3` bytes; grey replicated; YBR components the codec left as stored
/// converted here). The caller catches a codec panic ([`super::quiet::catch`]).
pub(crate) fn decode_jpeg_rgb_into(
    header: &Header,
    encoded: &[u8],
    out: &mut [u8],
) -> Result<(), String> {
    let (width, height) = (usize::from(header.columns), usize::from(header.rows));
    let converted = super::turbo::decode_into(encoded, width, height, Output::Rgb, out)?;
    if !converted && header.samples_per_pixel == 3 && stored_ybr(&header.photometric) {
        super::color::ybr_full_to_rgb(out);
    }
    Ok(())
}

/// YBR_FULL or YBR_FULL_422: components the codec did not convert are YCbCr.
fn stored_ybr(photometric: &Photometric) -> bool {
    matches!(photometric, Photometric::YbrFull | Photometric::YbrFull422)
}

/// Whether [`decode_jpeg_rgb_into`] serves this file: 8-bit JPEG, except grey lossless streams
/// (libjpeg-turbo does no colour conversion, grey to RGB included, in lossless mode).
pub(crate) fn direct_rgb(header: &Header, syntax: Syntax) -> bool {
    match turbo_output(header, syntax) {
        Some(Output::Rgb) => true,
        Some(Output::Gray) => syntax == Syntax::JpegLossy,
        None => false,
    }
}

/// An 8-bit JPEG frame through libjpeg-turbo: grey as stored, colour as RGB (converted by the
/// codec, or as stored with the file's photometric interpretation when the codec did not).
fn jpeg_turbo(header: &Header, output: Output, encoded: &[u8]) -> Result<RawFrame, String> {
    let (width, height) = (usize::from(header.columns), usize::from(header.rows));
    let mut pixels = vec![0u8; width * height * output.bytes()];
    let converted = super::turbo::decode_into(encoded, width, height, output, &mut pixels)?;
    let photometric = match output {
        Output::Gray => header.photometric.clone(),
        Output::Rgb if converted => Photometric::Rgb,
        // Chroma is upsampled by the codec: 4:2:2 comes out at full resolution.
        Output::Rgb if stored_ybr(&header.photometric) => Photometric::YbrFull,
        Output::Rgb => header.photometric.clone(),
    };
    Ok(RawFrame {
        samples: Samples::U8(pixels),
        samples_per_pixel: output.bytes(),
        photometric,
    })
}

/// Decodes through the dicom-rs registry adapter for the file's transfer syntax.
fn registry(header: &Header, encoded: &[u8]) -> Result<RawFrame, String> {
    let ts = TransferSyntaxRegistry
        .get(&header.transfer_syntax_uid)
        .ok_or_else(|| format!("unknown transfer syntax {}", header.transfer_syntax_uid))?;
    let Codec::EncapsulatedPixelData(Some(reader), _) = ts.codec() else {
        return Err(format!(
            "no decoder for transfer syntax {} ({})",
            ts.name(),
            header.transfer_syntax_uid
        ));
    };
    let source = OneFrame { header, encoded };
    let mut out = Vec::new();
    reader
        .decode_frame(&source, 0, &mut out)
        .map_err(|e| e.to_string())?;
    let spp = usize::from(header.samples_per_pixel);
    let bytes_per_sample = usize::from(header.bits_allocated / 8);
    let needed = usize::from(header.rows) * usize::from(header.columns) * spp * bytes_per_sample;
    if out.len() < needed {
        return Err(format!(
            "decoder produced {} bytes, expected {needed}",
            out.len()
        ));
    }
    out.truncate(needed);
    let syntax = Syntax::classify(&header.transfer_syntax_uid, true);
    let photometric = match (&header.photometric, syntax) {
        // Codecs that apply the inverse colour transform themselves.
        (_, Syntax::JpegLossy | Syntax::JpegXl) if spp == 3 => Photometric::Rgb,
        (Photometric::YbrIct | Photometric::YbrRct, _) => Photometric::Rgb,
        (Photometric::YbrFull422, Syntax::JpegLossless | Syntax::JpegLs) => Photometric::YbrFull,
        (other, _) => other.clone(),
    };
    Ok(RawFrame {
        samples: samples_from_le(out, bytes_per_sample),
        samples_per_pixel: spp,
        photometric,
    })
}

/// A single encoded frame presented to a dicom-rs pixel data adapter.
struct OneFrame<'a> {
    header: &'a Header,
    encoded: &'a [u8],
}

impl PixelDataObject for OneFrame<'_> {
    fn transfer_syntax_uid(&self) -> &str {
        &self.header.transfer_syntax_uid
    }
    fn rows(&self) -> Option<u16> {
        Some(self.header.rows)
    }
    fn cols(&self) -> Option<u16> {
        Some(self.header.columns)
    }
    fn samples_per_pixel(&self) -> Option<u16> {
        Some(self.header.samples_per_pixel)
    }
    fn bits_allocated(&self) -> Option<u16> {
        Some(self.header.bits_allocated)
    }
    fn bits_stored(&self) -> Option<u16> {
        Some(self.header.bits_stored)
    }
    fn photometric_interpretation(&self) -> Option<&str> {
        Some(self.header.photometric.as_str())
    }
    fn number_of_frames(&self) -> Option<u32> {
        Some(1)
    }
    fn number_of_fragments(&self) -> Option<u32> {
        Some(1)
    }
    fn fragment(&self, fragment: usize) -> Option<Cow<'_, [u8]>> {
        (fragment == 0).then_some(Cow::Borrowed(self.encoded))
    }
    fn offset_table(&self) -> Option<Cow<'_, [u32]>> {
        None
    }
    fn raw_pixel_data(&self) -> Option<RawPixelData> {
        Some(RawPixelData {
            fragments: smallvec![self.encoded.to_vec()],
            offset_table: smallvec![],
        })
    }
}
