//! The measurement model shared by the GUI, the calculations and the reports.
//!
//! A [`Measurement`] is one thing a reader drew or typed: which catalog entry it is, where it was
//! drawn (image pixels, frame, US region) and, once calibrated by the caller, its physical points
//! and value. A [`MeasurementSet`] is a whole reading: the measurements plus the qualitative
//! findings (choices and yes/no answers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::unit::{IncompatibleUnits, Unit};

/// A value with its unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The number, in `unit`.
    pub value: f64,
    /// The unit of `value`.
    pub unit: Unit,
}

impl Quantity {
    /// A quantity of `value` in `unit`.
    pub fn new(value: f64, unit: Unit) -> Self {
        Self { value, unit }
    }

    /// This quantity expressed in `unit`.
    pub fn to(self, unit: Unit) -> Result<Quantity, IncompatibleUnits> {
        Ok(Quantity::new(self.unit.convert(self.value, unit)?, unit))
    }

    /// This quantity in its dimension's canonical unit (cm, cm², cm/s, mL, …).
    pub fn canonical(self) -> Quantity {
        let unit = self.unit.canonical();
        // Same dimension by construction, so the conversion cannot fail.
        let value = self.unit.convert(self.value, unit).unwrap_or(self.value);
        Quantity::new(value, unit)
    }
}

/// How a measurement is drawn or entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawKind {
    /// Two points; the value is their distance.
    Caliper,
    /// A closed freehand or polygon trace; the value is its area.
    AreaTrace,
    /// An LV endocardial contour from one annulus hinge around the apex to the other hinge.
    LvContour,
    /// One point on a spectral Doppler display; the value is its |velocity|.
    DopplerPoint,
    /// A traced spectral envelope of (time, velocity) points; the value is its VTI or peak.
    DopplerEnvelope,
    /// A number typed by the reader (e.g. from another system).
    ManualEntry,
    /// A qualitative finding: a choice or yes/no.
    Finding,
}

/// The image mode / US region data type a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionType {
    /// 2D tissue (B-mode) region.
    Tissue2d,
    /// Color-flow Doppler region.
    ColorFlow,
    /// Continuous-wave spectral Doppler region.
    Cw,
    /// Pulsed-wave spectral Doppler region.
    Pw,
    /// Not drawn on an image.
    None,
}

impl RegionType {
    /// The DICOM Region Data Type (0018,6014) values that fit this region type.
    pub fn dicom_region_data_types(self) -> &'static [u16] {
        match self {
            RegionType::Tissue2d => &[0x0001],
            RegionType::ColorFlow => &[0x0002, 0x0001],
            RegionType::Pw => &[0x0003],
            RegionType::Cw => &[0x0004],
            RegionType::None => &[],
        }
    }
}

/// Direction of a Doppler velocity relative to the transducer (positive velocities flow toward
/// it). Velocities are stored as magnitudes; the direction is kept as provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowDirection {
    /// Toward the transducer (above the spectral baseline).
    Toward,
    /// Away from the transducer (below the spectral baseline).
    Away,
}

impl FlowDirection {
    /// The direction of a signed velocity (None for zero or NaN).
    pub fn of(velocity: f64) -> Option<FlowDirection> {
        if velocity > 0.0 {
            Some(FlowDirection::Toward)
        } else if velocity < 0.0 {
            Some(FlowDirection::Away)
        } else {
            None
        }
    }

    /// Text for the reader (`toward the transducer`).
    pub fn label(self) -> &'static str {
        match self {
            FlowDirection::Toward => "toward the transducer",
            FlowDirection::Away => "away from the transducer",
        }
    }
}

