//! US region calibration (reference §6.1): the typed Sequence of Ultrasound Regions and
//! the one mapping from an image point to its region and physical values.
//!
//! ```text
//! region R holds (x, y) when R.x0 <= x <= R.x1 and R.y0 <= y <= R.y1 (pixel centres)
//! ref_x   = R.x0 + R.ref_pixel_x            // reference pixel is relative to the corner
//! ref_y   = R.y0 + R.ref_pixel_y
//! x_phys  = R.ref_value_x + (x - ref_x) * R.delta_x
//! y_phys  = R.ref_value_y + (y - ref_y) * R.delta_y   // negative delta_y: up is positive
//! ```
//! A sub-pixel point belongs to the pixel whose square holds it (`x0 - 0.5 <= x < x1 + 0.5`),
//! which is the rule above for whole pixels. Files without the sequence are uncalibrated:
//! Pixel Spacing is never used for ultrasound.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use super::attrs;
use super::units::{DopplerScale, PhysicalUnit, RegionDataType, RegionFlags, SpatialFormat};

/// A point in image pixel coordinates: `x` = column, `y` = row, 0-based, sub-pixel allowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImagePoint {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
}

impl ImagePoint {
    /// A point at column `x`, row `y`.
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// A physical value with its unit word.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhysicalValue {
    /// The value in `unit`.
    pub value: f64,
    /// The unit.
    pub unit: PhysicalUnit,
}

/// One item of the Sequence of Ultrasound Regions (0018,6011).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsRegion {
    /// Position in the sequence (0-based).
    pub index: usize,
    /// Region Spatial Format.
    pub spatial_format: SpatialFormat,
    /// Region Data Type.
    pub data_type: RegionDataType,
    /// Region Flags.
    pub flags: RegionFlags,
    /// Region Location Min X0 (column).
    pub x0: u32,
    /// Region Location Min Y0 (row).
    pub y0: u32,
    /// Region Location Max X1 (column, inclusive).
    pub x1: u32,
    /// Region Location Max Y1 (row, inclusive).
    pub y1: u32,
    /// Physical Units X Direction.
    pub units_x: PhysicalUnit,
    /// Physical Units Y Direction.
    pub units_y: PhysicalUnit,
    /// Physical Delta X (units per pixel, +X to the right).
    pub delta_x: f64,
    /// Physical Delta Y (units per pixel, +Y downwards; negative when up is positive).
    pub delta_y: f64,
    /// Reference Pixel X0, relative to `x0` (0 when absent).
    pub ref_pixel_x: i64,
    /// Reference Pixel Y0, relative to `y0` (0 when absent).
    pub ref_pixel_y: i64,
    /// Reference Pixel Physical Value X (0 when absent).
    pub ref_value_x: f64,
    /// Reference Pixel Physical Value Y (0 when absent).
    pub ref_value_y: f64,
    /// Type-3 reference attributes were missing and defaulted to 0: treat with caution.
    pub reference_defaulted: bool,
    /// Transducer Frequency (0018,6030) in kHz.
    pub transducer_frequency_khz: Option<f64>,
    /// Pulse Repetition Frequency (0018,6032) in Hz.
    pub pulse_repetition_frequency_hz: Option<f64>,
    /// Doppler Correction Angle (0018,6034) in degrees.
    pub doppler_correction_angle_deg: Option<f64>,
    /// Steering Angle (0018,6036) in degrees.
    pub steering_angle_deg: Option<f64>,
}

impl UsRegion {
    /// Whether the region's pixel rectangle holds `p`.
    pub fn contains(&self, p: ImagePoint) -> bool {
        let inside = |v: f64, lo: u32, hi: u32| v >= f64::from(lo) - 0.5 && v < f64::from(hi) + 0.5;
        inside(p.x, self.x0, self.x1) && inside(p.y, self.y0, self.y1)
    }

    /// Image column and row of the reference pixel.
    pub fn reference_pixel(&self) -> ImagePoint {
        ImagePoint::new(
            f64::from(self.x0) + self.ref_pixel_x as f64,
            f64::from(self.y0) + self.ref_pixel_y as f64,
        )
    }

    /// Physical x and y of `p` per §6.1 (whether or not the region holds it).
    pub fn physical(&self, p: ImagePoint) -> (PhysicalValue, PhysicalValue) {
        let reference = self.reference_pixel();
        (
            PhysicalValue {
                value: self.ref_value_x + (p.x - reference.x) * self.delta_x,
                unit: self.units_x,
            },
            PhysicalValue {
                value: self.ref_value_y + (p.y - reference.y) * self.delta_y,
                unit: self.units_y,
            },
        )
    }

