//! [`DicomFile`]: one opened DICOM file — header, timing, calibration, and lazily
//! decoded, cached frames.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex as _;
use dicom_object::{InMemDicomObject, OpenFileOptions, file::ReadPreamble};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use rayon::prelude::*;

use super::cache::{DEFAULT_CACHE_BYTES, FrameCache};
use super::codec::{self, Syntax};
use super::color::{self, SampleFormat};
use super::error::{DicomError, Result};
use super::frames::{FrameDigest, FrameSamples, RgbFrame};
use super::guard::Scan;
use super::header::{Header, Photometric};
use super::info::read_header_prefix;
use super::palette::Palette;
use super::pixels::{PixelStore, native_frame_bytes, read_at};
use super::regions::Calibration;
use super::timing::Timing;

/// Implicit VR Little Endian, assumed for a bare data set whose first element has no VR.
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR Little Endian.
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Explicit VR Big Endian (retired, still written by old scanners and dcmconv).
const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";

/// One opened DICOM file. Opening parses the header and indexes the frames; frames are
/// decoded on demand and kept in a bounded LRU cache. `Send + Sync`: share it in an
/// `Arc` and decode ahead from a background thread.
#[derive(Debug)]
pub struct DicomFile {
    // Fields are private: the type is `Send + Sync` (checked by a test) so an `Arc` of it
    // can feed a background decoding thread.
    header: Header,
    timing: Timing,
    calibration: Calibration,
    palette: Option<Palette>,
    pixels: PixelStore,
    syntax: Syntax,
    cache: FrameCache,
}

