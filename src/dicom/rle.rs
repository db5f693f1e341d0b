//! DICOM RLE Lossless (PS3.5 Annex G) frame decoder.
//!
//! A frame is a 64-byte header (segment count, 15 segment offsets) followed by
//! PackBits-coded segments, one per byte plane: for each sample, the most significant
//! byte plane first. The output is interleaved samples (planar configuration is
//! irrelevant for RLE: segments are always separate planes).

/// Decodes one RLE frame into interleaved little-endian samples
/// (`pixels × samples_per_pixel × bytes_per_sample` bytes).
pub(crate) fn decode_frame(
    data: &[u8],
    pixels: usize,
    samples_per_pixel: usize,
    bytes_per_sample: usize,
) -> Result<Vec<u8>, String> {
    let header = data
        .get(..64)
        .ok_or_else(|| format!("RLE frame of {} bytes has no 64-byte header", data.len()))?;
    let word = |i: usize| -> u32 {
        let at = i * 4;
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let segment_count = word(0) as usize;
    let expected = samples_per_pixel * bytes_per_sample;
    if segment_count != expected {
        return Err(format!(
            "RLE frame has {segment_count} segments, the header needs {expected}"
        ));
    }
    let offsets: Vec<usize> = (1..=segment_count).map(|i| word(i) as usize).collect();
    let mut out = vec![0u8; pixels * expected];
    let mut plane = Vec::with_capacity(pixels);
    for (segment, &start) in offsets.iter().enumerate() {
        let end = offsets.get(segment + 1).copied().unwrap_or(data.len());
        let encoded = data
            .get(start..end.min(data.len()))
            .filter(|_| start >= 64 && start <= end)
            .ok_or_else(|| format!("RLE segment {segment} offsets {start}..{end} are invalid"))?;
        plane.clear();
        unpack_bits(encoded, pixels, &mut plane);
        if plane.len() < pixels {
            return Err(format!(
                "RLE segment {segment} decodes to {} bytes, expected {pixels}",
                plane.len()
            ));
        }
        // Segment order: sample s, byte b (0 = most significant).
        let sample = segment / bytes_per_sample;
        let byte_in_sample = bytes_per_sample - 1 - segment % bytes_per_sample;
        let lane = sample * bytes_per_sample + byte_in_sample;
        for (dst, &src) in out
            .iter_mut()
            .skip(lane)
            .step_by(expected)
            .zip(plane.iter())
        {
            *dst = src;
        }
    }
    Ok(out)
}

/// PackBits-decodes `encoded`, stopping once `limit` bytes are produced.
fn unpack_bits(encoded: &[u8], limit: usize, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < encoded.len() && out.len() < limit {
        let header = encoded[i] as i8;
        i += 1;
        if header >= 0 {
            let count = header as usize + 1;
            let end = (i + count).min(encoded.len());
            out.extend_from_slice(&encoded[i..end]);
            i = end;
        } else if header != -128 {
            let count = 1 + header.unsigned_abs() as usize;
            if let Some(&value) = encoded.get(i) {
                out.resize(out.len() + count, value);
            }
            i += 1;
        }
    }
    out.truncate(limit);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn frame(segments: &[&[u8]]) -> Vec<u8> {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
        let mut offset = 64u32;
        let mut body = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            header[4 + i * 4..8 + i * 4].copy_from_slice(&offset.to_le_bytes());
            body.extend_from_slice(seg);
            offset += seg.len() as u32;
        }
        header.extend(body);
        header
    }

    #[test]
    fn literal_and_run() {
        // 2 literals (1, 2), then a run of 3 × 9.
        let data = frame(&[&[1, 1, 2, 0xFE, 9]]);
        assert_eq!(decode_frame(&data, 5, 1, 1).unwrap(), vec![1, 2, 9, 9, 9]);
    }

    #[test]
    fn interleaves_samples_and_orders_bytes() {
        // Two pixels, one 16-bit sample: MSB plane then LSB plane.
        let data = frame(&[&[1, 0x12, 0x34], &[1, 0x56, 0x78]]);
        assert_eq!(
            decode_frame(&data, 2, 1, 2).unwrap(),
            vec![0x56, 0x12, 0x78, 0x34]
        );
        // Two pixels, RGB 8-bit.
        let data = frame(&[&[0xFF, 1], &[0xFF, 2], &[0xFF, 3]]);
        assert_eq!(
            decode_frame(&data, 2, 3, 1).unwrap(),
            vec![1, 2, 3, 1, 2, 3]
        );
    }

    #[test]
    fn short_or_broken_frames_are_errors() {
        assert!(decode_frame(&[0u8; 10], 4, 1, 1).is_err());
        let data = frame(&[&[0, 7]]);
        assert!(decode_frame(&data, 4, 1, 1).is_err());
        let data = frame(&[&[0, 7], &[0, 7]]);
        assert!(decode_frame(&data, 1, 1, 1).is_err());
    }
}
