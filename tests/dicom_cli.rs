//! The `echolab` DICOM subcommands run as a user would: `inspect`, `frames`, `probe`,
//! `export-frames`, and one-line errors with exit status 2.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn corpus() -> PathBuf {
    let dir = std::env::var_os("ECHOLAB_REAL_DICOM").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"),
        PathBuf::from,
    );
    assert!(
        dir.join("files").is_dir(),
        "real DICOM corpus not found at {} (set ECHOLAB_REAL_DICOM)",
        dir.display()
    );
    dir
}

fn file(name: &str) -> PathBuf {
    corpus().join("files").join(name)
}

fn echolab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Exit status 2 and exactly one stderr line `error: …` naming the file.
fn assert_one_line_error(out: &Output, needle: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "{stderr} should name {needle}");
    stderr
}

#[test]
fn inspect_json_has_the_documented_fields() {
    let path = file("JPEGLosslessP14SV1_3s_2f_u_08_08.dcm");
    let v = json_of(&echolab(&["inspect", path.to_str().unwrap(), "--json"]));
    assert_eq!(v["sop_class_uid"], "1.2.840.10008.5.1.4.1.1.3.1");
    assert_eq!(v["transfer_syntax_uid"], "1.2.840.10008.1.2.4.70");
    assert_eq!(v["photometric_interpretation"], "RGB");
    assert_eq!(v["rows"], 768);
    assert_eq!(v["columns"], 1024);
    assert_eq!(v["frames"], 2);
    let times = v["frame_times_ms"].as_array().unwrap();
    assert_eq!(times.len(), 2);
    assert_eq!(times[0].as_f64(), Some(0.0));
    assert!((times[1].as_f64().unwrap() - 31.9652).abs() < 1e-9);
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 2);
    let ecg = &regions[1];
    for key in [
        "spatial_format",
        "data_type",
        "x0",
        "y0",
        "x1",
        "y1",
        "units_x",
        "units_y",
        "delta_x",
        "delta_y",
        "ref_pixel_x",
        "ref_pixel_y",
        "ref_value_x",
        "ref_value_y",
    ] {
        assert!(!ecg[key].is_null(), "region field {key} missing: {ecg}");
    }
    assert_eq!(ecg["units_x"], "s");
    assert_eq!(ecg["units_y"], "none");
    assert_eq!(ecg["data_type"], "ecg trace");
    assert_eq!(ecg["y0"], 645);
    assert!(ecg["delta_y"].as_f64().unwrap() < 0.0);
    assert_eq!(regions[0]["units_x"], "cm");

    // Text form.
    let out = echolab(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1024x768 px, 2 frame(s)"), "{text}");

    // Unknown timing is marked, not hidden.
    let v = json_of(&echolab(&[
        "inspect",
        file("US1_UNCR.dcm").to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["timing_assumed"], true);
    assert_eq!(v["assumed_fps"].as_f64(), Some(30.0));
    assert_eq!(v["calibrated"], false);
}

#[test]
fn frames_json_matches_the_reference() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("reference.json")).unwrap())
            .unwrap();
    for name in ["US1_RLE", "OBXXXX1A_expb_2frame.dcm", "GH364.dcm"] {
        let v = json_of(&echolab(&[
            "frames",
            file(name).to_str().unwrap(),
            "--json",
        ]));
        let frames = v["frames"].as_array().unwrap();
        let refs = reference["files"][name]["frames_ref"].as_array().unwrap();
        assert_eq!(frames.len(), refs.len(), "{name}");
        for (f, r) in frames.iter().zip(refs) {
            assert_eq!(f["index"], r["index"]);
            assert_eq!(f["sha256"], r["sha256"], "{name}");
            let mean = f["mean"].as_f64().unwrap();
            assert!((mean - r["mean"].as_f64().unwrap()).abs() < 1e-4, "{name}");
        }
    }
}

