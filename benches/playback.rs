//! Decode-ahead versus playback: for the largest real loops, how many frames per second the
//! GUI's `frame-decode` thread delivers (decode + RGB → texture-ready image), against the
//! loop's native frame rate, and whether playback started at the first frame would ever wait.
//!
//! Then the long loop (`echolab sample --long-cine 1000`: 1000 frames of 1016×708 colour JPEG at
//! 30 fps, written to a temporary folder): in a child process, opened, played through once at
//! native rate and scrubbed end to end with the viewer's bounded texture LRU, and separately four
//! copies playing at once as in the compare layout. Reports the child's peak resident memory
//! (`VmHWM`), first-frame latency after the header is read and dropped frames, and checks them
//! against the bounds stated in README (exit status 1 when one is missed).
//!
//! Run: `cargo bench --bench playback` (uses `$ECHOLAB_REAL_DICOM/files`, default
//! `../shared/dicom/files`; `ECHOLAB_LONG_FRAMES` changes the long loop's length). Writes
//! `bench_out/playback.json` as well as the table.

#[path = "support/long_loop.rs"]
mod long_loop;

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
        ahead: usize::MAX,
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

/// Resident-memory bound of one long loop played and scrubbed, MB.
const RSS_BOUND_MB: f64 = 600.0;
/// First frame on screen after the header is read, ms.
const FIRST_FRAME_BOUND_MS: f64 = 10.0;

/// Runs this binary again as `--long-loop-child LOOPS SCRUB FILE` and reads its report.
fn long_loop_child(
    path: &std::path::Path,
    loops: usize,
    scrub: bool,
) -> Result<long_loop::Report, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args([
            "--long-loop-child",
            &loops.to_string(),
            if scrub { "scrub" } else { "play" },
        ])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| {
        format!(
            "child failed ({e}): {line} {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// The child side: plays and prints its report as one JSON line.
fn child_main(args: &[String]) -> std::process::ExitCode {
    let (Some(loops), Some(mode), Some(path)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: --long-loop-child LOOPS play|scrub FILE");
        return std::process::ExitCode::from(2);
    };
    let loops: usize = loops.parse().unwrap_or(1);
    let budget = if loops == 1 {
        echolab::gui::frame_textures::VIEWER_TEXTURE_BYTES
    } else {
        echolab::gui::frame_textures::PANE_TEXTURE_BYTES
    };
    match long_loop::run(std::path::Path::new(path), loops, budget, mode == "scrub") {
        Ok(report) => {
            println!("{}", serde_json::to_string(&report).unwrap_or_default());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// The long-loop section: generate, play in children, print, check the bounds.
fn long_loop_section() -> bool {
    let frames: usize = std::env::var("ECHOLAB_LONG_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            println!("long loop: no temporary folder: {e}");
            return false;
        }
    };
    let path = match echolab::sample::write_long_cine(dir.path(), frames) {
        Ok((p, _)) => p,
        Err(e) => {
            println!("long loop: cannot write it: {e}");
            return false;
        }
    };
    println!();
    println!(
        "long loop: {frames} frames 1016x708 colour JPEG, 30 fps (bounds: peak RSS + textures < {RSS_BOUND_MB} MB, \
         first frame <= {FIRST_FRAME_BOUND_MS} ms after the header, 0 dropped frames)"
    );
    println!(
        "{:<34} {:>8} {:>9} {:>11} {:>7} {:>7} {:>8} {:>9} {:>11} {:>7} {:>9}",
        "run",
        "open ms",
        "1st fr ms",
        "played",
        "drops",
        "errors",
        "play s",
        "scrub s",
        "textures",
        "tex MB",
        "peak MB"
    );
    let mut ok = true;
    for (loops, scrub, label) in [
        (1, true, "1 loop: play once + scrub"),
        (4, false, "4 loops at once (compare layout)"),
    ] {
        match long_loop_child(&path, loops, scrub) {
            Ok(r) => {
                println!(
                    "{:<34} {:>8.1} {:>9.1} {:>11} {:>7} {:>7} {:>8.1} {:>9.1} {:>5}/{:<5} {:>7.0} {:>9.0}",
                    label,
                    r.open_ms,
                    r.first_frame_ms,
                    r.frames_played,
                    r.stalls,
                    r.errors,
                    r.play_s,
                    r.scrub_s,
                    r.max_textures,
                    r.texture_capacity,
                    r.texture_mb,
                    r.peak_rss_mb
                );
                // Counted as if the textures lived in process memory (software rendering).
                let rss_ok = loops > 1 || r.peak_rss_mb + r.texture_mb < RSS_BOUND_MB;
                let first_ok = r.first_frame_ms <= FIRST_FRAME_BOUND_MS;
                if !(rss_ok && first_ok && r.stalls == 0 && r.errors == 0) {
                    println!("  MISSED a bound");
                    ok = false;
                }
            }
            Err(e) => {
                println!("{label}: {e}");
                ok = false;
            }
        }
    }
    ok
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--long-loop-child") {
        return child_main(args.get(at + 1..).unwrap_or_default());
    }
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
    if long_loop_section() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
