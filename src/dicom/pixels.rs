//! The encoded pixel data of a file and its frame index.
//!
//! Native data is kept as one little-endian byte buffer (the parser already swapped
//! big-endian words) and frames are slices of it. Encapsulated data keeps its fragments;
//! each frame is a run of fragments, found 1:1, from the Basic or Extended Offset
//! Table, or by scanning fragments for a codestream start marker. Nothing is decoded
//! here, and sizes are checked against the header so a lying header cannot make the
//! decoder allocate absurd amounts of memory.

use std::borrow::Cow;
use std::ops::Range;

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue, Value};

use super::error::{DicomError, Result};
use super::header::{Header, Photometric};

/// Upper bound on one decoded frame (bytes of stored samples). Echo frames are a few MB.
pub(crate) const MAX_FRAME_BYTES: u64 = 512 * 1024 * 1024;

/// Encoded pixel data, indexed by frame.
#[derive(Debug)]
pub(crate) enum PixelStore {
    /// Uncompressed samples, little-endian, all frames back to back.
    Native {
        /// The whole Pixel Data value.
        data: Vec<u8>,
        /// Bytes per frame.
        frame_bytes: usize,
    },
    /// Uncompressed samples left in the file, read one frame at a time (so memory does not
    /// grow with loop length and the first frame needs only its own bytes).
    NativeFile {
        /// The open file.
        file: std::fs::File,
        /// Byte offset of the Pixel Data value in the file.
        offset: u64,
        /// Bytes per frame.
        frame_bytes: usize,
        /// Big-endian OW data: swap each byte pair to little endian.
        swap_pairs: bool,
    },
    /// Compressed fragments; `frames[i]` is the fragment index range of frame `i`.
    Encapsulated {
        /// Fragment payloads (offset table excluded).
        fragments: Vec<Vec<u8>>,
        /// Fragment ranges per frame.
        frames: Vec<Range<usize>>,
    },
}

impl PixelStore {
    /// Builds the store from the Pixel Data value and validates it against the header.
    pub(crate) fn new<I>(
        value: Value<I, Vec<u8>>,
        header: &Header,
        extended_offsets: Option<Vec<u64>>,
    ) -> Result<Self> {
        let frame_bytes = native_frame_bytes(header)?;
        match value {
            Value::Primitive(primitive) => {
                let data = native_bytes(primitive);
                let needed = frame_bytes.checked_mul(u64::from(header.frames)).ok_or(
                    DicomError::InvalidAttribute {
                        name: "NumberOfFrames",
                        reason: "frame count times frame size overflows".to_owned(),
                    },
                )?;
                if (data.len() as u64) < needed {
                    return Err(DicomError::PixelDataTooShort {
                        needed,
                        available: data.len() as u64,
                    });
                }
                let frame_bytes = usize::try_from(frame_bytes).map_err(|_| {
                    DicomError::Unsupported("frame larger than this machine can address".to_owned())
                })?;
                Ok(Self::Native { data, frame_bytes })
            }
            Value::PixelSequence(sequence) => {
                Self::encapsulated(sequence, header.frames, extended_offsets)
            }
            Value::Sequence(_) => Err(DicomError::InvalidAttribute {
                name: "PixelData",
                reason: "is a sequence of items".to_owned(),
            }),
        }
    }

    fn encapsulated(
        sequence: PixelFragmentSequence<Vec<u8>>,
        frame_count: u32,
        extended_offsets: Option<Vec<u64>>,
    ) -> Result<Self> {
        let (offset_table, fragments) = sequence.into_parts();
        let fragments: Vec<Vec<u8>> = fragments.into_iter().collect();
        Self::from_fragments(&offset_table, fragments, frame_count, extended_offsets)
    }

