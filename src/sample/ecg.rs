//! A synthetic ECG (P, QRS, T as Gaussian waves, R peak at t = 0 of every cycle) drawn along the
//! bottom of an image, and the waveform region (spatial format 4, data type 10) that calibrates
//! its time axis. DICOM has no mV unit code, so the Y axis is written as units "none" with the
//! delta in mV per pixel.

use super::raster::{GrayImage, Rgb, RgbImage, polyline_pixels};
use super::regions::{DATA_ECG, SPATIAL_WAVEFORM, UNITS_NONE, UNITS_SECONDS, UsRegion};

/// ECG amplitude (mV) at time `t_s`, R peaks at every multiple of `rr_s`.
pub fn ecg_mv(t_s: f64, rr_s: f64) -> f64 {
    let t = t_s.rem_euclid(rr_s);
    let waves: [(f64, f64, f64); 5] = [
        // (centre s, amplitude mV, width s)
        (-0.16, 0.15, 0.025),
        (-0.028, -0.12, 0.010),
        (0.0, 1.2, 0.011),
        (0.030, -0.28, 0.012),
        (0.30, 0.32, 0.045),
    ];
    let mut v = 0.0;
    for shift in [-rr_s, 0.0, rr_s] {
        for (c, a, w) in waves {
            let d = (t + shift - c) / w;
            v += a * (-0.5 * d * d).exp();
        }
    }
    v
}

/// Where an ECG trace is drawn and how its pixels map to time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EcgStrip {
    /// Region rectangle, inclusive (columns `x0..=x1`, rows `y0..=y1`).
    pub x0: u32,
    /// Top row.
    pub y0: u32,
    /// Right column.
    pub x1: u32,
    /// Bottom row.
    pub y1: u32,
    /// Column (relative to `x0`) of time 0 s.
    pub ref_col: i32,
    /// Row (relative to `y0`) of 0 mV.
    pub ref_row: i32,
    /// Seconds per pixel to the right.
    pub s_per_px: f64,
    /// mV per pixel downwards (negative: up is positive voltage).
    pub mv_per_px: f64,
    /// R–R interval, s.
    pub rr_s: f64,
    /// Time of one R wave on this strip's time axis, s (R waves at `first_r_s + k·rr_s`).
    pub first_r_s: f64,
}

impl EcgStrip {
    /// The calibration region of this strip.
    pub fn region(&self) -> UsRegion {
        UsRegion {
            spatial_format: SPATIAL_WAVEFORM,
            data_type: DATA_ECG,
            flags: 0,
            x0: self.x0,
            y0: self.y0,
            x1: self.x1,
            y1: self.y1,
            ref_pixel_x0: self.ref_col,
            ref_pixel_y0: self.ref_row,
            units_x: UNITS_SECONDS,
            units_y: UNITS_NONE,
            ref_value_x: 0.0,
            ref_value_y: 0.0,
            delta_x: self.s_per_px,
            delta_y: self.mv_per_px,
        }
    }

    /// Time (s) at image column `x`.
    pub fn time_at(&self, x: f64) -> f64 {
        (x - f64::from(self.x0) - f64::from(self.ref_col)) * self.s_per_px
    }

    /// Image column of time `t_s`.
    pub fn column_of(&self, t_s: f64) -> f64 {
        f64::from(self.x0) + f64::from(self.ref_col) + t_s / self.s_per_px
    }

    fn trace(&self) -> Vec<(f64, f64)> {
        let base = f64::from(self.y0) + f64::from(self.ref_row);
        (self.x0..=self.x1)
            .map(|x| {
                let v = ecg_mv(self.time_at(f64::from(x)) - self.first_r_s, self.rr_s);
                let y = (base + v / self.mv_per_px).clamp(f64::from(self.y0), f64::from(self.y1));
                (f64::from(x), y)
            })
            .collect()
    }

    /// Draws the trace in gray, with a cursor dot at `cursor_s` (the time of the shown frame).
    pub fn draw_gray(&self, img: &mut GrayImage, cursor_s: Option<f64>) {
        polyline_pixels(&self.trace(), |x, y| img.lighten(x, y, 200));
        if let Some(t) = cursor_s {
            let x = self.column_of(t).round() as i64;
            let base = f64::from(self.y0) + f64::from(self.ref_row);
            let y = (base + ecg_mv(t - self.first_r_s, self.rr_s) / self.mv_per_px).round() as i64;
            for dy in -2..=2 {
                for dx in -2..=2 {
                    img.put(x + dx, y + dy, 255);
                }
            }
        }
    }

    /// Draws the trace in colour `color`.
    pub fn draw_rgb(&self, img: &mut RgbImage, color: Rgb) {
        polyline_pixels(&self.trace(), |x, y| img.put(x, y, color));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_peak_is_the_maximum_at_time_zero() {
        let rr = 0.8;
        let peak = ecg_mv(0.0, rr);
        assert!(peak > 1.1);
        for i in 1..800 {
            let t = f64::from(i) * 0.001;
            assert!(ecg_mv(t, rr) < peak);
        }
        assert!((ecg_mv(0.8, rr) - peak).abs() < 1e-9);
    }

    #[test]
    fn region_and_columns_agree() {
        let s = EcgStrip {
            x0: 0,
            y0: 400,
            x1: 479,
            y1: 459,
            ref_col: 40,
            ref_row: 40,
            s_per_px: 0.0025,
            mv_per_px: -0.04,
            rr_s: 0.8,
            first_r_s: 0.0,
        };
        let r = s.region();
        let (t, _) = r.physical(s.column_of(0.3), 440.0);
        assert!((t - 0.3).abs() < 1e-12);
        let mut img = GrayImage::new(480, 460);
        s.draw_gray(&mut img, Some(0.0));
        // R peak at column 40 reaches above the baseline row.
        let top = (400..440).find(|&y| img.get(40, y) == Some(255) || img.get(40, y) == Some(200));
        assert!(
            top.is_some_and(|y| y < 415),
            "R wave drawn upwards: {top:?}"
        );
    }
}
