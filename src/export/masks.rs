//! Clean Pixel Data for de-identified image exports: which rectangles of a frame stay, and the
//! explicit masks users give per device model.
//!
//! The rule ([`clean_rects`]): an explicit mask saved for the file's device (Manufacturer +
//! Manufacturer's Model Name, compared without case and surrounding spaces) wins; otherwise the
//! data regions of the Sequence of Ultrasound Regions stay and everything else is blacked out
//! ([`crate::dicom::region_keep_rects`]). Files without data regions, or whose regions reach the
//! banner band, are refused with the reason, never exported with their text. Burned In
//! Annotation (0028,0301) is not trusted: a file that says `NO` is masked all the same.
//!
//! Mask files are TOML; the remembered book is `masks.toml` in the user's config folder
//! (`$ECHOLAB_CONFIG_DIR`, else e.g. `~/.config/echolab/` on Linux):
//!
//! ```toml
//! [[device]]
//! manufacturer = "SIEMENS"
//! model = "S2000"
//! keep = [[0, 60, 1008, 764]]   # x0, y0, x1, y1 (inclusive pixel corners) of each kept rectangle
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ExportError;
use crate::dicom::{
    Calibration, Header, MaskStats, Photometric, PixelMask, PixelRect, RgbFrame, region_keep_rects,
};

/// Environment variable naming the config folder (tests, portable installs).
pub const CONFIG_DIR_ENV: &str = "ECHOLAB_CONFIG_DIR";
/// File name of the remembered mask book in the config folder.
pub const MASK_FILE_NAME: &str = "masks.toml";

/// The explicit mask of one device model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceMask {
    /// Manufacturer (0008,0070).
    pub manufacturer: String,
    /// Manufacturer's Model Name (0008,1090).
    pub model: String,
    /// Rectangles kept, `[x0, y0, x1, y1]` inclusive.
    pub keep: Vec<[u32; 4]>,
}

impl DeviceMask {
    fn matches(&self, manufacturer: &str, model: &str) -> bool {
        self.manufacturer
            .trim()
            .eq_ignore_ascii_case(manufacturer.trim())
            && self.model.trim().eq_ignore_ascii_case(model.trim())
    }

    /// The rectangles.
    pub fn rects(&self) -> Vec<PixelRect> {
        self.keep
            .iter()
            .map(|&[x0, y0, x1, y1]| PixelRect { x0, y0, x1, y1 })
            .collect()
    }
}

/// Explicit masks by device model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskBook {
    /// One entry per device model.
    #[serde(default, rename = "device")]
    pub devices: Vec<DeviceMask>,
}

impl MaskBook {
    /// Parses a mask file (`name` is used in errors).
    pub fn from_toml(text: &str, name: &str) -> Result<MaskBook, ExportError> {
        let book: MaskBook = toml::from_str(text)
            .map_err(|e| ExportError::Invalid(format!("{name}: not a mask file: {e}")))?;
        for d in &book.devices {
            if d.manufacturer.trim().is_empty() && d.model.trim().is_empty() {
                return Err(ExportError::Invalid(format!(
                    "{name}: a [[device]] needs a manufacturer or a model"
                )));
            }
            if d.keep.is_empty() || d.keep.iter().any(|r| r[2] < r[0] || r[3] < r[1]) {
                return Err(ExportError::Invalid(format!(
                    "{name}: device {} {}: keep needs rectangles [x0, y0, x1, y1] with x0 <= x1 \
                     and y0 <= y1",
                    d.manufacturer, d.model
                )));
            }
        }
        Ok(book)
    }

    /// The TOML text of the book.
    pub fn to_toml(&self) -> Result<String, ExportError> {
        toml::to_string(self).map_err(|e| ExportError::Invalid(format!("mask book: {e}")))
    }

    /// The mask saved for a device, if any.
    pub fn find(&self, manufacturer: &str, model: &str) -> Option<&DeviceMask> {
        self.devices.iter().find(|d| d.matches(manufacturer, model))
    }

