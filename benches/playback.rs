//! Decode-ahead versus playback: for the largest real loops, how many frames per second the
//! GUI's `frame-decode` thread delivers (decode + RGB → texture-ready image), against the
//! loop's native frame rate, and whether playback started at the first frame would ever wait.
//!
//! Run: `cargo bench --bench playback` (uses `$ECHOLAB_REAL_DICOM/files`, default
//! `../shared/dicom/files`). Writes `bench_out/playback.json` as well as the table.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use echolab::gui::background::{DecodeTarget, Decoder, FrameSource};
use echolab::gui::dicom_file;
use echolab::gui::document::FileId;

const LOOPS: [&str; 3] = [
    "ultrasound-multiframe.dcm",
    "Issue164.dcm",
    "color3d_jpeg_baseline.dcm",
];

#[derive(serde::Serialize)]
struct Row {
    file: String,
    frames: usize,
    size: [usize; 2],
    native_fps: f64,
    open_ms: f64,
    first_frame_ms: f64,
    decode_ahead_fps: f64,
    ratio_to_native: f64,
    stalls_if_played_at_first_frame: usize,
    worst_wait_ms: f64,
    decode_errors: usize,
}

fn corpus_dir() -> PathBuf {
    let base = std::env::var_os("ECHOLAB_REAL_DICOM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"));
    base.join("files")
}

fn measure(path: &std::path::Path) -> Result<Row, String> {
    let started = Instant::now();
    let file = dicom_file::open(path)?;
    let open_ms = started.elapsed().as_secs_f64() * 1000.0;
    let info = file.info().clone();
    let n = info.frame_count;
    let decoder = Decoder::spawn(|| {}).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    decoder.set_target(DecodeTarget {
        file: FileId(0),
        source: file.clone() as Arc<dyn FrameSource>,
        playhead: 0,
    });
    let mut arrival = vec![None; n];
    let mut errors = 0;
    let mut received = 0;
    while received < n {
        let Some(frame) = decoder.recv_timeout(Duration::from_secs(120)) else {
            return Err(format!("timed out after {received} of {n} frames"));
        };
        if frame.image.is_err() {
            errors += 1;
        }
        if let Some(slot) = arrival.get_mut(frame.frame) {
            *slot = Some(t0.elapsed().as_secs_f64());
        }
        received += 1;
    }
    let total_s = t0.elapsed().as_secs_f64();
    let first = arrival.first().copied().flatten().unwrap_or(total_s);
    // Playback starts when frame 0 is shown; frame i is due after the durations before it.
    let mut due = first;
    let mut stalls = 0;
    let mut worst = 0.0f64;
    for (i, arrived) in arrival.iter().enumerate() {
        let arrived = arrived.unwrap_or(total_s);
        if arrived > due {
            stalls += 1;
            worst = worst.max(arrived - due);
            due = arrived;
        }
        due += info.frame_durations_s.get(i).copied().unwrap_or(1.0 / 30.0);
    }
    let native_fps = info.frame_rate().unwrap_or(30.0);
    let decode_ahead_fps = n as f64 / total_s;
    Ok(Row {
        file: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        frames: n,
        size: info.size,
        native_fps,
        open_ms,
        first_frame_ms: first * 1000.0,
        decode_ahead_fps,
        ratio_to_native: decode_ahead_fps / native_fps,
        stalls_if_played_at_first_frame: stalls,
        worst_wait_ms: worst * 1000.0,
        decode_errors: errors,
    })
}

fn main() {
    let dir = corpus_dir();
    let mut rows = Vec::new();
    println!(
        "{:<28} {:>6} {:>9} {:>7} {:>9} {:>10} {:>11} {:>7} {:>7} {:>9}",
        "file",
        "frames",
        "size",
        "native",
        "open ms",
        "1st fr ms",
        "decode fps",
        "ratio",
        "stalls",
        "wait ms"
    );
    for name in LOOPS {
        let path = dir.join(name);
        match measure(&path) {
            Ok(r) => {
                println!(
                    "{:<28} {:>6} {:>9} {:>7.1} {:>9.1} {:>10.1} {:>11.1} {:>6.1}x {:>7} {:>9.1}",
                    r.file,
                    r.frames,
                    format!("{}x{}", r.size[0], r.size[1]),
                    r.native_fps,
                    r.open_ms,
                    r.first_frame_ms,
                    r.decode_ahead_fps,
                    r.ratio_to_native,
                    r.stalls_if_played_at_first_frame,
                    r.worst_wait_ms
                );
                rows.push(r);
            }
            Err(e) => println!("{name:<28} error: {e}"),
        }
    }
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench_out");
    if std::fs::create_dir_all(&out).is_ok()
        && let Ok(json) = serde_json::to_string_pretty(&rows)
    {
        let tmp = out.join("playback.json.tmp");
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            use std::io::Write as _;
            f.write_all(json.as_bytes())?;
            f.sync_all()
        });
        if written.is_ok() {
            std::fs::rename(&tmp, out.join("playback.json")).ok();
        }
    }
}
