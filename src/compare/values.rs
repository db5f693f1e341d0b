//! The values of one reading report, as compared, adjudicated and exported.
//!
//! A parameter's value is the grading engine's value stored under the parameter's own id in the
//! report's `derived` map (the one value per parameter chosen by [`crate::calc`], e.g. `mr_eroa`
//! from PISA, else entered), or else the mean of the report's measurements of that catalog id,
//! converted to the catalog unit. Values are kept at full precision; displays round to 2 dp.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::grading::Grade;
use crate::measure::Unit;
use crate::protocol::EligibilityStatus;
use crate::report::ReadingReport;

/// One parameter of the baseline / follow-up delta table and of the discordance rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyParameter {
    /// Catalog id (`mr_eroa`).
    pub id: &'static str,
    /// Short label for tables (`EROA`).
    pub short: &'static str,
}

/// The parameters of the delta table, in display order.
pub const KEY_PARAMETERS: [KeyParameter; 9] = [
    KeyParameter {
        id: "mr_eroa",
        short: "EROA",
    },
    KeyParameter {
        id: "mr_rvol",
        short: "RVol",
    },
    KeyParameter {
        id: "mr_rf",
        short: "RF",
    },
    KeyParameter {
        id: "mr_vc_width",
        short: "VC width",
    },
    KeyParameter {
        id: "mr_jet_la_ratio",
        short: "Jet/LA area",
    },
    KeyParameter {
        id: "ma_diameter",
        short: "MA diameter",
    },
    KeyParameter {
        id: "lv_edv",
        short: "LVEDV",
    },
    KeyParameter {
        id: "lv_esv",
        short: "LVESV",
    },
    KeyParameter {
        id: "lv_ef",
        short: "LVEF",
    },
];

/// Where a parameter value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ValueSource {
    /// The grading engine's value (derived or chosen), with its method tag.
    Derived {
        /// Method tag (`pisa`, `volumetric_ma`, `biplane_disks`, `entered`, …), if recorded.
        method: Option<String>,
    },
    /// The mean of `count` measurements of the id.
    Measured {
        /// Number of measurements averaged.
        count: usize,
    },
}

/// A parameter value in its catalog unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamValue {
    /// Full-precision value.
    pub value: f64,
    /// The unit of `value` (the catalog unit of the id).
    pub unit: Unit,
    /// Where it came from.
    pub source: ValueSource,
}

/// The MR grade of a report, if graded.
pub fn report_grade(report: &ReadingReport) -> Option<Grade> {
    report.grade.as_ref().map(|g| g.result.grade)
}

/// The protocol eligibility outcome of a report, if a protocol was evaluated.
pub fn report_eligibility(report: &ReadingReport) -> Option<EligibilityStatus> {
    report
        .grade
        .as_ref()
        .and_then(|g| g.result.eligibility.as_ref())
        .map(|e| e.status)
}

/// The unit to express `id` in: the catalog unit, else the unit the report gives.
fn target_unit(catalog: &Catalog, id: &str, given: Option<Unit>) -> Option<Unit> {
    catalog.unit(id).or(given)
}

/// The value of `id` in `report` (see the module docs), or None when the report has none.
pub fn param_value(report: &ReadingReport, id: &str) -> Option<ParamValue> {
    let catalog = Catalog::builtin();
    if let Some(d) = report.derived.get(id)
        && let Ok(unit) = Unit::parse(&d.unit)
        && let Some(target) = target_unit(catalog, id, Some(unit))
        && let Ok(value) = unit.convert(d.value, target)
        && value.is_finite()
    {
        let method = report
            .grade
            .as_ref()
            .and_then(|g| g.result.derived.get(id))
            .map(|d| d.method.clone());
        return Some(ParamValue {
            value,
            unit: target,
            source: ValueSource::Derived { method },
        });
    }
    let mut sum = 0.0;
    let mut count = 0usize;
    let mut out_unit = None;
    for m in report.measurements.iter().filter(|m| m.quantity == id) {
        let (Some(v), Some(u)) = (m.value, m.unit.as_deref()) else {
            continue;
        };
        let Ok(unit) = Unit::parse(u) else {
            continue;
        };
        let Some(target) = target_unit(catalog, id, Some(unit)) else {
            continue;
        };
        if let Ok(value) = unit.convert(v, target)
            && value.is_finite()
        {
            sum += value;
            count += 1;
            out_unit = Some(target);
        }
    }
    let unit = out_unit?;
    Some(ParamValue {
        value: sum / count as f64,
        unit,
        source: ValueSource::Measured { count },
    })
}

/// Every numeric value of a report: each derived id and each measured catalog id with a value,
/// in id order.
pub fn all_values(report: &ReadingReport) -> BTreeMap<String, ParamValue> {
    let mut ids: Vec<&str> = report.derived.keys().map(String::as_str).collect();
    ids.extend(
        report
            .measurements
            .iter()
            .filter(|m| m.value.is_some())
            .map(|m| m.quantity.as_str()),
    );
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| param_value(report, id).map(|v| (id.to_owned(), v)))
        .collect()
}

/// The catalog label of an id (entry or derived), or the id itself.
pub fn label(id: &str) -> String {
    Catalog::builtin().label(id).to_owned()
}
