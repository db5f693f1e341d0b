//! The committed sample study (`sample_data/`): every DICOM file parses with dicom-object and
//! carries the facts and regions the ground truth states; regenerating gives byte-identical
//! files; the ground truth is self-consistent (values recomputed from the pixel definitions and
//! the regions read back from the files); and the pixels show the structures where the ground
//! truth puts them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, Tag, open_file};
use dicom_pixeldata::PixelDecoder as _;
use serde_json::Value;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn truth() -> Value {
    let text =
        std::fs::read_to_string(sample_dir().join("ground_truth.json")).expect("ground_truth.json");
    serde_json::from_str(&text).expect("ground truth is JSON")
}

fn open(name: &str) -> DefaultDicomObject {
    open_file(sample_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_str()
        .expect("string value")
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

fn int(obj: &InMemDicomObject, tag: Tag) -> i64 {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_int::<i64>()
        .expect("integer value")
}

fn float(obj: &InMemDicomObject, tag: Tag) -> f64 {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_float64()
        .expect("float value")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

/// A region as read back from the file (independent of the generator's types).
#[derive(Debug, Clone, Copy)]
struct Region {
    spatial_format: i64,
    data_type: i64,
    flags: i64,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    ref_x: f64,
    ref_y: f64,
    units_x: i64,
    units_y: i64,
    ref_value_x: f64,
    ref_value_y: f64,
    delta_x: f64,
    delta_y: f64,
}

impl Region {
    fn physical(&self, p: [f64; 2]) -> [f64; 2] {
        [
            self.ref_value_x + (p[0] - (self.x0 + self.ref_x)) * self.delta_x,
            self.ref_value_y + (p[1] - (self.y0 + self.ref_y)) * self.delta_y,
        ]
    }

    fn contains(&self, p: [f64; 2]) -> bool {
        p[0] >= self.x0 && p[0] <= self.x1 && p[1] >= self.y0 && p[1] <= self.y1
    }
}

fn regions(obj: &InMemDicomObject) -> Vec<Region> {
    let seq = obj
        .element(tags::SEQUENCE_OF_ULTRASOUND_REGIONS)
        .expect("regions");
    seq.items()
        .expect("sequence")
        .iter()
        .map(|it| Region {
            spatial_format: int(it, tags::REGION_SPATIAL_FORMAT),
            data_type: int(it, tags::REGION_DATA_TYPE),
            flags: int(it, tags::REGION_FLAGS),
            x0: int(it, tags::REGION_LOCATION_MIN_X0) as f64,
            y0: int(it, tags::REGION_LOCATION_MIN_Y0) as f64,
            x1: int(it, tags::REGION_LOCATION_MAX_X1) as f64,
            y1: int(it, tags::REGION_LOCATION_MAX_Y1) as f64,
            ref_x: int(it, tags::REFERENCE_PIXEL_X0) as f64,
            ref_y: int(it, tags::REFERENCE_PIXEL_Y0) as f64,
            units_x: int(it, tags::PHYSICAL_UNITS_X_DIRECTION),
            units_y: int(it, tags::PHYSICAL_UNITS_Y_DIRECTION),
            ref_value_x: float(it, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_X),
            ref_value_y: float(it, tags::REFERENCE_PIXEL_PHYSICAL_VALUE_Y),
            delta_x: float(it, tags::PHYSICAL_DELTA_X),
            delta_y: float(it, tags::PHYSICAL_DELTA_Y),
        })
        .collect()
}

fn points(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .expect("points")
        .iter()
        .map(|p| [f(&p[0]), f(&p[1])])
        .collect()
}

fn pt(v: &Value) -> [f64; 2] {
    [f(&v[0]), f(&v[1])]
}

fn shoelace(p: &[[f64; 2]]) -> f64 {
    let n = p.len();
    (0..n)
        .map(|i| p[i][0] * p[(i + 1) % n][1] - p[(i + 1) % n][0] * p[i][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

#[test]
fn regenerating_gives_byte_identical_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = echolab::sample::write_study(dir.path()).expect("generate");
    let mut names = BTreeSet::new();
    for (path, size) in &written {
        let name = path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let fresh = std::fs::read(path).expect("read generated");
        assert_eq!(fresh.len(), *size);
        let committed = std::fs::read(sample_dir().join(&name)).unwrap_or_default();
        assert!(
            committed == fresh,
            "{name} differs from the committed copy: run `cargo run -- sample --out sample_data`"
        );
        names.insert(name);
    }
    // No temporary files left behind, and sample_data holds nothing stale.
    let listed = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(listed(dir.path()), names);
    assert_eq!(listed(&sample_dir()), names);
    // A second, in-memory build is identical too (no hidden state).
    let again = echolab::sample::build_study().expect("build");
    for file in again {
        let committed = std::fs::read(sample_dir().join(&file.name)).expect("committed");
        assert!(committed == file.bytes, "{} not reproducible", file.name);
    }
}

#[test]
fn dicom_headers_match_the_ground_truth() {
    let t = truth();
    let study_uid = t["patient"]["study_instance_uid"]
        .as_str()
        .expect("uid")
        .to_owned();
    let files = t["files"].as_array().expect("files");
    assert_eq!(files.len(), 12, "six views, two encodings each");
    let mut series = BTreeSet::new();
    let mut instances = BTreeSet::new();
    let mut total = 0;
    for ft in files {
        let name = ft["file"].as_str().expect("name");
        let obj = open(name);
        total += std::fs::metadata(sample_dir().join(name))
            .expect("size")
            .len();
        assert_eq!(
            obj.meta().transfer_syntax().trim_end_matches('\0'),
            ft["transfer_syntax_uid"].as_str().expect("ts"),
            "{name}"
        );
        assert_eq!(
            text(&obj, tags::SOP_CLASS_UID),
            ft["sop_class_uid"].as_str().expect("class"),
            "{name}"
        );
        assert_eq!(
            text(&obj, tags::SOP_INSTANCE_UID),
            ft["sop_instance_uid"].as_str().expect("uid")
        );
        assert_eq!(
            text(&obj, tags::SERIES_INSTANCE_UID),
            ft["series_instance_uid"].as_str().expect("uid")
        );
        assert_eq!(text(&obj, tags::STUDY_INSTANCE_UID), study_uid);
        assert_eq!(text(&obj, tags::PATIENT_NAME), "ECHOLAB^SAMPLE");
        assert_eq!(text(&obj, tags::PATIENT_ID), "SAMPLE-001");
        assert_eq!(text(&obj, tags::MODALITY), "US");
        assert_eq!(text(&obj, tags::MANUFACTURER), "Echolab synthetic");
        assert_eq!(
            text(&obj, tags::PHOTOMETRIC_INTERPRETATION),
            ft["photometric_interpretation"].as_str().expect("pi"),
            "{name}"
        );
        assert_eq!(int(&obj, tags::ROWS), ft["rows"].as_i64().expect("rows"));
        assert_eq!(
            int(&obj, tags::COLUMNS),
            ft["columns"].as_i64().expect("cols")
        );
        assert_eq!(
            int(&obj, tags::SAMPLES_PER_PIXEL),
            ft["samples_per_pixel"].as_i64().expect("spp")
        );
        assert_eq!(int(&obj, tags::BITS_ALLOCATED), 8);
        assert_eq!(int(&obj, tags::HEART_RATE), 75);
        let frames = ft["frames"].as_i64().expect("frames");
        let times: Vec<f64> = ft["frame_times_ms"]
            .as_array()
            .expect("times")
            .iter()
            .map(f)
            .collect();
        assert_eq!(times.len() as i64, frames);
        if frames > 1 {
            assert_eq!(ft["sop_class_uid"], "1.2.840.10008.5.1.4.1.1.3.1");
            assert_eq!(int(&obj, tags::NUMBER_OF_FRAMES), frames);
            assert_eq!(int(&obj, tags::R_WAVE_POINTER), 1);
            assert!(int(&obj, tags::CINE_RATE) == 40);
            let pointer = obj
                .element(tags::FRAME_INCREMENT_POINTER)
                .expect("pointer")
                .value()
                .to_tag()
                .expect("tag");
            if pointer == tags::FRAME_TIME {
                let ft_ms = float(&obj, tags::FRAME_TIME);
                for (k, t) in times.iter().enumerate() {
                    assert!((t - k as f64 * ft_ms).abs() < 1e-9);
                }
            } else {
                assert_eq!(pointer, tags::FRAME_TIME_VECTOR);
                let v = obj
                    .element(tags::FRAME_TIME_VECTOR)
                    .expect("vector")
                    .to_multi_float64()
                    .expect("floats");
                assert_eq!(v.len() as i64, frames);
                assert!(v[0].abs() < 1e-12);
                let mut acc = 0.0;
                for (d, t) in v.iter().zip(&times) {
                    acc += d;
                    assert!((acc - t).abs() < 1e-9);
                }
                assert!(
                    obj.element(tags::FRAME_TIME).is_err(),
                    "only the vector is written"
                );
            }
        } else {
            assert_eq!(ft["sop_class_uid"], "1.2.840.10008.5.1.4.1.1.6.1");
        }
        let jpeg = ft["encoding"] == "jpeg";
        assert_eq!(
            text(&obj, tags::LOSSY_IMAGE_COMPRESSION),
            if jpeg { "01" } else { "00" }
        );
        series.insert(text(&obj, tags::SERIES_INSTANCE_UID));
        instances.insert(text(&obj, tags::SOP_INSTANCE_UID));

        // Regions: every attribute as the ground truth states it.
        let read = regions(&obj);
        let expected = ft["regions"].as_array().expect("regions");
        assert_eq!(read.len(), expected.len(), "{name}");
        for (r, e) in read.iter().zip(expected) {
            assert_eq!(r.spatial_format, e["spatial_format"].as_i64().expect("sf"));
            assert_eq!(r.data_type, e["data_type"].as_i64().expect("dt"));
            assert_eq!(r.flags, e["flags"].as_i64().expect("flags"));
            assert_eq!(r.x0, f(&e["x0"]));
            assert_eq!(r.y1, f(&e["y1"]));
            assert_eq!(r.ref_x, f(&e["ref_pixel_x0"]));
            assert_eq!(r.ref_y, f(&e["ref_pixel_y0"]));
            assert_eq!(r.units_x, e["units_x"].as_i64().expect("ux"));
            assert_eq!(r.units_y, e["units_y"].as_i64().expect("uy"));
            assert_eq!(r.delta_x, f(&e["delta_x"]));
            assert_eq!(r.delta_y, f(&e["delta_y"]));
            assert!(r.x1 < f(&ft["columns"]) && r.y1 < f(&ft["rows"]));
        }
        // Cines: 2D tissue sector + ECG (format 4, type 10); spectral strips: negative delta Y.
        if frames > 1 {
            assert_eq!((read[0].spatial_format, read[0].data_type), (1, 1));
            assert_eq!(
                (read[1].spatial_format, read[1].data_type, read[1].units_x),
                (4, 10, 4)
            );
        }
        for r in read.iter().filter(|r| r.spatial_format == 3) {
            assert!(r.delta_y < 0.0, "{name}: positive velocities point up");
            assert_eq!((r.units_x, r.units_y), (4, 7));
        }
        // Regions of one image never overlap.
        for (i, a) in read.iter().enumerate() {
            for b in &read[i + 1..] {
                let apart = a.x1 < b.x0 || b.x1 < a.x0 || a.y1 < b.y0 || b.y1 < a.y0;
                assert!(apart, "{name}: regions overlap");
            }
        }
    }
    assert_eq!(series.len(), 6, "one series per view");
    assert_eq!(instances.len(), 12);
    assert!(
        total < 6_000_000,
        "sample DICOM files stay small: {total} bytes"
    );
}

#[test]
fn pixel_data_decodes_and_both_encodings_agree() {
    let t = truth();
    for ft in t["files"].as_array().expect("files") {
        if ft["encoding"] != "rle" {
            continue;
        }
        let name = ft["file"].as_str().expect("name");
        let jpeg_name = name.replace(".dcm", "_jpeg.dcm");
        let rle_obj = open(name);
        let rle = rle_obj
            .decode_pixel_data()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let jpeg_obj = open(&jpeg_name);
        let jpeg = jpeg_obj
            .decode_pixel_data()
            .unwrap_or_else(|e| panic!("{jpeg_name}: {e}"));
        let frames = ft["frames"].as_u64().expect("frames") as u32;
        assert_eq!(rle.number_of_frames(), frames);
        assert_eq!(jpeg.number_of_frames(), frames);
        for k in [0, frames / 2, frames - 1] {
            let a = rle.frame_data(k).expect("rle frame");
            let b = jpeg.frame_data(k).expect("jpeg frame");
            assert_eq!(a.len(), b.len(), "{name} frame {k}");
            let expected_len = f(&ft["rows"]) * f(&ft["columns"]) * f(&ft["samples_per_pixel"]);
            assert_eq!(a.len() as f64, expected_len);
            let mean = |d: &[u8]| d.iter().map(|&v| f64::from(v)).sum::<f64>() / d.len() as f64;
            let mad = a
                .iter()
                .zip(b)
                .map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs())
                .sum::<f64>()
                / a.len() as f64;
            assert!(
                (mean(a) - mean(b)).abs() < 1.0,
                "{name} frame {k}: means {} vs {}",
                mean(a),
                mean(b)
            );
            assert!(mad < 5.0, "{name} frame {k}: mean abs difference {mad}");
            assert!(mean(a) > 5.0, "{name} frame {k} is not blank");
        }
    }
}

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
