//! The grading input (JSON) and its validation against the catalog.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::GradeError;
use crate::calc::{CalcInput, Known, Warning};
use crate::catalog::{Catalog, CatalogEntry, FindingKind, RangeCheck};
use crate::json::clip;
use crate::measure::{DrawKind, FindingValue, Unit};

/// One numeric input value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputValue {
    /// The number.
    pub value: f64,
    /// Its unit (`cm`, `mm`, `m/s`, `cm2`, `mm2`, `ml`, `L`, `%`, …).
    pub unit: String,
    /// Measurement uids it came from (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

impl InputValue {
    /// A value with a unit symbol.
    pub fn new(value: f64, unit: Unit) -> Self {
        Self {
            value,
            unit: unit.symbol().to_owned(),
            sources: Vec::new(),
        }
    }
}

fn default_contour_unit() -> String {
    "cm".to_owned()
}

/// A traced LV contour in physical coordinates (hinge → apex → hinge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContourInput {
    /// Unit of the coordinates (`cm` or `mm`; default `cm`).
    #[serde(default = "default_contour_unit")]
    pub unit: String,
    /// The points `[x, y]`.
    pub points: Vec<[f64; 2]>,
    /// Measurement uids it came from (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// The grading input: numeric values, qualitative findings, optional LV contours and options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GradeInput {
    /// Numeric values by catalog id.
    #[serde(default)]
    pub values: BTreeMap<String, InputValue>,
    /// Findings by catalog id: a choice string or true/false.
    #[serde(default)]
    pub findings: BTreeMap<String, FindingValue>,
    /// LV contours by catalog id (`lv_a4c_ed`, `lv_a4c_es`, `lv_a2c_ed`, `lv_a2c_es`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contours: BTreeMap<String, ContourInput>,
    /// Rule-set options by name (e.g. `secondary_mr`); unset options use the rule set's default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, bool>,
}

/// A validated input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Validated {
    pub calc: CalcInput,
    pub findings: BTreeMap<String, FindingValue>,
    /// Findings filled in from another finding ([`crate::catalog::SameFact`]): id → source id.
    pub finding_origin: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
}

fn normalize_finding(
    entry: &CatalogEntry,
    value: &FindingValue,
) -> Result<FindingValue, GradeError> {
    let bad = |expected: String| GradeError::BadFinding {
        id: entry.id.clone(),
        value: clip(&value.to_string()),
        expected,
    };
    match entry.finding_kind() {
        Some(FindingKind::Boolean) => match value {
            FindingValue::Bool(b) => Ok(FindingValue::Bool(*b)),
            FindingValue::Choice(c) => match c.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" => Ok(FindingValue::Bool(true)),
                "false" | "no" => Ok(FindingValue::Bool(false)),
                _ => Err(bad("true or false".to_owned())),
            },
            FindingValue::Number(_) => Err(bad("true or false".to_owned())),
        },
        Some(FindingKind::Choice(choices)) => {
            let text = match value {
                FindingValue::Choice(c) => Some(c.clone()),
                // Integral numbers may name a choice through an alias (NYHA 3 → "III").
                FindingValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e6 => {
                    Some(format!("{}", *n as i64))
                }
                _ => None,
            };
            text.as_deref()
                .and_then(|t| entry.resolve_choice(t))
                .map(|c| FindingValue::Choice(c.to_owned()))
                .ok_or_else(|| bad(format!("one of {}", choices.join(", "))))
        }
        None => Err(GradeError::WrongSection {
            id: entry.id.clone(),
            problem: "is a numeric measurement: give it under `values`".to_owned(),
        }),
    }
}

/// Checks `value` (in the catalog unit `unit`) against the ranges of `id`: outside the valid
/// range it is refused; outside the plausible range it gives the warning returned.
pub(crate) fn range_warning(
    catalog: &Catalog,
    id: &str,
    value: f64,
    unit: Unit,
) -> Result<Option<Warning>, GradeError> {
    Ok(match catalog.check_range(id, value) {
        RangeCheck::Plausible => None,
        RangeCheck::Implausible { lo, hi } => Some(Warning::new(
            "out_of_range",
            format!(
                "{id} = {} {sym} is outside the plausible range {lo}–{hi} {sym}",
                display_value(value),
                sym = unit.symbol(),
            ),
        )),
        RangeCheck::Invalid { bound } => {
            return Err(GradeError::OutOfValidRange {
                id: id.to_owned(),
                value: format!("{} {}", display_value(value), unit.symbol()),
                bound: format!("{bound} {}", unit.symbol()),
            });
        }
    })
}