    /// Indexes compressed fragments into frames (1:1, from the Basic or Extended Offset
    /// Table, or by codestream start markers).
    pub(crate) fn from_fragments(
        offset_table: &[u32],
        fragments: Vec<Vec<u8>>,
        frame_count: u32,
        extended_offsets: Option<Vec<u64>>,
    ) -> Result<Self> {
        let frame_count = frame_count as usize;
        if fragments.is_empty() {
            return Err(DicomError::NoPixelData);
        }
        if fragments.len() < frame_count {
            return Err(DicomError::InvalidAttribute {
                name: "NumberOfFrames",
                reason: format!(
                    "{frame_count} frames but only {} pixel data fragments",
                    fragments.len()
                ),
            });
        }
        let frames = if fragments.len() == frame_count {
            (0..frame_count).map(|i| i..i + 1).collect()
        } else if frame_count == 1 {
            std::iter::once(0..fragments.len()).collect()
        } else {
            let offsets: Vec<u64> = if offset_table.is_empty() {
                extended_offsets.unwrap_or_default()
            } else {
                offset_table.iter().map(|&o| u64::from(o)).collect()
            };
            from_offsets(&fragments, &offsets, frame_count)
                .or_else(|| from_markers(&fragments, frame_count))
                .ok_or_else(|| DicomError::InvalidAttribute {
                    name: "PixelData",
                    reason: format!(
                        "cannot tell which of {} fragments belong to which of {frame_count} frames",
                        fragments.len()
                    ),
                })?
        };
        Ok(Self::Encapsulated { fragments, frames })
    }

    /// True when the pixel data is encapsulated (compressed).
    pub(crate) fn is_encapsulated(&self) -> bool {
        matches!(self, Self::Encapsulated { .. })
    }

    /// The encoded bytes of frame `index` (borrowed unless read from the file or spanning
    /// several fragments).
    pub(crate) fn frame(&self, index: u32, count: u32) -> Result<Cow<'_, [u8]>> {
        let out_of_range = DicomError::FrameOutOfRange { index, count };
        let i = index as usize;
        match self {
            Self::Native { data, frame_bytes } => {
                let start = i.checked_mul(*frame_bytes).ok_or(out_of_range)?;
                let end = start
                    .checked_add(*frame_bytes)
                    .ok_or(DicomError::FrameOutOfRange { index, count })?;
                data.get(start..end)
                    .map(Cow::Borrowed)
                    .ok_or(DicomError::FrameOutOfRange { index, count })
            }
            Self::NativeFile {
                file,
                offset,
                frame_bytes,
                swap_pairs,
            } => {
                let start = offset + u64::from(index) * *frame_bytes as u64;
                let mut bytes = vec![0u8; *frame_bytes];
                read_at(file, start, &mut bytes)?;
                if *swap_pairs {
                    for pair in bytes.chunks_exact_mut(2) {
                        pair.swap(0, 1);
                    }
                }
                Ok(Cow::Owned(bytes))
            }
            Self::Encapsulated { fragments, frames } => {
                let range = frames.get(i).ok_or(out_of_range)?.clone();
                match fragments.get(range) {
                    Some([single]) => Ok(Cow::Borrowed(single.as_slice())),
                    Some(many) => Ok(Cow::Owned(many.concat())),
                    None => Err(DicomError::FrameOutOfRange { index, count }),
                }
            }
        }
    }
}

/// Reads exactly `buf.len()` bytes at `position` without moving a shared cursor.
#[cfg(unix)]
pub(crate) fn read_at(file: &std::fs::File, position: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    file.read_exact_at(buf, position)
}

/// Reads exactly `buf.len()` bytes at `position` without moving a shared cursor.
#[cfg(windows)]
pub(crate) fn read_at(
    file: &std::fs::File,
    mut position: u64,
    mut buf: &mut [u8],
) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt as _;
    while !buf.is_empty() {
        let n = file.seek_read(buf, position)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        position += n as u64;
    }
    Ok(())
}

