//! A cheap pre-scan of element lengths before dicom-rs parses the bytes.
//!
//! dicom-parser reserves and zero-fills a value's declared length before reading it, so a
//! lying 32-bit length (up to 4 GB) in a corrupt file costs seconds and gigabytes. This
//! walk checks every defined length against the bytes that remain (descending into
//! sequences and items) without allocating, so the parser only ever sees lengths the file
//! can back.
//!
//! * A deflated data set is inflated here first, into at most [`MAX_INFLATED_BYTES`] (a
//!   larger one is refused), and the walk runs on the inflated bytes: a few hundred deflated
//!   bytes cannot declare gigabytes.
//! * Inside a defined-length item or sequence, fewer than 8 bytes left at its end is an error:
//!   dicom-parser would read the next element header across the item's end.

use std::io::Read as _;

/// The most bytes a deflated data set may inflate to (256 MiB); a larger one is refused
/// before it is parsed.
pub const MAX_INFLATED_BYTES: usize = 256 * 1024 * 1024;

/// Encoding of the data set after the meta group.
#[derive(Debug, Clone, Copy)]
struct Encoding {
    explicit: bool,
    big_endian: bool,
}

const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Outcome of a length walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Every defined length fits.
    Fits,
    /// (Header mode) the top-level Pixel Data element starts at this byte offset.
    PixelDataAt(usize),
    /// (Header mode) the prefix ended before the Pixel Data element: read more bytes.
    NeedMore,
}

/// Where and how the walk runs.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Length of the file the bytes come from (declared lengths must fit in it).
    total: usize,
    /// Stop at the top-level Pixel Data element.
    header_only: bool,
}

/// Checks the element lengths of a whole file (preamble/meta optional). `Ok` means every
/// defined length fits in the bytes present; deflated data sets are not inspected.
pub(crate) fn check_lengths(bytes: &[u8]) -> Result<(), String> {
    let limits = Limits {
        total: bytes.len(),
        header_only: false,
    };
    scan(bytes, limits).map(|_| ())
}

/// Checks the header part of a file whose first bytes are `prefix` and whose full length
/// is `total`: stops at the top-level Pixel Data element.
pub(crate) fn check_header_lengths(prefix: &[u8], total: usize) -> Result<Scan, String> {
    scan(
        prefix,
        Limits {
            total,
            header_only: true,
        },
    )
}

fn scan(bytes: &[u8], limits: Limits) -> Result<Scan, String> {
    let mut start = if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        132
    } else if bytes.starts_with(b"DICM") {
        4
    } else {
        // Bare data set: explicit if the first element carries a VR.
        let explicit = bytes
            .get(4..6)
            .is_some_and(|vr| vr.iter().all(u8::is_ascii_uppercase));
        let encoding = Encoding {
            explicit,
            big_endian: false,
        };
        return walk(bytes, 0, bytes.len(), encoding, 0, limits);
    };
    // Meta group: explicit VR little endian, group 0002.
    let meta = Encoding {
        explicit: true,
        big_endian: false,
    };
    let mut transfer_syntax = String::new();
    while let Some(group) = read_u16(bytes, start, false) {
        if group != 0x0002 {
            break;
        }
        let element = read_u16(bytes, start + 2, false).unwrap_or(0);
        let (header, length) = element_header(bytes, start, meta)?;
        let value_start = start + header;
        let value_end = value_start
            .checked_add(length as usize)
            .filter(|&e| e <= bytes.len() && length != UNDEFINED)
            .ok_or_else(|| {
                format!("meta element (0002,{element:04X}) length {length} runs past the end")
            })?;
        if element == 0x0010 {
            transfer_syntax = String::from_utf8_lossy(&bytes[value_start..value_end])
                .trim_end_matches(['\0', ' '])
                .to_owned();
        }
        start = value_end;
    }
    let encoding = match transfer_syntax.as_str() {
        "1.2.840.10008.1.2" => Encoding {
            explicit: false,
            big_endian: false,
        },
        "1.2.840.10008.1.2.2" => Encoding {
            explicit: true,
            big_endian: true,
        },
        // Deflated data sets: inflate (bounded), then walk the explicit VR LE result. In
        // header mode the whole file is needed first.
        "1.2.840.10008.1.2.1.99" => {
            if limits.header_only && bytes.len() < limits.total {
                return Ok(Scan::NeedMore);
            }
            let inflated = inflate_bounded(bytes.get(start..).unwrap_or_default())?;
            let inner = Limits {
                total: inflated.len(),
                header_only: false,
            };
            let encoding = Encoding {
                explicit: true,
                big_endian: false,
            };
            walk(&inflated, 0, inflated.len(), encoding, 0, inner)?;
            return Ok(Scan::Fits);
        }
        _ => Encoding {
            explicit: true,
            big_endian: false,
        },
    };
    walk(bytes, start, bytes.len(), encoding, 0, limits)
}

