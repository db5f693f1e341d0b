//! The long colour cine of `echolab sample --long-cine N` (written to a temporary folder, never
//! committed): its header, and `echolab decode` over all of it on one and two threads.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn echolab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_echolab"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn long_cine_of_1000_frames_decodes_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let written = stdout(&echolab(&[
        "sample",
        "--long-cine",
        "1000",
        "--out",
        out_dir,
    ]));
    assert!(written.contains("long_cine.dcm"), "{written}");
    let path = dir.path().join("long_cine.dcm");
    let p = path.to_str().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 200_000_000, "{size} bytes");

    let v: Value = serde_json::from_str(&stdout(&echolab(&["inspect", p, "--json"]))).unwrap();
    assert_eq!(v["frames"], 1000);
    assert_eq!(
        (v["columns"].as_u64(), v["rows"].as_u64()),
        (Some(1016), Some(708))
    );
    assert_eq!(v["transfer_syntax_uid"], "1.2.840.10008.1.2.4.50");
    assert_eq!(v["photometric_interpretation"], "YBR_FULL_422");
    assert_eq!(v["timing_source"], "frame_time");
    assert!((v["frame_interval_ms"].as_f64().unwrap() - 1000.0 / 30.0).abs() < 1e-3);

    for threads in ["1", "2"] {
        let text = stdout(&echolab(&["decode", p, "--threads", threads]));
        assert!(
            text.starts_with("decoded 1000 frames, 719328000 pixels in "),
            "{text}"
        );
    }
    let text = stdout(&echolab(&[
        "decode",
        p,
        "--frames",
        "990..",
        "--threads",
        "1",
    ]));
    assert!(text.starts_with("decoded 10 frames, "), "{text}");

    // Frames repeat the 30-frame cycle: frame 31 shows what frame 1 shows.
    let frames: Value = serde_json::from_str(&stdout(&echolab(&["frames", p, "--json"]))).unwrap();
    let digests = frames["frames"].as_array().unwrap();
    assert_eq!(digests.len(), 1000);
    assert_eq!(digests[31]["sha256"], digests[1]["sha256"]);
    assert_ne!(digests[2]["sha256"], digests[1]["sha256"]);

    let out = echolab(&["sample", "--long-cine", "0", "--out", out_dir]);
    assert_eq!(out.status.code(), Some(2));
}