/// Bytes of one uncompressed frame as the header describes it (checked against the cap).
pub(crate) fn native_frame_bytes(header: &Header) -> Result<u64> {
    let samples = u64::from(header.rows)
        * u64::from(header.columns)
        * u64::from(header.samples_per_pixel)
        * u64::from(header.bits_allocated / 8);
    // Uncompressed YBR_FULL_422 stores two chroma samples per two pixels.
    let bytes = if header.photometric == Photometric::YbrFull422 && header.samples_per_pixel == 3 {
        samples / 3 * 2
    } else {
        samples
    };
    if bytes > MAX_FRAME_BYTES {
        return Err(DicomError::InvalidAttribute {
            name: "Rows/Columns",
            reason: format!(
                "{}x{}x{} samples per frame is absurd",
                header.rows, header.columns, header.samples_per_pixel
            ),
        });
    }
    Ok(bytes)
}

/// Little-endian bytes of a native Pixel Data value (OB as is, OW as LE words).
fn native_bytes(value: PrimitiveValue) -> Vec<u8> {
    match value {
        PrimitiveValue::U8(bytes) => bytes.into_vec(),
        PrimitiveValue::U16(words) => words.iter().flat_map(|w| w.to_le_bytes()).collect(),
        PrimitiveValue::I16(words) => words.iter().flat_map(|w| w.to_le_bytes()).collect(),
        other => other.to_bytes().into_owned(),
    }
}

/// Maps frames to fragments from byte offsets (Basic/Extended Offset Table), each
/// measured from the first fragment's item tag (so each fragment counts 8 + length bytes).
fn from_offsets(
    fragments: &[Vec<u8>],
    offsets: &[u64],
    frame_count: usize,
) -> Option<Vec<Range<usize>>> {
    if offsets.len() != frame_count {
        return None;
    }
    let mut starts = Vec::with_capacity(fragments.len());
    let mut position = 0u64;
    for fragment in fragments {
        starts.push(position);
        position += 8 + fragment.len() as u64;
    }
    let mut first = Vec::with_capacity(frame_count);
    for offset in offsets {
        first.push(starts.binary_search(offset).ok()?);
    }
    ranges_from_starts(&first, fragments.len())
}

/// Maps frames to fragments by the codestream start marker at the head of a fragment
/// (JPEG family SOI, JPEG 2000 SOC or JP2 signature, JPEG XL codestream or container).
fn from_markers(fragments: &[Vec<u8>], frame_count: usize) -> Option<Vec<Range<usize>>> {
    let starts: Vec<usize> = fragments
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.starts_with(&[0xFF, 0xD8])
                || f.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
                || f.starts_with(&[0xFF, 0x0A])
                || f.starts_with(&[0, 0, 0, 0x0C])
        })
        .map(|(i, _)| i)
        .collect();
    if starts.len() != frame_count {
        return None;
    }
    ranges_from_starts(&starts, fragments.len())
}

fn ranges_from_starts(starts: &[usize], total: usize) -> Option<Vec<Range<usize>>> {
    if starts.first() != Some(&0) {
        return None;
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(total);
        if end <= start {
            return None;
        }
        ranges.push(start..end);
    }
    Some(ranges)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn offsets_group_fragments() {
        let fragments = vec![vec![0xFF, 0xD8], vec![1, 2, 3, 4], vec![0xFF, 0xD8]];
        // Fragment item starts: 0, 10, 22.
        let ranges = from_offsets(&fragments, &[0, 22], 2).unwrap();
        assert_eq!(ranges, vec![0..2, 2..3]);
        assert!(from_offsets(&fragments, &[0, 21], 2).is_none());
        assert!(from_offsets(&fragments, &[0], 2).is_none());
    }

    #[test]
    fn markers_group_fragments() {
        let fragments = vec![vec![0xFF, 0xD8], vec![1, 2], vec![0xFF, 0xD8], vec![9]];
        assert_eq!(from_markers(&fragments, 2).unwrap(), vec![0..2, 2..4]);
        assert!(from_markers(&fragments, 3).is_none());
        let no_start = vec![vec![1], vec![0xFF, 0xD8]];
        assert!(from_markers(&no_start, 1).is_none());
    }
}