impl DicomFile {
    /// Opens a file from disk (with or without the 128-byte preamble and meta group).
    /// Uncompressed pixel data stays in the file and frames are read when decoded;
    /// compressed fragments are read one by one, each straight into its own buffer.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let mut file = std::fs::File::open(path.as_ref())?;
        let total = file.metadata()?.len();
        let (mut bytes, scan) = read_header_prefix(&mut file, total)?;
        if let Scan::PixelDataAt(at) = scan
            && let Some(opened) = Self::open_in_place(&bytes, at, &file, total)?
        {
            return Ok(opened);
        }
        file.read_to_end(&mut bytes)?;
        Self::from_bytes(&bytes)
    }

    /// Pixel data at byte `at` of the file: parse the header bytes before it once, then
    /// leave native samples in the file or read compressed fragments from it. `None` means
    /// "use the general path" (which also reports any error properly).
    fn open_in_place(
        prefix: &[u8],
        at: usize,
        file: &std::fs::File,
        total: u64,
    ) -> Result<Option<Self>> {
        let (Some(head), Some(element)) = (prefix.get(..at), prefix.get(at..at + 12)) else {
            return Ok(None);
        };
        let Ok((obj, transfer_syntax_uid)) = parse(head, false) else {
            return Ok(None);
        };
        match transfer_syntax_uid.as_str() {
            IMPLICIT_VR_LE | EXPLICIT_VR_LE | EXPLICIT_VR_BE => {
                Self::open_native_in_place(obj, transfer_syntax_uid, element, at, file, total)
            }
            _ => {
                Self::open_encapsulated_in_place(obj, transfer_syntax_uid, element, at, file, total)
            }
        }
    }

    /// Native (uncompressed, not deflated) pixel data whose element header `element`
    /// starts at byte `at` of the file: the samples stay in the file.
    fn open_native_in_place(
        obj: InMemDicomObject,
        transfer_syntax_uid: String,
        element: &[u8],
        at: usize,
        file: &std::fs::File,
        total: u64,
    ) -> Result<Option<Self>> {
        let (explicit, big_endian) = match transfer_syntax_uid.as_str() {
            IMPLICIT_VR_LE => (false, false),
            EXPLICIT_VR_LE => (true, false),
            EXPLICIT_VR_BE => (true, true),
            _ => return Ok(None),
        };
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let (value_offset, length, vr_ob) = if explicit {
            (
                at as u64 + 12,
                word(&element[8..12]),
                &element[4..6] == b"OB",
            )
        } else {
            (at as u64 + 8, word(&element[4..8]), false)
        };
        if length == 0xFFFF_FFFF {
            return Ok(None);
        }
        let header = Header::from_dataset(&obj, &transfer_syntax_uid)?;
        let frame_bytes = native_frame_bytes(&header)?;
        let needed = frame_bytes.saturating_mul(u64::from(header.frames));
        let available = u64::from(length).min(total.saturating_sub(value_offset));
        if available < needed {
            return Err(DicomError::PixelDataTooShort { needed, available });
        }
        let frame_bytes = usize::try_from(frame_bytes).map_err(|_| {
            DicomError::Unsupported("frame larger than this machine can address".to_owned())
        })?;
        let pixels = PixelStore::NativeFile {
            file: file.try_clone()?,
            offset: value_offset,
            frame_bytes,
            swap_pairs: big_endian && !vr_ob,
        };
        Self::assemble(obj, header, pixels).map(Some)
    }

    /// Encapsulated (compressed) pixel data whose element header `element` starts at byte
    /// `at` of the file: each fragment is read straight from the file into its own buffer.
    /// The general path would read the whole file and then copy every fragment out of it,
    /// which doubles the peak memory and the serial time before the first frame of a long
    /// loop. Any item that is not exactly as the standard lays it out returns `None`, and
    /// the general path handles (and reports) it.
    fn open_encapsulated_in_place(
        obj: InMemDicomObject,
        transfer_syntax_uid: String,
        element: &[u8],
        at: usize,
        file: &std::fs::File,
        total: u64,
    ) -> Result<Option<Self>> {
        // (7FE0,0010) OB, two reserved bytes, undefined length: always explicit VR LE.
        const START: [u8; 12] = [
            0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        if element != START {
            return Ok(None);
        }
        let Some(items) = read_items(file, at as u64 + 12, total)? else {
            return Ok(None);
        };
        let mut items = items.into_iter();
        let Some(table) = items.next() else {
            return Ok(None);
        };
        if table.len() % 4 != 0 {
            return Ok(None);
        }
        let offset_table: Vec<u32> = table
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let header = Header::from_dataset(&obj, &transfer_syntax_uid)?;
        let pixels = PixelStore::from_fragments(
            &offset_table,
            items.collect(),
            header.frames,
            extended_offsets(&obj),
        )?;
        Self::assemble(obj, header, pixels).map(Some)
    }

    /// Opens a file held in memory (tests, fuzzing, network).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        super::guard::check_lengths(bytes).map_err(DicomError::Parse)?;
        let (mut obj, transfer_syntax_uid) = parse(bytes, false)?;
        let header = Header::from_dataset(&obj, &transfer_syntax_uid)?;
        // The pixel data first: it proves the frame count before anything sized by it.
        let extended_offsets = extended_offsets(&obj);
        let pixel_data = obj.take(tags::PIXEL_DATA).ok_or(DicomError::NoPixelData)?;
        let pixels = PixelStore::new(pixel_data.into_value(), &header, extended_offsets)?;
        Self::assemble(obj, header, pixels)
    }

    /// Timing, calibration and palette from the data set, around validated pixel data.
    fn assemble(obj: InMemDicomObject, header: Header, pixels: PixelStore) -> Result<Self> {
        let timing = Timing::from_dataset(&obj, header.frames);
        let calibration = Calibration::from_dataset(&obj);
        let palette = if header.photometric == Photometric::PaletteColor {
            Some(Palette::from_dataset(&obj)?)
        } else {
            None
        };
        let uid = &header.transfer_syntax_uid;
        let syntax = Syntax::classify(uid, pixels.is_encapsulated());
        if syntax != Syntax::Native && !pixels.is_encapsulated() {
            return Err(DicomError::InvalidAttribute {
                name: "PixelData",
                reason: format!("transfer syntax {uid} needs encapsulated pixel data"),
            });
        }
        Ok(Self {
            header,
            timing,
            calibration,
            palette,
            pixels,
            syntax,
            cache: FrameCache::new(DEFAULT_CACHE_BYTES),
        })
    }

    /// Header facts (identity, image pixel module, descriptive fields).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of frames (≥ 1).
    pub fn frame_count(&self) -> u32 {
        self.header.frames
    }

    /// Frame times and cardiac timing.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// US region calibration (empty when the file is uncalibrated).
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// Human name of the transfer syntax (e.g. "JPEG Baseline (Process 1)").
    pub fn transfer_syntax_name(&self) -> String {
        TransferSyntaxRegistry
            .get(&self.header.transfer_syntax_uid)
            .map_or_else(|| "unknown".to_owned(), |ts| ts.name().to_owned())
    }

    /// True when the transfer syntax is lossy (decoded samples may differ from the source).
    pub fn is_lossy(&self) -> bool {
        Syntax::is_lossy(&self.header.transfer_syntax_uid) || self.header.lossy_compressed
    }

    /// Changes the decoded-frame cache capacity (bytes of RGB data).
    pub fn set_cache_capacity(&self, bytes: usize) {
        self.cache.set_capacity(bytes);
    }

    /// Bytes and frames currently cached.
    pub fn cache_usage(&self) -> (usize, usize) {
        self.cache.usage()
    }

    /// Channels of the reference samples: 1 for grey (as stored), 3 for every colour
    /// interpretation including palettes.
    pub fn reference_channels(&self) -> u8 {
        if self.header.samples_per_pixel == 1
            && self.header.photometric != Photometric::PaletteColor
        {
            1
        } else {
            3
        }
    }

    /// Display frame `index` (RGB8), from the cache or decoded now (by
    /// [`decode_rgb_into`](Self::decode_rgb_into), the one display decode path).
    pub fn frame_rgb(&self, index: u32) -> Result<Arc<RgbFrame>> {
        if let Some(frame) = self.cache.get(index) {
            return Ok(frame);
        }
        let mut rgb = Vec::new();
        self.decode_rgb_into(index, &mut rgb)?;
        let frame = Arc::new(RgbFrame {
            width: u32::from(self.header.columns),
            height: u32::from(self.header.rows),
            rgb,
        });
        self.cache.insert(index, Arc::clone(&frame));
        Ok(frame)
    }

    /// Decodes display frame `index` (RGB8, `columns × rows × 3` bytes) into `out`, reusing its
    /// allocation: a caller that decodes many frames into one buffer allocates once. Not
    /// cached and lock-free, so any number of threads may call it at once. 8-bit JPEG frames
    /// are decoded by libjpeg-turbo straight into `out`; other syntaxes go through the
    /// reference samples.
    pub fn decode_rgb_into(&self, index: u32, out: &mut Vec<u8>) -> Result<()> {
        let count = self.frame_count();
        if index >= count {
            return Err(DicomError::FrameOutOfRange { index, count });
        }
        let decode_error = |reason: String| DicomError::Decode {
            frame: index,
            reason,
        };
        let pixels = self.header.pixels_per_frame();
        if codec::direct_rgb(&self.header, self.syntax) {
            let encoded = self.pixels.frame(index, count)?;
            super::codestream::check_frame(&self.header, self.syntax, &encoded)
                .map_err(decode_error)?;
            out.resize(pixels * 3, 0);
            super::quiet::catch("the codec failed on corrupt data", || {
                codec::decode_jpeg_rgb_into(&self.header, &encoded, out)
            })
            .and_then(|decoded| decoded)
            .map_err(decode_error)?;
            if self.header.photometric == Photometric::Monochrome1 {
                out.iter_mut().for_each(|v| *v = 255 - *v);
            }
            return Ok(());
        }
        let samples = self.frame_samples(index)?;
        color::display_rgb_into(
            samples.channels,
            &samples.data,
            &self.header.photometric,
            out,
        );
        Ok(())
    }

    /// Decodes frames `range` to display RGB on the current rayon pool (install a pool to
    /// choose the thread count) and hands each to `visit(index, rgb)` on the worker that
    /// decoded it. Frames run in parallel; each worker decodes into its own buffer, allocated
    /// once and reused; nothing is cached and no lock is taken. Stops at the first error.
    pub fn for_each_rgb_parallel<F>(&self, range: std::ops::Range<u32>, visit: F) -> Result<()>
    where
        F: Fn(u32, &[u8]) + Sync,
    {
        let range = range.start.min(self.frame_count())..range.end.min(self.frame_count());
        // One frame is milliseconds of work: rayon may split down to single frames, so the
        // threads finish together instead of one waiting on a long last chunk.
        range
            .into_par_iter()
            .try_for_each_init(Vec::new, |buffer, index| {
                self.decode_rgb_into(index, buffer)?;
                visit(index, buffer);
                Ok(())
            })
    }

    /// Frame `index` as reference samples (what `echolab frames` hashes). Not cached.
    pub fn frame_samples(&self, index: u32) -> Result<FrameSamples> {
        let count = self.frame_count();
        if index >= count {
            return Err(DicomError::FrameOutOfRange { index, count });
        }
        let encoded = self.pixels.frame(index, count)?;
        let decode_error = |reason: String| DicomError::Decode {
            frame: index,
            reason,
        };
        super::codestream::check_frame(&self.header, self.syntax, &encoded)
            .map_err(decode_error)?;
        let raw = super::quiet::catch("the codec failed on corrupt data", || {
            codec::decode_frame(&self.header, self.syntax, encoded)
        })
        .and_then(|decoded| decoded)
        .map_err(decode_error)?;
        let format = SampleFormat {
            bits_stored: self.header.bits_stored,
            signed: self.header.pixel_representation == 1,
        };
        let (channels, data) =
            color::reference_samples(raw, format, self.palette.as_ref()).map_err(decode_error)?;
        let expected = self.header.pixels_per_frame() * usize::from(channels);
        if data.len() != expected {
            return Err(decode_error(format!(
                "decoded {} samples, expected {expected}",
                data.len()
            )));
        }
        Ok(FrameSamples {
            width: u32::from(self.header.columns),
            height: u32::from(self.header.rows),
            channels,
            data,
        })
    }

    /// Decodes every frame on all cores (rayon), in order. Frames also enter the cache.
    pub fn decode_all_parallel(&self) -> Result<Vec<Arc<RgbFrame>>> {
        (0..self.frame_count())
            .into_par_iter()
            .map(|i| self.frame_rgb(i))
            .collect()
    }

    /// SHA-256 and mean of every frame's reference samples on all cores, in order (what
    /// `echolab frames` prints); frames are dropped as soon as they are digested.
    pub fn digests_parallel(&self) -> Result<Vec<FrameDigest>> {
        (0..self.frame_count())
            .into_par_iter()
            .map(|i| self.frame_samples(i).map(|s| s.digest(i)))
            .collect()
    }
}

