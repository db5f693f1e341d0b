//! Real echo DICOM corpus (../shared/dicom, or `ECHOLAB_REAL_DICOM`): every frame of every
//! file pydicom decoded equals `reference.json` (SHA-256 for lossless syntaxes; mean ±0.1
//! and 16×16 thumbnail blocks ±0.5 for lossy JPEG / JPEG 2000), regions equal
//! `catalog.json`, probe and timing equal hand-computed values.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use echolab::dicom::{
    CalibrationError, DicomFile, FrameSamples, ImagePoint, PhysicalUnit, RegionDataType,
    SpatialFormat, TimingSource,
};
use rayon::prelude::*;
use serde_json::Value;

/// The corpus folder; a missing folder fails the test (CI sets `ECHOLAB_REAL_DICOM`).
fn corpus() -> PathBuf {
    let dir = std::env::var_os("ECHOLAB_REAL_DICOM").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"),
        PathBuf::from,
    );
    assert!(
        dir.join("reference.json").is_file() && dir.join("files").is_dir(),
        "real DICOM corpus not found at {} (set ECHOLAB_REAL_DICOM to the folder holding \
         reference.json, catalog.json and files/)",
        dir.display()
    );
    dir
}

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(corpus().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn open(name: &str) -> DicomFile {
    DicomFile::open(corpus().join("files").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Syntaxes whose decoders may round differently from the reference decoder.
fn lossy(ts: &str) -> bool {
    matches!(
        ts,
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" | "1.2.840.10008.1.2.4.91"
    )
}

/// Compares one decoded frame with its reference entry; returns the problems found.
fn compare(name: &str, samples: &FrameSamples, reference: &Value, exact: bool) -> Vec<String> {
    let index = reference["index"].as_u64().unwrap();
    let mut problems = Vec::new();
    let sha = samples.sha256_hex();
    let mean = samples.mean();
    let ref_mean = reference["mean"].as_f64().unwrap();
    if exact {
        if sha != reference["sha256"].as_str().unwrap() {
            problems.push(format!(
                "{name} frame {index}: sha256 differs (mean {mean:.4} vs {ref_mean})"
            ));
        }
        return problems;
    }
    if (mean - ref_mean).abs() > 0.1 {
        problems.push(format!(
            "{name} frame {index}: mean {mean:.4} vs {ref_mean}"
        ));
    }
    let thumb = samples.thumb16();
    let ref_thumb = reference["thumb16"].as_array().unwrap();
    let mut worst = 0.0f64;
    for (r, ref_row) in ref_thumb.iter().enumerate() {
        for (c, ref_block) in ref_row.as_array().unwrap().iter().enumerate() {
            for (ch, v) in ref_block.as_array().unwrap().iter().enumerate() {
                let d = (thumb[r][c][ch] - v.as_f64().unwrap()).abs();
                worst = worst.max(d);
            }
        }
    }
    // Reference blocks are rounded to 2 decimals: allow that rounding on top of ±0.5.
    if worst > 0.5 + 0.005 {
        problems.push(format!(
            "{name} frame {index}: thumb16 block off by {worst:.3}"
        ));
    }
    problems
}

#[test]
fn every_decodable_file_matches_the_reference() {
    let reference = json("reference.json");
    let files = reference["files"].as_object().unwrap();
    let mut names: Vec<&String> = files.keys().collect();
    names.sort();
    let mut problems = Vec::new();
    let mut checked_frames = 0;
    for name in names {
        let entry = &files[name.as_str()];
        if !entry["decodable"].as_bool().unwrap_or(false) {
            continue;
        }
        let file = open(name);
        let ts = entry["transfer_syntax_uid"].as_str().unwrap();
        assert_eq!(file.header().transfer_syntax_uid, ts, "{name}");
        let refs = entry["frames_ref"].as_array().unwrap();
        assert_eq!(
            file.frame_count() as usize,
            refs.len(),
            "{name}: frame count"
        );
        let exact = !lossy(ts);
        let found: Vec<Vec<String>> = refs
            .par_iter()
            .map(|r| {
                let index = r["index"].as_u64().unwrap() as u32;
                match file.frame_samples(index) {
                    Ok(samples) => compare(name, &samples, r, exact),
                    Err(e) => vec![format!("{name} frame {index}: {e}")],
                }
            })
            .collect();
        checked_frames += refs.len();
        problems.extend(found.into_iter().flatten());
    }
    assert!(
        checked_frames >= 359,
        "only {checked_frames} frames checked"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn regions_equal_the_catalog() {
    let catalog = json("catalog.json");
    let mut compared = 0;
    for entry in catalog["files"].as_array().unwrap() {
        let name = entry["file"].as_str().unwrap();
        let file = open(name);
        let regions = &file.calibration().regions;
        let expected = entry["us_regions"].as_array().unwrap();
        assert_eq!(regions.len(), expected.len(), "{name}: region count");
        assert_eq!(
            file.calibration().is_uncalibrated(),
            expected.is_empty(),
            "{name}"
        );
        for (r, e) in regions.iter().zip(expected) {
            let int = |k: &str| e[k].as_i64();
            let float = |k: &str| e[k].as_f64();
            let ctx = format!("{name} region {}", r.index);
            assert_eq!(
                i64::from(r.spatial_format.code()),
                int("spatial_format").unwrap(),
                "{ctx}"
            );
            assert_eq!(
                i64::from(r.data_type.code()),
                int("data_type").unwrap(),
                "{ctx}"
            );
            assert_eq!(i64::from(r.flags.raw), int("flags").unwrap(), "{ctx}");
            let bounds = [r.x0, r.y0, r.x1, r.y1].map(i64::from);
            let want = ["x0", "y0", "x1", "y1"].map(|k| int(k).unwrap());
            assert_eq!(bounds, want, "{ctx}");
            assert_eq!(
                i64::from(r.units_x.code()),
                int("units_x").unwrap(),
                "{ctx}"
            );
            assert_eq!(
                i64::from(r.units_y.code()),
                int("units_y").unwrap(),
                "{ctx}"
            );
            assert_eq!(
                r.units_x.word(),
                e["units_x_name"].as_str().unwrap(),
                "{ctx}"
            );
            assert!(close(r.delta_x, float("delta_x").unwrap()), "{ctx}");
            assert!(close(r.delta_y, float("delta_y").unwrap()), "{ctx}");
            // Type-3 reference attributes: absent -> 0 with the warning flag.
            assert_eq!(r.ref_pixel_x, int("ref_pixel_x0").unwrap_or(0), "{ctx}");
            assert_eq!(r.ref_pixel_y, int("ref_pixel_y0").unwrap_or(0), "{ctx}");
            assert!(
                close(r.ref_value_x, float("ref_physical_x0").unwrap_or(0.0)),
                "{ctx}"
            );
            assert!(
                close(r.ref_value_y, float("ref_physical_y0").unwrap_or(0.0)),
                "{ctx}"
            );
            assert_eq!(
                r.reference_defaulted,
                e["ref_pixel_x0"].is_null() || e["ref_physical_x0"].is_null(),
                "{ctx}"
            );
            assert_eq!(
                r.transducer_frequency_khz,
                float("transducer_frequency"),
                "{ctx}"
            );
            assert_eq!(
                r.pulse_repetition_frequency_hz,
                float("pulse_repetition_frequency"),
                "{ctx}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 25, "only {compared} regions compared");
}

#[test]
fn probe_follows_the_reference_pixel_rules() {
    let file = open("JPEGLosslessP14SV1_3s_2f_u_08_08.dcm");
    let cal = file.calibration();
    // Tissue region 0: [80,28-944,568], reference pixel (512, 28) relative to the corner
    // -> image (592, 56); delta 0.002774281461757642 cm.
    let p = cal.probe(ImagePoint::new(512.0, 300.0)).unwrap();
    assert_eq!(p.region, 0);
    assert_eq!(p.data_type, RegionDataType::Tissue);
    assert_eq!(p.x.unit, PhysicalUnit::Cm);
    assert!(
        close(p.x.value, -80.0 * 0.002774281461757642),
        "{}",
        p.x.value
    );
    assert!(
        close(p.y.value, 244.0 * 0.002774281461757642),
        "{}",
        p.y.value
    );
    // ECG region 1: [86,645-976,762], reference pixel (86, 742) -> image (172, 1387),
    // delta x 0.0056179775280898875 s, delta y -0.05128205128205128 (negative: up is +).
    let p = cal.probe(ImagePoint::new(500.0, 700.0)).unwrap();
    assert_eq!(p.region, 1);
    assert_eq!(p.data_type, RegionDataType::EcgTrace);
    assert_eq!(p.spatial_format, SpatialFormat::Waveform);
    assert_eq!(p.x.unit, PhysicalUnit::Seconds);
    assert_eq!(p.y.unit, PhysicalUnit::None);
    assert!(
        close(p.x.value, 328.0 * 0.0056179775280898875),
        "{}",
        p.x.value
    );
    assert!(
        close(p.y.value, -687.0 * -0.05128205128205128),
        "{}",
        p.y.value
    );
    // Moving up one row raises y by |delta y|.
    let up = cal.probe(ImagePoint::new(500.0, 699.0)).unwrap();
    assert!(close(up.y.value - p.y.value, 0.05128205128205128));
    // Time between two columns of the ECG strip; distance needs cm regions.
    let dt = cal
        .time_interval_s(ImagePoint::new(100.0, 700.0), ImagePoint::new(278.0, 700.0))
        .unwrap();
    assert!(close(dt, 178.0 * 0.0056179775280898875));
    assert!(matches!(
        cal.physical_distance(ImagePoint::new(100.0, 700.0), ImagePoint::new(200.0, 700.0)),
        Err(CalibrationError::WrongUnits { region: 1, .. })
    ));
    assert_eq!(
        cal.physical_distance(ImagePoint::new(100.0, 100.0), ImagePoint::new(100.0, 700.0))
            .unwrap_err()
            .to_string(),
        "points span two regions (0 and 1)"
    );
    let d = cal
        .physical_distance(ImagePoint::new(100.0, 100.0), ImagePoint::new(400.0, 500.0))
        .unwrap();
    assert!(close(d, 500.0 * 0.002774281461757642), "{d}");
    // Between the regions: nothing.
    assert!(matches!(
        cal.probe(ImagePoint::new(500.0, 600.0)),
        Err(CalibrationError::NoRegionAt { .. })
    ));

    // ALOKA: two side-by-side sectors and a grey bar inside the first one.
    let file = open("gdcm-US-ALOKA-16.dcm");
    let cal = file.calibration();
    assert_eq!(cal.probe(ImagePoint::new(40.0, 50.0)).unwrap().region, 0);
    let right = cal.probe(ImagePoint::new(400.0, 100.0)).unwrap();
    assert_eq!(right.region, 1);
    // Reference pixel (154, 21) relative to (336, 24) -> (490, 45).
    assert!(close(right.x.value, -90.0 * 0.03826530650258064));
    assert!(close(right.y.value, 55.0 * 0.03826530650258064));

    // Uncalibrated file.
    let file = open("US1_UNCR.dcm");
    assert_eq!(
        file.calibration().probe(ImagePoint::new(1.0, 1.0)),
        Err(CalibrationError::Uncalibrated)
    );
}

#[test]
fn timing_from_the_cine_attributes() {
    let t = open("dcm4che_US-PAL-8-10x-echo");
    let t = t.timing();
    assert_eq!(t.source, TimingSource::FrameTime);
    assert_eq!(t.frame_times_ms.len(), 10);
    assert_eq!(t.frame_times_ms[0], 0.0);
    assert!(close(t.frame_times_ms[9], 9.0 * 76.0));

    let f = open("Issue164.dcm");
    let t = f.timing();
    assert_eq!(t.frame_times_ms.len(), 87);
    assert!(close(t.frame_times_ms[86], 86.0 * 34.992733001709));
    assert_eq!(t.heart_rate_bpm, None);

    let f = open("GREYSCALE_CINE.dcm");
    let t = f.timing();
    assert!(close(t.frame_interval_ms, 33.333));
    assert_eq!(t.heart_rate_bpm, None, "Heart Rate 0 means unknown");

    let f = open("will-jxl.dcm");
    let t = f.timing();
    assert_eq!(t.heart_rate_bpm, Some(57.0));
    assert!(close(t.frame_times_ms[1], 47.4359));
    assert_eq!(t.frame_at(50.0), 1);

    let f = open("US1_UNCR.dcm");
    let t = f.timing();
    assert!(t.is_assumed());
    assert_eq!(t.source, TimingSource::Assumed { fps: 30.0 });
    assert_eq!(t.frame_times_ms, vec![0.0]);
}

#[test]
fn header_facts_for_the_browser() {
    let f = open("Issue164.dcm");
    let h = f.header();
    assert_eq!(h.sop_class_uid, "1.2.840.10008.5.1.4.1.1.3.1");
    assert_eq!((h.rows, h.columns, h.frames), (743, 975, 87));
    assert_eq!(h.manufacturer.as_deref(), Some("GE Healthcare"));
    assert_eq!(h.modality.as_deref(), Some("US"));
    assert!(f.is_lossy());
    assert!(h.study_instance_uid.is_some() && h.sop_instance_uid.is_some());
    let f = open("US-RGB-8-epicard");
    assert_eq!(f.header().transfer_syntax_uid, "1.2.840.10008.1.2.2");
    assert_eq!(f.header().planar_configuration, Some(1));
    assert!(!f.is_lossy());
}

#[test]
fn display_frames_and_cache() {
    let f = open("OBXXXX1A_rle_2frame.dcm");
    let rgb = f.frame_rgb(1).unwrap();
    assert_eq!(
        (rgb.width, rgb.height, rgb.rgb.len()),
        (800, 600, 800 * 600 * 3)
    );
    let samples = f.frame_samples(1).unwrap();
    assert_eq!(
        rgb.rgb, samples.data,
        "palette frames display as their RGB samples"
    );
    assert!(
        std::sync::Arc::ptr_eq(&rgb, &f.frame_rgb(1).unwrap()),
        "second call is cached"
    );
    assert!(f.frame_rgb(2).is_err());

    let f = open("GH364.dcm");
    let rgb = f.frame_rgb(0).unwrap();
    let grey = f.frame_samples(0).unwrap();
    assert_eq!(grey.channels, 1);
    assert_eq!(rgb.rgb.len(), grey.data.len() * 3);
    assert_eq!(rgb.pixel(5, 7).unwrap()[0], grey.data[7 * 1024 + 5]);

    let f = open("examples_ybr_color.dcm");
    f.set_cache_capacity(5 * 320 * 240 * 3);
    let all = f.decode_all_parallel().unwrap();
    assert_eq!(all.len(), 30);
    assert!(f.cache_usage().1 <= 5, "cache stays bounded");
}

#[test]
fn jpeg_xl_matches_its_supplementary_reference() {
    let reference = json("reference.json");
    let supplementary = &reference["files"]["will-jxl.dcm"]["supplementary_non_pydicom"];
    let refs = supplementary["frames_ref"].as_array().unwrap();
    let file = open("will-jxl.dcm");
    assert_eq!(file.frame_count() as usize, refs.len());
    let problems: Vec<String> = refs
        .par_iter()
        .flat_map(|r| {
            let index = r["index"].as_u64().unwrap() as u32;
            match file.frame_samples(index) {
                Ok(samples) => compare("will-jxl.dcm", &samples, r, false),
                Err(e) => vec![format!("will-jxl.dcm frame {index}: {e}")],
            }
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn header_only_reading_agrees_with_open() {
    for name in [
        "ultrasound-multiframe.dcm",
        "Issue164.dcm",
        "OBXXXX1A_expb_2frame.dcm",
        "gdcm-US-ALOKA-16.dcm",
    ] {
        let path = corpus().join("files").join(name);
        let info = echolab::dicom::read_info(&path).unwrap();
        let file = open(name);
        assert_eq!(
            info.header.sop_instance_uid,
            file.header().sop_instance_uid,
            "{name}"
        );
        assert_eq!(info.header.frames, file.frame_count(), "{name}");
        assert_eq!(&info.timing, file.timing(), "{name}");
        assert_eq!(&info.calibration, file.calibration(), "{name}");
    }
}

#[test]
fn parallel_decode_into_reused_buffers_equals_one_frame_at_a_time() {
    use std::sync::Mutex;
    // 8-bit JPEG (libjpeg-turbo straight into the buffer), grey JPEG lossless, RLE palette,
    // native RGB: every display path.
    for name in [
        "color3d_jpeg_baseline.dcm",
        "JPGLosslessP14SV1_1s_1f_8b.dcm",
        "US-PAL-8-10x-echo.dcm",
        "ultrasound-multiframe.dcm",
    ] {
        let file = open(name);
        let n = file.frame_count();
        let seen = Mutex::new(vec![None; n as usize]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            file.for_each_rgb_parallel(0..n, |i, rgb| {
                seen.lock().unwrap()[i as usize] = Some(rgb.to_vec());
            })
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        let mut buffer = Vec::new();
        for (i, frame) in seen.iter().enumerate() {
            let one = file.frame_rgb(i as u32).unwrap();
            assert_eq!(
                frame.as_deref(),
                Some(one.rgb.as_slice()),
                "{name} frame {i}"
            );
            file.decode_rgb_into(i as u32, &mut buffer).unwrap();
            assert_eq!(buffer, one.rgb, "{name} frame {i}");
        }
        // A range past the end is clipped, an index past the end is an error.
        file.for_each_rgb_parallel(n.saturating_sub(1)..n + 5, |i, _| assert!(i < n))
            .unwrap();
        assert!(file.decode_rgb_into(n, &mut buffer).is_err());
    }
}

/// Opening from disk reads fragments straight from the file; it must give the same frames
/// as parsing the whole file in memory, for every file in the corpus.
#[test]
fn opening_from_disk_equals_opening_from_memory() {
    let dir = corpus().join("files");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display();
        match (DicomFile::open(&path), DicomFile::from_bytes(&bytes)) {
            (Ok(disk), Ok(memory)) => {
                let n = disk.frame_count();
                assert_eq!(n, memory.frame_count(), "{name}");
                for i in [0, n / 2, n - 1] {
                    let a = disk.frame_rgb(i).map(|f| f.rgb.clone());
                    let b = memory.frame_rgb(i).map(|f| f.rgb.clone());
                    assert_eq!(a.ok(), b.ok(), "{name} frame {i}");
                }
                compared += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
            (a, b) => panic!("{name}: from disk {:?}, from memory {:?}", a.err(), b.err()),
        }
    }
    assert!(compared >= 20, "only {compared} files compared");
}

/// A compressed file cut short, or with a fragment whose length runs past the end, is a
/// clear error when opened from disk, never a panic or a huge allocation.
#[test]
fn damaged_fragments_on_disk_are_errors() {
    let bytes = std::fs::read(corpus().join("files").join("color3d_jpeg_baseline.dcm")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("damaged.dcm");
    // The first fragment item after the (empty) offset table.
    let item = [0xFE, 0xFF, 0x00, 0xE0];
    let table = bytes.windows(4).position(|w| w == item).unwrap();
    let first = table
        + 8
        + bytes
            .windows(4)
            .skip(table + 8)
            .position(|w| w == item)
            .unwrap();
    let mut huge = bytes.clone();
    huge[first + 4..first + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let mut bad_tag = bytes.clone();
    bad_tag[first..first + 4].copy_from_slice(&[0x11, 0x22, 0x33, 0x44]);
    // Only the sequence delimiter missing: every frame is still there, so it opens.
    let no_delimiter = DicomFile::open({
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        &path
    });
    assert_eq!(no_delimiter.map(|f| f.frame_count()).ok(), Some(120));
    for (what, damaged) in [
        ("cut in the middle", bytes[..bytes.len() / 2].to_vec()),
        ("fragment longer than the file", huge),
        ("item tag damaged", bad_tag),
    ] {
        std::fs::write(&path, &damaged).unwrap();
        let opened = DicomFile::open(&path);
        let memory = DicomFile::from_bytes(&damaged);
        assert_eq!(
            opened
                .as_ref()
                .map(DicomFile::frame_count)
                .map_err(ToString::to_string),
            memory
                .as_ref()
                .map(DicomFile::frame_count)
                .map_err(ToString::to_string),
            "{what}"
        );
        assert!(opened.is_err(), "{what}: opened");
    }
}