    /// Adds the entries of `other`, replacing those of the same device.
    pub fn merge(&mut self, other: &MaskBook) {
        for d in &other.devices {
            self.devices
                .retain(|mine| !mine.matches(&d.manufacturer, &d.model));
            self.devices.push(d.clone());
        }
    }

    /// The remembered book's path: `$ECHOLAB_CONFIG_DIR/masks.toml`, else `masks.toml` in the
    /// user's config folder.
    pub fn remembered_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(CONFIG_DIR_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p).join(MASK_FILE_NAME));
        }
        directories::ProjectDirs::from("org", "echolab", "echolab")
            .map(|d| d.config_dir().join(MASK_FILE_NAME))
    }

    /// Reads a mask file.
    pub fn load(path: &Path) -> Result<MaskBook, ExportError> {
        let text = std::fs::read_to_string(path).map_err(|error| ExportError::Io {
            path: path.to_owned(),
            error,
        })?;
        MaskBook::from_toml(&text, &path.display().to_string())
    }

    /// The remembered book (empty when none was saved yet).
    pub fn remembered() -> Result<MaskBook, ExportError> {
        match Self::remembered_path() {
            Some(p) if p.is_file() => Self::load(&p),
            _ => Ok(MaskBook::default()),
        }
    }

    /// Merges `given` into the remembered book and saves it; returns where.
    pub fn remember(given: &MaskBook) -> Result<PathBuf, ExportError> {
        let path = Self::remembered_path().ok_or_else(|| {
            ExportError::Invalid(format!(
                "no config folder to remember masks in; set {CONFIG_DIR_ENV}"
            ))
        })?;
        let mut book = Self::remembered()?;
        book.merge(given);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|error| ExportError::Io {
                path: dir.to_owned(),
                error,
            })?;
        }
        super::write_file(&path, book.to_toml()?.as_bytes())?;
        Ok(path)
    }
}

/// Where the kept rectangles came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskSource {
    /// The data regions of the file's Sequence of Ultrasound Regions.
    Regions,
    /// The explicit mask saved for the device model.
    DeviceMask,
}

/// The rectangles that stay in a clean copy of a frame of `header`'s file (see the module
/// docs); `Err` is the reason the file is refused.
pub fn clean_rects(
    header: &Header,
    calibration: &Calibration,
    masks: &MaskBook,
) -> Result<(Vec<PixelRect>, MaskSource), String> {
    let manufacturer = header.manufacturer.as_deref().unwrap_or("");
    let model = header.model.as_deref().unwrap_or("");
    if let Some(d) = masks.find(manufacturer, model) {
        return Ok((d.rects(), MaskSource::DeviceMask));
    }
    region_keep_rects(
        calibration,
        u32::from(header.columns),
        u32::from(header.rows),
    )
    .map(|r| (r, MaskSource::Regions))
    .map_err(|why| {
        format!(
            "refused for de-identified image export: {why} (device: {} / {})",
            if manufacturer.is_empty() {
                "no manufacturer"
            } else {
                manufacturer
            },
            if model.is_empty() { "no model" } else { model }
        )
    })
}

/// The black sample of reference samples with `channels` channels of a file with
/// `photometric` (grey is as stored: MONOCHROME1 black is 255).
pub fn black_sample(channels: u8, photometric: &Photometric) -> Vec<u8> {
    match (channels, photometric) {
        (3, _) => vec![0, 0, 0],
        (_, Photometric::Monochrome1) => vec![255],
        _ => vec![0],
    }
}

/// Cleans a display frame (RGB8) in place with the file's mask.
pub fn clean_rgb_frame(frame: &mut RgbFrame, rects: &[PixelRect]) -> Result<MaskStats, String> {
    let mask = PixelMask::new(frame.width, frame.height, rects);
    mask.apply(&mut frame.rgb, &[0, 0, 0])
}

