//! Real echo DICOM corpus (../shared/dicom, or `ECHOLAB_REAL_DICOM`): every frame of every
//! file pydicom decoded equals `reference.json` (SHA-256 for lossless syntaxes; mean ±0.1
//! and 16×16 thumbnail blocks ±0.5 for lossy JPEG / JPEG 2000), regions equal
//! `catalog.json`, probe and timing equal hand-computed values.

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
