//! Spectral Doppler strips: the CW MR strip (holosystolic MR below the baseline, mitral inflow
//! above it) and the PW LVOT strip (systolic ejection below the baseline), each with a small
//! apical thumbnail (2D tissue region) on top and the ECG (waveform region) below, on one time
//! axis. Envelopes are half-sines: v(t) = −Vmax·sin(π(t−t_on)/T), so VTI = 2·Vmax·T/π.

use std::f64::consts::PI;

use super::apical::ApicalScene;
use super::cine::{self, CYCLE};
use super::ecg::EcgStrip;
use super::echo::render_bmode;
use super::font;
use super::lv::{ApicalView, end_diastole};
use super::raster::{RgbImage, line_pixels};
use super::regions::{
    DATA_CW, DATA_PW, DATA_TISSUE, FLAG_SWEEPING, SPATIAL_SPECTRAL, UNITS_CM_PER_S, UNITS_SECONDS,
    UsRegion,
};
use super::rng::speckle;
use super::scan::Sector;

/// Image size (columns, rows) of both strips.
pub const SIZE: (usize, usize) = (600, 480);
/// Seconds per pixel of the sweep (250 px/s).
pub const S_PER_PX: f64 = 0.004;
/// Spectral region rectangle (inclusive).
pub const SPECTRAL_RECT: (u32, u32, u32, u32) = (28, 144, 587, 423);
/// Baseline row relative to the region top.
pub const BASELINE_REL: i32 = 60;
/// Time of the first R wave on the strip, s.
pub const FIRST_R_S: f64 = 0.1;
/// Number of beats fully shown.
pub const BEATS: usize = 3;

/// Which strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// CW through the mitral valve: MR envelope.
    CwMr,
    /// PW in the LVOT.
    PwLvot,
}

/// One half-sine envelope per beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HalfSine {
    /// Peak velocity, cm/s (signed: negative = away from the transducer).
    pub peak_cm_s: f64,
    /// Duration T, s.
    pub duration_s: f64,
    /// Time of the peak of beat 0, s (an exact pixel column).
    pub first_peak_s: f64,
}

impl HalfSine {
    /// Onset of beat `k`, s.
    pub fn onset_s(&self, k: usize) -> f64 {
        self.first_peak_s + k as f64 * CYCLE.rr_s - self.duration_s / 2.0
    }

    /// Velocity at `t_s` (0 outside the envelopes).
    pub fn velocity(&self, t_s: f64) -> f64 {
        (0..BEATS + 1)
            .map(|k| {
                let tau = (t_s - self.onset_s(k)) / self.duration_s;
                if (0.0..=1.0).contains(&tau) {
                    self.peak_cm_s * (PI * tau).sin()
                } else {
                    0.0
                }
            })
            .fold(0.0, |acc, v| if v.abs() > acc.abs() { v } else { acc })
    }

    /// Exact velocity-time integral of one beat, cm.
    pub fn vti_cm(&self) -> f64 {
        2.0 * self.peak_cm_s.abs() * self.duration_s / PI
    }
}

/// MR: Vmax 500 cm/s away from the transducer, VTI 150 cm (T = 150π/1000 s), peak of beat 0 at
/// 0.376 s (column 94 of the region).
pub const MR: HalfSine = HalfSine {
    peak_cm_s: -500.0,
    duration_s: 150.0 * PI / 1000.0,
    first_peak_s: 0.376,
};
/// LVOT: peak 100 cm/s away from the transducer, VTI 20 cm (T = 20π/200 s), peak of beat 0 at
/// 0.328 s (column 82).
pub const LVOT: HalfSine = HalfSine {
    peak_cm_s: -100.0,
    duration_s: 20.0 * PI / 200.0,
    first_peak_s: 0.328,
};

/// Mitral inflow E and A waves (towards the transducer) on the CW strip: (peak cm/s, onset after
/// R s, duration s). E peak 130 cm/s.
pub const INFLOW: [(f64, f64, f64); 2] = [(130.0, 0.56, 0.18), (70.0, 0.72, 0.12)];

