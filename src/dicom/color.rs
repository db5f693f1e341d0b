//! Photometric conversion of decoded samples: to the "reference samples" (what
//! `echolab frames` hashes, defined like `reference.json`) and to display RGB8.
//!
//! * MONOCHROME1/2: one sample per pixel as stored (8-bit; wider samples are shifted to
//!   their top 8 stored bits). Display: grey, MONOCHROME1 inverted.
//! * RGB: as stored, planar configuration 1 interleaved.
//! * YBR_FULL (and uncompressed YBR_FULL_422 after chroma replication): pydicom's
//!   `convert_color_space` float32 math, rounded and clipped.
//! * PALETTE COLOR: LUT entries, 16-bit entries reduced to their high byte.

use super::header::Photometric;
use super::palette::Palette;

/// Decoded samples of one frame, interleaved, before colour conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Samples {
    /// 8-bit samples.
    U8(Vec<u8>),
    /// 16-bit samples (native values).
    U16(Vec<u16>),
}

/// One frame's samples and how to read them.
#[derive(Debug, Clone)]
pub(crate) struct RawFrame {
    /// Interleaved samples, `pixels × samples_per_pixel` of them.
    pub samples: Samples,
    /// 1 or 3.
    pub samples_per_pixel: usize,
    /// Colour space of `samples` after the codec (e.g. RGB for J2K ICT/RCT).
    pub photometric: Photometric,
}

/// How stored values relate to 8 bits (for monochrome and palette indices).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SampleFormat {
    pub bits_stored: u16,
    pub signed: bool,
}

/// Converts a decoded frame to reference samples: 1 channel for MONOCHROME, 3 (RGB)
/// for every colour interpretation. Returns `(channels, bytes)`.
pub(crate) fn reference_samples(
    raw: RawFrame,
    format: SampleFormat,
    palette: Option<&Palette>,
) -> Result<(u8, Vec<u8>), String> {
    let RawFrame {
        samples,
        samples_per_pixel,
        photometric,
    } = raw;
    match (samples_per_pixel, &photometric) {
        (1, Photometric::PaletteColor) => {
            let palette = palette.ok_or("PALETTE COLOR image without palette tables")?;
            let rgb = match samples {
                Samples::U8(bytes) if !format.signed => palette.apply_bytes(&bytes),
                Samples::U8(bytes) => palette.apply_u8(bytes.iter().map(|&b| i64::from(b as i8))),
                Samples::U16(words) => palette.apply_u8(
                    words
                        .iter()
                        .map(|&w| stored_value(w, format.bits_stored, format.signed)),
                ),
            };
            Ok((3, rgb))
        }
        (1, _) => Ok((1, monochrome_to_u8(samples, format))),
        (3, _) => {
            let mut bytes = match samples {
                Samples::U8(bytes) => bytes,
                Samples::U16(words) => {
                    let shift = format.bits_stored.saturating_sub(8).min(8);
                    words.iter().map(|&w| (w >> shift).min(255) as u8).collect()
                }
            };
            match photometric {
                Photometric::Rgb => {}
                Photometric::YbrFull => ybr_full_to_rgb(&mut bytes),
                other => {
                    return Err(format!(
                        "photometric interpretation {} is not supported for colour frames",
                        other.as_str()
                    ));
                }
            }
            Ok((3, bytes))
        }
        (n, _) => Err(format!("{n} samples per pixel")),
    }
}

/// Display RGB8 from reference samples into `out` (resized, allocation reused): colour as is,
/// grey replicated (MONOCHROME1 inverted).
pub(crate) fn display_rgb_into(
    channels: u8,
    samples: &[u8],
    photometric: &Photometric,
    out: &mut Vec<u8>,
) {
    out.clear();
    if channels == 3 {
        out.extend_from_slice(samples);
        return;
    }
    let invert = *photometric == Photometric::Monochrome1;
    out.reserve(samples.len() * 3);
    for &v in samples {
        let g = if invert { 255 - v } else { v };
        out.extend_from_slice(&[g, g, g]);
    }
}

/// Stored value of a 16-bit word: masked to `bits_stored`, sign-extended when signed.
fn stored_value(word: u16, bits_stored: u16, signed: bool) -> i64 {
    let bits = u32::from(bits_stored.clamp(1, 16));
    let mask = if bits == 16 {
        u16::MAX
    } else {
        (1u16 << bits) - 1
    };
    let value = i64::from(word & mask);
    if signed && value >= 1 << (bits - 1) {
        value - (1 << bits)
    } else {
        value
    }
}

fn monochrome_to_u8(samples: Samples, format: SampleFormat) -> Vec<u8> {
    match samples {
        Samples::U8(bytes) if !format.signed => bytes,
        Samples::U8(bytes) => bytes.into_iter().map(|b| b ^ 0x80).collect(),
        Samples::U16(words) => {
            let bits = u32::from(format.bits_stored.clamp(1, 16));
            let shift = bits.saturating_sub(8);
            let offset = if format.signed { 1i64 << (bits - 1) } else { 0 };
            words
                .iter()
                .map(|&w| {
                    let v = stored_value(w, format.bits_stored, format.signed) + offset;
                    (v >> shift).clamp(0, 255) as u8
                })
                .collect()
        }
    }
}

