//! `inspect`, `frames`, `probe`, `export-frames`: the DICOM library from the command line.
//!
//! JSON output is stable for scripts; without `--json` a short text form is printed.
//! Errors are one line naming the problem and the file (exit status 2, via `main_entry`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use serde::Serialize;

use crate::dicom::{DicomFile, FrameDigest, ImagePoint, ProbeResult, TimingSource, UsRegion};

/// Arguments of `echolab inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab frames`.
#[derive(Debug, clap::Args)]
pub struct FramesArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab probe`.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// Image point `X,Y` (column, row; 0-based; decimals allowed).
    #[arg(long)]
    pub point: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
/// Arguments of `echolab export-frames`.
#[derive(Debug, clap::Args)]
pub struct ExportFramesArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Frames to write: `A..B` (B excluded), `A..=B`, `A..`, `..B` or `N` (0-based).
    #[arg(long)]
    pub frames: Option<String>,
    /// Clean the pixels: black out everything outside the US data regions (or the device's
    /// explicit mask); files the rule refuses are not written.
    #[arg(long)]
    pub deidentify: bool,
    /// With --deidentify: explicit masks per device model (TOML), remembered for later runs.
    #[arg(long, value_name = "FILE", requires = "deidentify")]
    pub mask: Option<PathBuf>,
}

/// Opens a file, turning errors into one line that names the file.
pub(crate) fn open(path: &Path) -> anyhow::Result<DicomFile> {
    DicomFile::open(path).map_err(|e| file_error(&e, path))
}

pub(crate) fn file_error(err: &dyn std::fmt::Display, path: &Path) -> anyhow::Error {
    let text = err.to_string().replace(['\n', '\r'], " ");
    anyhow!("{text} (file {})", path.display())
}

/// What `inspect --json` prints.
#[derive(Debug, Serialize)]
struct InspectOutput<'a> {
    file: String,
    sop_class_uid: &'a str,
    transfer_syntax_uid: &'a str,
    transfer_syntax: String,
    lossy: bool,
    photometric_interpretation: &'a str,
    rows: u16,
    columns: u16,
    frames: u32,
    samples_per_pixel: u16,
    bits_allocated: u16,
    bits_stored: u16,
    planar_configuration: Option<u16>,
    modality: Option<&'a str>,
    manufacturer: Option<&'a str>,
    model: Option<&'a str>,
    patient_id: Option<&'a str>,
    patient_name: Option<&'a str>,
    study_date: Option<&'a str>,
    study_instance_uid: Option<&'a str>,
    series_instance_uid: Option<&'a str>,
    sop_instance_uid: Option<&'a str>,
    series_description: Option<&'a str>,
    frame_times_ms: &'a [f64],
    timing_source: &'static str,
    timing_assumed: bool,
    assumed_fps: Option<f64>,
    frame_interval_ms: f64,
    heart_rate_bpm: Option<f64>,
    r_wave_frames: &'a [u32],
    calibrated: bool,
    regions: &'a [UsRegion],
    warnings: &'a [String],
}

fn timing_source_word(source: TimingSource) -> &'static str {
    match source {
        TimingSource::FrameTimeVector => "frame_time_vector",
        TimingSource::FrameTime => "frame_time",
        TimingSource::CineRate => "cine_rate",
        TimingSource::RecommendedDisplayFrameRate => "recommended_display_frame_rate",
        TimingSource::Assumed { .. } => "assumed",
    }
}

/// `echolab inspect FILE [--json]`.
pub fn inspect(a: &InspectArgs) -> anyhow::Result<ExitCode> {
    let file = open(&a.file)?;
    let h = file.header();
    let t = file.timing();
    let c = file.calibration();
    let output = InspectOutput {
        file: a.file.display().to_string(),
        sop_class_uid: &h.sop_class_uid,
        transfer_syntax_uid: &h.transfer_syntax_uid,
        transfer_syntax: file.transfer_syntax_name(),
        lossy: file.is_lossy(),
        photometric_interpretation: h.photometric.as_str(),
        rows: h.rows,
        columns: h.columns,
        frames: h.frames,
        samples_per_pixel: h.samples_per_pixel,
        bits_allocated: h.bits_allocated,
        bits_stored: h.bits_stored,
        planar_configuration: h.planar_configuration,
        modality: h.modality.as_deref(),
        manufacturer: h.manufacturer.as_deref(),
        model: h.model.as_deref(),
        patient_id: h.patient_id.as_deref(),
        patient_name: h.patient_name.as_deref(),
        study_date: h.study_date.as_deref(),
        study_instance_uid: h.study_instance_uid.as_deref(),
        series_instance_uid: h.series_instance_uid.as_deref(),
        sop_instance_uid: h.sop_instance_uid.as_deref(),
        series_description: h.series_description.as_deref(),
        frame_times_ms: &t.frame_times_ms,
        timing_source: timing_source_word(t.source),
        timing_assumed: t.is_assumed(),
        assumed_fps: match t.source {
            TimingSource::Assumed { fps } => Some(fps),
            _ => None,
        },
        frame_interval_ms: t.frame_interval_ms,
        heart_rate_bpm: t.heart_rate_bpm,
        r_wave_frames: &t.r_wave_frames,
        calibrated: !c.is_uncalibrated(),
        regions: &c.regions,
        warnings: &c.warnings,
    };
    if a.json {
        super::print_json(&output)?;
    } else {
        print!("{}", inspect_text(&output));
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect_text(o: &InspectOutput<'_>) -> String {
    let mut s = String::new();
    let opt = |v: Option<&str>| v.unwrap_or("-").to_owned();
    let _ = writeln!(s, "file:          {}", o.file);
    let _ = writeln!(s, "SOP class:     {}", o.sop_class_uid);
    let _ = writeln!(
        s,
        "transfer:      {} ({}){}",
        o.transfer_syntax,
        o.transfer_syntax_uid,
        if o.lossy { ", lossy" } else { "" }
    );
    let _ = writeln!(
        s,
        "image:         {}x{} px, {} frame(s), {}, {} sample(s) x {} bits",
        o.columns,
        o.rows,
        o.frames,
        o.photometric_interpretation,
        o.samples_per_pixel,
        o.bits_allocated
    );
    let _ = writeln!(
        s,
        "device:        {} / {} ({})",
        opt(o.manufacturer),
        opt(o.model),
        opt(o.modality)
    );
    let _ = writeln!(s, "study date:    {}", opt(o.study_date));
    let _ = writeln!(s, "series:        {}", opt(o.series_description));
    let timing = match o.assumed_fps {
        Some(fps) => format!("unknown, assumed {fps} fps"),
        None => format!(
            "{:.3} ms/frame from {}",
            o.frame_interval_ms, o.timing_source
        ),
    };
    let _ = writeln!(s, "timing:        {timing}");
    if let Some(hr) = o.heart_rate_bpm {
        let _ = writeln!(s, "heart rate:    {hr} bpm");
    }
    if !o.r_wave_frames.is_empty() {
        let _ = writeln!(s, "R waves:       frames {:?}", o.r_wave_frames);
    }
    if o.regions.is_empty() {
        let _ = writeln!(s, "calibration:   none (uncalibrated)");
    }
    for r in o.regions {
        let _ = writeln!(
            s,
            "region {}:      {} / {} [{},{}-{},{}] x: {} {}/px, y: {} {}/px, ref px ({}, {}) = ({}, {})",
            r.index,
            r.spatial_format,
            r.data_type,
            r.x0,
            r.y0,
            r.x1,
            r.y1,
            r.units_x,
            r.delta_x,
            r.units_y,
            r.delta_y,
            r.ref_pixel_x,
            r.ref_pixel_y,
            r.ref_value_x,
            r.ref_value_y
        );
    }
    for w in o.warnings {
        let _ = writeln!(s, "warning:       {w}");
    }
    s
}

/// What `frames --json` prints.
#[derive(Debug, Serialize)]
struct FramesOutput {
    file: String,
    channels: u8,
    frames: Vec<FrameDigest>,
}

/// `echolab frames FILE [--json]`: SHA-256 and mean of each frame's reference samples.
pub fn frames(a: &FramesArgs) -> anyhow::Result<ExitCode> {
    let file = open(&a.file)?;
    let channels = file.reference_channels();
    let frames = file
        .digests_parallel()
        .map_err(|e| file_error(&e, &a.file))?;
    if a.json {
        super::print_json(&FramesOutput {
            file: a.file.display().to_string(),
            channels,
            frames,
        })?;
    } else {
        let mut out = std::io::stdout().lock();
        for f in &frames {
            writeln!(out, "{:>5}  {}  mean {:.4}", f.index, f.sha256, f.mean)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `probe --json` prints.
#[derive(Debug, Serialize)]
struct ProbeOutput {
    point: ImagePoint,
    #[serde(flatten)]
    result: ProbeResult,
}

fn parse_point(text: &str) -> anyhow::Result<ImagePoint> {
    let (x, y) = text
        .split_once(',')
        .ok_or_else(|| anyhow!("--point must be X,Y (column,row), got {text:?}"))?;
    let parse = |v: &str| -> anyhow::Result<f64> {
        let value: f64 = v
            .trim()
            .parse()
            .with_context(|| format!("--point coordinate {v:?} is not a number"))?;
        if !value.is_finite() {
            bail!("--point coordinate {v:?} is not finite");
        }
        Ok(value)
    };
    Ok(ImagePoint::new(parse(x)?, parse(y)?))
}

/// `echolab probe FILE --point X,Y [--json]`.
pub fn probe(a: &ProbeArgs) -> anyhow::Result<ExitCode> {
    let point = parse_point(&a.point)?;
    let file = open(&a.file)?;
    let h = file.header();
    if point.x < 0.0
        || point.y < 0.0
        || point.x >= f64::from(h.columns)
        || point.y >= f64::from(h.rows)
    {
        return Err(file_error(
            &format!(
                "point ({}, {}) is outside the {}x{} image",
                point.x, point.y, h.columns, h.rows
            ),
            &a.file,
        ));
    }
    let result = file
        .calibration()
        .probe(point)
        .map_err(|e| file_error(&e, &a.file))?;
    if a.json {
        super::print_json(&ProbeOutput { point, result })?;
    } else {
        println!(
            "({}, {}): region {} ({} / {}), x = {} {}, y = {} {}{}",
            point.x,
            point.y,
            result.region,
            result.spatial_format,
            result.data_type,
            result.x.value,
            result.x.unit,
            result.y.value,
            result.y.unit,
            if result.reference_defaulted {
                " (warning: reference pixel defaulted to 0)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses `A..B`, `A..=B`, `A..`, `..B`, `N` into a half-open range within `count`.
pub(crate) fn parse_frames(text: Option<&str>, count: u32) -> anyhow::Result<std::ops::Range<u32>> {
    let Some(text) = text else {
        return Ok(0..count);
    };
    let number = |v: &str, default: u32| -> anyhow::Result<u32> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(default);
        }
        v.parse()
            .with_context(|| format!("--frames bound {v:?} is not a frame number"))
    };
    let range = if let Some((a, b)) = text.split_once("..=") {
        number(a, 0)?..number(b, count.saturating_sub(1))?.saturating_add(1)
    } else if let Some((a, b)) = text.split_once("..") {
        number(a, 0)?..number(b, count)?
    } else {
        let n = number(text, 0)?;
        n..n.saturating_add(1)
    };
    if range.start >= range.end || range.end > count {
        bail!(
            "--frames {text:?} selects no frames or runs past the last frame (the file has {count} frames, numbered from 0)"
        );
    }
    Ok(range)
}

/// `echolab export-frames FILE --out DIR [--frames A..B]`: one PNG per frame
/// (`frame_0000.png`, numbered from 0), RGB8 display frames.
pub fn export_frames(a: &ExportFramesArgs) -> anyhow::Result<ExitCode> {
    use image::ImageEncoder as _;
    use rayon::prelude::*;

    let file = open(&a.file)?;
    let range = parse_frames(a.frames.as_deref(), file.frame_count())
        .map_err(|e| file_error(&e, &a.file))?;
    let keep = if a.deidentify {
        let masks = super::export_cmds::masks_for(a.mask.as_deref())?;
        let (rects, _) =
            crate::export::masks::clean_rects(file.header(), file.calibration(), &masks)
                .map_err(|why| file_error(&why, &a.file))?;
        Some(rects)
    } else {
        None
    };
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create the folder {}", a.out.display()))?;
    let written: anyhow::Result<Vec<PathBuf>> = range
        .into_par_iter()
        .map(|i| {
            let shared = file.frame_rgb(i).map_err(|e| file_error(&e, &a.file))?;
            let mut frame = crate::dicom::RgbFrame::clone(&shared);
            if let Some(rects) = &keep {
                crate::export::masks::clean_rgb_frame(&mut frame, rects)
                    .map_err(|e| file_error(&e, &a.file))?;
            }
            let mut png = Vec::new();
            image::codecs::png::PngEncoder::new(&mut png)
                .write_image(
                    &frame.rgb,
                    frame.width,
                    frame.height,
                    image::ExtendedColorType::Rgb8,
                )
                .with_context(|| format!("cannot encode frame {i} as PNG"))?;
            let name = format!("frame_{i:04}.png");
            crate::files::write_inside(&a.out, Path::new(&name), &png)
                .with_context(|| format!("cannot write {}", a.out.join(&name).display()))
        })
        .collect();
    let written = written?;
    println!("wrote {} PNG file(s) to {}", written.len(), a.out.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn frame_ranges() {
        assert_eq!(parse_frames(None, 5).unwrap(), 0..5);
        assert_eq!(parse_frames(Some("1..3"), 5).unwrap(), 1..3);
        assert_eq!(parse_frames(Some("1..=3"), 5).unwrap(), 1..4);
        assert_eq!(parse_frames(Some("2.."), 5).unwrap(), 2..5);
        assert_eq!(parse_frames(Some("..2"), 5).unwrap(), 0..2);
        assert_eq!(parse_frames(Some("4"), 5).unwrap(), 4..5);
        assert!(parse_frames(Some("5"), 5).is_err());
        assert!(parse_frames(Some("3..1"), 5).is_err());
        assert!(parse_frames(Some("a..b"), 5).is_err());
    }

    #[test]
    fn points() {
        assert_eq!(
            parse_point("10, 20.5").unwrap(),
            ImagePoint::new(10.0, 20.5)
        );
        assert!(parse_point("10").is_err());
        assert!(parse_point("x,1").is_err());
        assert!(parse_point("inf,1").is_err());
    }
}