/// Parses a file (preamble + meta, or meta only) or a bare data set (guessing implicit
/// or explicit VR little endian from the first element).
/// The caller has checked the element lengths ([`super::guard`]). With `header_only` the
/// parse stops before Pixel Data.
pub(crate) fn parse(bytes: &[u8], header_only: bool) -> Result<(InMemDicomObject, String)> {
    // dicom-rs parses untrusted bytes: a panic in it becomes an error, silently.
    super::quiet::catch("the parser failed on corrupt data", || {
        parse_checked(bytes, header_only)
    })
    .unwrap_or_else(|what| Err(DicomError::Parse(what)))
}

fn parse_checked(bytes: &[u8], header_only: bool) -> Result<(InMemDicomObject, String)> {
    let parse_error = |e: &dyn std::fmt::Display| DicomError::Parse(format!("{e}"));
    let preamble = if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        Some(ReadPreamble::Always)
    } else if bytes.starts_with(b"DICM") {
        Some(ReadPreamble::Never)
    } else {
        None
    };
    if let Some(preamble) = preamble {
        let options = OpenFileOptions::new().read_preamble(preamble);
        let options = if header_only {
            options.read_until(tags::PIXEL_DATA)
        } else {
            options
        };
        let file = options.from_reader(bytes).map_err(|e| parse_error(&e))?;
        let uid = file
            .meta()
            .transfer_syntax()
            .trim_end_matches(['\0', ' '])
            .to_owned();
        return Ok((file.into_inner(), uid));
    }
    if bytes.len() < 8 {
        return Err(DicomError::Parse(format!("only {} bytes", bytes.len())));
    }
    let explicit = bytes
        .get(4..6)
        .and_then(|vr| VR::from_binary([vr[0], vr[1]]))
        .is_some();
    let uid = if explicit {
        EXPLICIT_VR_LE
    } else {
        IMPLICIT_VR_LE
    };
    let ts = TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| DicomError::Parse(format!("transfer syntax {uid} unavailable")))?;
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, ts).map_err(|e| parse_error(&e))?;
    if obj.get(tags::ROWS).is_none() && obj.get(tags::PIXEL_DATA).is_none() {
        return Err(DicomError::Parse(
            "no DICM marker and no image attributes (not a DICOM file?)".to_owned(),
        ));
    }
    Ok((obj, uid.to_owned()))
}

