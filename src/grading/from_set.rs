//! Converts a calibrated [`MeasurementSet`] into a [`GradeInput`].

use std::collections::BTreeMap;

use super::GradeError;
use super::input::{ContourInput, GradeInput, InputValue};
use crate::catalog::{Catalog, RangeCheck};
use crate::measure::geometry;
use crate::measure::{Dimension, DrawKind, Measurement, MeasurementSet, Unit};

/// The value of one measurement in its catalog unit: its calibrated `value`, or else one computed
/// from its physical points (caliper length, trace area, Doppler point / envelope peak or VTI).
fn measured_value(m: &Measurement, unit: Unit) -> Result<Option<f64>, GradeError> {
    let geo = |e: geometry::GeometryError| GradeError::Geometry {
        id: m.catalog_id.clone(),
        uid: m.uid.clone(),
        message: e.to_string(),
    };
    if let Some(q) = m.value {
        let v = q
            .unit
            .convert(q.value, unit)
            .map_err(|_| GradeError::WrongUnit {
                id: m.catalog_id.clone(),
                unit: q.unit.symbol().to_owned(),
                expected: unit.symbol().to_owned(),
            })?;
        return Ok(Some(v));
    }
    let p = &m.points_phys;
    if p.is_empty() {
        return Ok(None);
    }
    let value = match (m.kind, unit.dimension()) {
        (DrawKind::Caliper, Dimension::Length) if p.len() >= 2 => {
            Unit::Cm.convert(geometry::caliper_length(p[0], p[p.len() - 1]), unit)
        }
        (DrawKind::AreaTrace, Dimension::Area) => {
            Unit::Cm2.convert(geometry::polygon_area(p).map_err(geo)?, unit)
        }
        (DrawKind::DopplerPoint | DrawKind::DopplerEnvelope, Dimension::Velocity) => {
            Unit::CmPerS.convert(geometry::doppler_peak(p).map_err(geo)?, unit)
        }
        (DrawKind::DopplerEnvelope, Dimension::Length) => {
            Unit::Cm.convert(geometry::doppler_vti(p).map_err(geo)?, unit)
        }
        _ => return Ok(None),
    };
    value.map(Some).map_err(|_| GradeError::Geometry {
        id: m.catalog_id.clone(),
        uid: m.uid.clone(),
        message: format!("a {:?} cannot give a value in {unit}", m.kind),
    })
}

/// Measurements whose value lies outside its catalog id's valid range, by uid, with why: they
/// cannot exist, so [`grade_input_from_measurements`] leaves them out of grading and the GUI
/// shows them red.
pub fn invalid_measurements(set: &MeasurementSet) -> BTreeMap<String, String> {
    let catalog = Catalog::builtin();
    let mut out = BTreeMap::new();
    for m in &set.measurements {
        let Some(unit) = catalog.get(&m.catalog_id).and_then(|e| e.unit) else {
            continue;
        };
        if let Ok(Some(v)) = measured_value(m, unit)
            && let RangeCheck::Invalid { bound } = catalog.check_range(&m.catalog_id, v)
        {
            out.insert(
                m.uid.clone(),
                format!(
                    "{v} {} is {bound} {}: not graded",
                    unit.symbol(),
                    unit.symbol()
                ),
            );
        }
    }
    out
}

/// Converts a reading into grading input with the built-in catalog.
///
/// * Several measurements of one id are averaged (e.g. three beats), all uids kept as sources.
/// * LV contours with physical points go to `contours` (the engine runs the method of disks);
///   the last traced contour of an id is used.
/// * Other measurements use their calibrated `value`, or a value computed from `points_phys`.
/// * Findings are copied.
/// * A value outside its valid range ([`invalid_measurements`]) is left out.
pub fn grade_input_from_measurements(set: &MeasurementSet) -> Result<GradeInput, GradeError> {
    let catalog = Catalog::builtin();
    let mut input = GradeInput {
        findings: set.findings.clone(),
        ..GradeInput::default()
    };
    let mut sums: BTreeMap<&str, (f64, usize, Unit, Vec<String>)> = BTreeMap::new();
    for m in &set.measurements {
        let entry = catalog
            .get(&m.catalog_id)
            .ok_or_else(|| GradeError::UnknownId {
                id: m.catalog_id.clone(),
                section: "measurements",
            })?;
        let Some(unit) = entry.unit else {
            continue; // findings live in `set.findings`
        };
        if entry.kind == DrawKind::LvContour && m.points_phys.len() >= 3 {
            input.contours.insert(
                m.catalog_id.clone(),
                ContourInput {
                    unit: "cm".to_owned(),
                    points: m.points_phys.clone(),
                    sources: vec![m.uid.clone()],
                },
            );
            continue;
        }
        if let Some(v) = measured_value(m, unit)?
            && !matches!(
                catalog.check_range(&m.catalog_id, v),
                RangeCheck::Invalid { .. }
            )
        {
            let slot = sums
                .entry(m.catalog_id.as_str())
                .or_insert((0.0, 0, unit, Vec::new()));
            slot.0 += v;
            slot.1 += 1;
            slot.3.push(m.uid.clone());
        }
    }
    for (id, (sum, count, unit, uids)) in sums {
        let mut value = InputValue::new(sum / count as f64, unit);
        value.sources = uids;
        input.values.insert(id.to_owned(), value);
    }
    Ok(input)
}
