//! From drawings to calibrated measurements, through the library only (no egui painting here).
//!
//! Each drawing's pixel points are mapped to physical coordinates by the file's US region
//! calibration ([`ImageFile::calibrate`], which refuses points in several regions or outside any);
//! the value comes from [`crate::measure::geometry`]; the whole reading becomes a
//! [`MeasurementSet`] that [`crate::grading`] grades. The GUI adds no clinical rule: it only
//! checks that the region has the physical axes the drawing kind needs (cm×cm for lengths and
//! areas, a velocity axis for Doppler), and says so when it does not.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::gui::document::{Document, Drawing, FileId};
use crate::gui::library::{Calibrated, CalibrationError, ImageFile};
use crate::measure::geometry;
use crate::measure::{Dimension, DrawKind, Measurement, MeasurementSet, Quantity, Unit};

/// A named value shown beside a drawing (`VTI 25.1 cm`).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedValue {
    /// Short name (`length`, `area`, `VTI`, `Vmax`, `volume`).
    pub name: &'static str,
    /// The value.
    pub quantity: Quantity,
}

/// The calibrated result of one drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawingResult {
    /// Values to show, first one is the measurement's own value.
    pub values: Vec<NamedValue>,
    /// Why there is no value (uncalibrated, spans regions, …).
    pub error: Option<String>,
    /// The measurement for the reading (no value when `error` is set).
    pub measurement: Measurement,
}

/// The whole calibrated reading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// Per drawing uid.
    pub results: BTreeMap<String, DrawingResult>,
    /// Measurements and findings for grading, in document order.
    pub set: MeasurementSet,
}

/// Looks up an opened file and its path text.
pub type FileLookup<'a> = dyn Fn(FileId) -> Option<(&'a dyn ImageFile, String)> + 'a;

/// Calibrates every drawing of `doc` and collects the reading.
pub fn build_reading(doc: &Document, files: &FileLookup<'_>, catalog: &Catalog) -> Reading {
    let mut reading = Reading::default();
    for d in &doc.drawings {
        let result = match files(d.file) {
            Some((file, path)) => measure_drawing(d, file, &path),
            None => not_open(d),
        };
        reading.set.measurements.push(result.measurement.clone());
        reading.results.insert(d.uid.clone(), result);
    }
    add_envelope_peaks(doc, &mut reading, catalog);
    for (id, manual) in &doc.manual {
        if let Some(unit) = catalog.unit(id) {
            reading.set.measurements.push(Measurement::manual(
                format!("manual:{id}"),
                id.clone(),
                Quantity::new(manual.value, unit),
            ));
        }
    }
    reading.set.findings = doc.findings.clone();
    reading
}

/// A traced envelope also gives its peak velocity: when the catalog has exactly one Doppler
/// velocity entry in the same group and region as the envelope's entry (`mr_vti` → `mr_vmax`)
/// and the reader has not measured that entry separately, the envelope's peak is used for it.
fn add_envelope_peaks(doc: &Document, reading: &mut Reading, catalog: &Catalog) {
    let mut added: BTreeMap<String, Measurement> = BTreeMap::new();
    for d in &doc.drawings {
        if d.kind != DrawKind::DopplerEnvelope {
            continue;
        }
        let Some(peak_id) = peak_companion(&d.catalog_id, catalog) else {
            continue;
        };
        if doc.has(&peak_id) || added.contains_key(&peak_id) {
            continue;
        }
        let Some(result) = reading.results.get(&d.uid) else {
            continue;
        };
        let Some(peak) = result.values.iter().find(|v| v.name == "Vmax") else {
            continue;
        };
        let mut m = result.measurement.clone();
        m.uid = format!("{}.peak", d.uid);
        m.catalog_id = peak_id.clone();
        m.value = Some(peak.quantity);
        added.insert(peak_id, m);
    }
    reading.set.measurements.extend(added.into_values());
}

