//! Decode benchmark, side by side in one run: time to first frame and time to decode
//! every frame of three real echo loops, for echolab (all cores and one thread), dcmtk
//! and pydicom + pylibjpeg (peers run through `benches/compare.sh`; a peer that is not
//! installed is skipped with a message).
//!
//! In-process times; `benches/decode_table.py` times whole processes against libjpeg-turbo.
//!
//! Run: `cargo bench --bench decode` (add `--no-default-features` to skip building the GUI).
//! Corpus: `ECHOLAB_REAL_DICOM` or `../shared/dicom`. Runs per measurement:
//! `ECHOLAB_BENCH_RUNS` (default 5); the median is reported.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use echolab::dicom::DicomFile;

const FILES: [(&str, &str); 3] = [
    ("color3d_jpeg_baseline.dcm", "jpeg"),
    ("Issue164.dcm", "jpeg"),
    ("ultrasound-multiframe.dcm", "native"),
];

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

fn time_runs(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Median seconds from `compare.sh`, or the reason it was skipped.
fn peer(peer: &str, mode: &str, file: &Path, runs: usize, kind: &str) -> Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args([peer, mode])
        .arg(file)
        .args([&runs.to_string(), kind])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default().trim();
    if let Some(secs) = line.strip_prefix("SECONDS ") {
        secs.trim()
            .parse::<f64>()
            .map_err(|e| format!("bad output {line:?}: {e}"))
    } else if let Some(reason) = line.strip_prefix("SKIP ") {
        Err(reason.to_owned())
    } else {
        Err(format!(
            "failed: {} {}",
            line,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn ms(v: f64) -> String {
    format!("{:.1}", v * 1000.0)
}

fn cell(v: &Result<f64, String>) -> String {
    v.as_ref().map_or_else(|_| "skipped".to_owned(), |s| ms(*s))
}

fn ratio(peer: &Result<f64, String>, ours: f64) -> String {
    peer.as_ref()
        .map_or_else(|_| "-".to_owned(), |p| format!("{:.1}x", p / ours))
}

fn main() {
    let dir = std::env::var_os("ECHOLAB_REAL_DICOM").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dicom"),
        PathBuf::from,
    );
    let runs: usize = std::env::var("ECHOLAB_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let threads = rayon::current_num_threads();
    let one_thread = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("cannot build a one-thread pool: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "echolab decode benchmark: median of {runs} runs, {threads} rayon threads, {} CPUs",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    let mut skipped = Vec::new();
    let mut rows = Vec::new();
    for (name, kind) in FILES {
        let path = dir.join("files").join(name);
        if !path.is_file() {
            eprintln!("missing {} (set ECHOLAB_REAL_DICOM)", path.display());
            std::process::exit(1);
        }
        let open = || match DicomFile::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(1);
            }
        };
        let frames = open().frame_count();
        // Warm the page cache and the code paths once.
        let _ = open().decode_all_parallel();
        let first = time_runs(runs, || {
            let f = open();
            let _ = std::hint::black_box(f.frame_rgb(0));
        });
        let decode_all = |f: &DicomFile| {
            f.for_each_rgb_parallel(0..f.frame_count(), |_, rgb| {
                std::hint::black_box(rgb);
            })
        };
        let all = time_runs(runs, || {
            let _ = std::hint::black_box(decode_all(&open()));
        });
        let all_1 = time_runs(runs, || {
            let _ = std::hint::black_box(one_thread.install(|| decode_all(&open())));
        });
        let dcmtk_first = peer("dcmtk", "first", &path, runs, kind);
        let dcmtk_all = peer("dcmtk", "all", &path, runs, kind);
        let py_first = peer("pydicom", "first", &path, runs, kind);
        let py_all = peer("pydicom", "all", &path, runs, kind);
        for (who, r) in [("dcmtk", &dcmtk_first), ("pydicom", &py_first)] {
            if let Err(reason) = r {
                skipped.push(format!("{who} on {name}: {reason}"));
            }
        }
        rows.push((
            name,
            frames,
            first,
            all,
            all_1,
            dcmtk_first,
            dcmtk_all,
            py_first,
            py_all,
        ));
    }
    println!();
    println!("time to first frame (ms; open + decode frame 0):");
    println!(
        "| file | frames | echolab | dcmtk | pydicom | dcmtk/echolab | pydicom/echolab | < 30 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for (name, frames, first, _, _, dcmtk_first, _, py_first, _) in &rows {
        println!(
            "| {name} | {frames} | {} | {} | {} | {} | {} | {} |",
            ms(*first),
            cell(dcmtk_first),
            cell(py_first),
            ratio(dcmtk_first, *first),
            ratio(py_first, *first),
            if *first < 0.030 { "yes" } else { "NO" }
        );
    }
    println!();
    println!("whole loop (ms; open + decode every frame to RGB):");
    println!(
        "| file | echolab {threads} thr | echolab 1 thr | dcmtk | pydicom | dcmtk/echolab | pydicom/echolab | targets 2x / 3x |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for (name, _, _, all, all_1, _, dcmtk_all, _, py_all) in &rows {
        let met = |p: &Result<f64, String>, target: f64| {
            p.as_ref()
                .map_or("-", |p| if p / all >= target { "met" } else { "MISSED" })
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} / {} |",
            ms(*all),
            ms(*all_1),
            cell(dcmtk_all),
            cell(py_all),
            ratio(dcmtk_all, *all),
            ratio(py_all, *all),
            met(dcmtk_all, 2.0),
            met(py_all, 3.0)
        );
    }
    for s in &skipped {
        println!("skipped: {s}");
    }
}