fn inflow_velocity(t_s: f64) -> f64 {
    let mut v: f64 = 0.0;
    for k in -1..=BEATS as i32 {
        let r = FIRST_R_S + f64::from(k) * CYCLE.rr_s;
        for (peak, onset, dur) in INFLOW {
            let tau = (t_s - r - onset) / dur;
            if (0.0..=1.0).contains(&tau) {
                // Skewed wave: fast rise (first 35 %), slower deceleration.
                let shape = if tau < 0.35 {
                    (PI / 2.0 * tau / 0.35).sin()
                } else {
                    (PI / 2.0 * (1.0 - tau) / 0.65).sin()
                };
                v = v.max(peak * shape);
            }
        }
    }
    v
}

/// The spectral calibration region of a strip.
pub fn spectral_region(strip: Strip) -> UsRegion {
    let (x0, y0, x1, y1) = SPECTRAL_RECT;
    let (data_type, delta_y) = match strip {
        Strip::CwMr => (DATA_CW, -2.5),
        Strip::PwLvot => (DATA_PW, -0.625),
    };
    UsRegion {
        spatial_format: SPATIAL_SPECTRAL,
        data_type,
        flags: FLAG_SWEEPING,
        x0,
        y0,
        x1,
        y1,
        ref_pixel_x0: 0,
        ref_pixel_y0: BASELINE_REL,
        units_x: UNITS_SECONDS,
        units_y: UNITS_CM_PER_S,
        ref_value_x: 0.0,
        ref_value_y: 0.0,
        delta_x: S_PER_PX,
        delta_y,
    }
}

/// The ECG strip under the spectrum, on the same time axis.
pub fn ecg_strip() -> EcgStrip {
    EcgStrip {
        x0: SPECTRAL_RECT.0,
        y0: 430,
        x1: SPECTRAL_RECT.2,
        y1: 471,
        ref_col: 0,
        ref_row: 30,
        s_per_px: S_PER_PX,
        mv_per_px: -0.05,
        rr_s: CYCLE.rr_s,
        first_r_s: FIRST_R_S,
    }
}

/// The thumbnail 2D sector on top (0.1 cm pixels).
pub fn thumbnail_sector() -> Sector {
    Sector {
        apex_x_px: 300,
        apex_y_px: 4,
        spacing_cm: 0.1,
        half_angle_rad: 40f64.to_radians(),
        depth_cm: 13.0,
    }
}

/// The envelope (signed cm/s) of a strip at time `t_s`.
pub fn envelope(strip: Strip, t_s: f64) -> f64 {
    match strip {
        Strip::CwMr => MR.velocity(t_s),
        Strip::PwLvot => LVOT.velocity(t_s),
    }
}