    /// True when both axes are cm with non-zero deltas (distances and areas are possible).
    pub fn is_spatial_cm(&self) -> bool {
        self.units_x == PhysicalUnit::Cm
            && self.units_y == PhysicalUnit::Cm
            && self.delta_x != 0.0
            && self.delta_y != 0.0
    }

    /// True when at least one axis has a unit and a non-zero delta.
    pub fn is_calibrated(&self) -> bool {
        (self.units_x != PhysicalUnit::None && self.delta_x != 0.0)
            || (self.units_y != PhysicalUnit::None && self.delta_y != 0.0)
    }

    /// Doppler scale type from the flags.
    pub fn doppler_scale(&self) -> DopplerScale {
        self.flags.doppler_scale
    }

    fn from_item(index: usize, item: &InMemDicomObject) -> Result<Self, String> {
        let required_u32 = |tag: Tag, name: &str| {
            attrs::uint(item, tag).ok_or_else(|| format!("region {index}: {name} missing"))
        };
        let code = |tag: Tag| attrs::u16_value(item, tag);
        let x0 = required_u32(tags::REGION_LOCATION_MIN_X0, "Region Location Min X0")?;
        let y0 = required_u32(tags::REGION_LOCATION_MIN_Y0, "Region Location Min Y0")?;
        let x1 = required_u32(tags::REGION_LOCATION_MAX_X1, "Region Location Max X1")?;
        let y1 = required_u32(tags::REGION_LOCATION_MAX_Y1, "Region Location Max Y1")?;
        if x1 < x0 || y1 < y0 {
            return Err(format!(
                "region {index}: empty rectangle [{x0},{y0}-{x1},{y1}]"
            ));
        }
        let delta_x = attrs::float(item, tags::PHYSICAL_DELTA_X).unwrap_or(0.0);
        let delta_y = attrs::float(item, tags::PHYSICAL_DELTA_Y).unwrap_or(0.0);
        let ref_pixel_x = attrs::int(item, tags::REFERENCE_PIXEL_X0);
        let ref_pixel_y = attrs::int(item, tags::REFERENCE_PIXEL_Y0);
        let ref_value_x = attrs::float(item, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_X);
        let ref_value_y = attrs::float(item, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_Y);
        let reference_defaulted = ref_pixel_x.is_none()
            || ref_pixel_y.is_none()
            || ref_value_x.is_none()
            || ref_value_y.is_none();
        Ok(Self {
            index,
            spatial_format: SpatialFormat::from_code(
                code(tags::REGION_SPATIAL_FORMAT).unwrap_or(0),
            ),
            data_type: RegionDataType::from_code(code(tags::REGION_DATA_TYPE).unwrap_or(0)),
            flags: RegionFlags::from_raw(attrs::uint(item, tags::REGION_FLAGS).unwrap_or(0)),
            x0,
            y0,
            x1,
            y1,
            units_x: PhysicalUnit::from_code(code(tags::PHYSICAL_UNITS_X_DIRECTION).unwrap_or(0)),
            units_y: PhysicalUnit::from_code(code(tags::PHYSICAL_UNITS_Y_DIRECTION).unwrap_or(0)),
            delta_x,
            delta_y,
            ref_pixel_x: ref_pixel_x.unwrap_or(0),
            ref_pixel_y: ref_pixel_y.unwrap_or(0),
            ref_value_x: ref_value_x.unwrap_or(0.0),
            ref_value_y: ref_value_y.unwrap_or(0.0),
            reference_defaulted,
            transducer_frequency_khz: attrs::float(item, tags::TRANSDUCER_FREQUENCY),
            pulse_repetition_frequency_hz: attrs::float(item, tags::PULSE_REPETITION_FREQUENCY),
            doppler_correction_angle_deg: attrs::float(item, tags::DOPPLER_CORRECTION_ANGLE),
            steering_angle_deg: attrs::float(item, tags::STEERING_ANGLE),
        })
    }
}