/// Inflates a raw deflate stream into at most [`MAX_INFLATED_BYTES`]: a first pass counts the
/// inflated size without keeping it, the second fills a buffer of exactly that size.
fn inflate_bounded(deflated: &[u8]) -> Result<Vec<u8>, String> {
    let broken = |e: std::io::Error| format!("the deflated data set does not inflate: {e}");
    let size = std::io::copy(
        &mut flate2::read::DeflateDecoder::new(deflated).take(MAX_INFLATED_BYTES as u64 + 1),
        &mut std::io::sink(),
    )
    .map_err(broken)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s <= MAX_INFLATED_BYTES)
        .ok_or_else(|| {
            format!(
                "the deflated data set inflates past {} MiB",
                MAX_INFLATED_BYTES / (1024 * 1024)
            )
        })?;
    let mut out = Vec::with_capacity(size);
    flate2::read::DeflateDecoder::new(deflated)
        .take(size as u64)
        .read_to_end(&mut out)
        .map_err(broken)?;
    Ok(out)
}

fn read_u16(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let b = bytes.get(at..at + 2)?;
    Some(if big_endian {
        u16::from_be_bytes([b[0], b[1]])
    } else {
        u16::from_le_bytes([b[0], b[1]])
    })
}

fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(if big_endian {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    } else {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    })
}

/// Header size and declared length of the element at `at`.
fn element_header(bytes: &[u8], at: usize, enc: Encoding) -> Result<(usize, u32), String> {
    let truncated = || format!("element header at byte {at} is truncated");
    let group = read_u16(bytes, at, enc.big_endian).ok_or_else(truncated)?;
    // Items and delimiters have no VR in any encoding.
    if group == 0xFFFE || !enc.explicit {
        let length = read_u32(bytes, at + 4, enc.big_endian).ok_or_else(truncated)?;
        return Ok((8, length));
    }
    let vr = bytes.get(at + 4..at + 6).ok_or_else(truncated)?;
    // Like dicom-parser, an unknown VR is read as UN: reserved bytes and a 32-bit length.
    let short = matches!(
        vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    );
    let long = !short;
    if long {
        let length = read_u32(bytes, at + 8, enc.big_endian).ok_or_else(truncated)?;
        Ok((12, length))
    } else {
        let length = read_u16(bytes, at + 6, enc.big_endian).ok_or_else(truncated)?;
        Ok((8, u32::from(length)))
    }
}