/// The Extended Offset Table of the data set, when present and readable.
fn extended_offsets(obj: &InMemDicomObject) -> Option<Vec<u64>> {
    obj.get(tags::EXTENDED_OFFSET_TABLE)
        .and_then(|e| e.to_multi_int::<u64>().ok())
}

/// The items of an encapsulated Pixel Data value starting at byte `start` of the file, up
/// to its sequence delimiter: the offset table first, then the fragments. Each item's
/// length is checked against the bytes left in the file before anything is allocated.
/// `None` when the items are not laid out as the standard says.
fn read_items(file: &std::fs::File, start: u64, total: u64) -> Result<Option<Vec<Vec<u8>>>> {
    let mut items = Vec::new();
    let mut position = start;
    loop {
        let mut tag = [0u8; 8];
        if position + 8 > total {
            return Ok(None);
        }
        read_at(file, position, &mut tag)?;
        position += 8;
        let length = u64::from(u32::from_le_bytes([tag[4], tag[5], tag[6], tag[7]]));
        match tag[..4] {
            // Sequence delimitation item.
            [0xFE, 0xFF, 0xDD, 0xE0] => return Ok(Some(items)),
            // Item.
            [0xFE, 0xFF, 0x00, 0xE0] if length <= total.saturating_sub(position) => {
                let Ok(length) = usize::try_from(length) else {
                    return Ok(None);
                };
                let mut item = vec![0u8; length];
                read_at(file, position, &mut item)?;
                position += length as u64;
                items.push(item);
            }
            _ => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dicom_file_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::DicomFile>();
    }
}
