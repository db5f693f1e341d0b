//! Parasternal long-axis frame (mid-systole) with a known LVOT diameter: the septum above and
//! the aorto-mitral curtain below the outflow tract are horizontal bright bands whose inner edges
//! lie on half-pixel rows, so the lumen at the measurement column is exactly 50 pixel rows
//! (2.00 cm) tall. Structures are laid out in image pixels (0.04 cm each).

use super::echo::{Echo, Scene, render_bmode};
use super::font;
use super::raster::GrayImage;
use super::rng::speckle;
use super::scan::{Sector, depth_mark_pixels};

/// Image size (columns, rows).
pub const SIZE: (usize, usize) = (472, 362);
/// Pixel size, cm.
pub const SPACING_CM: f64 = 0.04;
/// Column of the measurement (lateral +0.8 cm).
pub const LVOT_COL: i64 = 256;
/// Last septum row above the LVOT lumen is 116; the lumen starts at row 117.
pub const SEPTUM_EDGE_ROW: f64 = 116.5;
/// Last lumen row is 166; the aorto-mitral curtain starts at row 167.
pub const CURTAIN_EDGE_ROW: f64 = 166.5;

/// The PLAX sector: transducer at (236, 6), 14 cm deep, 80°.
pub fn sector() -> Sector {
    Sector {
        apex_x_px: 236,
        apex_y_px: 6,
        spacing_cm: SPACING_CM,
        half_angle_rad: 40f64.to_radians(),
        depth_cm: 14.0,
    }
}

/// LVOT diameter, cm.
pub fn lvot_diameter_cm() -> f64 {
    (CURTAIN_EDGE_ROW - SEPTUM_EDGE_ROW) * SPACING_CM
}

struct PlaxScene {
    seed: u64,
}

fn ellipse(x: f64, y: f64, cx: f64, cy: f64, a: f64, b: f64) -> f64 {
    ((x - cx) / a).powi(2) + ((y - cy) / b).powi(2)
}

fn near_segment(x: f64, y: f64, a: (f64, f64), b: (f64, f64), half_width: f64) -> bool {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let t = (((x - a.0) * vx + (y - a.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    (x - a.0 - t * vx).hypot(y - a.1 - t * vy) <= half_width
}

impl PlaxScene {
    /// Echo at image pixel coordinates (x, y).
    fn echo_px(&self, x: f64, y: f64) -> Echo {
        let c = 236.0; // sector centre column
        let septum_top = 81.0;
        let wall = 0.30;
        // Mitral leaflets (closed, systole) and aortic cusps (open).
        if near_segment(x, y, (c - 10.0, 172.0), (c - 70.0, 230.0), 1.8)
            || near_segment(x, y, (c - 40.0, 266.0), (c - 72.0, 232.0), 1.8)
        {
            return Echo::tissue(0.7);
        }
        if x > c + 62.0 && x < c + 100.0 && ((y - 121.0).abs() < 1.2 || (y - 162.0).abs() < 1.2) {
            return Echo::tissue(0.5);
        }
        if y < 31.0 {
            return Echo::tissue(0.06);
        }
        if y < 43.0 {
            return Echo::tissue(0.22); // RV anterior wall
        }
        if y < septum_top {
            return Echo::BLOOD; // RV / RV outflow
        }
        if y < SEPTUM_EDGE_ROW {
            // Septum continuing into the anterior aortic wall (thinner, RVOT blood above it).
            if x > c + 60.0 && y < 100.0 {
                return Echo::BLOOD;
            }
            return Echo::tissue(wall + if y > SEPTUM_EDGE_ROW - 4.0 { 0.15 } else { 0.0 });
        }
        if y < CURTAIN_EDGE_ROW {
            return Echo::BLOOD; // LV, LVOT and aortic lumen share this band
        }
        // Sinuses of Valsalva bulge below the posterior aortic wall line.
        if x > c + 75.0
            && x < c + 125.0
            && ellipse(x, y, c + 100.0, CURTAIN_EDGE_ROW, 25.0, 12.0) <= 1.0
        {
            return Echo::BLOOD;
        }
        if x >= c - 10.0 && y < 181.0 {
            return Echo::tissue(0.45); // aorto-mitral curtain / posterior aortic wall
        }
        if x < c - 10.0 {
            // LV cavity down to the posterior wall, then wall and pericardium.
            if y < 266.0 {
                return Echo::BLOOD;
            }
            if y < 292.0 {
                return Echo::tissue(wall);
            }
            if y < 302.0 {
                return Echo::tissue(0.6);
            }
        } else {
            let la = ellipse(x, y, c + 100.0, 235.0, 85.0, 48.0);
            if la <= 1.0 {
                return Echo::BLOOD;
            }
            if ellipse(x, y, c + 100.0, 235.0, 92.0, 55.0) <= 1.0 {
                return Echo::tissue(0.2);
            }
            if x < c + 12.0 {
                // LV inflow below the curtain, down to the posterior annulus and wall.
                if y < 266.0 {
                    return Echo::BLOOD;
                }
                if y < 292.0 {
                    return Echo::tissue(wall);
                }
            }
            if (292.0..302.0).contains(&y) && x < c + 200.0 {
                return Echo::tissue(0.6);
            }
        }
        let da = ellipse(x, y, c + 90.0, 322.0, 20.0, 20.0);
        if da <= 1.0 {
            return Echo::BLOOD; // descending aorta
        }
        if da <= 1.4 {
            return Echo::tissue(0.35);
        }
        Echo::tissue(0.002 + 0.004 * speckle(self.seed, x / 30.0, y / 30.0))
    }
}

impl Scene for PlaxScene {
    fn echo(&self, lateral_cm: f64, depth_cm: f64) -> Echo {
        let (x, y) = sector().px_from_cm(lateral_cm, depth_cm);
        // Snap to the pixel grid so the half-pixel edges are decided exactly.
        self.echo_px(x.round(), y.round())
    }
}

/// Renders the PLAX frame.
pub fn render() -> GrayImage {
    let seed = 0x91A7;
    let mut img = render_bmode(&sector(), &PlaxScene { seed }, SIZE.0, SIZE.1, seed);
    font::draw_gray(&mut img, "PLAX", 6, 6, 230);
    font::draw_gray(&mut img, "ECHOLAB", 6, 16, 150);
    let depth = format!("{:.1} CM", sector().depth_cm);
    font::draw_gray(
        &mut img,
        &depth,
        SIZE.0 as i64 - 6 - font::text_width(&depth),
        6,
        200,
    );
    for (x, y) in depth_mark_pixels(&sector(), SIZE.0) {
        img.put(x, y, 200);
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lvot_edges_are_bright_and_lumen_is_dark() {
        assert!((lvot_diameter_cm() - 2.0).abs() < 1e-12);
        let img = render();
        let col = |y: i64| f64::from(img.get(LVOT_COL, y).expect("test value"));
        let mean = |a: i64, b: i64| (a..=b).map(col).sum::<f64>() / (b - a + 1) as f64;
        let lumen = mean(117, 166);
        assert!(lumen < 15.0, "lumen {lumen}");
        assert!(mean(110, 116) > 4.0 * lumen + 40.0, "septum");
        assert!(mean(167, 173) > 4.0 * lumen + 40.0, "curtain");
    }
}
