//! A long colour cine for decode and playback tests (`echolab sample --long-cine N`): `N`
//! frames of 1016×708 YBR_FULL_422 JPEG baseline at 30 fps, the size of a colour-Doppler echo
//! loop. One cardiac cycle of [`CYCLE_FRAMES`] distinct frames (a B-mode sector of speckle, an
//! LV wall that contracts, a colour jet in systole, an ECG trace) repeats to length `N`, so the
//! file is made in about a second whatever `N`; every frame is still its own fragment and is
//! decoded on its own.

use super::dicom_write::{Encoding, FrameTiming, Frames, ObjectSpec, build_file_from_fragments};
use super::error::SampleError;
use super::jpeg;
use super::rng;
use super::study::SampleFile;

/// Columns.
pub const WIDTH: usize = 1016;
/// Rows.
pub const HEIGHT: usize = 708;
/// Frame rate, frames per second.
pub const FPS: f64 = 30.0;
/// Distinct frames: one cardiac cycle (60 bpm at 30 fps).
pub const CYCLE_FRAMES: usize = 30;
/// Largest frame count accepted.
pub const MAX_FRAMES: usize = 20_000;
/// File name written by `echolab sample --long-cine N`.
pub const FILE_NAME: &str = "long_cine.dcm";

const SEED: u64 = 0x10_C1E5;
const APEX: (f64, f64) = (508.0, 24.0);
const SECTOR_RADIUS: f64 = 620.0;
const HALF_ANGLE: f64 = 0.72;
const ECG_TOP: usize = 650;

/// Contraction of the LV at cycle phase `k` (0 at end-diastole, 1 at end-systole).
fn contraction(k: usize) -> f64 {
    let t = k as f64 / CYCLE_FRAMES as f64;
    if t < 0.35 {
        (t / 0.35 * std::f64::consts::FRAC_PI_2).sin()
    } else {
        ((t - 0.35) / 0.65 * std::f64::consts::FRAC_PI_2).cos()
    }
}

/// Speckle amplitude of every pixel (mean ≈ 1), shared by all frames.
fn speckle_field() -> Vec<f32> {
    let mut field = Vec::with_capacity(WIDTH * HEIGHT);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            field.push(rng::speckle(SEED, x as f64 / 2.5, y as f64 / 1.5) as f32);
        }
    }
    field
}

/// Renders cycle phase `k` as interleaved RGB.
fn render(k: usize, speckle: &[f32]) -> Vec<u8> {
    let c = contraction(k);
    let (cx, cy) = (APEX.0, 330.0);
    let (rx, ry) = (150.0 * (1.0 - 0.22 * c), 230.0 * (1.0 - 0.12 * c));
    let systole = c > 0.3;
    let mut rgb = vec![0u8; WIDTH * HEIGHT * 3];
    for (y, row) in rgb.chunks_exact_mut(WIDTH * 3).enumerate() {
        let yf = y as f64;
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let xf = x as f64;
            let (dx, dy) = (xf - APEX.0, yf - APEX.1);
            let range = dx.hypot(dy);
            if y < ECG_TOP && dy > 0.0 && range < SECTOR_RADIUS && dx.atan2(dy).abs() < HALF_ANGLE {
                let e = ((xf - cx) / rx).powi(2) + ((yf - cy) / ry).powi(2);
                let tissue = if (1.0..1.25).contains(&e) {
                    190.0
                } else if e < 1.0 {
                    12.0
                } else {
                    70.0 - range * 0.05
                };
                let g = (tissue * f64::from(speckle[y * WIDTH + x])).clamp(0.0, 255.0) as u8;
                let jet = systole && e < 1.0 && (xf - cx).abs() < 40.0 && yf > cy + 40.0;
                if jet {
                    let v = (255.0 * c * (1.0 - (xf - cx).abs() / 40.0)) as u8;
                    px.copy_from_slice(&[v, v / 4, 40]);
                } else {
                    px.copy_from_slice(&[g, g, g]);
                }
            }
        }
    }
    // ECG: a flat line with an R wave at the start of the cycle.
    let base = (ECG_TOP + 30) as f64;
    for x in 0..WIDTH {
        let cycle_x = (x + k * WIDTH / CYCLE_FRAMES) % WIDTH;
        let r = (-((cycle_x as f64 - 60.0) / 6.0).powi(2)).exp() * 25.0;
        let y = (base - r) as usize;
        if let Some(px) = rgb.get_mut((y * WIDTH + x) * 3..(y * WIDTH + x) * 3 + 3) {
            px.copy_from_slice(&[40, 220, 60]);
        }
    }
    rgb
}

/// Builds the long cine of `frames` frames as one DICOM file.
pub fn build(frames: usize) -> Result<SampleFile, SampleError> {
    if frames == 0 || frames > MAX_FRAMES {
        return Err(SampleError::Encode(format!(
            "a long cine has 1 to {MAX_FRAMES} frames, not {frames}"
        )));
    }
    let speckle = speckle_field();
    let cycle = (0..CYCLE_FRAMES.min(frames))
        .map(|k| jpeg::encode_frame(&render(k, &speckle), WIDTH, HEIGHT, 3))
        .collect::<Result<Vec<_>, _>>()?;
    let fragments: Vec<Vec<u8>> = (0..frames)
        .map(|i| cycle[i % cycle.len()].clone())
        .collect();
    let spec = ObjectSpec {
        file_name: FILE_NAME.to_owned(),
        series_key: "long-cine".to_owned(),
        series_number: 90,
        series_description: format!("Long colour cine ({frames} frames)"),
        instance_number: 1,
        mode_bits: 0x0011,
        frames: Frames::Rgb(Vec::new()),
        timing: Some(FrameTiming::FrameTime(1000.0 / FPS)),
        heart_rate_bpm: Some(60),
        r_wave_frames: (0..frames)
            .step_by(CYCLE_FRAMES)
            .filter_map(|i| u16::try_from(i + 1).ok())
            .collect(),
        regions: Vec::new(),
        encoding: Encoding::Jpeg,
    };
    let raw_len = frames * WIDTH * HEIGHT * 3;
    let bytes = build_file_from_fragments(&spec, [WIDTH, HEIGHT, 3], fragments, raw_len)?;
    Ok(SampleFile {
        name: FILE_NAME.to_owned(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_contract_and_frames_are_bounded() {
        assert!(contraction(0).abs() < 1e-12);
        assert!(contraction(CYCLE_FRAMES / 3) > 0.9);
        assert!(build(0).is_err());
        assert!(build(MAX_FRAMES + 1).is_err());
    }
}