/// The velocity entry an envelope entry's peak stands for, if exactly one fits.
pub fn peak_companion(envelope_id: &str, catalog: &Catalog) -> Option<String> {
    let env = catalog.get(envelope_id)?;
    let mut fits = catalog.entries().iter().filter(|e| {
        e.kind == DrawKind::DopplerPoint
            && e.group == env.group
            && e.region == env.region
            && e.unit.map(Unit::dimension) == Some(Dimension::Velocity)
    });
    let first = fits.next()?;
    fits.next().is_none().then(|| first.id.clone())
}

/// A GUI image point (pixel `i` spans `[i, i + 1)`, the texture's own coordinates) in the DICOM
/// convention used by measurements and calibration (pixel `i`'s centre at `i`).
pub fn dicom_from_gui(p: egui::Pos2) -> [f64; 2] {
    [f64::from(p.x) - 0.5, f64::from(p.y) - 0.5]
}

/// The inverse of [`dicom_from_gui`].
pub fn gui_from_dicom(p: [f64; 2]) -> egui::Pos2 {
    egui::Pos2::new((p[0] + 0.5) as f32, (p[1] + 0.5) as f32)
}

fn base_measurement(d: &Drawing, path: Option<String>) -> Measurement {
    Measurement {
        uid: d.uid.clone(),
        catalog_id: d.catalog_id.clone(),
        kind: d.kind,
        frame: Some(d.frame),
        points_px: d.points.iter().map(|p| dicom_from_gui(*p)).collect(),
        points_phys: Vec::new(),
        region_index: None,
        value: None,
        source_file: path,
        direction: None,
    }
}

fn not_open(d: &Drawing) -> DrawingResult {
    DrawingResult {
        values: Vec::new(),
        error: Some("file not open".to_owned()),
        measurement: base_measurement(d, None),
    }
}

/// Calibrates one drawing on `file`.
pub fn measure_drawing(d: &Drawing, file: &dyn ImageFile, path: &str) -> DrawingResult {
    let mut measurement = base_measurement(d, Some(path.to_owned()));
    let outcome = file
        .calibrate(&measurement.points_px)
        .map_err(|e| e.to_string())
        .and_then(|cal| {
            let (points, values) = values_for(d.kind, &cal)?;
            Ok((cal.region_index, points, values))
        });
    match outcome {
        Ok((region, points, values)) => {
            measurement.region_index = Some(region);
            if matches!(d.kind, DrawKind::DopplerPoint | DrawKind::DopplerEnvelope) {
                measurement.direction = geometry::doppler_direction(&points);
            }
            measurement.points_phys = points;
            measurement.value = values.first().map(|v| v.quantity);
            DrawingResult {
                values,
                error: None,
                measurement,
            }
        }
        Err(error) => DrawingResult {
            values: Vec::new(),
            error: Some(error),
            measurement,
        },
    }
}

type Values = (Vec<[f64; 2]>, Vec<NamedValue>);