/// Renders a strip.
pub fn render(strip: Strip) -> RgbImage {
    let mut img = RgbImage::new(SIZE.0, SIZE.1);
    draw_thumbnail(&mut img, strip);
    let region = spectral_region(strip);
    let seed = match strip {
        Strip::CwMr => 0xC7_0001,
        Strip::PwLvot => 0x97_0002,
    };
    let (x0, y0, x1, y1) = SPECTRAL_RECT;
    let px_dv = region.delta_y.abs();
    for x in x0..=x1 {
        let (t, _) = region.physical(f64::from(x), 0.0);
        let env = envelope(strip, t);
        let inflow = if strip == Strip::CwMr {
            inflow_velocity(t)
        } else {
            0.0
        };
        for y in y0..=y1 {
            let (_, v) = region.physical(f64::from(x), f64::from(y));
            let intensity = spectral_intensity(strip, v, env, inflow, px_dv);
            let grain = 0.55 + 0.45 * speckle(seed, f64::from(x) / 2.5, f64::from(y) / 0.8);
            let edge = env != 0.0 && v * env > 0.0 && (env.abs() - v.abs()).abs() <= px_dv * 1.5;
            let level = if edge { intensity } else { intensity * grain };
            // Reject: faint noise is shown black.
            let level = ((level - 0.05) / 0.95).clamp(0.0, 1.0);
            // 32 gray levels, like a cart's spectral gray map.
            let g = ((255.0 * level.powf(0.8) / 8.0).round() * 8.0).min(255.0) as u8;
            img.put(i64::from(x), i64::from(y), [g, g, g]);
        }
    }
    // Baseline and velocity scale ticks to the right of the region.
    let base = i64::from(y0) + i64::from(BASELINE_REL);
    for x in x0..=x1 {
        if img.get(i64::from(x), base).is_some_and(|c| c[0] < 90) {
            img.put(i64::from(x), base, [90, 90, 90]);
        }
    }
    let tick_cm_s = match strip {
        Strip::CwMr => 100.0,
        Strip::PwLvot => 20.0,
    };
    let mut v =
        -((f64::from(y1 - y0) - f64::from(BASELINE_REL)) * px_dv / tick_cm_s).floor() * tick_cm_s;
    let white = [220, 220, 220];
    while v <= f64::from(BASELINE_REL) * px_dv {
        let (_, y) = region.pixel(0.0, v);
        let y = y.round() as i64;
        let len = if v == 0.0 { 8 } else { 5 };
        for dx in 0..len {
            img.put(i64::from(x1) + 3 + dx, y, white);
        }
        let label = format!("{v:.0}");
        font::draw_rgb(
            &mut img,
            &label,
            i64::from(x0) - 3 - font::text_width(&label),
            y - 3,
            white,
        );
        v += tick_cm_s;
    }
    let (mode, target) = match strip {
        Strip::CwMr => ("CW", "MV"),
        Strip::PwLvot => ("PW", "LVOT"),
    };
    font::draw_rgb(&mut img, mode, 4, 4, white);
    font::draw_rgb(&mut img, target, 4, 14, white);
    font::draw_rgb(&mut img, "ECHOLAB", 4, 24, [150, 150, 150]);
    let hr = format!("HR {}", cine::HEART_RATE_BPM);
    font::draw_rgb(
        &mut img,
        &hr,
        SIZE.0 as i64 - 4 - font::text_width(&hr),
        4,
        white,
    );
    font::draw_rgb(&mut img, "CM/S", 4, i64::from(y0) - 10, white);
    ecg_strip().draw_rgb(&mut img, [40, 220, 80]);
    img
}

fn spectral_intensity(strip: Strip, v: f64, env: f64, inflow: f64, px_dv: f64) -> f64 {
    let noise = 0.055;
    let clutter = if v.abs() < 3.0 * px_dv { 0.35 } else { 0.0 };
    let mut level: f64 = noise + clutter;
    if env != 0.0 && v * env > 0.0 && v.abs() <= env.abs() {
        let frac = v.abs() / env.abs();
        level = level.max(match strip {
            // CW: filled, densest at the envelope.
            Strip::CwMr => 0.3 + 0.7 * frac * frac,
            // PW: narrow band below the envelope, clear window inside.
            Strip::PwLvot => {
                let width = 6.0 + 0.12 * env.abs();
                0.08 + 0.92 * (-((env.abs() - v.abs()) / width).powi(2)).exp()
            }
        });
    }
    if inflow > 0.0 && v > 0.0 && v <= inflow {
        let frac = v / inflow;
        level = level.max(0.2 + 0.55 * frac.powf(1.5));
    }
    level
}

