//! The study library: every file the reader opened, grouped patient → study → series, with its
//! load state. Files are seen through [`ImageFile`], implemented over the DICOM module by
//! [`crate::gui::dicom_file`] (and by fakes in tests).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use egui::{Rect, TextureHandle};

use crate::gui::background::FrameSource;
use crate::gui::document::FileId;
use crate::measure::{RegionType, Unit};

/// Header facts the GUI shows and groups by.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileInfo {
    /// Patient name and id, for grouping and display.
    pub patient: String,
    /// Study Instance UID (grouping key).
    pub study_uid: String,
    /// Study description and date.
    pub study: String,
    /// Series Instance UID (grouping key).
    pub series_uid: String,
    /// SOP Instance UID of the image (reports name the image a drawing is on by it).
    pub sop_instance_uid: String,
    /// Series number and description.
    pub series: String,
    /// Series Number, for ordering the list.
    pub series_number: Option<i64>,
    /// Number of frames.
    pub frame_count: usize,
    /// Image size `[columns, rows]`.
    pub size: [usize; 2],
    /// Each frame's duration in seconds (from the Frame Time Vector, Frame Time or Cine Rate).
    pub frame_durations_s: Vec<f64>,
    /// Short mode text from the regions (`2D`, `2D + color`, `CW`, …).
    pub mode: String,
    /// Whether at least one region has physical calibration.
    pub calibrated: bool,
}

impl FileInfo {
    /// The native frame rate (frames per second), from the mean frame duration.
    pub fn frame_rate(&self) -> Option<f64> {
        let n = self.frame_durations_s.len();
        if n == 0 {
            return None;
        }
        let total: f64 = self.frame_durations_s.iter().sum();
        (total > 0.0).then(|| n as f64 / total)
    }

    /// One line: mode, frames, frame rate, calibrated or not.
    pub fn description(&self) -> String {
        let frames = if self.frame_count == 1 {
            "1 frame".to_owned()
        } else {
            format!("{} frames", self.frame_count)
        };
        let rate = match self.frame_rate() {
            Some(r) if self.frame_count > 1 => format!(" · {r:.0} fps"),
            _ => String::new(),
        };
        let cal = if self.calibrated {
            "calibrated"
        } else {
            "uncalibrated"
        };
        format!("{} · {frames}{rate} · {cal}", self.mode)
    }
}

/// One US region, as the GUI needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionInfo {
    /// Bounds in image pixels.
    pub bounds_px: Rect,
    /// What the region shows.
    pub region_type: Option<RegionType>,
    /// Whether it has physical units on both axes.
    pub calibrated: bool,
}

/// Points mapped to physical coordinates in one region.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibrated {
    /// Index of the region in the file's region sequence.
    pub region_index: usize,
    /// The region's type.
    pub region_type: Option<RegionType>,
    /// Units of the two physical axes (None where the region has no unit on that axis).
    pub units: [Option<Unit>; 2],
    /// Physical points, in `units`: `[x_cm, y_cm]` (2D, color) or `[t_s, v_cm_s]` (spectral).
    pub points_phys: Vec<[f64; 2]>,
}

/// Why points could not be calibrated. Messages are shown to the reader as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    /// The image has no physical calibration at all (or none where the points are).
    #[error("uncalibrated")]
    Uncalibrated,
    /// A point lies outside every region.
    #[error("outside any calibrated region")]
    OutsideRegions,
    /// The points lie in different regions.
    #[error("spans two regions ({0}); measure within one")]
    SpansRegions(String),
    /// The region does not have the units this measurement needs.
    #[error("{0}")]
    WrongRegion(String),
}

/// An opened image file.
pub trait ImageFile: FrameSource {
    /// Header facts.
    fn info(&self) -> &FileInfo;
    /// US regions.
    fn regions(&self) -> &[RegionInfo];
    /// Maps image points to physical coordinates in the one region that contains them all.
    /// Points are `[column, row]` in the DICOM convention: the centre of pixel `(c, r)` is at
    /// `(c, r)` (see [`crate::gui::calibrate::dicom_from_gui`]).
    fn calibrate(&self, points_px: &[[f64; 2]]) -> Result<Calibrated, CalibrationError>;
}

