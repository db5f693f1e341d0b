//! The ground truth of the sample study is self-consistent and true to the pixels: every
//! measurement recomputes from its pixel definition and the regions read back from the files,
//! the LV contours give the stated volumes (own disks and the project's biplane code), the
//! derived MR values and grade agree with the project's grading engine, and the decoded pixels
//! show the structures where the ground truth puts them.

mod sample_support;

use dicom_pixeldata::PixelDecoder as _;
use sample_support::{f, open, points, pt, regions, sample_dir, shoelace, truth};
use serde_json::Value;

/// Recomputes every measurement from its pixel definition and the regions read from the file.
#[test]
fn measurements_follow_from_pixels_and_regions() {
    let t = truth();
    let ms = t["measurements"].as_array().expect("measurements");
    assert!(ms.len() >= 18);
    for m in ms {
        let name = m["name"].as_str().expect("name");
        let value = f(&m["value"]);
        let tol = f(&m["tolerance"]);
        assert!(
            tol > 0.0 && tol < value.abs() * 0.1,
            "{name}: tolerance {tol}"
        );
        let pts = points(&m["points_px"]);
        for file in m["files"].as_array().expect("files") {
            let obj = open(file.as_str().expect("file"));
            let region = regions(&obj)[m["region_index"].as_u64().expect("index") as usize];
            for p in &pts {
                assert!(region.contains(*p), "{name}: {p:?} outside its region");
            }
            let phys: Vec<[f64; 2]> = pts.iter().map(|p| region.physical(*p)).collect();
            let got = match m["kind"].as_str().expect("kind") {
                "distance" => (phys[0][0] - phys[1][0]).hypot(phys[0][1] - phys[1][1]),
                "area" => shoelace(&phys),
                "point" => phys[0][1],
                "vti" => phys
                    .windows(2)
                    .map(|w| 0.5 * (w[0][1].abs() + w[1][1].abs()) * (w[1][0] - w[0][0]))
                    .sum(),
                other => panic!("unknown kind {other}"),
            };
            assert!(
                (got - value).abs() <= tol,
                "{name}: {got} vs {value} ± {tol}"
            );
        }
    }
    // Spot checks of the physics, independent of the JSON values.
    let get = |n: &str| {
        ms.iter()
            .find(|m| m["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert!((f(&get("pisa_radius")["value"]) - 1.0).abs() < 1e-9);
    assert!(
        (f(&get("mr_vmax")["value"]) + 500.0).abs() < 1e-9,
        "MR is negative: away from the transducer"
    );
    assert!(
        (f(&get("mitral_e_velocity")["value"]) - 130.0).abs() < 1e-9,
        "inflow is positive"
    );
    assert!((f(&get("mr_vti")["value"]) - 150.0).abs() < 1e-9);
    assert!((f(&get("lvot_vti")["value"]) - 20.0).abs() < 1e-9);
    assert!((f(&get("lvot_diameter")["value"]) - 2.0).abs() < 1e-9);
    assert!((f(&get("vena_contracta")["value"]) - 0.75).abs() < 1e-9);
}

/// Own implementation of the biplane method of disks (20 disks, diameters at mid-levels).
fn disk_diameters(contour_cm: &[[f64; 2]]) -> (f64, Vec<f64>) {
    let first = contour_cm[0];
    let last = contour_cm[contour_cm.len() - 1];
    let base = [(first[0] + last[0]) / 2.0, (first[1] + last[1]) / 2.0];
    let apex = *contour_cm
        .iter()
        .max_by(|a, b| {
            let da = (a[0] - base[0]).hypot(a[1] - base[1]);
            let db = (b[0] - base[0]).hypot(b[1] - base[1]);
            da.total_cmp(&db)
        })
        .expect("points");
    let length = (apex[0] - base[0]).hypot(apex[1] - base[1]);
    let u = [(apex[0] - base[0]) / length, (apex[1] - base[1]) / length];
    let local: Vec<(f64, f64)> = contour_cm
        .iter()
        .map(|p| {
            let d = [p[0] - base[0], p[1] - base[1]];
            (d[0] * u[0] + d[1] * u[1], -d[0] * u[1] + d[1] * u[0])
        })
        .collect();
    let diameters = (0..20)
        .map(|i| {
            let level = (f64::from(i) + 0.5) / 20.0 * length;
            let mut cuts = Vec::new();
            for k in 0..local.len() {
                let (a0, s0) = local[k];
                let (a1, s1) = local[(k + 1) % local.len()];
                if (a0 - level) * (a1 - level) <= 0.0 && (a1 - a0).abs() > 1e-12 {
                    cuts.push(s0 + (s1 - s0) * (level - a0) / (a1 - a0));
                }
            }
            let lo = cuts.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = cuts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            hi - lo
        })
        .collect();
    (length, diameters)
}

#[test]
fn lv_contours_give_the_stated_volumes() {
    let t = truth();
    let lv = &t["lv"];
    let edv = f(&lv["edv_ml"]);
    let esv = f(&lv["esv_ml"]);
    assert!((edv - 230.0).abs() < 1e-9 && (esv - 92.0).abs() < 1e-9);
    assert!((f(&lv["ef_percent"]) - 60.0).abs() < 1e-9);
    let mut contours_cm = Vec::new();
    for view in lv["views"].as_array().expect("views") {
        let file = view["files"][0].as_str().expect("file");
        let obj = open(file);
        let region = regions(&obj)[0];
        let mut per_phase = Vec::new();
        for phase in ["ed", "es"] {
            let lm = &view[phase];
            let contour: Vec<[f64; 2]> = points(&lm["contour_px"])
                .iter()
                .map(|p| region.physical(*p))
                .collect();
            let apex = region.physical(pt(&lm["apex_px"]));
            let base = region.physical(pt(&lm["base_mid_px"]));
            let length = (apex[0] - base[0]).hypot(apex[1] - base[1]);
            assert!(
                (length - f(&lm["length_cm"])).abs() < 0.01,
                "{file} {phase}: length {length}"
            );
            let area = shoelace(&contour);
            assert!(
                (area - f(&lm["area_cm2"])).abs() / area < 0.005,
                "{file} {phase}: area {area}"
            );
            per_phase.push(contour);
        }
        contours_cm.push(per_phase);
    }
    let biplane = |a4c: &[[f64; 2]], a2c: &[[f64; 2]]| {
        let (la, da) = disk_diameters(a4c);
        let (lb, db) = disk_diameters(a2c);
        let l = la.max(lb);
        std::f64::consts::PI / 4.0 * da.iter().zip(&db).map(|(a, b)| a * b).sum::<f64>() * l / 20.0
    };
    let ed = biplane(&contours_cm[0][0], &contours_cm[1][0]);
    let es = biplane(&contours_cm[0][1], &contours_cm[1][1]);
    let disk_ed = f(&lv["biplane_disks_edv_ml"]);
    let disk_es = f(&lv["biplane_disks_esv_ml"]);
    assert!(
        (ed - disk_ed).abs() / disk_ed < 0.01,
        "EDV {ed} vs {disk_ed}"
    );
    assert!(
        (es - disk_es).abs() / disk_es < 0.01,
        "ESV {es} vs {disk_es}"
    );
    assert!((disk_ed - edv).abs() <= f(&lv["edv_tolerance_ml"]));
    assert!((disk_es - esv).abs() <= f(&lv["esv_tolerance_ml"]));
    // The project's own biplane implementation agrees.
    let ours = echolab::measure::geometry::biplane_lv_volumes(
        &contours_cm[0][0],
        &contours_cm[1][0],
        &contours_cm[0][1],
        &contours_cm[1][1],
    )
    .expect("biplane volumes");
    assert!(
        (ours.edv.volume_ml - edv).abs() <= f(&lv["edv_tolerance_ml"]),
        "{ours:?}"
    );
    assert!((ours.esv.volume_ml - esv).abs() <= f(&lv["esv_tolerance_ml"]));
    let ef = ours.ef_percent.expect("ef");
    assert!(
        (ef - 60.0).abs() <= f(&lv["ef_tolerance_percent"]),
        "EF {ef}"
    );
    // ED and ES frames: largest and smallest volume of the cine.
    for key in ["frames_a4c", "frames_a2c"] {
        let vols: Vec<f64> = lv[key]
            .as_array()
            .expect("frames")
            .iter()
            .map(|fr| f(&fr["volume_ml"]))
            .collect();
        let (ed_i, es_i) = (
            lv["ed_frame"].as_u64().expect("ed") as usize,
            lv["es_frame"].as_u64().expect("es") as usize,
        );
        assert!(
            vols.iter()
                .all(|&v| v <= vols[ed_i] + 1e-9 && v >= vols[es_i] - 1e-9),
            "{key}"
        );
    }
}

#[test]
fn derived_values_and_grade_are_consistent() {
    let t = truth();
    let d = &t["derived"];
    let pi = std::f64::consts::PI;
    let (r, va, vmax, vti) = (
        f(&d["pisa_radius_cm"]),
        f(&d["aliasing_velocity_cm_s"]),
        f(&d["mr_vmax_cm_s"]),
        f(&d["mr_vti_cm"]),
    );
    let eroa = 2.0 * pi * r * r * va / vmax;
    let rvol = eroa * vti;
    let sv = pi * (f(&d["lvot_diameter_cm"]) / 2.0).powi(2) * f(&d["lvot_vti_cm"]);
    let rf = rvol / (rvol + sv) * 100.0;
    assert!((eroa - 0.5027).abs() < 1e-4 && (f(&d["eroa_cm2"]) - eroa).abs() < 1e-12);
    assert!((rvol - 75.40).abs() < 5e-3 && (f(&d["rvol_ml"]) - rvol).abs() < 1e-9);
    assert!((sv - 62.83).abs() < 5e-3 && (f(&d["sv_lvot_ml"]) - sv).abs() < 1e-9);
    assert!((rf - 54.55).abs() < 5e-3 && (f(&d["rf_percent"]) - rf).abs() < 1e-9);
    assert!(f(&d["jet_la_ratio_percent"]) > 50.0);
    assert!(f(&d["vena_contracta_cm"]) >= 0.7);
    assert!(
        (f(&d["rvol_volumetric_ml"]) - rvol).abs() < 15.0,
        "volumetric cross-check agrees"
    );
    assert_eq!(t["expected_grade"]["grade"], "severe");
    assert_eq!(t["expected_grade"]["discordant"], false);

    // The project's grading engine agrees on the committed grade input.
    let text = std::fs::read_to_string(sample_dir().join("grade_input.json")).expect("grade input");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json"),
        t["grade_input"]
    );
    let input: echolab::grading::GradeInput = serde_json::from_str(&text).expect("grade input");
    let rules = echolab::grading::Rules::try_builtin().expect("rules");
    let report = rules.grade(&input, "ase2017", None).expect("grade");
    assert_eq!(
        report.grade,
        echolab::grading::Grade::Severe,
        "{}",
        report.reason
    );
    assert!(!report.discordant);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

/// The decoded pixels show the structures exactly where the ground truth puts them.
#[test]
fn structures_are_where_the_ground_truth_says() {
    let gray = |name: &str, frame: u32| {
        let obj = open(name);
        let px = obj.decode_pixel_data().expect("decode");
        (
            px.frame_data(frame).expect("frame").to_vec(),
            px.columns() as usize,
            px.samples_per_pixel() as usize,
        )
    };
    let at = |img: &(Vec<u8>, usize, usize), x: usize, y: usize| -> Vec<u8> {
        let (d, w, s) = img;
        d[(y * w + x) * s..(y * w + x) * s + s].to_vec()
    };
    // PLAX: septum above row 117 and curtain from row 167 bright, lumen dark, at column 256.
    let plax = gray("plax.dcm", 0);
    let mean_rows = |a: usize, b: usize| {
        (a..=b)
            .map(|y| f64::from(at(&plax, 256, y)[0]))
            .sum::<f64>()
            / (b - a + 1) as f64
    };
    assert!(mean_rows(117, 166) < 15.0);
    assert!(mean_rows(111, 116) > 80.0 && mean_rows(167, 172) > 80.0);

    // Colour: aliased (red/yellow) at r = 40 px above the orifice, blue one pixel farther.
    let color = gray("mr_color.dcm", 0);
    let inside = at(&color, 240, 152);
    let outside = at(&color, 240, 151);
    assert!(inside[0] > 200 && inside[2] == 0, "{inside:?}");
    assert!(outside[2] > 200 && outside[0] == 0, "{outside:?}");
    let colored = |c: Vec<u8>| c[0] != c[1] || c[1] != c[2];
    assert!(colored(at(&color, 225, 198)) && colored(at(&color, 255, 198)));
    assert!(!colored(at(&color, 224, 198)) && !colored(at(&color, 256, 198)));
    assert_eq!(at(&color, 240, 192), vec![255, 255, 255], "orifice marker");

    // Spectral peaks: bright just inside the envelope at the stated point, dark just outside.
    let t = truth();
    for (file, name) in [("mr_cw.dcm", "mr_vmax"), ("lvot_pw.dcm", "lvot_vmax")] {
        let m = t["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .find(|m| m["name"] == name)
            .expect("peak measurement");
        let p = pt(&m["points_px"][0]);
        let (x, y) = (p[0].round() as usize, p[1].round() as usize);
        let img = gray(file, 0);
        assert!(at(&img, x, y - 1)[0] > 180, "{file}: envelope at {p:?}");
        assert!(
            at(&img, x, y + 4)[0] < 60,
            "{file}: nothing beyond the envelope"
        );
        // The envelope lies below the baseline: negative velocity.
        assert!(f(&m["value"]) < 0.0);
    }

    // Apical cines: just inside the ED contour is blood (dark), just outside is wall (bright).
    for view in t["lv"]["views"].as_array().expect("views") {
        let file = view["files"][0].as_str().expect("file");
        for phase in ["ed", "es"] {
            let lm = &view[phase];
            let img = gray(file, lm["frame"].as_u64().expect("frame") as u32);
            let c = points(&lm["contour_px"]);
            let apex = pt(&lm["apex_px"]);
            let base = pt(&lm["base_mid_px"]);
            let centre = [(apex[0] + base[0]) / 2.0, (apex[1] + base[1]) / 2.0];
            let (mut inner, mut outer) = (0.0, 0.0);
            let samples = &c[5..c.len() - 5];
            for p in samples {
                let d = [p[0] - centre[0], p[1] - centre[1]];
                let n = d[0].hypot(d[1]);
                let step = |k: f64| {
                    let x = (p[0] + d[0] / n * k).round() as usize;
                    let y = (p[1] + d[1] / n * k).round() as usize;
                    f64::from(at(&img, x, y)[0])
                };
                inner += step(-4.0);
                outer += step(5.0);
            }
            let (inner, outer) = (inner / samples.len() as f64, outer / samples.len() as f64);
            assert!(
                inner < 20.0 && outer > 60.0,
                "{file} {phase}: inner {inner} outer {outer}"
            );
        }
    }
}
