//! The colour-Doppler MR frame (zoomed apical view of the mitral valve): LV above, a D-shaped
//! LA below (an ellipse cut by the annulus plane), a mosaic MR jet (neck of known width, then an
//! ellipse of known area), and a flow-convergence zone on the LV side whose first aliasing
//! boundary is a hemisphere of radius r around the orifice.
//!
//! Geometry is defined in whole pixels (0.025 cm each) so that every boundary pixel is decided
//! exactly: membership tests use integer-valued arithmetic on pixel centres.

use std::f64::consts::PI;

use super::echo::{Echo, Scene, render_bmode};
use super::font;
use super::raster::{GrayImage, Rgb, RgbImage};
use super::rng::{hash3, speckle};
use super::scan::{Sector, depth_mark_pixels};

/// Pixel size, cm.
pub const SPACING_CM: f64 = 0.025;
/// Image size (columns, rows).
pub const SIZE: (usize, usize) = (480, 400);
/// Orifice (centre of the regurgitant orifice, on the annulus plane), image pixel.
pub const ORIFICE_PX: (i64, i64) = (240, 192);
/// PISA radius (first aliasing boundary), pixels: 40 px = 1.00 cm.
pub const PISA_RADIUS_PX: i64 = 40;
/// Aliasing velocity of flow away from the transducer (baseline shifted), cm/s.
pub const ALIASING_CM_S: f64 = 40.0;
/// Top of the colour scale (flow towards the transducer), cm/s.
pub const SCALE_TOP_CM_S: f64 = 60.0;
/// Half width of the jet neck (vena contracta), pixels: columns 225..=255, 30 px = 0.75 cm
/// between the edge pixel centres.
pub const VC_HALF_PX: i64 = 15;
/// Neck length below the orifice plane, pixels (rows 192..=204).
pub const NECK_PX: i64 = 12;
/// LA ellipse centre (pixel) and semi-axes (pixels): 112 × 100 px = 2.8 × 2.5 cm; the LA is the
/// part on the atrial side of the annulus row (y ≥ 192).
pub const LA_CENTRE_PX: (i64, i64) = (240, 272);
/// LA semi-axes, pixels.
pub const LA_SEMI_PX: (i64, i64) = (112, 100);
/// Jet ellipse centre and semi-axes, pixels: 88 × 70 px = 2.2 × 1.75 cm; top at the neck bottom.
pub const JET_CENTRE_PX: (i64, i64) = (240, 274);
/// Jet semi-axes, pixels.
pub const JET_SEMI_PX: (i64, i64) = (88, 70);

/// The sector of the colour frame: transducer at (240, 8), 9.6 cm deep.
pub fn sector() -> Sector {
    Sector {
        apex_x_px: 240,
        apex_y_px: 8,
        spacing_cm: SPACING_CM,
        half_angle_rad: 32f64.to_radians(),
        depth_cm: 9.6,
    }
}

fn in_ellipse_px(x: f64, y: f64, centre: (i64, i64), semi: (i64, i64)) -> bool {
    let (dx, dy) = (x - centre.0 as f64, y - centre.1 as f64);
    let (a, b) = (semi.0 as f64, semi.1 as f64);
    dx * dx * b * b + dy * dy * a * a <= a * a * b * b
}

/// LA membership of image point `(x, y)`: inside the ellipse and on the atrial side of the
/// annulus row.
pub fn in_la(x: f64, y: f64) -> bool {
    y >= ORIFICE_PX.1 as f64 && in_ellipse_px(x, y, LA_CENTRE_PX, LA_SEMI_PX)
}

/// The jet neck (vena contracta).
pub fn in_neck(x: f64, y: f64) -> bool {
    (x - ORIFICE_PX.0 as f64).abs() <= VC_HALF_PX as f64
        && y >= ORIFICE_PX.1 as f64
        && y <= (ORIFICE_PX.1 + NECK_PX) as f64
}

/// The jet body ellipse.
pub fn in_jet_body(x: f64, y: f64) -> bool {
    in_ellipse_px(x, y, JET_CENTRE_PX, JET_SEMI_PX)
}

/// The whole colour jet in the LA (neck plus body).
pub fn in_jet(x: f64, y: f64) -> bool {
    in_neck(x, y) || (in_jet_body(x, y) && in_la(x, y))
}

/// Exact LA area, cm²: ellipse cut by a chord at distance h above its centre,
/// A = a·b·(π/2 + asin(t) + t·√(1−t²)), t = h/b.
pub fn la_area_cm2() -> f64 {
    let (a, b) = (
        LA_SEMI_PX.0 as f64 * SPACING_CM,
        LA_SEMI_PX.1 as f64 * SPACING_CM,
    );
    let t = (LA_CENTRE_PX.1 - ORIFICE_PX.1) as f64 / LA_SEMI_PX.1 as f64;
    a * b * (PI / 2.0 + t.asin() + t * (1.0 - t * t).sqrt())
}

