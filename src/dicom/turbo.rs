//! JPEG frames through libjpeg-turbo 3 (the `turbojpeg` crate, built from the library source it
//! vendors, with the NASM SIMD kernels): 8-bit baseline/extended (processes 1, 2/4) and 8-bit
//! lossless (process 14) streams, decoded straight into the caller's buffer.
//!
//! One decompressor per thread, kept in a thread-local: no lock and no handle set-up per frame.
//! libjpeg-turbo reports corrupt data as an error (it does not abort); the caller still wraps
//! the call in `catch_unwind` with every other codec.

use std::cell::RefCell;

use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat};

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
}

/// Output pixels: one grey byte or three RGB bytes per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// 1 byte per pixel (grey JPEG as stored).
    Gray,
    /// 3 bytes per pixel: colour JPEG converted to RGB by libjpeg-turbo, grey replicated.
    Rgb,
}

impl Output {
    fn format(self) -> PixelFormat {
        match self {
            Self::Gray => PixelFormat::GRAY,
            Self::Rgb => PixelFormat::RGB,
        }
    }

    /// Bytes per pixel.
    pub(crate) fn bytes(self) -> usize {
        match self {
            Self::Gray => 1,
            Self::Rgb => 3,
        }
    }
}

/// Decodes one JPEG stream of `width × height` pixels into `out` (exactly
/// `width × height × output.bytes()` long). The stream's own size must equal the header's.
///
/// Returns whether libjpeg-turbo converted YCbCr to RGB. It does so when the stream says its
/// components are YCbCr (JFIF marker, Adobe transform 1, or component ids 1, 2, 3 in a lossy
/// stream); otherwise (RGB streams, lossless streams without markers) the components come out
/// as stored and the DICOM photometric interpretation tells what they are.
pub(crate) fn decode_into(
    encoded: &[u8],
    width: usize,
    height: usize,
    output: Output,
    out: &mut [u8],
) -> Result<bool, String> {
    if out.len() != width * height * output.bytes() {
        return Err(format!(
            "output buffer has {} bytes, expected {width}×{height}×{}",
            out.len(),
            output.bytes()
        ));
    }
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let decompressor = match &mut *slot {
            Some(d) => d,
            empty => {
                empty.insert(Decompressor::new().map_err(|e| format!("libjpeg-turbo set-up: {e}"))?)
            }
        };
        let info = decompressor
            .read_header(encoded)
            .map_err(|e| format!("JPEG header: {e}"))?;
        if info.width != width || info.height != height {
            return Err(format!(
                "JPEG is {}x{}, the header says {width}x{height}",
                info.width, info.height
            ));
        }
        let image = Image {
            pixels: out,
            width,
            pitch: width * output.bytes(),
            height,
            format: output.format(),
        };
        decompressor
            .decompress(encoded, image)
            .map_err(|e| format!("JPEG: {e}"))?;
        Ok(output == Output::Rgb && info.colorspace == Colorspace::YCbCr)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn stream(pixels: &[u8], w: u16, h: u16, color: jpeg_encoder::ColorType) -> Vec<u8> {
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 95)
            .encode(pixels, w, h, color)
            .unwrap();
        out
    }

    #[test]
    fn grey_and_colour_streams_decode_into_the_buffer() {
        let grey: Vec<u8> = (0..64 * 32).map(|i| (i % 64 * 4) as u8).collect();
        let jpeg = stream(&grey, 64, 32, jpeg_encoder::ColorType::Luma);
        let mut out = vec![0u8; 64 * 32];
        assert!(!decode_into(&jpeg, 64, 32, Output::Gray, &mut out).unwrap());
        let worst = out
            .iter()
            .zip(&grey)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 8, "grey off by {worst}");
        // The same grey stream as display RGB: replicated.
        let mut rgb = vec![0u8; 64 * 32 * 3];
        decode_into(&jpeg, 64, 32, Output::Rgb, &mut rgb).unwrap();
        assert!(
            rgb.chunks_exact(3)
                .zip(&out)
                .all(|(p, g)| p == [*g, *g, *g])
        );

        let red: Vec<u8> = [200u8, 30, 40].repeat(16 * 16);
        let jpeg = stream(&red, 16, 16, jpeg_encoder::ColorType::Rgb);
        let mut rgb = vec![0u8; 16 * 16 * 3];
        assert!(
            decode_into(&jpeg, 16, 16, Output::Rgb, &mut rgb).unwrap(),
            "YCbCr converted"
        );
        assert!(
            rgb[0].abs_diff(200) <= 3 && rgb[1].abs_diff(30) <= 3,
            "{:?}",
            &rgb[..3]
        );
    }

    #[test]
    fn wrong_size_and_corrupt_data_are_errors() {
        let jpeg = stream(&[9u8; 16 * 8], 16, 8, jpeg_encoder::ColorType::Luma);
        let mut out = vec![0u8; 8 * 8];
        let e = decode_into(&jpeg, 8, 8, Output::Gray, &mut out).unwrap_err();
        assert!(e.contains("16x8"), "{e}");
        let mut out = vec![0u8; 16 * 8];
        assert!(decode_into(&jpeg, 16, 8, Output::Gray, &mut out[..10]).is_err());
        assert!(decode_into(&jpeg[..40], 16, 8, Output::Gray, &mut out).is_err());
        assert!(decode_into(b"not a jpeg", 16, 8, Output::Gray, &mut out).is_err());
    }
}
