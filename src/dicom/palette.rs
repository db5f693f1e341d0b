//! PALETTE COLOR lookup tables (PS3.3 C.7.6.3.1.5/6 and C.7.9.2): plain 8- or 16-bit
//! LUT data and segmented LUTs, expanded the way pydicom's `apply_color_lut` does so
//! frames match the reference exactly.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::attrs;
use super::error::{DicomError, Result};

/// One channel's lookup table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Channel {
    /// First stored value mapped (Descriptor value 2; may be negative for signed data).
    first_mapped: i64,
    /// Entries, at their stored width.
    entries: Vec<u16>,
    /// True when entries are 16 bits wide (reduced to their high byte for 8-bit output).
    wide: bool,
}

/// The red, green and blue palette lookup tables of a PALETTE COLOR image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    channels: [Channel; 3],
}

const DESCRIPTORS: [Tag; 3] = [
    tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
    tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
    tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
];
const DATA: [Tag; 3] = [
    tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
];
const SEGMENTED: [Tag; 3] = [
    tags::SEGMENTED_RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    tags::SEGMENTED_GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
    tags::SEGMENTED_BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
];
const NAMES: [&str; 3] = ["red", "green", "blue"];

impl Palette {
    /// Reads the three palette LUTs of a data set.
    pub(crate) fn from_dataset(obj: &InMemDicomObject) -> Result<Self> {
        let [r, g, b] = [0, 1, 2].map(|i| read_channel(obj, i));
        Ok(Self {
            channels: [r?, g?, b?],
        })
    }

    /// Maps stored indices to RGB samples, 8 bits each (16-bit entries reduced to
    /// their high byte), interleaved.
    pub(crate) fn apply_u8(&self, indices: impl ExactSizeIterator<Item = i64>) -> Vec<u8> {
        let tables: Vec<Vec<u8>> = self.channels.iter().map(Channel::bytes).collect();
        let mut out = Vec::with_capacity(indices.len() * 3);
        for index in indices {
            for (channel, table) in self.channels.iter().zip(&tables) {
                out.push(table[channel.slot(index, table.len())]);
            }
        }
        out
    }

    /// Same as [`Self::apply_u8`] for 8-bit stored indices, using a 256-entry table.
    pub(crate) fn apply_bytes(&self, indices: &[u8]) -> Vec<u8> {
        let mut lut = [[0u8; 3]; 256];
        let tables: Vec<Vec<u8>> = self.channels.iter().map(Channel::bytes).collect();
        for (value, rgb) in lut.iter_mut().enumerate() {
            for ((slot, channel), table) in rgb.iter_mut().zip(&self.channels).zip(&tables) {
                *slot = table[channel.slot(value as i64, table.len())];
            }
        }
        let mut out = Vec::with_capacity(indices.len() * 3);
        for &index in indices {
            out.extend_from_slice(&lut[usize::from(index)]);
        }
        out
    }
}

impl Channel {
    /// Entries reduced to 8 bits.
    fn bytes(&self) -> Vec<u8> {
        self.entries
            .iter()
            .map(|&e| {
                if self.wide {
                    (e >> 8) as u8
                } else {
                    e.min(255) as u8
                }
            })
            .collect()
    }

    /// Index into the table: values below the first mapped value use entry 0, values past
    /// the end use the last entry.
    fn slot(&self, value: i64, len: usize) -> usize {
        let offset = value.saturating_sub(self.first_mapped).max(0);
        usize::try_from(offset).unwrap_or(usize::MAX).min(len - 1)
    }
}

fn read_channel(obj: &InMemDicomObject, i: usize) -> Result<Channel> {
    let invalid = |reason: String| DicomError::InvalidAttribute {
        name: "PaletteColorLookupTable",
        reason: format!("{}: {reason}", NAMES[i]),
    };
    let descriptor = attrs::ints(obj, DESCRIPTORS[i]).ok_or(DicomError::MissingAttribute(
        "PaletteColorLookupTableDescriptor",
    ))?;
    let [count, first_mapped, bits] = descriptor.as_slice() else {
        return Err(invalid(format!(
            "descriptor has {} values, not 3",
            descriptor.len()
        )));
    };
    // Descriptor value 1 is US: 0 means 65536 entries; value 2 may be read as signed.
    let count = match *count {
        0 => 65536,
        n if n < 0 => n + 65536,
        n => n,
    } as usize;
    let first_mapped = *first_mapped;
    let nominal_bits = *bits;
    let entries = if let Some(words) = attrs::words(obj, SEGMENTED[i]) {
        let mut table = expand_segmented(&words, count).map_err(invalid)?;
        table.truncate(count);
        Channel {
            first_mapped,
            entries: table,
            wide: nominal_bits > 8,
        }
    } else {
        let element = obj
            .get(DATA[i])
            .ok_or(DicomError::MissingAttribute("PaletteColorLookupTableData"))?;
        let bytes = element
            .to_bytes()
            .map_err(|e| invalid(format!("unreadable LUT data: {e}")))?;
        // Like pydicom: the entry width is the data length over the entry count.
        if bytes.len() == count {
            Channel {
                first_mapped,
                entries: bytes.iter().map(|&b| u16::from(b)).collect(),
                wide: false,
            }
        } else {
            let words = attrs::words(obj, DATA[i]).unwrap_or_default();
            if words.len() < count {
                return Err(invalid(format!(
                    "{} LUT entries for a descriptor of {count}",
                    words.len()
                )));
            }
            Channel {
                first_mapped,
                entries: words.into_iter().take(count).collect(),
                wide: true,
            }
        }
    };
    if entries.entries.is_empty() {
        return Err(invalid("empty LUT".to_owned()));
    }
    Ok(entries)
}

