//! DICOM RLE Lossless encoding (PS3.5 Annex G): one frame = a 64-byte header (segment count and
//! up to 15 segment offsets, little endian) followed by one PackBits segment per byte plane
//! (grey: 1 segment; RGB: R, G, B segments). Every row is encoded separately and every segment is
//! padded to an even length with a zero byte.
//!
//! Hand-written: no maintained crate encodes DICOM RLE (dicom-rs decodes it only), and PackBits
//! is a few lines. The sample generator and the de-identified image export both use it.

/// Encodes one 8-bit frame (row-major, `samples` interleaved samples per pixel) as an RLE fragment.
pub fn rle_encode_frame(
    pixels: &[u8],
    width: usize,
    height: usize,
    samples: usize,
) -> Result<Vec<u8>, String> {
    if samples == 0 || samples > 15 || width == 0 || pixels.len() != width * height * samples {
        return Err(format!(
            "RLE: {} bytes do not hold {width}x{height} pixels of {samples} samples",
            pixels.len()
        ));
    }
    let mut segments = Vec::with_capacity(samples);
    for s in 0..samples {
        let plane: Vec<u8> = pixels.iter().skip(s).step_by(samples).copied().collect();
        let mut seg = Vec::new();
        for row in plane.chunks_exact(width) {
            packbits_row(row, &mut seg);
        }
        if seg.len() % 2 == 1 {
            seg.push(0);
        }
        segments.push(seg);
    }
    let mut out = Vec::with_capacity(64 + segments.iter().map(Vec::len).sum::<usize>());
    let mut header = [0u32; 16];
    header[0] = samples as u32;
    let mut offset = 64usize;
    for (i, seg) in segments.iter().enumerate() {
        header[i + 1] =
            u32::try_from(offset).map_err(|_| "RLE: frame larger than 4 GiB".to_owned())?;
        offset += seg.len();
    }
    for v in header {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for seg in &segments {
        out.extend_from_slice(seg);
    }
    Ok(out)
}

/// PackBits-encodes one row: `n-1` then n literal bytes (n ≤ 128), or `1-n` (as i8) then one
/// byte repeated n times (2 ≤ n ≤ 128). The no-op header -128 is never written.
fn packbits_row(row: &[u8], out: &mut Vec<u8>) {
    let n = row.len();
    let mut i = 0;
    while i < n {
        let mut run = 1;
        while i + run < n && run < 128 && row[i + run] == row[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((1 - run as i32) as i8 as u8);
            out.push(row[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < n && i - start < 128 {
            if i + 2 < n && row[i] == row[i + 1] && row[i] == row[i + 2] {
                break;
            }
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&row[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_known_vector() {
        // Apple TN1023 example, one row.
        let row = [
            0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22,
            0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
        ];
        let mut out = Vec::new();
        packbits_row(&row, &mut out);
        assert_eq!(
            out,
            vec![
                0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7,
                0xAA
            ]
        );
    }
}
