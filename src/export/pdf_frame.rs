//! Rendering one frame of a DICOM file to an RGB JPEG for the PDF read sheet.

use std::path::Path;

use dicom_core::value::PrimitiveValue;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::{PhotometricInterpretation, PixelDecoder, PlanarConfiguration};

/// An RGB frame.
pub(crate) struct RgbFrame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

fn ybr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
    let c = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    [
        c(y + 1.402 * cr),
        c(y - 0.344_136 * cb - 0.714_136 * cr),
        c(y + 1.772 * cb),
    ]
}

/// A palette colour lookup table (PS3.3 C.7.6.3.1.5), entries scaled to 8 bits.
struct Palette {
    first_mapped: i64,
    rgb: [Vec<u8>; 3],
}

fn lut_channel(
    obj: &DefaultDicomObject,
    desc: dicom_core::Tag,
    data: dicom_core::Tag,
) -> Option<(i64, Vec<u8>)> {
    let d: Vec<i64> = obj.element_opt(desc).ok()??.to_multi_int().ok()?;
    let (&n, &first, &bits) = (d.first()?, d.get(1)?, d.get(2)?);
    let entries = if n == 0 { 65536 } else { n as usize };
    let words: Vec<u16> = match obj.element_opt(data).ok()??.value().primitive()? {
        PrimitiveValue::U16(v) => v.to_vec(),
        PrimitiveValue::U8(b) if bits == 8 && b.len() >= entries => {
            b.iter().map(|&x| u16::from(x)).collect()
        }
        PrimitiveValue::U8(b) => b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect(),
        _ => return None,
    };
    if words.len() < entries {
        return None;
    }
    let shift = if bits > 8 { bits - 8 } else { 0 };
    let values = words[..entries]
        .iter()
        .map(|&w| (w >> shift).min(255) as u8)
        .collect();
    Some((first, values))
}

fn palette(obj: &DefaultDicomObject) -> Option<Palette> {
    let (first, r) = lut_channel(
        obj,
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    )?;
    let (_, g) = lut_channel(
        obj,
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    )?;
    let (_, b) = lut_channel(
        obj,
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    )?;
    Some(Palette {
        first_mapped: first,
        rgb: [r, g, b],
    })
}

/// Decodes frame `frame` (0-based) of `path` to RGB (monochrome, palette colour, RGB and
/// YBR_FULL files; monochrome deeper than 8 bits is scaled to its own range).
pub(crate) fn decode_frame(path: &Path, frame: u32) -> Result<RgbFrame, String> {
    let obj = dicom_object::open_file(path).map_err(|e| e.to_string())?;
    let data = obj
        .decode_pixel_data_frame(frame)
        .map_err(|e| format!("frame {}: {e}", frame + 1))?;
    let (w, h) = (data.columns(), data.rows());
    let n = (w as usize) * (h as usize);
    let spp = data.samples_per_pixel();
    let photometric = data.photometric_interpretation().clone();
    // dicom-pixeldata: `Standard` = interleaved samples (0), `PixelFirst` = one plane per colour (1).
    let interleaved = data.planar_configuration() == PlanarConfiguration::Standard;
    let mut rgb = Vec::with_capacity(n * 3);
    if spp == 1 && photometric == PhotometricInterpretation::PaletteColor {
        let lut = palette(&obj).ok_or_else(|| "palette colour table unreadable".to_owned())?;
        let indices: Vec<i64> = if data.bits_allocated() <= 8 {
            let raw = data.frame_data(0).map_err(|e| e.to_string())?;
            raw.iter().map(|&x| i64::from(x)).collect()
        } else {
            let raw = data.frame_data_ow(0).map_err(|e| e.to_string())?;
            raw.iter().map(|&x| i64::from(x)).collect()
        };
        if indices.len() < n {
            return Err("pixel data shorter than rows × columns".to_owned());
        }
        let last = lut.rgb[0].len().min(lut.rgb[1].len()).min(lut.rgb[2].len());
        if last == 0 {
            return Err("palette colour table is empty".to_owned());
        }
        for &p in &indices[..n] {
            let i = (p - lut.first_mapped).clamp(0, last as i64 - 1) as usize;
            rgb.extend_from_slice(&[lut.rgb[0][i], lut.rgb[1][i], lut.rgb[2][i]]);
        }
    } else if spp == 1 {
        let gray: Vec<u8> = if data.bits_allocated() <= 8 {
            data.frame_data(0).map_err(|e| e.to_string())?.to_vec()
        } else {
            let v: Vec<f64> = data.to_vec_frame(0).map_err(|e| e.to_string())?;
            let (lo, hi) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            v.iter()
                .map(|x| ((x - lo) / span * 255.0).round().clamp(0.0, 255.0) as u8)
                .collect()
        };
        if gray.len() < n {
            return Err("pixel data shorter than rows × columns".to_owned());
        }
        let invert = photometric == PhotometricInterpretation::Monochrome1;
        for &g in &gray[..n] {
            let g = if invert { 255 - g } else { g };
            rgb.extend_from_slice(&[g, g, g]);
        }
    } else if spp == 3 && data.bits_allocated() == 8 {
        let raw = data.frame_data(0).map_err(|e| e.to_string())?;
        if raw.len() < n * 3 {
            return Err("pixel data shorter than rows × columns × 3".to_owned());
        }
        let ybr = matches!(
            photometric,
            PhotometricInterpretation::YbrFull | PhotometricInterpretation::YbrFull422
        );
        for i in 0..n {
            let px = if interleaved {
                [raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2]]
            } else {
                [raw[i], raw[n + i], raw[2 * n + i]]
            };
            rgb.extend_from_slice(&if ybr {
                ybr_to_rgb(px[0], px[1], px[2])
            } else {
                px
            });
        }
    } else {
        return Err(format!(
            "{spp} samples per pixel, {} bits allocated, {photometric}: not rendered",
            data.bits_allocated()
        ));
    }
    Ok(RgbFrame {
        width: w,
        height: h,
        rgb,
    })
}

/// JPEG-encodes an RGB frame (quality 88).
pub(crate) fn to_jpeg(frame: &RgbFrame) -> Result<Vec<u8>, String> {
    let (w, h) = (
        u16::try_from(frame.width).map_err(|_| "image too wide".to_owned())?,
        u16::try_from(frame.height).map_err(|_| "image too high".to_owned())?,
    );
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 88)
        .encode(&frame.rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
