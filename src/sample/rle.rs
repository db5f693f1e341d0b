//! DICOM RLE Lossless for the sample files: the encoder is the one of [`crate::dicom`]
//! (PS3.5 Annex G, one PackBits segment per byte plane, rows encoded separately); the decoder
//! here checks it in tests.

use super::error::SampleError;

/// Encodes one 8-bit frame of `samples` interleaved samples per pixel as an RLE fragment (the
/// encoder of [`crate::dicom::rle_encode_frame`]).
pub fn encode_frame(
    pixels: &[u8],
    width: usize,
    height: usize,
    samples: usize,
) -> Result<Vec<u8>, SampleError> {
    crate::dicom::rle_encode_frame(pixels, width, height, samples).map_err(SampleError::Encode)
}

/// Decodes one RLE fragment back to interleaved samples (used by the tests of this module).
pub fn decode_frame(
    data: &[u8],
    width: usize,
    height: usize,
    samples: usize,
) -> Result<Vec<u8>, SampleError> {
    let bad = |what: &str| SampleError::Encode(format!("RLE decode: {what}"));
    let word = |k: usize| -> Result<usize, SampleError> {
        let b = data
            .get(4 * k..4 * k + 4)
            .ok_or_else(|| bad("short header"))?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    if word(0)? != samples {
        return Err(bad("segment count does not match samples per pixel"));
    }
    let plane_len = width * height;
    let mut out = vec![0u8; plane_len * samples];
    for s in 0..samples {
        let start = word(s + 1)?;
        let end = if s + 1 < samples {
            word(s + 2)?
        } else {
            data.len()
        };
        let seg = data
            .get(start..end)
            .ok_or_else(|| bad("segment offset outside the fragment"))?;
        let mut plane = Vec::with_capacity(plane_len);
        let mut i = 0;
        while plane.len() < plane_len {
            let h = *seg.get(i).ok_or_else(|| bad("segment ends early"))? as i8;
            i += 1;
            if h >= 0 {
                let len = h as usize + 1;
                plane.extend_from_slice(
                    seg.get(i..i + len)
                        .ok_or_else(|| bad("literal past the end"))?,
                );
                i += len;
            } else if h != -128 {
                let v = *seg.get(i).ok_or_else(|| bad("run past the end"))?;
                plane.extend(std::iter::repeat_n(v, (1 - i32::from(h)) as usize));
                i += 1;
            }
        }
        if plane.len() != plane_len {
            return Err(bad("a run crosses the end of the segment"));
        }
        for (k, v) in plane.into_iter().enumerate() {
            out[k * samples + s] = v;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::rng::XorShift64;

    #[test]
    fn round_trips_gray_and_rgb_with_long_runs_and_noise() {
        let mut rng = XorShift64::new(3);
        for &(w, h, s) in &[
            (300usize, 7usize, 1usize),
            (257, 5, 3),
            (1, 1, 1),
            (2, 3, 3),
        ] {
            let mut px = vec![0u8; w * h * s];
            for (k, v) in px.iter_mut().enumerate() {
                *v = if (k / 97) % 2 == 0 {
                    7
                } else {
                    (rng.next_u64() % 4) as u8
                };
            }
            let enc = encode_frame(&px, w, h, s).expect("test value");
            assert_eq!(enc.len() % 2, 0);
            assert_eq!(u32::from_le_bytes([enc[4], enc[5], enc[6], enc[7]]), 64);
            assert_eq!(decode_frame(&enc, w, h, s).expect("test value"), px);
        }
    }

    #[test]
    fn rows_are_encoded_separately() {
        // Two rows of the same value must give two runs, not one run across the row boundary.
        let enc = encode_frame(&[5u8; 8], 4, 2, 1).expect("test value");
        assert_eq!(&enc[64..], &[0xFD, 5, 0xFD, 5]);
        assert!(encode_frame(&[0u8; 5], 2, 2, 1).is_err());
    }
}