/// Expands segmented LUT data (PS3.3 C.7.9.2): discrete (0), linear (1) and indirect (2)
/// segments. Linear segments follow pydicom: `round_half_even(linspace(y0 + step, y1, n))`.
fn expand_segmented(words: &[u16], limit: usize) -> Result<Vec<u16>, String> {
    let mut out: Vec<u16> = Vec::new();
    expand_into(words, 0, words.len(), limit, &mut out, 0)?;
    Ok(out)
}

fn expand_into(
    words: &[u16],
    mut offset: usize,
    end: usize,
    limit: usize,
    out: &mut Vec<u16>,
    depth: u8,
) -> Result<(), String> {
    let word = |at: usize| -> Result<u16, String> {
        words
            .get(at)
            .copied()
            .ok_or_else(|| format!("segmented LUT ends inside a segment at word {at}"))
    };
    while offset < end && out.len() < limit {
        let opcode = word(offset)?;
        match opcode {
            0 => {
                let length = usize::from(word(offset + 1)?);
                let values = words
                    .get(offset + 2..offset + 2 + length)
                    .ok_or("segmented LUT discrete segment runs past the data")?;
                out.extend_from_slice(values);
                offset += 2 + length;
            }
            1 => {
                let length = usize::from(word(offset + 1)?);
                let y1 = word(offset + 2)?;
                let y0 = *out
                    .last()
                    .ok_or("segmented LUT starts with a linear segment")?;
                linear(y0, y1, length, out);
                offset += 3;
            }
            2 => {
                if depth > 4 {
                    return Err("segmented LUT indirect segments nest too deeply".to_owned());
                }
                let segments = usize::from(word(offset + 1)?);
                // A 32-bit byte offset, least significant word first.
                let byte_offset =
                    usize::from(word(offset + 2)?) | (usize::from(word(offset + 3)?) << 16);
                let mut at = byte_offset / 2;
                for _ in 0..segments {
                    let next = segment_end(words, at)?;
                    expand_into(words, at, next, limit, out, depth + 1)?;
                    at = next;
                }
                offset += 4;
            }
            other => return Err(format!("segmented LUT has unknown opcode {other}")),
        }
    }
    Ok(())
}

/// Word index just past the segment starting at `at`.
fn segment_end(words: &[u16], at: usize) -> Result<usize, String> {
    let opcode = words
        .get(at)
        .ok_or("indirect segment points past the data")?;
    let length = usize::from(*words.get(at + 1).ok_or("indirect segment truncated")?);
    match opcode {
        0 => Ok(at + 2 + length),
        1 => Ok(at + 3),
        2 => Ok(at + 4),
        other => Err(format!("segmented LUT has unknown opcode {other}")),
    }
}

/// numpy `around(linspace(y0 + step, y1, n))` with `step = (y1 - y0) / n`.
fn linear(y0: u16, y1: u16, n: usize, out: &mut Vec<u16>) {
    if n == 0 {
        return;
    }
    if y0 == y1 {
        out.extend(std::iter::repeat_n(y1, n));
        return;
    }
    let (y0f, y1f) = (f64::from(y0), f64::from(y1));
    let step = (y1f - y0f) / n as f64;
    let start = y0f + step;
    if n == 1 {
        out.push(round_u16(start));
        return;
    }
    let delta = y1f - start;
    let div = (n - 1) as f64;
    let ls_step = delta / div;
    for i in 0..n {
        let value = if i == n - 1 {
            y1f
        } else if ls_step == 0.0 {
            i as f64 / div * delta + start
        } else {
            i as f64 * ls_step + start
        };
        out.push(round_u16(value));
    }
}

fn round_u16(v: f64) -> u16 {
    // Values lie between two u16 LUT values, so the cast cannot overflow.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let r = v.round_ties_even().clamp(0.0, 65535.0) as u16;
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn discrete_and_linear_segments() {
        // Discrete [0, 10], then linear to 40 over 3 entries -> 20, 30, 40.
        let words = [0, 2, 0, 10, 1, 3, 40];
        assert_eq!(
            expand_segmented(&words, 100).unwrap(),
            vec![0, 10, 20, 30, 40]
        );
    }

    #[test]
    fn indirect_segment_copies_earlier_segments() {
        let words = [0, 2, 5, 6, 2, 1, 0, 0];
        assert_eq!(expand_segmented(&words, 100).unwrap(), vec![5, 6, 5, 6]);
    }

    #[test]
    fn broken_segments_are_errors() {
        assert!(expand_segmented(&[0, 5, 1], 100).is_err());
        assert!(expand_segmented(&[1, 3, 40], 100).is_err());
        assert!(expand_segmented(&[7], 100).is_err());
        assert!(expand_segmented(&[2, 1, 0, 0], 100).is_err());
    }

    #[test]
    fn linear_rounds_half_to_even() {
        let mut out = vec![];
        linear(0, 3, 2, &mut out);
        // linspace(1.5, 3, 2) = [1.5, 3] -> [2, 3]
        assert_eq!(out, vec![2, 3]);
    }
}