/// Exact jet area, cm²: neck rectangle plus jet ellipse (they share only a boundary point).
pub fn jet_area_cm2() -> f64 {
    let neck = (2 * VC_HALF_PX) as f64 * NECK_PX as f64;
    let body = PI * JET_SEMI_PX.0 as f64 * JET_SEMI_PX.1 as f64;
    (neck + body) * SPACING_CM * SPACING_CM
}

/// PISA radius, cm.
pub fn pisa_radius_cm() -> f64 {
    PISA_RADIUS_PX as f64 * SPACING_CM
}

/// Velocity magnitude (cm/s) of the hemispheric flow convergence at distance `d` cm from the
/// orifice: Q = 2π r² Va through every hemisphere, so |v| = Va·(r/d)².
pub fn convergence_speed(d_cm: f64) -> f64 {
    ALIASING_CM_S * (pisa_radius_cm() / d_cm.max(1e-6)).powi(2)
}

/// Colour of a velocity on the scale −Va (away, bottom) … +top (towards, top), with the
/// Nyquist wrap-around of period Va + top.
pub fn velocity_color(v_cm_s: f64) -> Rgb {
    let period = ALIASING_CM_S + SCALE_TOP_CM_S;
    let wrapped = (v_cm_s + ALIASING_CM_S).rem_euclid(period) - ALIASING_CM_S;
    if wrapped >= 0.0 {
        let k = (wrapped / SCALE_TOP_CM_S).clamp(0.0, 1.0);
        // Towards: dark red → red → yellow.
        [
            (120.0 + 135.0 * k.min(0.5) * 2.0) as u8,
            (230.0 * (k - 0.4).max(0.0) / 0.6) as u8,
            0,
        ]
    } else {
        let k = (-wrapped / ALIASING_CM_S).clamp(0.0, 1.0);
        // Away: dark blue → blue → cyan.
        [
            0,
            (220.0 * (k - 0.5).max(0.0) / 0.5) as u8,
            (40.0 + 215.0 * k.min(0.6) / 0.6) as u8,
        ]
    }
}

const MOSAIC: [Rgb; 7] = [
    [255, 230, 0],
    [0, 230, 255],
    [40, 220, 60],
    [255, 140, 0],
    [30, 90, 255],
    [230, 255, 120],
    [255, 60, 30],
];

/// Colour of the turbulent jet: a mosaic of aliased colours in 0.75 × 0.5 mm cells.
fn mosaic(seed: u64, x: f64, y: f64) -> Rgb {
    let h = hash3(seed, (x / 0.075).floor() as i64, (y / 0.05).floor() as i64);
    MOSAIC[(h % MOSAIC.len() as u64) as usize]
}

/// Colour (if any) at image pixel `(x, y)`: flow convergence on the LV side, mosaic in the jet.
pub fn flow_color(x: f64, y: f64, seed: u64) -> Option<Rgb> {
    let (xc, yc) = (x * SPACING_CM, y * SPACING_CM);
    if in_jet(x, y) {
        return Some(mosaic(seed, xc, yc));
    }
    if y < ORIFICE_PX.1 as f64 {
        let (dx, dy) = (x - ORIFICE_PX.0 as f64, y - ORIFICE_PX.1 as f64);
        let d2 = dx * dx + dy * dy;
        let speed = convergence_speed(d2.sqrt() * SPACING_CM);
        if speed < 14.0 {
            return None; // below the wall filter
        }
        if d2 <= (PISA_RADIUS_PX * PISA_RADIUS_PX) as f64 {
            // Aliased: shown on the "towards" side; very close to the orifice a turbulent mosaic.
            let aliased = velocity_color(-speed.max(ALIASING_CM_S + 1e-9));
            return Some(if speed > 95.0 {
                mosaic(seed ^ 1, xc, yc)
            } else {
                aliased
            });
        }
        return Some(velocity_color(-speed.min(ALIASING_CM_S)));
    }
    None
}

/// Orifice position in sector cm (lateral, depth).
fn orifice_cm() -> (f64, f64) {
    sector().cm_from_px(ORIFICE_PX.0 as f64, ORIFICE_PX.1 as f64)
}

/// Leaflet segments in sector cm: each from its annulus hinge to its tip at the orifice edge.
pub fn leaflets() -> [((f64, f64), (f64, f64)); 2] {
    let (ox, oy) = orifice_cm();
    let (a, b) = (LA_SEMI_PX.0 as f64, LA_SEMI_PX.1 as f64);
    let h = (LA_CENTRE_PX.1 - ORIFICE_PX.1) as f64;
    let hinge = a * (1.0 - (h / b).powi(2)).sqrt() * SPACING_CM;
    let tip = (VC_HALF_PX as f64 + 2.5) * SPACING_CM;
    [
        ((ox - hinge, oy + 0.12), (ox - tip, oy)),
        ((ox + hinge, oy + 0.12), (ox + tip, oy)),
    ]
}