/// Physical points in canonical units (cm, s, cm/s) and the values of a drawing kind.
fn values_for(kind: DrawKind, cal: &Calibrated) -> Result<Values, String> {
    let geo = |e: geometry::GeometryError| e.to_string();
    match kind {
        DrawKind::Caliper | DrawKind::AreaTrace | DrawKind::LvContour => {
            let pts = convert_axes(
                cal,
                [Dimension::Length, Dimension::Length],
                [Unit::Cm, Unit::Cm],
            )
            .ok_or_else(|| wrong_region(cal, "a 2D region calibrated in cm"))?;
            let values = match kind {
                DrawKind::Caliper => {
                    let (Some(a), Some(b)) = (pts.first(), pts.last()) else {
                        return Err("a caliper needs two points".to_owned());
                    };
                    vec![named("length", geometry::caliper_length(*a, *b), Unit::Cm)]
                }
                DrawKind::AreaTrace => {
                    vec![named(
                        "area",
                        geometry::polygon_area(&pts).map_err(geo)?,
                        Unit::Cm2,
                    )]
                }
                _ => {
                    let v = geometry::single_plane_disks_volume(&pts).map_err(geo)?;
                    vec![
                        named("volume (single plane)", v.volume_ml, Unit::Ml),
                        named("length", v.length_cm, Unit::Cm),
                        named(
                            "area",
                            geometry::polygon_area(&pts).map_err(geo)?,
                            Unit::Cm2,
                        ),
                    ]
                }
            };
            Ok((pts, values))
        }
        DrawKind::DopplerPoint => {
            let pts = convert_axes(
                cal,
                [Dimension::Time, Dimension::Velocity],
                [Unit::S, Unit::CmPerS],
            )
            .or_else(|| velocity_only(cal))
            .ok_or_else(|| wrong_region(cal, "a spectral Doppler region with a velocity axis"))?;
            let v = geometry::doppler_peak(&pts).map_err(geo)?;
            Ok((pts, vec![named("velocity", v, Unit::CmPerS)]))
        }
        DrawKind::DopplerEnvelope => {
            let pts = convert_axes(
                cal,
                [Dimension::Time, Dimension::Velocity],
                [Unit::S, Unit::CmPerS],
            )
            .ok_or_else(|| {
                wrong_region(cal, "a spectral Doppler region with time and velocity axes")
            })?;
            let vti = geometry::doppler_vti(&pts).map_err(geo)?;
            let peak = geometry::doppler_peak(&pts).map_err(geo)?;
            Ok((
                pts,
                vec![
                    named("VTI", vti, Unit::Cm),
                    named("Vmax", peak, Unit::CmPerS),
                ],
            ))
        }
        DrawKind::ManualEntry | DrawKind::Finding => Err("not drawn on an image".to_owned()),
    }
}

fn named(name: &'static str, value: f64, unit: Unit) -> NamedValue {
    NamedValue {
        name,
        quantity: Quantity::new(value, unit),
    }
}

/// The points with both axes converted to `to`, if the region's axes have the wanted dimensions.
fn convert_axes(cal: &Calibrated, dims: [Dimension; 2], to: [Unit; 2]) -> Option<Vec<[f64; 2]>> {
    let [Some(ux), Some(uy)] = cal.units else {
        return None;
    };
    if ux.dimension() != dims[0] || uy.dimension() != dims[1] {
        return None;
    }
    cal.points_phys
        .iter()
        .map(|p| Some([ux.convert(p[0], to[0]).ok()?, uy.convert(p[1], to[1]).ok()?]))
        .collect()
}

/// Doppler point on a region whose x axis has no time unit: keep x as is, convert y.
fn velocity_only(cal: &Calibrated) -> Option<Vec<[f64; 2]>> {
    let uy = cal.units[1]?;
    if uy.dimension() != Dimension::Velocity {
        return None;
    }
    cal.points_phys
        .iter()
        .map(|p| Some([p[0], uy.convert(p[1], Unit::CmPerS).ok()?]))
        .collect()
}

fn wrong_region(cal: &Calibrated, needs: &str) -> String {
    let has = |u: Option<Unit>| u.map_or("no unit", Unit::display_symbol);
    CalibrationError::WrongRegion(format!(
        "needs {needs}; region {} has {} × {}",
        cal.region_index,
        has(cal.units[0]),
        has(cal.units[1])
    ))
    .to_string()
}

/// Formats a quantity for display with its unit: velocities in m/s, others in their own unit,
/// two decimals (one for volumes).
pub fn format_quantity(q: Quantity) -> String {
    // Doppler velocities read in m/s; slow ones (aliasing velocity) in cm/s.
    if q.unit.dimension() == Dimension::Velocity
        && let Ok(v) = q.unit.convert(q.value, Unit::MPerS)
        && v.abs() >= 1.0
    {
        return format!("{v:.2} m/s");
    }
    if q.unit.dimension() == Dimension::Velocity
        && let Ok(v) = q.unit.convert(q.value, Unit::CmPerS)
    {
        return format!("{v:.1} cm/s");
    }
    let decimals = if q.unit.dimension() == Dimension::Volume {
        1
    } else {
        2
    };
    format!("{:.*} {}", decimals, q.value, q.unit.display_symbol())
}