/// A value as typed (shortest round-trip form), for messages.
fn display_value(value: f64) -> String {
    crate::json::clip(&format!("{value}"))
}

impl GradeInput {
    /// Validates ids, units and answers against `catalog`; converts values to catalog units and
    /// fills catalog defaults (e.g. α = 180°).
    pub(crate) fn validate(&self, catalog: &Catalog) -> Result<Validated, GradeError> {
        let mut out = Validated::default();
        for (id, v) in &self.values {
            let entry = catalog.get(id).ok_or_else(|| {
                if catalog.get_derived(id).is_some() {
                    GradeError::WrongSection {
                        id: id.clone(),
                        problem: "is derived by the engine and cannot be entered".to_owned(),
                    }
                } else {
                    GradeError::UnknownId {
                        id: clip(id),
                        section: "values",
                    }
                }
            })?;
            let Some(target) = entry.unit else {
                return Err(GradeError::WrongSection {
                    id: id.clone(),
                    problem: "is a finding: give it under `findings`".to_owned(),
                });
            };
            let unit = Unit::parse(&v.unit).map_err(|_| GradeError::UnknownUnit {
                id: id.clone(),
                unit: clip(&v.unit),
            })?;
            let value = unit
                .convert(v.value, target)
                .map_err(|_| GradeError::WrongUnit {
                    id: id.clone(),
                    unit: v.unit.clone(),
                    expected: target.symbol().to_owned(),
                })?;
            if !value.is_finite() {
                return Err(GradeError::NotFinite { id: id.clone() });
            }
            if let Some(w) = range_warning(catalog, id, value, target)? {
                out.warnings.push(w);
            }
            out.calc.values.insert(
                id.clone(),
                Known {
                    value,
                    unit: target,
                    sources: v.sources.clone(),
                    defaulted: false,
                },
            );
        }
        for entry in catalog.entries() {
            if let (Some(default), Some(unit)) = (entry.default, entry.unit)
                && !out.calc.values.contains_key(&entry.id)
            {
                out.calc.values.insert(
                    entry.id.clone(),
                    Known {
                        value: default,
                        unit,
                        sources: Vec::new(),
                        defaulted: true,
                    },
                );
            }
        }
        for (id, value) in &self.findings {
            let entry = catalog.get(id).ok_or_else(|| GradeError::UnknownId {
                id: clip(id),
                section: "findings",
            })?;
            out.findings
                .insert(id.clone(), normalize_finding(entry, value)?);
        }
        let filled = catalog.complete_findings(&mut out.findings).map_err(|c| {
            GradeError::ConflictingFindings {
                from: c.from.0,
                from_answer: c.from.1,
                finding: c.finding.0,
                answer: c.finding.1,
            }
        })?;
        out.finding_origin = filled.into_iter().collect();
        for (id, contour) in &self.contours {
            match catalog.get(id) {
                Some(e) if e.kind == DrawKind::LvContour => {}
                Some(_) => {
                    return Err(GradeError::WrongSection {
                        id: id.clone(),
                        problem: "is not an LV contour".to_owned(),
                    });
                }
                None => {
                    return Err(GradeError::UnknownId {
                        id: clip(id),
                        section: "contours",
                    });
                }
            }
            let unit = Unit::parse(&contour.unit).map_err(|_| GradeError::UnknownUnit {
                id: id.clone(),
                unit: clip(&contour.unit),
            })?;
            let mut points = Vec::with_capacity(contour.points.len());
            for p in &contour.points {
                let conv = |c: f64| unit.convert(c, Unit::Cm);
                match (conv(p[0]), conv(p[1])) {
                    (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => points.push([x, y]),
                    (Ok(_), Ok(_)) => return Err(GradeError::NotFinite { id: id.clone() }),
                    _ => {
                        return Err(GradeError::WrongUnit {
                            id: id.clone(),
                            unit: contour.unit.clone(),
                            expected: "cm".to_owned(),
                        });
                    }
                }
            }
            out.calc.contours.insert(id.clone(), points);
            if !contour.sources.is_empty() {
                out.calc
                    .contour_sources
                    .insert(id.clone(), contour.sources.clone());
            }
        }
        Ok(out)
    }
}
