//! The reading document: what the reader drew, typed and marked. This is what undo/redo
//! snapshots; it holds geometry in image pixels only. Calibrated values are derived from it by
//! [`crate::gui::calibrate`] through the library, never stored here.

use std::collections::BTreeMap;

use egui::Pos2;

use crate::measure::{DrawKind, FindingValue};

/// Identifies a file in the study library for the whole session (never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// One drawing on an image, bound to a catalog measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    /// Unique id within the reading (`m1`, `m2`, …); becomes the measurement uid.
    pub uid: String,
    /// The catalog entry it measures (`lvot_diameter`).
    pub catalog_id: String,
    /// How it is drawn (from the catalog entry).
    pub kind: DrawKind,
    /// The file it was drawn on.
    pub file: FileId,
    /// The frame it was drawn on (selecting the drawing jumps there).
    pub frame: usize,
    /// Points in image pixels. Caliper: 2; area trace: ≥ 3 (closed); LV contour: ≥ 3, hinge →
    /// apex → hinge; Doppler point: 1; Doppler envelope: ≥ 2 in time order.
    pub points: Vec<Pos2>,
}

impl Drawing {
    /// Whether the outline is closed (area traces; LV contours are closed by the annulus line).
    pub fn is_closed(&self) -> bool {
        matches!(self.kind, DrawKind::AreaTrace | DrawKind::LvContour)
    }
}

/// ED / ES frames the reader marked on one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CycleMarks {
    /// End-diastolic frame.
    pub ed: Option<usize>,
    /// End-systolic frame.
    pub es: Option<usize>,
}

/// A typed value (manual entry) in the catalog entry's unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManualValue {
    /// The number, in the catalog unit of the entry.
    pub value: f64,
}

/// The whole editable reading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// Drawings, in the order they were made.
    pub drawings: Vec<Drawing>,
    /// Manual entries by catalog id.
    pub manual: BTreeMap<String, ManualValue>,
    /// Qualitative findings by catalog id.
    pub findings: BTreeMap<String, FindingValue>,
    /// ED/ES marks by file.
    pub marks: BTreeMap<FileId, CycleMarks>,
    next_uid: u64,
}

impl Document {
    /// A new unique drawing uid.
    pub fn new_uid(&mut self) -> String {
        loop {
            self.next_uid += 1;
            let uid = format!("m{}", self.next_uid);
            if self.drawing(&uid).is_none() {
                return uid;
            }
        }
    }

    /// The drawing with `uid`.
    pub fn drawing(&self, uid: &str) -> Option<&Drawing> {
        self.drawings.iter().find(|d| d.uid == uid)
    }

    /// The drawing with `uid`, mutably.
    pub fn drawing_mut(&mut self, uid: &str) -> Option<&mut Drawing> {
        self.drawings.iter_mut().find(|d| d.uid == uid)
    }

    /// Removes the drawing `uid`; returns whether it existed.
    pub fn remove_drawing(&mut self, uid: &str) -> bool {
        let before = self.drawings.len();
        self.drawings.retain(|d| d.uid != uid);
        before != self.drawings.len()
    }

    /// Drawings on `file` / `frame`.
    pub fn drawings_on(&self, file: FileId, frame: usize) -> impl Iterator<Item = &Drawing> {
        self.drawings
            .iter()
            .filter(move |d| d.file == file && d.frame == frame)
    }

    /// Whether anything records the catalog id `id` (a drawing, a manual value or a finding).
    pub fn has(&self, id: &str) -> bool {
        self.drawings.iter().any(|d| d.catalog_id == id)
            || self.manual.contains_key(id)
            || self.findings.contains_key(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(uid: &str, frame: usize) -> Drawing {
        Drawing {
            uid: uid.to_owned(),
            catalog_id: "lvot_diameter".to_owned(),
            kind: DrawKind::Caliper,
            file: FileId(0),
            frame,
            points: vec![Pos2::ZERO, Pos2::new(3.0, 4.0)],
        }
    }

    #[test]
    fn uids_are_unique_and_lookup_works() {
        let mut doc = Document::default();
        let a = doc.new_uid();
        doc.drawings.push(drawing(&a, 1));
        let b = doc.new_uid();
        assert_ne!(a, b);
        doc.drawings.push(drawing(&b, 2));
        assert_eq!(doc.drawings_on(FileId(0), 2).count(), 1);
        assert!(doc.has("lvot_diameter"));
        assert!(doc.remove_drawing(&a));
        assert!(!doc.remove_drawing(&a));
        assert!(doc.drawing(&b).is_some());
    }
}