fn draw_thumbnail(img: &mut RgbImage, strip: Strip) {
    let s = thumbnail_sector();
    let ed = end_diastole();
    let scene = ApicalScene {
        view: ApicalView::FourChamber,
        dims: ed,
        contraction: 0.0,
        valves_open: false,
        placement: cine::placement(ApicalView::FourChamber),
        seed: 0x7B,
    };
    let (w, h) = (SIZE.0, 140);
    let gray = render_bmode(&s, &scene, w, h, 0x7B);
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let v = gray.get(x, y).unwrap_or(0);
            img.put(x, y, [v, v, v]);
        }
    }
    // Doppler cursor from the transducer through the target (mitral orifice or LVOT gate).
    let p = cine::placement(ApicalView::FourChamber);
    let target = match strip {
        Strip::CwMr => p.image_from_view(0.0, ed.length_cm),
        Strip::PwLvot => p.image_from_view(-1.2, ed.length_cm - 0.8),
    };
    let (tx, ty) = s.px_from_cm(target.0, target.1);
    let (ax, ay) = (s.apex_x_px, s.apex_y_px);
    let (dx, dy) = (tx - ax as f64, ty - ay as f64);
    let far = s.depth_cm / s.spacing_cm / dx.hypot(dy);
    let (ex, ey) = (
        (ax as f64 + dx * far).round() as i64,
        (ay as f64 + dy * far).round() as i64,
    );
    let mut n = 0;
    line_pixels(ax, ay, ex, ey, |x, y| {
        if n % 4 < 2 && y < h as i64 {
            img.put(x, y, [230, 230, 230]);
        }
        n += 1;
    });
    let (tx, ty) = (tx.round() as i64, ty.round() as i64);
    match strip {
        Strip::CwMr => {
            for d in -2..=2 {
                img.put(tx + d, ty + d, [255, 255, 0]);
                img.put(tx + d, ty - d, [255, 255, 0]);
            }
        }
        Strip::PwLvot => {
            for d in -3..=3 {
                img.put(tx + d, ty - 2, [255, 255, 0]);
                img.put(tx + d, ty + 2, [255, 255, 0]);
            }
        }
    }
}

/// The thumbnail's 2D region (tissue), clipped to the 140 rows above the spectrum.
pub fn thumbnail_region() -> UsRegion {
    let mut r = thumbnail_sector().region(DATA_TISSUE);
    r.y1 = r.y1.min(139);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_have_the_designed_peak_and_vti() {
        assert!((MR.vti_cm() - 150.0).abs() < 1e-9);
        assert!((LVOT.vti_cm() - 20.0).abs() < 1e-9);
        assert!((MR.velocity(MR.first_peak_s) + 500.0).abs() < 1e-9);
        assert!((LVOT.velocity(LVOT.first_peak_s + CYCLE.rr_s) + 100.0).abs() < 1e-9);
        // Numerical VTI over the pixel columns of beat 0 (trapezoid) is within 0.1 %.
        let r = spectral_region(Strip::CwMr);
        let mut vti = 0.0;
        for x in r.x0..r.x1 {
            let (t0, _) = r.physical(f64::from(x), 0.0);
            let (t1, _) = r.physical(f64::from(x + 1), 0.0);
            if t1 < 0.8 {
                vti += 0.5 * (MR.velocity(t0).abs() + MR.velocity(t1).abs()) * (t1 - t0);
            }
        }
        assert!((vti - 150.0).abs() < 0.15, "{vti}");
    }

    #[test]
    fn peak_columns_are_whole_pixels_and_below_the_baseline() {
        let r = spectral_region(Strip::CwMr);
        let (x, y) = r.pixel(MR.first_peak_s, MR.peak_cm_s);
        assert!((x - 122.0).abs() < 1e-9, "{x}");
        assert!((y - 404.0).abs() < 1e-9, "{y}");
        let img = render(Strip::CwMr);
        // Bright just inside the envelope, dark just outside it.
        assert!(img.get(122, 403).expect("test value")[0] > 180);
        assert!(img.get(122, 407).expect("test value")[0] < 80);
        let ecg = ecg_strip().region();
        let (t, _) = ecg.physical(f64::from(SPECTRAL_RECT.0) + FIRST_R_S / S_PER_PX, 450.0);
        assert!(
            (t - FIRST_R_S).abs() < 1e-12,
            "ECG and spectrum share the time axis"
        );
    }
}