/// Why a calibrated value cannot be given. Each message is a reason a reader can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    /// The file has no Sequence of Ultrasound Regions.
    #[error("the image is uncalibrated (no ultrasound region sequence)")]
    Uncalibrated,
    /// No region holds the point.
    #[error("no calibrated region at ({x}, {y})")]
    NoRegionAt {
        /// Column.
        x: f64,
        /// Row.
        y: f64,
    },
    /// Overlapping regions with different calibrations hold the point.
    #[error("regions {first} and {second} overlap at ({x}, {y}) with different calibrations")]
    Ambiguous {
        /// Column.
        x: f64,
        /// Row.
        y: f64,
        /// One region index.
        first: usize,
        /// Another region index.
        second: usize,
    },
    /// A measurement's points lie in different regions.
    #[error("points span two regions ({first} and {second})")]
    SpansRegions {
        /// Region of the first point.
        first: usize,
        /// Region of another point.
        second: usize,
    },
    /// The region's units do not suit the measurement.
    #[error("region {region} units are {found}, not {expected}")]
    WrongUnits {
        /// Region index.
        region: usize,
        /// What the measurement needs (e.g. `cm`, `velocity (cm/s)`).
        expected: String,
        /// What the region has (e.g. `hz`).
        found: String,
    },
    /// A needed measurement has no points.
    #[error("a measurement needs at least one point")]
    NoPoints,
}

/// A point mapped to its region and physical values (what `echolab probe` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    /// Region index in the sequence.
    pub region: usize,
    /// Region Data Type.
    pub data_type: RegionDataType,
    /// Region Spatial Format.
    pub spatial_format: SpatialFormat,
    /// Physical x.
    pub x: PhysicalValue,
    /// Physical y.
    pub y: PhysicalValue,
    /// The region's reference attributes were defaulted (warning).
    pub reference_defaulted: bool,
}

/// The calibration of one image: its US regions, in sequence order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Calibration {
    /// The regions.
    pub regions: Vec<UsRegion>,
    /// Problems met while parsing (items skipped, values defaulted).
    pub warnings: Vec<String>,
}

impl Calibration {
    /// Parses (0018,6011); items with unusable bounds are skipped with a warning.
    pub(crate) fn from_dataset(obj: &InMemDicomObject) -> Self {
        let mut calibration = Self::default();
        let Some(items) = obj
            .get(tags::SEQUENCE_OF_ULTRASOUND_REGIONS)
            .and_then(|e| e.items())
        else {
            return calibration;
        };
        for (index, item) in items.iter().enumerate() {
            match UsRegion::from_item(index, item) {
                Ok(region) => {
                    if region.reference_defaulted {
                        calibration.warnings.push(format!(
                            "region {index}: reference pixel or value missing, defaulted to 0"
                        ));
                    }
                    calibration.regions.push(region);
                }
                Err(reason) => calibration.warnings.push(reason),
            }
        }
        calibration
    }

    /// True when the file has no regions at all.
    pub fn is_uncalibrated(&self) -> bool {
        self.regions.is_empty()
    }

    /// The region holding `p`. Where regions overlap (a grey bar inside a 2D sector),
    /// high-priority regions win over low-priority ones, then calibrated over uncalibrated,
    /// then the smaller region; equal candidates with different calibration are ambiguous.
    pub fn region_at(&self, p: ImagePoint) -> Result<&UsRegion, CalibrationError> {
        if self.regions.is_empty() {
            return Err(CalibrationError::Uncalibrated);
        }
        let mut holding: Vec<&UsRegion> = self.regions.iter().filter(|r| r.contains(p)).collect();
        let no_region = CalibrationError::NoRegionAt { x: p.x, y: p.y };
        if holding.is_empty() {
            return Err(no_region);
        }
        let rank = |r: &UsRegion| {
            let area = u64::from(r.x1 - r.x0 + 1) * u64::from(r.y1 - r.y0 + 1);
            (r.flags.low_priority, !r.is_calibrated(), area)
        };
        holding.sort_by_key(|r| rank(r));
        let best = holding[0];
        if let Some(tied) = holding.get(1).filter(|other| rank(other) == rank(best)) {
            let same = tied.units_x == best.units_x
                && tied.units_y == best.units_y
                && tied.physical(p) == best.physical(p);
            if !same {
                return Err(CalibrationError::Ambiguous {
                    x: p.x,
                    y: p.y,
                    first: best.index,
                    second: tied.index,
                });
            }
        }
        if !best.is_calibrated() {
            return Err(no_region);
        }
        Ok(best)
    }

    /// The region and physical x/y of `p` (the `probe` result).
    pub fn probe(&self, p: ImagePoint) -> Result<ProbeResult, CalibrationError> {
        let region = self.region_at(p)?;
        let (x, y) = region.physical(p);
        Ok(ProbeResult {
            region: region.index,
            data_type: region.data_type,
            spatial_format: region.spatial_format,
            x,
            y,
            reference_defaulted: region.reference_defaulted,
        })
    }