#[cfg(test)]
mod tests {
    use egui::{Pos2, Rect, pos2};

    use super::*;
    use crate::gui::background::FrameSource;
    use crate::gui::document::ManualValue;
    use crate::gui::library::{FileInfo, RegionInfo};
    use crate::measure::RegionType;

    /// Two regions (in GUI pixel coordinates): a 2D one (0..100 × 0..100 px, 0.05 cm/px) and a
    /// CW one below
    /// (0..100 × 100..200, x 0.01 s/px, y −2 cm/s per px with 0 at row 120).
    struct Fake {
        info: FileInfo,
        regions: Vec<RegionInfo>,
    }

    impl FrameSource for Fake {
        fn frame_count(&self) -> usize {
            1
        }
        fn decode_image(&self, _: usize) -> Result<egui::ColorImage, String> {
            Err("no pixels".to_owned())
        }
    }

    impl ImageFile for Fake {
        fn info(&self) -> &FileInfo {
            &self.info
        }
        fn regions(&self) -> &[RegionInfo] {
            &self.regions
        }
        fn calibrate(&self, points: &[[f64; 2]]) -> Result<Calibrated, CalibrationError> {
            // Back to the GUI's pixel-edge coordinates, which the numbers below use.
            let points: Vec<[f64; 2]> = points.iter().map(|p| [p[0] + 0.5, p[1] + 0.5]).collect();
            let region = |p: &[f64; 2]| if p[1] < 100.0 { 0 } else { 1 };
            let first = region(points.first().ok_or(CalibrationError::OutsideRegions)?);
            if points.iter().any(|p| region(p) != first) {
                return Err(CalibrationError::SpansRegions("0 and 1".to_owned()));
            }
            type Map = fn(&[f64; 2]) -> [f64; 2];
            let (units, map): ([Option<Unit>; 2], Map) = if first == 0 {
                ([Some(Unit::Cm); 2], |p| [p[0] * 0.05, p[1] * 0.05])
            } else {
                ([Some(Unit::S), Some(Unit::CmPerS)], |p| {
                    [p[0] * 0.01, (p[1] - 120.0) * -2.0]
                })
            };
            Ok(Calibrated {
                region_index: first,
                region_type: Some(if first == 0 {
                    RegionType::Tissue2d
                } else {
                    RegionType::Cw
                }),
                units,
                points_phys: points.iter().map(map).collect(),
            })
        }
    }

    fn fake() -> Fake {
        Fake {
            info: FileInfo::default(),
            regions: vec![RegionInfo {
                bounds_px: Rect::from_min_max(Pos2::ZERO, pos2(100.0, 100.0)),
                region_type: Some(RegionType::Tissue2d),
                calibrated: true,
            }],
        }
    }

    fn drawing(uid: &str, id: &str, kind: DrawKind, pts: &[(f32, f32)]) -> Drawing {
        Drawing {
            uid: uid.to_owned(),
            catalog_id: id.to_owned(),
            kind,
            file: FileId(0),
            frame: 3,
            points: pts.iter().map(|&(x, y)| pos2(x, y)).collect(),
        }
    }

