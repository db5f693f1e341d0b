//! Derived MR quantities with provenance (which inputs, which formula) and units.
//!
//! [`derive`] turns validated inputs (canonical units, see [`Known`]) and optional LV contours
//! into a map of [`Derived`] values: PISA flow, EROA, RVol and RF by every available method,
//! stroke volumes, LV volumes and EF, jet/LA ratio, peak gradient. It also picks the one value per
//! parameter that enters the grade, in the order of reference §9 item 7, and stores it under the
//! parameter's own id:
//!
//! | id | chosen from |
//! |---|---|
//! | `mr_eroa` | `mr_eroa_pisa`, else the entered `mr_eroa` |
//! | `mr_rvol`, `mr_rf` | PISA, else volumetric (mitral annulus), else volumetric (LV volumes), else entered; RF always from the same method as RVol |
//! | `lv_edv`, `lv_esv` | biplane disks from contours, else single plane, else entered |
//! | `lv_ef` | from the chosen volumes, else entered |
//! | `mr_jet_la_ratio` | jet area / LA area, else entered |
//!
//! When two methods differ by more than 15 mL (RVol) or 10 points (RF) an
//! `internal_inconsistency` [`Warning`] is raised; it never changes the grade.

mod derive;
pub mod formulas;
pub mod rounding;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::Unit;

pub use derive::derive;
pub use rounding::{Hundredths, Op, display_2dp};

/// Ids whose graded value is chosen by [`derive`]: an entered value under one of these ids is
/// graded only when the calculation chose it (it then appears in [`Calculation::derived`] with
/// method `entered`); consumers must not read these ids from the raw inputs.
pub const SELECTED_IDS: [&str; 7] = [
    "mr_eroa",
    "mr_rvol",
    "mr_rf",
    "lv_edv",
    "lv_esv",
    "lv_ef",
    "mr_jet_la_ratio",
];

/// A validated input value in its catalog (canonical) unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Known {
    /// The value in `unit`.
    pub value: f64,
    /// The catalog unit.
    pub unit: Unit,
    /// Measurement uids it came from (may be empty for typed-in JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// True when the value is the catalog default (e.g. α = 180°), not a measurement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub defaulted: bool,
}

/// Validated inputs of a calculation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalcInput {
    /// Numeric values by catalog id, in catalog units.
    pub values: BTreeMap<String, Known>,
    /// LV contours by catalog id (`lv_a4c_ed` …), physical points in cm, hinge → apex → hinge.
    pub contours: BTreeMap<String, Vec<[f64; 2]>>,
    /// Measurement uids behind each contour (optional).
    pub contour_sources: BTreeMap<String, Vec<String>>,
}

/// One derived value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    /// Full-precision value.
    pub value: f64,
    /// Unit of `value`.
    pub unit: Unit,
    /// `value` rounded half away from zero to 2 decimals.
    pub display: String,
    /// Formula in symbols (`EROA = 2π·r²·Va·(α/180) / Vmax`).
    pub formula: String,
    /// The formula with the input numbers substituted.
    pub substituted: String,
    /// Method tag (`pisa`, `volumetric_ma`, `volumetric_lv`, `biplane_disks`, `single_plane_disks`,
    /// `entered`, …).
    pub method: String,
    /// Ids of the inputs (catalog or derived ids).
    pub inputs: Vec<String>,
    /// Measurement uids behind the inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A warning raised beside the result (never changes the grade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Machine code (`internal_inconsistency`, `out_of_range`, `geometry`, `not_used`, …).
    pub code: String,
    /// Human message.
    pub message: String,
}

impl Warning {
    /// A warning with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The result of [`derive`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calculation {
    /// Derived values by id (deterministic order).
    pub derived: BTreeMap<String, Derived>,
    /// Warnings (inconsistency between methods, geometry problems, unused inputs).
    pub warnings: Vec<Warning>,
}

impl Calculation {
    /// The derived value `id`.
    pub fn get(&self, id: &str) -> Option<&Derived> {
        self.derived.get(id)
    }
}