    /// Physical x and y of `p`, in its region's units.
    pub fn physical_point(
        &self,
        p: ImagePoint,
    ) -> Result<(PhysicalValue, PhysicalValue), CalibrationError> {
        Ok(self.region_at(p)?.physical(p))
    }

    /// The single region holding all `points`, or why there is none.
    pub fn common_region(&self, points: &[ImagePoint]) -> Result<&UsRegion, CalibrationError> {
        let (first, rest) = points.split_first().ok_or(CalibrationError::NoPoints)?;
        let region = self.region_at(*first)?;
        for p in rest {
            let other = self.region_at(*p)?;
            if other.index != region.index {
                return Err(CalibrationError::SpansRegions {
                    first: region.index,
                    second: other.index,
                });
            }
        }
        Ok(region)
    }

    /// Distance in cm between two points of one 2D region with cm units on both axes:
    /// `sqrt((dx·ΔX)² + (dy·ΔY)²)`.
    pub fn physical_distance(&self, a: ImagePoint, b: ImagePoint) -> Result<f64, CalibrationError> {
        let region = self.common_region(&[a, b])?;
        require_cm(region)?;
        let dx = (b.x - a.x) * region.delta_x;
        let dy = (b.y - a.y) * region.delta_y;
        Ok(dx.hypot(dy))
    }

    /// Area of one pixel in cm² in the region holding `p` (`|ΔX·ΔY|`).
    pub fn area_scale_cm2_per_px2(&self, p: ImagePoint) -> Result<f64, CalibrationError> {
        let region = self.region_at(p)?;
        require_cm(region)?;
        Ok((region.delta_x * region.delta_y).abs())
    }

    /// Area in cm² of a closed polygon (image points, shoelace formula) lying in one region.
    pub fn polygon_area_cm2(&self, polygon: &[ImagePoint]) -> Result<f64, CalibrationError> {
        let region = self.common_region(polygon)?;
        require_cm(region)?;
        let mut twice = 0.0;
        for (i, p) in polygon.iter().enumerate() {
            let q = polygon[(i + 1) % polygon.len()];
            twice += p.x * q.y - q.x * p.y;
        }
        Ok(twice.abs() / 2.0 * (region.delta_x * region.delta_y).abs())
    }

    /// Signed velocity in cm/s at `p` in a spectral or Doppler-trace region whose Y axis is
    /// velocity (negative below the baseline when Physical Delta Y is negative).
    pub fn velocity_cm_s(&self, p: ImagePoint) -> Result<f64, CalibrationError> {
        let region = self.region_at(p)?;
        if region.units_y != PhysicalUnit::CmPerSecond || region.delta_y == 0.0 {
            return Err(CalibrationError::WrongUnits {
                region: region.index,
                expected: "velocity (cm/s)".to_owned(),
                found: region.units_y.word(),
            });
        }
        Ok(region.physical(p).1.value)
    }

    /// Time in s at `p` in a region whose X axis is time (spectral Doppler, M-mode, traces).
    pub fn time_s(&self, p: ImagePoint) -> Result<f64, CalibrationError> {
        let region = self.region_at(p)?;
        require_time(region)?;
        Ok(region.physical(p).0.value)
    }

    /// Time in s between two points of one time-axis region (`(x2 − x1)·ΔX`).
    pub fn time_interval_s(&self, a: ImagePoint, b: ImagePoint) -> Result<f64, CalibrationError> {
        let region = self.common_region(&[a, b])?;
        require_time(region)?;
        Ok((b.x - a.x) * region.delta_x)
    }
}

fn require_cm(region: &UsRegion) -> Result<(), CalibrationError> {
    if region.is_spatial_cm() {
        Ok(())
    } else {
        Err(CalibrationError::WrongUnits {
            region: region.index,
            expected: "cm on both axes".to_owned(),
            found: format!("{} × {}", region.units_x.word(), region.units_y.word()),
        })
    }
}

fn require_time(region: &UsRegion) -> Result<(), CalibrationError> {
    if region.units_x == PhysicalUnit::Seconds && region.delta_x != 0.0 {
        Ok(())
    } else {
        Err(CalibrationError::WrongUnits {
            region: region.index,
            expected: "time (s) on the x axis".to_owned(),
            found: region.units_x.word(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