/// Load state of one file.
pub enum FileState {
    /// Found, being opened.
    Loading,
    /// Opened.
    Ready(Arc<dyn ImageFile>),
    /// Could not be opened.
    Failed(String),
}

/// One file in the library.
pub struct FileEntry {
    /// Its id.
    pub id: FileId,
    /// Where it came from.
    pub path: PathBuf,
    /// Load state.
    pub state: FileState,
    /// Thumbnail texture.
    pub thumbnail: Option<TextureHandle>,
}

impl FileEntry {
    /// The opened file, if ready.
    pub fn file(&self) -> Option<&Arc<dyn ImageFile>> {
        match &self.state {
            FileState::Ready(f) => Some(f),
            _ => None,
        }
    }

    /// The file name for display.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// All files opened in this session.
#[derive(Default)]
pub struct Library {
    /// Entries in the order found.
    pub entries: Vec<FileEntry>,
    /// Files found by load requests still being processed.
    pub pending_loads: usize,
    /// Paths that could not be opened at all (missing, unreadable folder).
    pub bad_paths: Vec<(PathBuf, String)>,
}

/// Orders series by number, then UID; carries the label.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Series Number (`i64::MAX` when absent, so unnumbered series come last).
    pub number: i64,
    /// Series Instance UID.
    pub uid: String,
    /// Label shown.
    pub label: String,
}

/// A patient → study → series tree of file ids, sorted for display (BTreeMap order).
pub type Grouping = BTreeMap<String, BTreeMap<(String, String), BTreeMap<SeriesKey, Vec<FileId>>>>;

impl Library {
    /// The entry with `id`.
    pub fn get(&self, id: FileId) -> Option<&FileEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entry with `id`, mutably.
    pub fn get_mut(&mut self, id: FileId) -> Option<&mut FileEntry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    /// The opened file `id`.
    pub fn file(&self, id: FileId) -> Option<&Arc<dyn ImageFile>> {
        self.get(id).and_then(FileEntry::file)
    }

    /// Files found / finished (opened or failed), for the progress bar.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .entries
            .iter()
            .filter(|e| !matches!(e.state, FileState::Loading))
            .count();
        (done, self.entries.len())
    }

    /// Groups ready files by patient, study and series; files that are loading or failed go
    /// under an "Unreadable / loading" patient keyed by their path.
    pub fn grouping(&self) -> Grouping {
        let mut tree: Grouping = BTreeMap::new();
        for e in &self.entries {
            let (patient, study, series) = match e.file() {
                Some(f) => {
                    let i = f.info();
                    (
                        i.patient.clone(),
                        (i.study_uid.clone(), i.study.clone()),
                        SeriesKey {
                            number: i.series_number.unwrap_or(i64::MAX),
                            uid: i.series_uid.clone(),
                            label: i.series.clone(),
                        },
                    )
                }
                None => (
                    "(not opened)".to_owned(),
                    (String::new(), String::new()),
                    SeriesKey {
                        number: i64::MAX,
                        uid: String::new(),
                        label: String::new(),
                    },
                ),
            };
            tree.entry(patient)
                .or_default()
                .entry(study)
                .or_default()
                .entry(series)
                .or_default()
                .push(e.id);
        }
        tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_reads_like_a_list_row() {
        let info = FileInfo {
            frame_count: 30,
            frame_durations_s: vec![1.0 / 30.0; 30],
            mode: "2D".to_owned(),
            calibrated: true,
            ..FileInfo::default()
        };
        assert_eq!(info.description(), "2D · 30 frames · 30 fps · calibrated");
        let single = FileInfo {
            frame_count: 1,
            frame_durations_s: vec![0.0],
            mode: "CW".to_owned(),
            ..FileInfo::default()
        };
        assert_eq!(single.description(), "CW · 1 frame · uncalibrated");
    }
}
