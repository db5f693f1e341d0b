//! `echolab decode FILE [--threads N] [--frames A..B]`: decodes the selected frames to display
//! RGB through the viewer's decode path and prints one line (frames, pixels, elapsed ms). It
//! neither hashes nor writes, so the process time is the cost of opening and decoding.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use super::dicom_cmds::{file_error, open, parse_frames};

/// Arguments of `echolab decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// Decoding threads (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Frames to decode: `A..B` (B excluded), `A..=B`, `A..`, `..B` or `N` (0-based).
    #[arg(long)]
    pub frames: Option<String>,
}

/// What one `decode` run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeSummary {
    /// Frames decoded.
    pub frames: u32,
    /// Pixels decoded (frames × rows × columns).
    pub pixels: u64,
    /// Threads used.
    pub threads: usize,
    /// Wall time from opening the file to the last decoded frame, ms.
    pub elapsed_ms: f64,
}

/// Opens `a.file` and decodes the selected frames on `a.threads` threads.
pub fn decode_file(a: &DecodeArgs) -> anyhow::Result<DecodeSummary> {
    let threads = a.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        usize::from,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("decode-{i}"))
        .build()
        .context("cannot start the decoding threads")?;
    let started = Instant::now();
    let file = open(&a.file)?;
    let range = parse_frames(a.frames.as_deref(), file.frame_count())
        .map_err(|e| file_error(&e, &a.file))?;
    let frames = range.len() as u32;
    pool.install(|| {
        file.for_each_rgb_parallel(range, |_, rgb| {
            std::hint::black_box(rgb);
        })
    })
    .map_err(|e| file_error(&e, &a.file))?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let h = file.header();
    Ok(DecodeSummary {
        frames,
        pixels: u64::from(frames) * u64::from(h.rows) * u64::from(h.columns),
        threads,
        elapsed_ms,
    })
}

/// `echolab decode`: one line, e.g. `decoded 120 frames, 36864000 pixels in 41.2 ms (2 threads)`.
pub fn run(a: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let s = decode_file(a)?;
    println!(
        "decoded {} frames, {} pixels in {:.1} ms ({} thread{})",
        s.frames,
        s.pixels,
        s.elapsed_ms,
        s.threads,
        if s.threads == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}
