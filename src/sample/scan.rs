//! Sector scan geometry: where the transducer sits in the image, the pixel spacing, the sector
//! opening, and the 2D region that calibrates it (reference pixel at the transducer, 0 cm).

use super::regions::{SPATIAL_2D, UNITS_CM, UsRegion};

/// A sector image: transducer at the apex, depth increasing downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sector {
    /// Image column of the transducer (sector apex); an integer so the reference pixel is exact.
    pub apex_x_px: i64,
    /// Image row of the transducer.
    pub apex_y_px: i64,
    /// Size of one pixel in cm, in both directions.
    pub spacing_cm: f64,
    /// Half the sector opening angle, radians.
    pub half_angle_rad: f64,
    /// Imaging depth (radius of the sector) in cm.
    pub depth_cm: f64,
}

impl Sector {
    /// Physical `(lateral, depth)` in cm of image pixel `(x, y)`, relative to the transducer.
    pub fn cm_from_px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.apex_x_px as f64) * self.spacing_cm,
            (y - self.apex_y_px as f64) * self.spacing_cm,
        )
    }

    /// Image pixel `(x, y)` of the physical point `(lateral, depth)` in cm.
    pub fn px_from_cm(&self, lateral_cm: f64, depth_cm: f64) -> (f64, f64) {
        (
            self.apex_x_px as f64 + lateral_cm / self.spacing_cm,
            self.apex_y_px as f64 + depth_cm / self.spacing_cm,
        )
    }

    /// Range (cm) and beam angle (radians, 0 straight down, positive to the right) of a point.
    pub fn polar(&self, lateral_cm: f64, depth_cm: f64) -> (f64, f64) {
        (lateral_cm.hypot(depth_cm), lateral_cm.atan2(depth_cm))
    }

    /// How much of the sector's brightness a point gets: 1 inside, fading to 0 over the last
    /// degree at the lateral edges and the last millimetre of depth, 0 outside.
    pub fn weight(&self, lateral_cm: f64, depth_cm: f64) -> f64 {
        let (r, theta) = self.polar(lateral_cm, depth_cm);
        if depth_cm <= 0.0 || r > self.depth_cm || theta.abs() > self.half_angle_rad {
            return 0.0;
        }
        let edge = ((self.half_angle_rad - theta.abs()) / 1.0_f64.to_radians()).min(1.0);
        let bottom = ((self.depth_cm - r) / 0.1).min(1.0);
        edge.min(bottom).max(0.0)
    }

    /// Inclusive pixel bounding box `(x0, y0, x1, y1)` of the sector.
    pub fn bounds_px(&self) -> (i64, i64, i64, i64) {
        let half_width_px = self.depth_cm * self.half_angle_rad.sin() / self.spacing_cm;
        let depth_px = self.depth_cm / self.spacing_cm;
        (
            self.apex_x_px - half_width_px.ceil() as i64,
            self.apex_y_px,
            self.apex_x_px + half_width_px.ceil() as i64,
            self.apex_y_px + depth_px.ceil() as i64,
        )
    }

    /// The 2D region of this sector: reference pixel at the transducer with physical value
    /// (0 cm, 0 cm), square pixels of `spacing_cm`.
    pub fn region(&self, data_type: u16) -> UsRegion {
        let (x0, y0, x1, y1) = self.bounds_px();
        let (x0, y0) = (clamp_u32(x0), clamp_u32(y0));
        UsRegion {
            spatial_format: SPATIAL_2D,
            data_type,
            flags: 0,
            x0,
            y0,
            x1: clamp_u32(x1),
            y1: clamp_u32(y1),
            ref_pixel_x0: (self.apex_x_px - i64::from(x0)) as i32,
            ref_pixel_y0: (self.apex_y_px - i64::from(y0)) as i32,
            units_x: UNITS_CM,
            units_y: UNITS_CM,
            ref_value_x: 0.0,
            ref_value_y: 0.0,
            delta_x: self.spacing_cm,
            delta_y: self.spacing_cm,
        }
    }
}

/// Pixels of the depth scale: a short tick every centimetre of depth along the right image edge
/// (columns `width-6 ..= width-3`), leaving out any pixel inside the sector.
pub fn depth_mark_pixels(sector: &Sector, width: usize) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let cm_count = sector.depth_cm.floor() as i64;
    for k in 1..=cm_count {
        let y = (sector.apex_y_px as f64 + k as f64 / sector.spacing_cm).round() as i64;
        let len = if k % 5 == 0 { 6 } else { 3 };
        for x in width as i64 - 3 - len..width as i64 - 3 {
            let (lat, depth) = sector.cm_from_px(x as f64, y as f64);
            if sector.weight(lat, depth) <= 0.0 {
                out.push((x, y));
            }
        }
    }
    out
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::regions::DATA_TISSUE;

    #[test]
    fn region_maps_transducer_to_zero() {
        let s = Sector {
            apex_x_px: 240,
            apex_y_px: 8,
            spacing_cm: 0.04,
            half_angle_rad: 40f64.to_radians(),
            depth_cm: 15.0,
        };
        let r = s.region(DATA_TISSUE);
        let (x, y) = r.physical(240.0, 8.0);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
        let (x, y) = r.physical(265.0, 58.0);
        assert!((x - 1.0).abs() < 1e-12 && (y - 2.0).abs() < 1e-12);
        assert_eq!(s.cm_from_px(265.0, 58.0), (x, y));
        assert!(s.weight(0.0, 5.0) > 0.99 && s.weight(5.0, 1.0) == 0.0);
    }
}
