//! Helpers shared by the sample-study tests: paths, the ground truth, reading DICOM attributes
//! and US regions back with dicom-object (independently of the generator's own types).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, Tag, open_file};
use serde_json::Value;

/// The committed `sample_data/` folder.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

/// The parsed `ground_truth.json`.
pub fn truth() -> Value {
    let text =
        std::fs::read_to_string(sample_dir().join("ground_truth.json")).expect("ground_truth.json");
    serde_json::from_str(&text).expect("ground truth is JSON")
}

/// Opens a sample file (panics with its name on failure).
pub fn open(name: &str) -> DefaultDicomObject {
    open_file(sample_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A string attribute without padding.
pub fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_str()
        .expect("string value")
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

/// An integer attribute.
pub fn int(obj: &InMemDicomObject, tag: Tag) -> i64 {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_int::<i64>()
        .expect("integer value")
}

/// A floating-point attribute.
pub fn float(obj: &InMemDicomObject, tag: Tag) -> f64 {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_float64()
        .expect("float value")
}

/// A JSON number.
pub fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

/// A region as read back from the file (independent of the generator's types).
#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub spatial_format: i64,
    pub data_type: i64,
    pub flags: i64,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub ref_x: f64,
    pub ref_y: f64,
    pub units_x: i64,
    pub units_y: i64,
    pub ref_value_x: f64,
    pub ref_value_y: f64,
    pub delta_x: f64,
    pub delta_y: f64,
}

impl Region {
    pub fn physical(&self, p: [f64; 2]) -> [f64; 2] {
        [
            self.ref_value_x + (p[0] - (self.x0 + self.ref_x)) * self.delta_x,
            self.ref_value_y + (p[1] - (self.y0 + self.ref_y)) * self.delta_y,
        ]
    }

    pub fn contains(&self, p: [f64; 2]) -> bool {
        p[0] >= self.x0 && p[0] <= self.x1 && p[1] >= self.y0 && p[1] <= self.y1
    }
}

/// The Sequence of Ultrasound Regions of a file.
pub fn regions(obj: &InMemDicomObject) -> Vec<Region> {
    let seq = obj
        .element(tags::SEQUENCE_OF_ULTRASOUND_REGIONS)
        .expect("regions");
    seq.items()
        .expect("sequence")
        .iter()
        .map(|it| Region {
            spatial_format: int(it, tags::REGION_SPATIAL_FORMAT),
            data_type: int(it, tags::REGION_DATA_TYPE),
            flags: int(it, tags::REGION_FLAGS),
            x0: int(it, tags::REGION_LOCATION_MIN_X0) as f64,
            y0: int(it, tags::REGION_LOCATION_MIN_Y0) as f64,
            x1: int(it, tags::REGION_LOCATION_MAX_X1) as f64,
            y1: int(it, tags::REGION_LOCATION_MAX_Y1) as f64,
            ref_x: int(it, tags::REFERENCE_PIXEL_X0) as f64,
            ref_y: int(it, tags::REFERENCE_PIXEL_Y0) as f64,
            units_x: int(it, tags::PHYSICAL_UNITS_X_DIRECTION),
            units_y: int(it, tags::PHYSICAL_UNITS_Y_DIRECTION),
            ref_value_x: float(it, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_X),
            ref_value_y: float(it, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_Y),
            delta_x: float(it, tags::PHYSICAL_DELTA_X),
            delta_y: float(it, tags::PHYSICAL_DELTA_Y),
        })
        .collect()
}

/// A JSON list of `[x, y]` points.
pub fn points(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .expect("points")
        .iter()
        .map(|p| [f(&p[0]), f(&p[1])])
        .collect()
}

/// A JSON `[x, y]` point.
pub fn pt(v: &Value) -> [f64; 2] {
    [f(&v[0]), f(&v[1])]
}

/// Polygon area (shoelace), closed implicitly.
pub fn shoelace(p: &[[f64; 2]]) -> f64 {
    let n = p.len();
    (0..n)
        .map(|i| p[i][0] * p[(i + 1) % n][1] - p[(i + 1) % n][0] * p[i][1])
        .sum::<f64>()
        .abs()
        / 2.0
}