    #[test]
    fn caliper_in_cm_and_refusal_across_regions() {
        let f = fake();
        let r = measure_drawing(
            &drawing(
                "m1",
                "lvot_diameter",
                DrawKind::Caliper,
                &[(10.0, 10.0), (50.0, 40.0)],
            ),
            &f,
            "a.dcm",
        );
        assert!(r.error.is_none());
        assert!((r.values[0].quantity.value - 2.5).abs() < 1e-9);
        assert_eq!(r.measurement.frame, Some(3));
        assert_eq!(r.measurement.region_index, Some(0));
        let r = measure_drawing(
            &drawing(
                "m2",
                "lvot_diameter",
                DrawKind::Caliper,
                &[(10.0, 10.0), (50.0, 150.0)],
            ),
            &f,
            "a.dcm",
        );
        assert!(r.error.expect("test value").contains("spans two regions"));
        assert!(r.measurement.value.is_none());
    }

    #[test]
    fn envelope_gives_vti_and_peak_and_caliper_refuses_spectral_region() {
        let f = fake();
        // 0.2 s triangle up to 400 cm/s (rows 120 → −80 … well, v = (row−120)·−2).
        let d = drawing(
            "m3",
            "mr_vti",
            DrawKind::DopplerEnvelope,
            &[(0.0, 120.0), (10.0, 320.0), (20.0, 120.0)],
        );
        let r = measure_drawing(&d, &f, "cw.dcm");
        assert!(r.error.is_none(), "{:?}", r.error);
        let vti = r.values[0].quantity.value;
        let peak = r.values[1].quantity.value;
        assert!((peak - 400.0).abs() < 1e-9);
        assert!((vti - 0.5 * 0.2 * 400.0).abs() < 1e-9);
        let bad = measure_drawing(
            &drawing(
                "m4",
                "lvot_diameter",
                DrawKind::Caliper,
                &[(0.0, 130.0), (50.0, 150.0)],
            ),
            &f,
            "cw.dcm",
        );
        assert!(bad.error.expect("test value").contains("needs a 2D region"));
    }

    #[test]
    fn reading_adds_envelope_peak_manual_values_and_findings() {
        let f = fake();
        let mut doc = Document::default();
        doc.drawings.push(drawing(
            "m1",
            "mr_vti",
            DrawKind::DopplerEnvelope,
            &[(0.0, 120.0), (10.0, 320.0), (20.0, 120.0)],
        ));
        doc.manual
            .insert("mr_alias_velocity".to_owned(), ManualValue { value: 40.0 });
        doc.findings.insert(
            "mr_etiology".to_owned(),
            crate::measure::FindingValue::Choice("primary".to_owned()),
        );
        let lookup = |_: FileId| Some((&f as &dyn ImageFile, "cw.dcm".to_owned()));
        let catalog = Catalog::builtin();
        assert_eq!(
            peak_companion("mr_vti", catalog).as_deref(),
            Some("mr_vmax")
        );
        let reading = build_reading(&doc, &lookup, catalog);
        let ids: Vec<&str> = reading
            .set
            .measurements
            .iter()
            .map(|m| m.catalog_id.as_str())
            .collect();
        assert_eq!(ids, vec!["mr_vti", "mr_vmax", "mr_alias_velocity"]);
        assert_eq!(reading.set.findings.len(), 1);
        let input =
            crate::grading::grade_input_from_measurements(&reading.set).expect("test value");
        assert!((input.values["mr_vmax"].value - 400.0).abs() < 1e-9);
        assert!((input.values["mr_vti"].value - 40.0).abs() < 1e-9);
    }

    #[test]
    fn quantities_format_with_units() {
        assert_eq!(
            format_quantity(Quantity::new(450.0, Unit::CmPerS)),
            "4.50 m/s"
        );
        assert_eq!(
            format_quantity(Quantity::new(40.0, Unit::CmPerS)),
            "40.0 cm/s"
        );
        assert_eq!(format_quantity(Quantity::new(2.0, Unit::Cm)), "2.00 cm");
        assert_eq!(format_quantity(Quantity::new(5.25, Unit::Cm2)), "5.25 cm²");
        assert_eq!(format_quantity(Quantity::new(120.04, Unit::Ml)), "120.0 mL");
    }
}
