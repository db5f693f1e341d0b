//! The measurement model shared by the GUI, the calculations and the reports.
//!
//! * [`unit`]: [`Unit`] with exact conversions (cm, mm, m, cm², mm², cm/s, m/s, mL, L, %, s, ms,
//!   deg, mmHg).
//! * [`model`]: [`Measurement`], [`Quantity`], [`MeasurementSet`] and [`FindingValue`] (serde).
//! * [`geometry`]: caliper length, polygon area, method of disks (biplane and single plane),
//!   area–length, Doppler peak and VTI, all on physical coordinates.
//!
//! Nothing here knows about DICOM: the caller converts pixels to physical values with the US
//! region calibration and passes cm, seconds and cm/s.

pub mod geometry;
pub mod model;
pub mod unit;

pub use model::{
    DrawKind, FindingValue, FlowDirection, Measurement, MeasurementSet, Quantity, RegionType,
};
pub use unit::{Dimension, IncompatibleUnits, Unit, UnknownUnit};
