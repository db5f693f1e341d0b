//! The committed sample study (`sample_data/`): regenerating gives byte-identical files; every
//! DICOM file parses with dicom-object and carries the header facts and US regions the ground
//! truth states; the pixel data of both encodings decodes and agrees.

mod sample_support;

use std::collections::BTreeSet;
use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_pixeldata::PixelDecoder as _;
use sample_support::{f, float, int, open, regions, sample_dir, text, truth};

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
