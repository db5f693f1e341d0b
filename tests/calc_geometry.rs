//! Geometry and derivations: calipers, areas, the method of disks on shapes with known volumes,
//! Doppler envelopes, every formula through the engine, and MeasurementSet → GradeInput.

use std::f64::consts::PI;

use echolab::grading::{
    ContourInput, GradeInput, InputValue, grade, grade_input_from_measurements,
};
use echolab::measure::geometry::{
    self, GeometryError, area_length_volume, biplane_disks_volume, caliper_length, disk_diameters,
    doppler_peak, doppler_vti, polygon_area, single_plane_disks_volume,
};
use echolab::measure::{DrawKind, FindingValue, Measurement, MeasurementSet, Quantity, Unit};

/// Half-ellipse contour from hinge (r, 0) around the apex (0, L) to hinge (−r, 0), rotated by
/// `angle` and shifted: a prolate hemi-ellipsoid of volume 2/3·π·r²·L when rotated about its axis.
fn half_ellipse(r: f64, l: f64, n: usize, angle: f64, shift: [f64; 2]) -> Vec<[f64; 2]> {
    (0..=n)
        .map(|i| {
            let t = PI * i as f64 / n as f64;
            let (x, y) = (r * t.cos(), l * t.sin());
            let (c, s) = (angle.cos(), angle.sin());
            [x * c - y * s + shift[0], x * s + y * c + shift[1]]
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn caliper_and_polygon() {
    assert_eq!(caliper_length([0.0, 0.0], [3.0, 4.0]), 5.0);
    let square = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
    assert_eq!(polygon_area(&square), Ok(4.0));
    // Clockwise gives the same area.
    let cw: Vec<_> = square.iter().rev().copied().collect();
    assert_eq!(polygon_area(&cw), Ok(4.0));
    assert!(matches!(
        polygon_area(&square[..2]),
        Err(GeometryError::TooFewPoints { .. })
    ));
    assert!(matches!(
        polygon_area(&[[0.0, 0.0], [f64::NAN, 1.0], [1.0, 1.0]]),
        Err(GeometryError::NonFinite { .. })
    ));
    assert_eq!(geometry::polyline_length(&square), 6.0);
}

#[test]
fn single_plane_disks_match_the_hemi_ellipsoid() {
    let (r, l) = (2.5, 8.0);
    let exact = 2.0 / 3.0 * PI * r * r * l;
    for angle in [0.0, 0.7, 2.0, -1.3] {
        let c = half_ellipse(r, l, 2000, angle, [3.0, -1.0]);
        let v = single_plane_disks_volume(&c).expect("volume");
        assert!(
            rel(v.volume_ml, exact) < 0.002,
            "angle {angle}: {} vs {exact}",
            v.volume_ml
        );
        assert!((v.length_cm - l).abs() < 1e-6);
    }
}

#[test]
fn biplane_disks_use_both_diameters_and_the_longer_length() {
    let (a, b, l) = (2.5, 2.0, 8.0);
    let exact = 2.0 / 3.0 * PI * a * b * l;
    let c4 = half_ellipse(a, l, 2000, 0.0, [0.0, 0.0]);
    let c2 = half_ellipse(b, l, 2000, 1.0, [5.0, 5.0]);
    let v = biplane_disks_volume(&c4, &c2).expect("volume");
    assert!(
        rel(v.volume_ml, exact) < 0.002,
        "{} vs {exact}",
        v.volume_ml
    );
    // Same contour twice = single plane.
    let s = single_plane_disks_volume(&c4).expect("volume");
    let bb = biplane_disks_volume(&c4, &c4).expect("volume");
    assert!((s.volume_ml - bb.volume_ml).abs() < 1e-9);
    // Different lengths: the longer one sets the disk height.
    let short = half_ellipse(b, 7.0, 2000, 0.0, [0.0, 0.0]);
    let v = biplane_disks_volume(&c4, &short).expect("volume");
    assert!((v.length_cm - 8.0).abs() < 1e-6);
    assert!((v.view_lengths_cm[1] - 7.0).abs() < 1e-6);
    let (_, da) = disk_diameters(&c4).expect("disks");
    let (_, db) = disk_diameters(&short).expect("disks");
    assert_eq!(da.len(), 20);
    let manual: f64 = PI / 4.0 * da.iter().zip(&db).map(|(x, y)| x * y).sum::<f64>() * 8.0 / 20.0;
    assert!((v.volume_ml - manual).abs() < 1e-9);
}

#[test]
fn disk_diameters_of_a_cylinder_with_a_rounded_cap_are_its_width() {
    // A U-shaped contour: straight walls 3 cm apart for 6 cm, then a semicircular cap.
    let mut c = vec![[1.5, 0.0], [1.5, 6.0]];
    for i in 1..200 {
        let t = PI * i as f64 / 200.0;
        c.push([1.5 * t.cos(), 6.0 + 1.5 * t.sin()]);
    }
    c.push([-1.5, 6.0]);
    c.push([-1.5, 0.0]);
    let (axis, d) = disk_diameters(&c).expect("disks");
    assert!((axis.length_cm - 7.5).abs() < 1e-9);
    // Disks whose mid-level is below 6 cm are exactly 3 cm wide.
    for (i, w) in d.iter().enumerate() {
        if (i as f64 + 0.5) * 7.5 / 20.0 < 6.0 {
            assert!((w - 3.0).abs() < 1e-9, "disk {i}: {w}");
        }
    }
}

#[test]
fn degenerate_contours_are_errors() {
    assert!(single_plane_disks_volume(&[[0.0, 0.0], [1.0, 1.0]]).is_err());
    assert!(matches!(
        single_plane_disks_volume(&[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
        Err(GeometryError::DegenerateAxis)
    ));
}

#[test]
fn area_length() {
    // V = 8·A²/(3π·L)
    let v = area_length_volume(30.0, 8.0).expect("volume");
    assert!((v - 8.0 * 900.0 / (3.0 * PI * 8.0)).abs() < 1e-12);
    assert_eq!(area_length_volume(30.0, 0.0), None);
    let c = half_ellipse(2.5, 8.0, 400, 0.0, [0.0, 0.0]);
    assert!(geometry::contour_area_length_volume(&c).expect("v") > 0.0);
}

#[test]
fn doppler_envelope_peak_and_vti() {
    // Triangle 0 → −100 cm/s at 0.1 s → 0 at 0.3 s: VTI = ½·0.3·100 = 15 cm, peak |v| = 100.
    let env = [[0.0, 0.0], [0.1, -100.0], [0.3, 0.0]];
    assert!((doppler_vti(&env).expect("vti") - 15.0).abs() < 1e-12);
    assert_eq!(doppler_peak(&env), Ok(100.0));
    // Traced right to left gives the same VTI.
    let rev: Vec<_> = env.iter().rev().copied().collect();
    assert!((doppler_vti(&rev).expect("vti") - 15.0).abs() < 1e-12);
    assert!(doppler_vti(&env[..1]).is_err());
    assert_eq!(geometry::bernoulli_gradient_mmhg(500.0), 100.0);
}

fn value(v: f64, u: &str) -> InputValue {
    InputValue {
        value: v,
        unit: u.to_owned(),
        sources: Vec::new(),
    }
}

#[test]
fn formulas_through_the_engine() {
    let mut i = GradeInput::default();
    for (id, v, u) in [
        ("mr_pisa_radius", 8.0, "mm"),
        ("mr_alias_velocity", 0.3, "m/s"),
        ("mr_pisa_angle", 90.0, "deg"),
        ("mr_vmax", 400.0, "cm/s"),
        ("mr_vti", 1.6, "m"),
        ("lvot_diameter", 20.0, "mm"),
        ("lvot_vti", 12.0, "cm"),
        ("ma_diameter", 3.0, "cm"),
        ("ma_vti", 10.0, "cm"),
        ("mr_jet_area", 600.0, "mm2"),
        ("la_area", 20.0, "cm2"),
    ] {
        i.values.insert(id.to_owned(), value(v, u));
    }
    let r = grade(&i, "ase2017", None).expect("grades");
    let d = |id: &str| r.derived.get(id).map(|d| d.value).unwrap_or(f64::NAN);
    // α = 90° halves the hemispheric flow: Q = 2π·0.64·30·0.5.
    assert!((d("mr_pisa_flow") - PI * 0.64 * 30.0).abs() < 1e-9);
    assert!((d("mr_eroa_pisa") - PI * 0.64 * 30.0 / 400.0).abs() < 1e-12);
    assert!((d("mr_rvol_pisa") - PI * 0.64 * 30.0 / 400.0 * 160.0).abs() < 1e-9);
    assert!((d("sv_lvot") - PI * 12.0).abs() < 1e-9);
    assert!((d("sv_ma") - PI * 1.5 * 1.5 * 10.0).abs() < 1e-9);
    assert!((d("mr_peak_gradient") - 64.0).abs() < 1e-9);
    assert!((d("mr_jet_la_ratio") - 30.0).abs() < 1e-9);
    assert!((d("mv_lvot_vti_ratio") - 10.0 / 12.0).abs() < 1e-12);
    // Volumetric RF divides by the TOTAL stroke volume (SV_MA), not the forward one.
    let rvol = PI * 22.5 - PI * 12.0;
    assert!((d("mr_rvol_volumetric_ma") - rvol).abs() < 1e-9);
    assert!((d("mr_rf_volumetric_ma") - rvol / (PI * 22.5) * 100.0).abs() < 1e-9);
    assert!((d("mr_rf_volumetric_ma") - rvol / (PI * 12.0) * 100.0).abs() > 10.0);
    // PISA RF = RVol / (RVol + SV_LVOT).
    let rv = d("mr_rvol_pisa");
    assert!((d("mr_rf_pisa") - rv / (rv + PI * 12.0) * 100.0).abs() < 1e-9);
    // Provenance.
    let e = r.derived.get("mr_eroa_pisa").expect("eroa");
    assert_eq!(e.inputs, vec!["mr_pisa_flow", "mr_vmax"]);
    assert!(e.formula.contains("α/180"));
    assert_eq!(e.unit, Unit::Cm2);
    assert_eq!(
        r.derived.get("mr_rvol_pisa").map(|d| d.unit),
        Some(Unit::Ml)
    );
}

#[test]
fn lv_volumes_from_contours_in_the_input() {
    let contour = |r: f64, l: f64| ContourInput {
        unit: "mm".to_owned(),
        points: half_ellipse(r * 10.0, l * 10.0, 1000, 0.3, [100.0, 50.0]),
        sources: vec![format!("c{r}")],
    };
    let mut i = GradeInput::default();
    i.contours.insert("lv_a4c_ed".to_owned(), contour(2.5, 8.0));
    i.contours.insert("lv_a2c_ed".to_owned(), contour(2.3, 7.8));
    i.contours.insert("lv_a4c_es".to_owned(), contour(1.8, 7.0));
    i.values.insert("lv_edv".to_owned(), value(999.0, "ml"));
    let r = grade(&i, "ase2017", None).expect("grades");
    let edv = r.derived.get("lv_edv").expect("edv");
    assert_eq!(edv.method, "biplane_disks");
    assert!(
        rel(edv.value, 2.0 / 3.0 * PI * 2.5 * 2.3 * 8.0) < 0.01,
        "{}",
        edv.value
    );
    assert!(edv.sources.contains(&"c2.5".to_owned()));
    let esv = r.derived.get("lv_esv").expect("esv");
    assert_eq!(esv.method, "single_plane_disks");
    assert!(rel(esv.value, 2.0 / 3.0 * PI * 1.8 * 1.8 * 7.0) < 0.01);
    let ef = r.derived.get("lv_ef").expect("ef");
    assert!((ef.value - (edv.value - esv.value) / edv.value * 100.0).abs() < 1e-9);
    assert_eq!(ef.method, "lv_volumes");
}

#[test]
fn measurement_set_to_grade_input() {
    let mut set = MeasurementSet::new();
    let drawn = |uid: &str, id: &str, kind: DrawKind, pts: Vec<[f64; 2]>| Measurement {
        uid: uid.to_owned(),
        catalog_id: id.to_owned(),
        kind,
        frame: Some(3),
        points_px: vec![[0.0, 0.0]; pts.len()],
        points_phys: pts,
        region_index: Some(0),
        value: None,
        source_file: Some("a.dcm".to_owned()),
        direction: None,
    };
    set.upsert(drawn(
        "m1",
        "mr_pisa_radius",
        DrawKind::Caliper,
        vec![[0.0, 0.0], [0.6, 0.8]],
    ));
    set.upsert(drawn(
        "m2",
        "mr_vc_width",
        DrawKind::Caliper,
        vec![[0.0, 0.0], [0.7, 0.0]],
    ));
    set.upsert(drawn(
        "m3",
        "mr_vc_width",
        DrawKind::Caliper,
        vec![[0.0, 0.0], [0.8, 0.0]],
    ));
    set.upsert(drawn(
        "m4",
        "mr_vti",
        DrawKind::DopplerEnvelope,
        vec![[0.0, 0.0], [0.1, -500.0], [0.3, 0.0]],
    ));
    set.upsert(drawn(
        "m5",
        "mr_vmax",
        DrawKind::DopplerPoint,
        vec![[0.1, -500.0]],
    ));
    set.upsert(drawn(
        "m6",
        "la_area",
        DrawKind::AreaTrace,
        vec![[0.0, 0.0], [4.0, 0.0], [4.0, 5.0], [0.0, 5.0]],
    ));
    set.upsert(drawn(
        "m7",
        "lv_a4c_ed",
        DrawKind::LvContour,
        half_ellipse(2.5, 8.0, 200, 0.0, [0.0, 0.0]),
    ));
    set.upsert(Measurement::manual(
        "m8",
        "mr_alias_velocity",
        Quantity::new(0.4, Unit::MPerS),
    ));
    set.set_finding(
        "mr_etiology",
        Some(FindingValue::Choice("primary".to_owned())),
    );
    assert_eq!(set.next_uid(), "m9");

    let i = grade_input_from_measurements(&set).expect("converts");
    let v = |id: &str| i.values.get(id).map(|v| (v.value, v.unit.clone()));
    assert_eq!(v("mr_pisa_radius"), Some((1.0, "cm".to_owned())));
    let (vc, _) = v("mr_vc_width").expect("vc");
    assert!((vc - 0.75).abs() < 1e-12, "average of two beats");
    assert_eq!(i.values["mr_vc_width"].sources, vec!["m2", "m3"]);
    assert_eq!(v("mr_vti"), Some((75.0, "cm".to_owned())));
    assert_eq!(v("mr_vmax"), Some((500.0, "cm/s".to_owned())));
    assert_eq!(v("la_area"), Some((20.0, "cm2".to_owned())));
    assert_eq!(v("mr_alias_velocity"), Some((40.0, "cm/s".to_owned())));
    assert!(i.contours.contains_key("lv_a4c_ed"));
    assert_eq!(i.findings.len(), 1);

    let r = grade(&i, "ase2017", None).expect("grades");
    let eroa = r.derived.get("mr_eroa_pisa").expect("eroa");
    assert!((eroa.value - 2.0 * PI * 40.0 / 500.0).abs() < 1e-12);
    assert!(eroa.sources.contains(&"m1".to_owned()) && eroa.sources.contains(&"m8".to_owned()));
    assert_eq!(
        r.derived.get("lv_edv").map(|d| d.method.as_str()),
        Some("single_plane_disks")
    );

    // Serde round trip of the model.
    let text = serde_json::to_string(&set).expect("json");
    let back: MeasurementSet = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, set);
    assert!(set.remove("m8").is_some());
    assert!(set.get("m8").is_none());

    let mut bad = MeasurementSet::new();
    bad.upsert(Measurement::manual(
        "x",
        "not_an_id",
        Quantity::new(1.0, Unit::Cm),
    ));
    assert!(
        grade_input_from_measurements(&bad)
            .expect_err("unknown")
            .to_string()
            .contains("not_an_id")
    );
}

#[test]
fn four_contours_give_edv_esv_and_ef() {
    let ed4 = half_ellipse(2.5, 8.0, 1000, 0.0, [0.0, 0.0]);
    let ed2 = half_ellipse(2.4, 8.0, 1000, 0.0, [0.0, 0.0]);
    let es4 = half_ellipse(1.7, 7.0, 1000, 0.0, [0.0, 0.0]);
    let es2 = half_ellipse(1.6, 7.0, 1000, 0.0, [0.0, 0.0]);
    let v = geometry::biplane_lv_volumes(&ed4, &ed2, &es4, &es2).expect("volumes");
    let edv = 2.0 / 3.0 * PI * 2.5 * 2.4 * 8.0;
    let esv = 2.0 / 3.0 * PI * 1.7 * 1.6 * 7.0;
    assert!(rel(v.edv.volume_ml, edv) < 0.002);
    assert!(rel(v.esv.volume_ml, esv) < 0.002);
    let ef = v.ef_percent.expect("ef");
    assert!((ef - (edv - esv) / edv * 100.0).abs() < 0.2, "{ef}");
}

#[test]
fn finding_aliases_are_normalized() {
    let mut i = GradeInput::default();
    i.findings.insert(
        "mr_etiology".to_owned(),
        FindingValue::Choice("Functional".to_owned()),
    );
    i.findings
        .insert("nyha_class".to_owned(), FindingValue::Number(3.0));
    i.findings.insert(
        "mr_jet_direction".to_owned(),
        FindingValue::Choice("eccentric".to_owned()),
    );
    let r = grade(&i, "ase2017", Some("ptma")).expect("grades");
    let e = r.eligibility.expect("eligibility");
    let nyha = e
        .criteria
        .iter()
        .find(|c| c.id == "nyha_ii_to_iv")
        .expect("nyha");
    assert_eq!(nyha.terms[0].answer.as_deref(), Some("III"));
    let jet = r
        .criteria
        .iter()
        .find(|c| c.id == "jet_large")
        .expect("jet");
    assert_eq!(jet.status, echolab::grading::Status::Met);
    i.findings
        .insert("nyha_class".to_owned(), FindingValue::Number(3.5));
    assert!(grade(&i, "ase2017", None).is_err());
}