/// pydicom `convert_color_space(arr, "YBR_FULL", "RGB")`: float32 `(Y, Cb-128, Cr-128) @ M`,
/// `floor(x + 0.5)`, clipped to 0..=255. In place on interleaved samples.
pub(crate) fn ybr_full_to_rgb(samples: &mut [u8]) {
    // The matrix pydicom builds in float64 and casts to float32.
    let m_g_cb = (-0.114f64 * 1.772 / 0.587) as f32;
    let m_g_cr = (-0.299f64 * 1.402 / 0.587) as f32;
    let m_r_cr = 1.402f32;
    let m_b_cb = 1.772f32;
    for px in samples.chunks_exact_mut(3) {
        let y = f32::from(px[0]);
        let cb = f32::from(px[1]) - 128.0;
        let cr = f32::from(px[2]) - 128.0;
        let r = y + cr * m_r_cr;
        let g = y + cb * m_g_cb + cr * m_g_cr;
        let b = y + cb * m_b_cb;
        px[0] = round_clip(r);
        px[1] = round_clip(g);
        px[2] = round_clip(b);
    }
}

#[inline]
fn round_clip(v: f32) -> u8 {
    // Clamped to 0..=255 first, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let out = (v + 0.5).floor().clamp(0.0, 255.0) as u8;
    out
}

/// Expands uncompressed YBR_FULL_422 (`Y1 Y2 Cb Cr` per pixel pair) to full-resolution
/// interleaved YBR_FULL by chroma replication, as pydicom does.
pub(crate) fn expand_ybr422(raw: &[u8], rows: usize, columns: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * columns * 3);
    let row_bytes = columns.div_ceil(2) * 4;
    for row in raw.chunks_exact(row_bytes).take(rows) {
        let mut written = 0;
        for quad in row.chunks_exact(4) {
            let (y1, y2, cb, cr) = (quad[0], quad[1], quad[2], quad[3]);
            out.extend_from_slice(&[y1, cb, cr]);
            written += 1;
            if written < columns {
                out.extend_from_slice(&[y2, cb, cr]);
                written += 1;
            }
        }
    }
    out
}

/// Interleaves planar (`RRR…GGG…BBB…`) samples.
pub(crate) fn interleave_planes<T: Copy + Default>(
    planar: &[T],
    samples_per_pixel: usize,
) -> Vec<T> {
    let pixels = planar.len() / samples_per_pixel.max(1);
    if samples_per_pixel == 3 {
        let (r, rest) = planar.split_at(pixels);
        let (g, b) = rest.split_at(pixels);
        let mut out = Vec::with_capacity(pixels * 3);
        for ((&r, &g), &b) in r.iter().zip(g).zip(&b[..pixels]) {
            out.extend_from_slice(&[r, g, b]);
        }
        return out;
    }
    let mut out = vec![T::default(); pixels * samples_per_pixel];
    for (plane_index, plane) in planar
        .chunks_exact(pixels.max(1))
        .take(samples_per_pixel)
        .enumerate()
    {
        for (dst, &src) in out
            .iter_mut()
            .skip(plane_index)
            .step_by(samples_per_pixel)
            .zip(plane)
        {
            *dst = src;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ybr_grey_stays_grey_and_clips() {
        let mut px = vec![100, 128, 128, 0, 0, 255, 255, 255, 0];
        ybr_full_to_rgb(&mut px);
        assert_eq!(&px[..3], &[100, 100, 100]);
        // Y=0, Cb-128=-128, Cr-128=127: R = 178.05, G = 44.05 - 90.69 -> 0, B -> 0.
        assert_eq!(&px[3..6], &[178, 0, 0]);
        // Y=255, Cb-128=127, Cr-128=-128: R = 255 - 179.46 = 75.54 -> 76, B clipped to 255.
        assert_eq!(px[6], 76);
        assert_eq!(px[8], 255);
    }

    #[test]
    fn ybr422_replicates_chroma() {
        let raw = [10, 20, 1, 2, 30, 40, 3, 4];
        assert_eq!(
            expand_ybr422(&raw, 1, 4),
            vec![10, 1, 2, 20, 1, 2, 30, 3, 4, 40, 3, 4]
        );
    }

    #[test]
    fn planes_interleave() {
        assert_eq!(
            interleave_planes(&[1, 2, 3, 4, 5, 6], 3),
            vec![1, 3, 5, 2, 4, 6]
        );
    }

    #[test]
    fn monochrome_words_keep_top_bits() {
        let format = SampleFormat {
            bits_stored: 12,
            signed: false,
        };
        assert_eq!(
            monochrome_to_u8(Samples::U16(vec![0, 0x0FFF, 0x0800]), format),
            vec![0, 255, 128]
        );
        let mut display = vec![7; 100];
        display_rgb_into(1, &[0, 200], &Photometric::Monochrome1, &mut display);
        assert_eq!(display, vec![255, 255, 255, 55, 55, 55]);
        display_rgb_into(3, &[1, 2, 3], &Photometric::Rgb, &mut display);
        assert_eq!(display, vec![1, 2, 3]);
    }
}