#[test]
fn probe_reports_region_and_physical_values() {
    let path = file("JPEGLosslessP14SV1_3s_2f_u_08_08.dcm");
    let v = json_of(&echolab(&[
        "probe",
        path.to_str().unwrap(),
        "--point",
        "500,700",
        "--json",
    ]));
    assert_eq!(v["region"], 1);
    assert_eq!(v["data_type"], "ecg trace");
    assert_eq!(v["x"]["unit"], "s");
    assert!((v["x"]["value"].as_f64().unwrap() - 328.0 * 0.0056179775280898875).abs() < 1e-9);
    assert_eq!(v["y"]["unit"], "none");
    assert!((v["y"]["value"].as_f64().unwrap() - 687.0 * 0.05128205128205128).abs() < 1e-9);

    let v = json_of(&echolab(&[
        "probe",
        path.to_str().unwrap(),
        "--point",
        "512,300",
        "--json",
    ]));
    assert_eq!(v["region"], 0);
    assert_eq!(v["x"]["unit"], "cm");

    let out = echolab(&[
        "probe",
        path.to_str().unwrap(),
        "--point",
        "500,600",
        "--json",
    ]);
    let err = assert_one_line_error(&out, "JPEGLosslessP14SV1_3s_2f_u_08_08.dcm");
    assert!(err.contains("no calibrated region at (500, 600)"), "{err}");

    let out = echolab(&["probe", path.to_str().unwrap(), "--point", "5000,1"]);
    assert_one_line_error(&out, "outside");
}

#[test]
fn export_frames_writes_pngs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("frames");
    let path = file("examples_ybr_color.dcm");
    let out = echolab(&[
        "export-frames",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--frames",
        "3..5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["frame_0003.png", "frame_0004.png"]);
    let png = image::open(out_dir.join("frame_0004.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(png.dimensions(), (320, 240));
    // Same pixels as the library's display frame.
    let frame = echolab::dicom::DicomFile::open(&path)
        .unwrap()
        .frame_rgb(4)
        .unwrap();
    assert_eq!(png.as_raw(), &frame.rgb);

    let out = echolab(&[
        "export-frames",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--frames",
        "30",
    ]);
    assert_one_line_error(&out, "examples_ybr_color.dcm");
}

#[test]
fn bad_files_fail_with_one_line_and_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.dcm");
    std::fs::write(
        &garbage,
        b"this is not a DICOM file at all, just text\n".repeat(20),
    )
    .unwrap();
    for cmd in ["inspect", "frames"] {
        let out = echolab(&[cmd, garbage.to_str().unwrap(), "--json"]);
        assert_one_line_error(&out, "garbage.dcm");
    }
    let truncated = dir.path().join("truncated.dcm");
    let bytes = std::fs::read(file("US1_UNCR.dcm")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = echolab(&["frames", truncated.to_str().unwrap()]);
    assert_one_line_error(&out, "truncated.dcm");
    let missing = dir.path().join("missing.dcm");
    let out = echolab(&["inspect", missing.to_str().unwrap()]);
    assert_one_line_error(&out, "missing.dcm");
}

#[test]
fn decode_prints_one_line_of_frames_pixels_and_time() {
    let path = file("color3d_jpeg_baseline.dcm");
    let p = path.to_str().unwrap();
    for args in [
        vec!["decode", p],
        vec!["decode", p, "--threads", "1"],
        vec!["decode", p, "--threads", "2"],
    ] {
        let out = echolab(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with("decoded 120 frames, 36864000 pixels in "),
            "{text}"
        );
        let ms: f64 = text
            .split(" in ")
            .nth(1)
            .and_then(|t| t.split(" ms").next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(ms > 0.0, "{text}");
    }
    let out = echolab(&["decode", p, "--frames", "10..=19", "--threads", "1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("decoded 10 frames, 3072000 pixels in "),
        "{text}"
    );
    assert!(text.trim_end().ends_with("(1 thread)"), "{text}");

    // Every syntax family decodes through the same command.
    for (name, frames) in [
        ("US1_J2KI.dcm", 1),
        ("US-PAL-8-10x-echo.dcm", 10),
        ("ultrasound-multiframe.dcm", 30),
        ("JPEGLosslessP14SV1_3s_2f_u_08_08.dcm", 2),
    ] {
        let out = echolab(&["decode", file(name).to_str().unwrap()]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(&format!("decoded {frames} frames, ")),
            "{name}: {text}"
        );
    }

    assert_one_line_error(&echolab(&["decode", p, "--frames", "120"]), "color3d");
    assert_one_line_error(&echolab(&["decode", "/nonexistent/x.dcm"]), "x.dcm");
    let out = echolab(&["decode", p, "--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