/// Walks elements in `[start, end)`; sequences and items are entered. In header mode a
/// value running past the prefix (but within the file) asks for more bytes.
fn walk(
    bytes: &[u8],
    start: usize,
    end: usize,
    enc: Encoding,
    depth: u32,
    limits: Limits,
) -> Result<Scan, String> {
    if depth > 64 {
        return Err("sequences nest more than 64 deep".to_owned());
    }
    let need_more = |at: usize| limits.header_only && at <= limits.total;
    let mut at = start;
    while at + 8 <= end {
        let group = read_u16(bytes, at, enc.big_endian).unwrap_or(0);
        let element = read_u16(bytes, at + 2, enc.big_endian).unwrap_or(0);
        if limits.header_only && depth == 0 && (group, element) == (0x7FE0, 0x0010) {
            return Ok(Scan::PixelDataAt(at));
        }
        let (header, length) = match element_header(bytes, at, enc) {
            Ok(found) => found,
            Err(_) if need_more(at + 12) => return Ok(Scan::NeedMore),
            Err(e) => return Err(e),
        };
        let value_start = at + header;
        if length == UNDEFINED {
            at = if (group, element) == (0x7FE0, 0x0010) {
                // Encapsulated pixel data: opaque fragment items up to the delimiter.
                skip_fragments(bytes, value_start, end, enc)?
            } else {
                // Undefined-length sequence or item: its contents are checked as we go.
                value_start
            };
            continue;
        }
        let Some(value_end) = value_start.checked_add(length as usize) else {
            return Err(format!("element at byte {at} declares {length} bytes"));
        };
        if value_end > end {
            if depth == 0 && need_more(value_end) {
                return Ok(Scan::NeedMore);
            }
            return Err(format!(
                "element at byte {at} declares {length} bytes, only {} remain",
                end.saturating_sub(value_start)
            ));
        }
        let item_tag = |p: usize| {
            read_u16(bytes, p, enc.big_endian) == Some(0xFFFE)
                && read_u16(bytes, p + 2, enc.big_endian) == Some(0xE000)
        };
        let is_sequence = group != 0xFFFE
            && ((enc.explicit && bytes.get(at + 4..at + 6) == Some(b"SQ".as_slice()))
                || (!enc.explicit && length >= 8 && item_tag(value_start)));
        let is_item = (group, element) == (0xFFFE, 0xE000) && length >= 8;
        if is_sequence || is_item {
            walk(bytes, value_start, value_end, enc, depth + 1, limits)?;
        }
        at = value_end;
    }
    if depth > 0 && at < end {
        return Err(format!(
            "{} stray bytes at byte {at} end an item or sequence (an element header needs 8)",
            end - at
        ));
    }
    if limits.header_only && depth == 0 && end < limits.total {
        return Ok(Scan::NeedMore);
    }
    Ok(Scan::Fits)
}

/// Skips the items of encapsulated pixel data starting at `at`; returns the position after
/// the sequence delimiter (or `end` when the delimiter is missing).
fn skip_fragments(bytes: &[u8], mut at: usize, end: usize, enc: Encoding) -> Result<usize, String> {
    while at + 8 <= end {
        let group = read_u16(bytes, at, enc.big_endian).unwrap_or(0);
        let element = read_u16(bytes, at + 2, enc.big_endian).unwrap_or(0);
        let length = read_u32(bytes, at + 4, enc.big_endian).unwrap_or(0);
        match (group, element) {
            (0xFFFE, 0xE0DD) => return Ok(at + 8),
            (0xFFFE, 0xE000) if length != UNDEFINED => {
                at = (at + 8)
                    .checked_add(length as usize)
                    .filter(|&e| e <= end)
                    .ok_or_else(|| {
                        format!(
                            "pixel data fragment at byte {at} declares {length} bytes past the end"
                        )
                    })?;
            }
            _ => {
                return Err(format!(
                    "unexpected element in encapsulated pixel data at byte {at}"
                ));
            }
        }
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_le(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&tag.0.to_le_bytes());
        out.extend_from_slice(&tag.1.to_le_bytes());
        out.extend_from_slice(vr);
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    #[test]
    fn fitting_lengths_pass_and_lying_ones_fail() {
        let mut data = explicit_le((0x0008, 0x0060), b"CS", b"US");
        assert!(check_lengths(&data).is_ok());
        data.extend_from_slice(&[0x28, 0, 0x10, 0, b'O', b'B', 0, 0]);
        data.extend_from_slice(&0xFFF0_0000u32.to_le_bytes());
        assert!(check_lengths(&data).is_err());
        // Implicit VR with a 4 GB length.
        let implicit = [0x10, 0, 0x10, 0, 0xF0, 0xFF, 0xFF, 0x7F, 1, 2];
        assert!(check_lengths(&implicit).is_err());
    }
}