/// One measurement in a reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Stable unique id within the reading (kept across edits; referenced by reports and audit).
    pub uid: String,
    /// The catalog entry this measures (e.g. `mr_vc_width`).
    pub catalog_id: String,
    /// How it was drawn.
    pub kind: DrawKind,
    /// The frame index (0-based) it was drawn on, if on an image.
    #[serde(default)]
    pub frame: Option<usize>,
    /// The drawn points in image pixels, `[column, row]`.
    #[serde(default)]
    pub points_px: Vec<[f64; 2]>,
    /// The same points in physical coordinates, filled in by the caller from the DICOM region
    /// calibration: `[x_cm, y_cm]` in 2D/color regions, `[t_s, v_cm_s]` in spectral regions.
    /// Empty when not calibrated or not drawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points_phys: Vec<[f64; 2]>,
    /// Index of the US region (in the file's region sequence) the points lie in.
    #[serde(default)]
    pub region_index: Option<usize>,
    /// The measured value (already calibrated), if known.
    #[serde(default)]
    pub value: Option<Quantity>,
    /// The file the measurement was made on.
    #[serde(default)]
    pub source_file: Option<String>,
    /// For Doppler velocities (stored as magnitudes): the signed sample's direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<FlowDirection>,
}

impl Measurement {
    /// A typed-in value with no image geometry.
    pub fn manual(uid: impl Into<String>, catalog_id: impl Into<String>, value: Quantity) -> Self {
        Self {
            uid: uid.into(),
            catalog_id: catalog_id.into(),
            kind: DrawKind::ManualEntry,
            frame: None,
            points_px: Vec::new(),
            points_phys: Vec::new(),
            region_index: None,
            value: Some(value),
            source_file: None,
            direction: None,
        }
    }
}

/// The value of a qualitative finding: a choice from the catalog or yes/no.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FindingValue {
    /// A yes/no answer.
    Bool(bool),
    /// A number (only accepted where the catalog allows it; kept so errors can name the id).
    Number(f64),
    /// One of the catalog's choices, e.g. `"secondary"`.
    Choice(String),
}

impl std::fmt::Display for FindingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindingValue::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            FindingValue::Number(n) => write!(f, "{n}"),
            FindingValue::Choice(c) => f.write_str(c),
        }
    }
}

/// A whole reading: measurements plus findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeasurementSet {
    /// The measurements, in the order they were made.
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// Qualitative findings by catalog id.
    #[serde(default)]
    pub findings: BTreeMap<String, FindingValue>,
}

impl MeasurementSet {
    /// An empty reading.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a measurement, replacing one with the same uid.
    pub fn upsert(&mut self, measurement: Measurement) {
        if let Some(slot) = self
            .measurements
            .iter_mut()
            .find(|m| m.uid == measurement.uid)
        {
            *slot = measurement;
        } else {
            self.measurements.push(measurement);
        }
    }

    /// Removes the measurement with `uid`; returns it if it existed.
    pub fn remove(&mut self, uid: &str) -> Option<Measurement> {
        let index = self.measurements.iter().position(|m| m.uid == uid)?;
        Some(self.measurements.remove(index))
    }

    /// The measurement with `uid`.
    pub fn get(&self, uid: &str) -> Option<&Measurement> {
        self.measurements.iter().find(|m| m.uid == uid)
    }

    /// All measurements of one catalog entry, in order.
    pub fn by_catalog_id<'a>(
        &'a self,
        catalog_id: &'a str,
    ) -> impl Iterator<Item = &'a Measurement> {
        self.measurements
            .iter()
            .filter(move |m| m.catalog_id == catalog_id)
    }

    /// Sets (or with `None` clears) a finding.
    pub fn set_finding(&mut self, id: impl Into<String>, value: Option<FindingValue>) {
        let id = id.into();
        match value {
            Some(v) => {
                self.findings.insert(id, v);
            }
            None => {
                self.findings.remove(&id);
            }
        }
    }

    /// A uid not used yet in this set (`m1`, `m2`, …).
    pub fn next_uid(&self) -> String {
        let mut n = self.measurements.len() + 1;
        loop {
            let uid = format!("m{n}");
            if self.get(&uid).is_none() {
                return uid;
            }
            n += 1;
        }
    }
}
