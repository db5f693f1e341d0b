//! US Region Calibration (Sequence of Ultrasound Regions, 0018,6011) as the generator writes it,
//! with the pixel → physical mapping of PS3.3 C.8.5.5 (reference pixel relative to the region
//! corner; +Y runs down, so a negative Physical Delta Y makes positive velocities point up).

use serde::Serialize;

/// Region Spatial Format 0001H: 2D (tissue or flow).
pub const SPATIAL_2D: u16 = 1;
/// Region Spatial Format 0003H: spectral (CW or PW Doppler).
pub const SPATIAL_SPECTRAL: u16 = 3;
/// Region Spatial Format 0004H: waveform (ECG and other physiological traces).
pub const SPATIAL_WAVEFORM: u16 = 4;

/// Region Data Type 0001H: tissue.
pub const DATA_TISSUE: u16 = 1;
/// Region Data Type 0002H: colour flow.
pub const DATA_COLOR_FLOW: u16 = 2;
/// Region Data Type 0003H: PW spectral Doppler.
pub const DATA_PW: u16 = 3;
/// Region Data Type 0004H: CW spectral Doppler.
pub const DATA_CW: u16 = 4;
/// Region Data Type 000AH: ECG trace.
pub const DATA_ECG: u16 = 10;

/// Physical Units 0000H: none.
pub const UNITS_NONE: u16 = 0;
/// Physical Units 0003H: cm.
pub const UNITS_CM: u16 = 3;
/// Physical Units 0004H: seconds.
pub const UNITS_SECONDS: u16 = 4;
/// Physical Units 0007H: cm/s.
pub const UNITS_CM_PER_S: u16 = 7;

/// Region Flags bits 3–4 = 01: scrolling region.
pub const FLAG_SCROLLING: u32 = 1 << 3;
/// Region Flags bits 3–4 = 10: sweeping region.
pub const FLAG_SWEEPING: u32 = 2 << 3;

/// One item of the Sequence of Ultrasound Regions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsRegion {
    /// Region Spatial Format (0018,6012).
    pub spatial_format: u16,
    /// Region Data Type (0018,6014).
    pub data_type: u16,
    /// Region Flags (0018,6016).
    pub flags: u32,
    /// Region Location Min X0 (0018,6018), image column.
    pub x0: u32,
    /// Region Location Min Y0 (0018,601A), image row.
    pub y0: u32,
    /// Region Location Max X1 (0018,601C), inclusive.
    pub x1: u32,
    /// Region Location Max Y1 (0018,601E), inclusive.
    pub y1: u32,
    /// Reference Pixel X0 (0018,6020), relative to `x0`.
    pub ref_pixel_x0: i32,
    /// Reference Pixel Y0 (0018,6022), relative to `y0`.
    pub ref_pixel_y0: i32,
    /// Physical Units X Direction (0018,6024).
    pub units_x: u16,
    /// Physical Units Y Direction (0018,6026).
    pub units_y: u16,
    /// Reference Pixel Physical Value X (0018,6028).
    pub ref_value_x: f64,
    /// Reference Pixel Physical Value Y (0018,602A).
    pub ref_value_y: f64,
    /// Physical Delta X (0018,602C), physical units per pixel to the right.
    pub delta_x: f64,
    /// Physical Delta Y (0018,602E), physical units per pixel downwards.
    pub delta_y: f64,
}

impl UsRegion {
    /// Whether image pixel `(x, y)` (column, row) lies inside the region rectangle.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= f64::from(self.x0)
            && x <= f64::from(self.x1)
            && y >= f64::from(self.y0)
            && y <= f64::from(self.y1)
    }

    /// Physical `(x, y)` of image pixel `(x, y)` per PS3.3 C.8.5.5.1.
    pub fn physical(&self, x: f64, y: f64) -> (f64, f64) {
        let ref_x = f64::from(self.x0) + f64::from(self.ref_pixel_x0);
        let ref_y = f64::from(self.y0) + f64::from(self.ref_pixel_y0);
        (
            self.ref_value_x + (x - ref_x) * self.delta_x,
            self.ref_value_y + (y - ref_y) * self.delta_y,
        )
    }

    /// Image pixel `(x, y)` of a physical point (the inverse of [`UsRegion::physical`]).
    pub fn pixel(&self, x_phys: f64, y_phys: f64) -> (f64, f64) {
        let ref_x = f64::from(self.x0) + f64::from(self.ref_pixel_x0);
        let ref_y = f64::from(self.y0) + f64::from(self.ref_pixel_y0);
        (
            ref_x + (x_phys - self.ref_value_x) / self.delta_x,
            ref_y + (y_phys - self.ref_value_y) / self.delta_y,
        )
    }
}

/// The word a unit code stands for (`cm`, `s`, `cm/s`, `none`), as the ground truth names it.
pub fn unit_word(code: u16) -> &'static str {
    match code {
        UNITS_CM => "cm",
        UNITS_SECONDS => "s",
        UNITS_CM_PER_S => "cm/s",
        5 => "hz",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spectral() -> UsRegion {
        UsRegion {
            spatial_format: SPATIAL_SPECTRAL,
            data_type: DATA_CW,
            flags: FLAG_SWEEPING,
            x0: 10,
            y0: 200,
            x1: 609,
            y1: 479,
            ref_pixel_x0: 0,
            ref_pixel_y0: 40,
            units_x: UNITS_SECONDS,
            units_y: UNITS_CM_PER_S,
            ref_value_x: 0.0,
            ref_value_y: 0.0,
            delta_x: 0.004,
            delta_y: -2.5,
        }
    }

    #[test]
    fn below_baseline_is_negative_velocity() {
        let r = spectral();
        let (t, v) = r.physical(110.0, 440.0);
        assert!((t - 0.4).abs() < 1e-12);
        assert!(
            (v + 500.0).abs() < 1e-9,
            "200 px below the baseline at -2.5 cm/s/px"
        );
        let (t2, v2) = r.physical(10.0, 200.0);
        assert!(t2.abs() < 1e-12 && (v2 - 100.0).abs() < 1e-9);
    }

    #[test]
    fn pixel_inverts_physical() {
        let r = spectral();
        let (x, y) = r.pixel(0.4, -500.0);
        assert!((x - 110.0).abs() < 1e-9 && (y - 440.0).abs() < 1e-9);
        assert!(r.contains(x, y));
        assert!(!r.contains(9.0, 300.0));
    }
}