/// What Clean Pixel Data would remove from one file (`echolab mask-report`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaskReport {
    /// The file.
    pub file: PathBuf,
    /// Manufacturer and model.
    pub device: String,
    /// Frames.
    pub frames: u32,
    /// Where the kept rectangles came from (`None` when refused).
    pub mask: Option<MaskSource>,
    /// Why the file is refused, if it is.
    pub refused: Option<String>,
    /// Percentage of each frame's pixels masked (the same in every frame).
    pub masked_percent: f64,
    /// Mean percentage of each frame's pixels that were not black and are cleared.
    pub cleared_percent: f64,
    /// Largest percentage cleared in one frame.
    pub max_cleared_percent: f64,
    /// Frames with at least one non-black pixel outside the kept rectangles (text, graphics).
    pub frames_with_content_outside: u32,
}

/// Measures what the mask of `path` removes, frame by frame, without writing anything.
pub fn mask_report(path: &Path, masks: &MaskBook) -> Result<MaskReport, String> {
    use rayon::prelude::*;
    let file = crate::dicom::DicomFile::open(path).map_err(|e| e.to_string())?;
    let header = file.header();
    let device = format!(
        "{} / {}",
        header.manufacturer.as_deref().unwrap_or("-"),
        header.model.as_deref().unwrap_or("-")
    );
    let mut report = MaskReport {
        file: path.to_owned(),
        device,
        frames: file.frame_count(),
        mask: None,
        refused: None,
        masked_percent: 0.0,
        cleared_percent: 0.0,
        max_cleared_percent: 0.0,
        frames_with_content_outside: 0,
    };
    let (rects, source) = match clean_rects(header, file.calibration(), masks) {
        Ok(r) => r,
        Err(why) => {
            report.refused = Some(why);
            return Ok(report);
        }
    };
    report.mask = Some(source);
    let mask = PixelMask::new(u32::from(header.columns), u32::from(header.rows), &rects);
    let black = black_sample(file.reference_channels(), &header.photometric);
    let stats: Vec<MaskStats> = (0..file.frame_count())
        .into_par_iter()
        .map(|i| {
            let s = file.frame_samples(i).map_err(|e| e.to_string())?;
            mask.measure(&s.data, &black)
        })
        .collect::<Result<_, String>>()?;
    let mut total = MaskStats::default();
    for s in &stats {
        total.add(*s);
        report.max_cleared_percent = report.max_cleared_percent.max(s.cleared_percent());
        report.frames_with_content_outside += u32::from(s.cleared > 0);
    }
    report.masked_percent = total.masked_percent();
    report.cleared_percent = total.cleared_percent();
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mask_files_parse_merge_and_find_devices() {
        let a = MaskBook::from_toml(
            "[[device]]\nmanufacturer = \"SIEMENS\"\nmodel = \"S2000\"\nkeep = [[0, 60, 1008, 764]]\n",
            "a.toml",
        )
        .unwrap();
        assert_eq!(
            a.find(" siemens", "S2000 ").unwrap().rects(),
            vec![PixelRect {
                x0: 0,
                y0: 60,
                x1: 1008,
                y1: 764
            }]
        );
        assert!(a.find("SIEMENS", "S3000").is_none());
        let mut book = MaskBook::from_toml(&a.to_toml().unwrap(), "again").unwrap();
        assert_eq!(book, a);
        let b = MaskBook::from_toml(
            "[[device]]\nmanufacturer = \"SIEMENS\"\nmodel = \"S2000\"\nkeep = [[1, 2, 3, 4]]\n",
            "b.toml",
        )
        .unwrap();
        book.merge(&b);
        assert_eq!(book.devices.len(), 1);
        assert_eq!(book.devices[0].keep, vec![[1, 2, 3, 4]]);
        assert!(
            MaskBook::from_toml(
                "[[device]]\nmanufacturer = \"X\"\nmodel = \"Y\"\nkeep = [[5, 0, 1, 1]]\n",
                "bad"
            )
            .is_err()
        );
        assert!(MaskBook::from_toml("[[device]]\nmodel = 3\n", "bad").is_err());
    }
}