struct MitralScene {
    seed: u64,
}

fn ellipse(x: f64, y: f64, a: f64, b: f64) -> f64 {
    (x / a) * (x / a) + (y / b) * (y / b)
}

impl Scene for MitralScene {
    fn echo(&self, x: f64, y: f64) -> Echo {
        for (p, q) in leaflets() {
            let (vx, vy) = (q.0 - p.0, q.1 - p.1);
            let t = (((x - p.0) * vx + (y - p.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
            if (x - p.0 - t * vx).hypot(y - p.1 - t * vy) < 0.05 {
                return Echo::tissue(0.8);
            }
        }
        let (ox, oy) = orifice_cm();
        let (px, py) = sector().px_from_cm(x, y);
        if y < oy {
            // LV: cavity half-ellipse above the annulus, walls around it.
            if ellipse(x - ox, y - oy, 2.4, 4.2) <= 1.0 {
                return Echo::BLOOD;
            }
            if ellipse(x - ox, y - oy, 3.3, 4.8) <= 1.0 {
                return Echo::tissue(0.3);
            }
            if ellipse(x - ox, y - oy, 3.6, 5.1) <= 1.0 {
                return Echo::tissue(0.55);
            }
        } else {
            if in_la(px, py) {
                return Echo::BLOOD;
            }
            let cy = LA_CENTRE_PX.1 as f64;
            let (a, b) = (LA_SEMI_PX.0 as f64 + 12.0, LA_SEMI_PX.1 as f64 + 12.0);
            if ellipse(px - LA_CENTRE_PX.0 as f64, py - cy, a, b) <= 1.0 {
                return Echo::tissue(0.12);
            }
            if y < oy + 0.5 && (x - ox).abs() < 3.4 {
                return Echo::tissue(0.22);
            }
        }
        Echo::tissue(0.003 + 0.004 * speckle(self.seed, x / 1.0, y / 1.0))
    }
}

/// Colour box: the sector part where colour is shown (beam angles and depths).
pub const COLOR_BOX: (f64, f64, f64, f64) = (-26.0, 26.0, 2.0, 9.3);

fn in_color_box(sector: &Sector, x: f64, y: f64) -> bool {
    let (r, theta) = sector.polar(x, y);
    let deg = theta.to_degrees();
    deg >= COLOR_BOX.0 && deg <= COLOR_BOX.1 && r >= COLOR_BOX.2 && r <= COLOR_BOX.3
}

/// Renders the colour-Doppler frame: gray B-mode, colour overlay in the colour box, the box
/// outline, the orifice marker and the colour bar.
pub fn render() -> RgbImage {
    let seed = 0xC0_10_4D;
    let s = sector();
    let gray: GrayImage = render_bmode(&s, &MitralScene { seed }, SIZE.0, SIZE.1, seed);
    let mut img = gray.to_rgb();
    for y in 0..SIZE.1 as i64 {
        for x in 0..SIZE.0 as i64 {
            let (xc, yc) = s.cm_from_px(x as f64, y as f64);
            if s.weight(xc, yc) <= 0.0 || !in_color_box(&s, xc, yc) {
                continue;
            }
            if let Some(c) = flow_color(x as f64, y as f64, seed) {
                img.put(x, y, c);
            }
        }
    }
    draw_box_outline(&mut img, &s);
    // Orifice marker: a small white cross.
    let (ox, oy) = ORIFICE_PX;
    for d in -3..=3 {
        img.put(ox + d, oy, [255, 255, 255]);
        img.put(ox, oy + d, [255, 255, 255]);
    }
    draw_color_bar(&mut img);
    let white = [230, 230, 230];
    font::draw_rgb(&mut img, "MR COLOR", 6, 6, white);
    font::draw_rgb(&mut img, "ECHOLAB", 6, 16, [150, 150, 150]);
    let (bx0, by0, _, by1) = COLOR_BAR;
    let top = format!("+{SCALE_TOP_CM_S:.0}");
    let bottom = format!("-{ALIASING_CM_S:.0}");
    font::draw_rgb(
        &mut img,
        &top,
        bx0 - 6 - font::text_width(&top),
        by0 - 3,
        white,
    );
    font::draw_rgb(
        &mut img,
        &bottom,
        bx0 - 6 - font::text_width(&bottom),
        by1 - 3,
        white,
    );
    font::draw_rgb(&mut img, "CM/S", bx0 - 14, by1 + 6, white);
    for (x, y) in depth_mark_pixels(&s, SIZE.0) {
        img.put(x, y, [200, 200, 200]);
    }
    img
}

fn draw_box_outline(img: &mut RgbImage, s: &Sector) {
    let grey = [150, 150, 150];
    for k in 0..=400 {
        let f = f64::from(k) / 400.0;
        let theta = (COLOR_BOX.0 + (COLOR_BOX.1 - COLOR_BOX.0) * f).to_radians();
        for r in [COLOR_BOX.2, COLOR_BOX.3] {
            let (x, y) = s.px_from_cm(r * theta.sin(), r * theta.cos());
            img.put(x.round() as i64, y.round() as i64, grey);
        }
        let r = COLOR_BOX.2 + (COLOR_BOX.3 - COLOR_BOX.2) * f;
        for deg in [COLOR_BOX.0, COLOR_BOX.1] {
            let t = deg.to_radians();
            let (x, y) = s.px_from_cm(r * t.sin(), r * t.cos());
            img.put(x.round() as i64, y.round() as i64, grey);
        }
    }
}

/// Colour bar at the right edge: +top at the top, −Va at the bottom, baseline tick.
pub const COLOR_BAR: (i64, i64, i64, i64) = (456, 40, 466, 140);

fn draw_color_bar(img: &mut RgbImage) {
    let (x0, y0, x1, y1) = COLOR_BAR;
    let span = (y1 - y0) as f64;
    for y in y0..=y1 {
        let v = SCALE_TOP_CM_S - (y - y0) as f64 / span * (SCALE_TOP_CM_S + ALIASING_CM_S);
        for x in x0..=x1 {
            img.put(x, y, velocity_color(v));
        }
    }
    let base = y0 + (SCALE_TOP_CM_S / (SCALE_TOP_CM_S + ALIASING_CM_S) * span).round() as i64;
    for x in x0 - 4..x0 {
        img.put(x, base, [255, 255, 255]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_and_ratio() {
        let la = la_area_cm2();
        let jet = jet_area_cm2();
        assert!((la - 20.8467).abs() < 1e-3, "{la}");
        assert!((jet - (0.225 + PI * 2.2 * 1.75)).abs() < 1e-9);
        assert!(jet / la > 0.5);
        // The jet body lies inside the LA: check its outline below the neck.
        for k in 0..3600 {
            let t = f64::from(k).to_radians() / 10.0;
            let x = JET_CENTRE_PX.0 as f64 + JET_SEMI_PX.0 as f64 * t.cos() * 0.999;
            let y = JET_CENTRE_PX.1 as f64 + JET_SEMI_PX.1 as f64 * t.sin() * 0.999;
            assert!(in_la(x, y), "{x} {y}");
        }
        // Pixel counts approximate the exact areas.
        let (mut la_px, mut jet_px) = (0, 0);
        for y in 0..SIZE.1 {
            for x in 0..SIZE.0 {
                la_px += usize::from(in_la(x as f64, y as f64));
                jet_px += usize::from(in_jet(x as f64, y as f64));
            }
        }
        let px = SPACING_CM * SPACING_CM;
        assert!((la_px as f64 * px - la).abs() / la < 0.01);
        assert!((jet_px as f64 * px - jet).abs() / jet < 0.01);
    }

    #[test]
    fn aliasing_boundary_is_at_the_pisa_radius() {
        assert!((convergence_speed(pisa_radius_cm()) - ALIASING_CM_S).abs() < 1e-9);
        let outside = velocity_color(-convergence_speed(1.02));
        let inside = velocity_color(-convergence_speed(0.98));
        assert!(outside[2] > 200 && outside[0] == 0, "{outside:?}");
        assert!(inside[0] > 200 && inside[2] == 0, "{inside:?}");
    }

    #[test]
    fn rendered_frame_has_the_pisa_boundary_and_neck_where_stated() {
        let img = render();
        let (ox, oy) = ORIFICE_PX;
        let inside = img.get(ox, oy - PISA_RADIUS_PX).expect("test value");
        let outside = img.get(ox, oy - PISA_RADIUS_PX - 1).expect("test value");
        assert!(inside[0] > 200 && inside[2] == 0, "{inside:?}");
        assert!(outside[2] > 200 && outside[0] == 0, "{outside:?}");
        // Neck: coloured from column 225 to 255 on its middle row, gray just outside.
        let row = oy + NECK_PX / 2;
        let colored = |c: [u8; 3]| c[0] != c[1] || c[1] != c[2];
        assert!(colored(img.get(ox - VC_HALF_PX, row).expect("test value")));
        assert!(colored(img.get(ox + VC_HALF_PX, row).expect("test value")));
        assert!(!colored(
            img.get(ox - VC_HALF_PX - 1, row).expect("test value")
        ));
        assert!(!colored(
            img.get(ox + VC_HALF_PX + 1, row).expect("test value")
        ));
    }
}
