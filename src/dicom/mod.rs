//! Opening echo DICOM files: lazy frame decoding, photometric conversion, cine timing and
//! US-region calibration. No egui here; the GUI and the CLI both call this module.
//!
//! # Use
//!
//! ```no_run
//! use echolab::dicom::{DicomFile, ImagePoint};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = DicomFile::open("loop.dcm")?;          // header + frame index, no decoding
//! let n = file.frame_count();
//! let first = file.frame_rgb(0)?;                    // Arc<RgbFrame>, RGB8, cached (LRU by bytes)
//! assert_eq!(first.rgb.len(), (first.width * first.height * 3) as usize);
//! let times_ms = &file.timing().frame_times_ms;      // one per frame, first 0
//! let assumed = file.timing().is_assumed();          // true: "unknown, assumed 30 fps"
//! let cal = file.calibration();                      // US regions (empty = uncalibrated)
//! let d_cm = cal.physical_distance(ImagePoint::new(100.0, 120.0), ImagePoint::new(180.0, 240.0))?;
//! let probe = cal.probe(ImagePoint::new(300.0, 650.0))?; // region, data type, x/y {value, unit}
//! let all = file.decode_all_parallel()?;             // every frame on all cores
//! # let _ = (n, times_ms, assumed, d_cm, probe, all); Ok(()) }
//! ```
//!
//! * [`DicomFile`] — `open(path)`, `from_bytes(&[u8])`, `header()`, `frame_count()`,
//!   `frame_rgb(i)`, `frame_samples(i)` (reference form), `decode_all_parallel()`,
//!   `digests_parallel()`, `timing()`, `calibration()`, `set_cache_capacity(bytes)`,
//!   `is_lossy()`. `Send + Sync`: wrap it in an `Arc` and call `frame_rgb` from a
//!   background thread to decode ahead. `open` leaves uncompressed pixel data in the file
//!   (frames are read when decoded) and loads compressed fragments (small).
//! * [`read_info(path)`](read_info) — [`FileInfo`] (header, timing, calibration) without
//!   reading pixel data: for a study browser scanning folders.
//! * [`Header`] — UIDs, patient ID/name, study date, modality, manufacturer, series
//!   description, rows/columns/frames, samples, bits, [`Photometric`], planar configuration.
//! * [`Timing`] — `frame_times_ms`, [`TimingSource`] (`Assumed { fps }` when unknown),
//!   `heart_rate_bpm`, `r_wave_frames`, `frame_at(time_ms)`.
//! * [`Calibration`] — `regions: Vec<UsRegion>`, `region_at(p)`, `probe(p)`,
//!   `physical_point(p)`, `physical_distance(a, b)` (cm), `area_scale_cm2_per_px2(p)`,
//!   `polygon_area_cm2(points)`, `velocity_cm_s(p)`, `time_s(p)`, `time_interval_s(a, b)`;
//!   errors are [`CalibrationError`] with a reason ("points span two regions (0 and 1)",
//!   "no calibrated region at (x, y)", "region 1 units are hz, not velocity (cm/s)").
//! * Clean Pixel Data: [`region_keep_rects`] (the data regions, refused when they reach the
//!   patient banner band, see [`banner_rows`]), [`PixelMask`] (`apply` blacks out the rest).
//! * Writing derived images: [`SourceImage`] (a file read whole), [`ImageWriter`] (copy
//!   attributes, set text and code sequences, keep or RLE-encode pixel data, write atomically);
//!   [`rle_encode_frame`] is the RLE Lossless encoder (also used by the sample generator).
//! * Errors opening/decoding are [`DicomError`]; nothing here panics on bad input.
//! * PACS over DIMSE: [`dimse`] — `echo`, `find_studies`, `list_instances`, `get_study`
//!   (C-GET into Part-10 files, data sets kept as the PACS sent them); errors are
//!   [`dimse::DimseError`], one line naming the peer.
//!
//! Decoding, one frame at a time: native data (LE, BE, deflated) and RLE by our own code,
//! 8-bit JPEG (baseline, extended, lossless) by libjpeg-turbo 3 (built from vendored source,
//! SIMD), 12/16-bit JPEG, JPEG-LS, JPEG 2000 and JPEG XL through the dicom-rs registry
//! adapters. Colour conversion (YBR_FULL with pydicom's float math,
//! planar configuration, YBR_FULL_422 replication, palettes) is ours: lossless files match
//! pydicom bit for bit.

mod attrs;
mod cache;
mod codec;
mod codestream;
mod color;
pub mod dimse;
mod error;
mod file;
mod frames;
mod guard;
mod header;
mod info;
pub mod instance;
mod mask;
mod palette;
mod pixels;
pub mod query;
mod quiet;
mod regions;
mod rle;
mod rle_encode;
mod timing;
mod turbo;
pub mod uid;
mod units;
mod write;

pub use cache::DEFAULT_CACHE_BYTES;
pub use error::{DicomError, Result};
pub use file::DicomFile;
pub use frames::{FrameDigest, FrameSamples, RgbFrame};
pub use guard::MAX_INFLATED_BYTES;
pub use header::{Header, Photometric};
pub use info::{FileInfo, read_info};
pub use mask::{
    MaskRefusal, MaskStats, PixelMask, PixelRect, banner_rows, is_data_region, region_keep_rects,
};
pub use palette::Palette;
pub use regions::{
    Calibration, CalibrationError, ImagePoint, PhysicalValue, ProbeResult, UsRegion,
};
pub use rle_encode::rle_encode_frame;
pub use timing::{ASSUMED_FPS, Timing, TimingSource};
pub use units::{
    DopplerScale, PhysicalUnit, RegionDataType, RegionFlags, Scrolling, SpatialFormat,
};
pub use write::{ImageWriter, SourceImage, TagId, TextValue};
