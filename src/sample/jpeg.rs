//! JPEG baseline (process 1, transfer syntax 1.2.840.10008.1.2.4.50) frames with the
//! jpeg-encoder crate: gray frames as one-component JPEG (MONOCHROME2), RGB frames converted
//! to YCbCr with 4:2:2 chroma subsampling (YBR_FULL_422).

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use super::error::SampleError;

/// Quality used for every sample-study JPEG frame.
pub const QUALITY: u8 = 85;

/// Encodes one 8-bit frame (`samples` = 1 gray or 3 RGB interleaved) as a baseline JPEG
/// stream, padded to an even length with a trailing zero byte as DICOM fragments require.
pub fn encode_frame(
    pixels: &[u8],
    width: usize,
    height: usize,
    samples: usize,
) -> Result<Vec<u8>, SampleError> {
    let too_big = || SampleError::Encode(format!("JPEG: {width}x{height} is too large"));
    let w = u16::try_from(width).map_err(|_| too_big())?;
    let h = u16::try_from(height).map_err(|_| too_big())?;
    let color = match samples {
        1 => ColorType::Luma,
        3 => ColorType::Rgb,
        n => return Err(SampleError::Encode(format!("JPEG: {n} samples per pixel"))),
    };
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, QUALITY);
    if samples == 3 {
        encoder.set_sampling_factor(SamplingFactor::F_2_1);
    }
    encoder
        .encode(pixels, w, h, color)
        .map_err(|e| SampleError::Encode(format!("JPEG: {e}")))?;
    if out.len() % 2 == 1 {
        out.push(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_marker(data: &[u8], marker: u8) -> bool {
        data.windows(2).any(|w| w == [0xFF, marker])
    }

    #[test]
    fn baseline_streams_with_expected_components() {
        let gray = encode_frame(&[128u8; 16 * 8], 16, 8, 1).expect("test value");
        assert_eq!(&gray[..2], &[0xFF, 0xD8]);
        assert!(has_marker(&gray, 0xC0), "SOF0 = baseline");
        assert!(!has_marker(&gray, 0xC2), "not progressive");
        assert_eq!(gray.len() % 2, 0);

        let rgb = encode_frame(&[200u8; 16 * 8 * 3], 16, 8, 3).expect("test value");
        let sof = rgb
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("test value");
        assert_eq!(rgb[sof + 9], 3, "three components");
        assert_eq!(rgb[sof + 11], 0x21, "Y sampled 2x1 = 4:2:2");
        assert_eq!(rgb[sof + 14], 0x11, "Cb not subsampled further");
        assert!(encode_frame(&[0u8; 4], 2, 2, 2).is_err());
    }
}
