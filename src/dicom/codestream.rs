//! The image size a compressed frame's own codestream declares, checked against Rows, Columns
//! and Samples per Pixel before any codec sees the bytes.
//!
//! Third-party codecs size their output from the codestream while the caller sizes its buffers
//! from the DICOM header; when the two disagree some codecs index past the end of a buffer and
//! panic. Reading the few header bytes here (JPEG SOFn / JPEG-LS SOF55, JPEG 2000 SIZ) turns that
//! into a typed error. Hand-written because only the size fields are needed and no codec crate
//! exposes a header-only parse for all three families.

use super::codec::Syntax;
use super::header::Header;

/// Width, height and component count read from a codestream header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declared {
    pub width: u32,
    pub height: u32,
    pub components: u16,
}

/// Checks one encoded frame against the header. Families without a size check here (RLE,
/// native, JPEG XL, others) pass; a codestream whose header cannot be found is an error.
pub(crate) fn check_frame(header: &Header, syntax: Syntax, encoded: &[u8]) -> Result<(), String> {
    let declared = match syntax {
        Syntax::JpegLossy | Syntax::JpegLossless | Syntax::JpegLs => jpeg_size(encoded)?,
        Syntax::Jpeg2000 => j2k_size(encoded)?,
        _ => return Ok(()),
    };
    let (rows, columns) = (u32::from(header.rows), u32::from(header.columns));
    // A JPEG height of 0 means "defined later by a DNL marker": only the width is checked then.
    let height_ok = declared.height == rows || (declared.height == 0 && syntax != Syntax::Jpeg2000);
    if declared.width != columns || !height_ok {
        return Err(format!(
            "the codestream declares {}×{} pixels, the header {columns}×{rows}",
            declared.width, declared.height
        ));
    }
    // JPEG-LS may store colour as one interleaved component set; only JPEG/J2K are strict.
    if declared.components != header.samples_per_pixel && syntax != Syntax::JpegLs {
        return Err(format!(
            "the codestream declares {} components, the header {} samples per pixel",
            declared.components, header.samples_per_pixel
        ));
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// The frame header (SOF0–SOF15 except DHT/JPG/DAC, or JPEG-LS SOF55) of a JPEG stream.
pub(crate) fn jpeg_size(b: &[u8]) -> Result<Declared, String> {
    let missing = || "no JPEG frame header (SOF) before the scan".to_owned();
    if be16(b, 0) != Some(0xFFD8) {
        return Err("the frame does not start with a JPEG SOI marker".to_owned());
    }
    let mut at = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if b.get(at) != Some(&0xFF) {
            return Err(missing());
        }
        let marker = *b.get(at + 1).ok_or_else(missing)?;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => {
                at += 2;
                continue;
            }
            0xD9 | 0xDA => return Err(missing()),
            _ => {}
        }
        let length = usize::from(be16(b, at + 2).ok_or_else(missing)?);
        let is_sof = matches!(marker, 0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC))
            || marker == 0xF7;
        if is_sof {
            let height = be16(b, at + 5).ok_or_else(missing)?;
            let width = be16(b, at + 7).ok_or_else(missing)?;
            let components = *b.get(at + 9).ok_or_else(missing)?;
            return Ok(Declared {
                width: u32::from(width),
                height: u32::from(height),
                components: u16::from(components),
            });
        }
        if length < 2 {
            return Err(format!("JPEG segment 0xFF{marker:02X} has length {length}"));
        }
        at += 2 + length;
    }
}

/// The SIZ marker segment of a JPEG 2000 codestream (raw, or inside a JP2 `jp2c` box).
pub(crate) fn j2k_size(b: &[u8]) -> Result<Declared, String> {
    // SOC (FF4F) directly followed by SIZ (FF51).
    let start = b
        .windows(4)
        .take(4096)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
        .ok_or_else(|| "no JPEG 2000 SOC/SIZ header".to_owned())?;
    let siz = start + 4;
    let short = || "the JPEG 2000 SIZ header is truncated".to_owned();
    // Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4) XTsiz YTsiz XTOsiz YTOsiz Csiz(2)
    let xsiz = be32(b, siz + 4).ok_or_else(short)?;
    let ysiz = be32(b, siz + 8).ok_or_else(short)?;
    let xo = be32(b, siz + 12).ok_or_else(short)?;
    let yo = be32(b, siz + 16).ok_or_else(short)?;
    let components = be16(b, siz + 36).ok_or_else(short)?;
    let (Some(width), Some(height)) = (xsiz.checked_sub(xo), ysiz.checked_sub(yo)) else {
        return Err("the JPEG 2000 image offset lies past its size".to_owned());
    };
    Ok(Declared {
        width,
        height,
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_frame_header_gives_the_size() {
        // SOI, APP0 (length 4), SOF0: P=8, Y=3, X=5, Nf=1.
        let b = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 3, 0, 5, 1, 1, 0x11, 0,
        ];
        assert_eq!(
            jpeg_size(&b),
            Ok(Declared {
                width: 5,
                height: 3,
                components: 1
            })
        );
        assert!(jpeg_size(&b[..10]).is_err());
        assert!(jpeg_size(&[0xFF, 0xD8, 0xFF, 0xDA]).is_err());
        assert!(jpeg_size(b"not a jpeg").is_err());
    }

    #[test]
    fn j2k_siz_gives_the_size() {
        let mut b = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
        for v in [640u32, 480, 0, 0, 640, 480, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&3u16.to_be_bytes());
        assert_eq!(
            j2k_size(&b),
            Ok(Declared {
                width: 640,
                height: 480,
                components: 3
            })
        );
        assert!(j2k_size(&b[..20]).is_err());
    }
}
