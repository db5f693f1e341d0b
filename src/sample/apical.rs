//! Apical 4- and 2-chamber scenes: the half-ellipsoid LV of [`super::lv`] cut through its long
//! axis (bright myocardium, dark cavity, mitral annulus and leaflets), with the RV (4-chamber),
//! the atria, pericardium and surrounding tissue, placed in the sector with a known apex and
//! long-axis tilt.

use super::echo::{Echo, Scene, Texture};
use super::lv::{ApicalView, LvDims};
use super::rng::speckle;

/// Where the LV sits in the sector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Endocardial apex, lateral offset from the transducer, cm.
    pub apex_lateral_cm: f64,
    /// Endocardial apex depth, cm.
    pub apex_depth_cm: f64,
    /// Long-axis angle from straight down, radians; positive turns the base to the image right.
    pub tilt_rad: f64,
}

impl Placement {
    /// Physical point (lateral, depth) cm of view coordinates `(w, s)`: `w` across the long axis
    /// (positive to the image right), `s` along it from the apex towards the base.
    pub fn image_from_view(&self, w: f64, s: f64) -> (f64, f64) {
        let (sin, cos) = self.tilt_rad.sin_cos();
        (
            self.apex_lateral_cm + s * sin + w * cos,
            self.apex_depth_cm + s * cos - w * sin,
        )
    }

    /// View coordinates `(w, s)` of a physical point.
    pub fn view_from_image(&self, lateral_cm: f64, depth_cm: f64) -> (f64, f64) {
        let (sin, cos) = self.tilt_rad.sin_cos();
        let (dx, dy) = (
            lateral_cm - self.apex_lateral_cm,
            depth_cm - self.apex_depth_cm,
        );
        (dx * cos - dy * sin, dx * sin + dy * cos)
    }
}

/// One apical frame's scene.
#[derive(Debug, Clone, Copy)]
pub struct ApicalScene {
    /// Which plane.
    pub view: ApicalView,
    /// LV size in this frame.
    pub dims: LvDims,
    /// Contraction state, 0 (ED) to 1 (ES); sizes the atria and RV.
    pub contraction: f64,
    /// Mitral (and tricuspid) leaflets open.
    pub valves_open: bool,
    /// Where the LV is.
    pub placement: Placement,
    /// Seed of the low-frequency tissue modulation.
    pub seed: u64,
}

const MYOCARDIUM: f64 = 0.28;
const PERICARDIUM: f64 = 0.55;
const VALVE: f64 = 0.75;
const ATRIAL_WALL: f64 = 0.16;

fn ellipse(x: f64, y: f64, a: f64, b: f64) -> f64 {
    (x / a) * (x / a) + (y / b) * (y / b)
}

fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = vx * vx + vy * vy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - a.0 - t * vx).hypot(p.1 - a.1 - t * vy)
}

impl ApicalScene {
    /// Leaflet segments in (w, u) coordinates, u = height above the annulus plane.
    fn leaflets(&self, hinge_w: f64, other_w: f64, open: bool) -> [(f64, f64); 2] {
        let mid = 0.5 * (hinge_w + other_w);
        if open {
            // Open leaflet points into the ventricle, towards the apex.
            let len = 1.6;
            let dir = (mid - hinge_w).signum();
            [(hinge_w, 0.0), (hinge_w + dir * 0.45, len)]
        } else {
            // Closed: meets the other leaflet just on the atrial side of the annulus.
            [
                (hinge_w, 0.0),
                (mid + 0.1 * (hinge_w - mid).signum(), -0.35),
            ]
        }
    }

    /// Echo of the LV wall at view point `(w, u)` (u = height above the annulus plane), with
    /// speckle attached to the wall and brightness falling where the wall runs along the beam.
    fn myocardium_echo(&self, w: f64, u: f64, lateral_cm: f64, depth_cm: f64) -> Echo {
        let (a, l, t) = (
            self.dims.semi_cm(self.view),
            self.dims.length_cm,
            self.dims.wall_cm,
        );
        let (outer_a, outer_l) = (a + t, l + 0.65 * t);
        let rho_in = ellipse(w, u, a, l).sqrt();
        let rho_out = ellipse(w, u, outer_a, outer_l).sqrt();
        let frac = ((rho_in - 1.0) / ((rho_in - 1.0) + (1.0 - rho_out)).max(1e-9)).clamp(0.0, 1.0);
        // Brightness falls where the wall runs along the beam (lateral dropout).
        let (gw, gu) = (w / (a * a), u / (l * l));
        let (sin, cos) = self.placement.tilt_rad.sin_cos();
        // Normal in image coordinates: w axis = (cos, -sin), u axis (towards apex) = (-sin, -cos).
        let (nx, ny) = (gw * cos - gu * sin, -gw * sin - gu * cos);
        let r = lateral_cm.hypot(depth_cm).max(1e-9);
        let incidence = ((nx * lateral_cm + ny * depth_cm) / (nx.hypot(ny).max(1e-12) * r)).abs();
        let endo_line = if frac < 0.1 { 0.12 } else { 0.0 };
        let refl = MYOCARDIUM * (0.45 + 0.55 * incidence) + endo_line;
        let psi = u.atan2(w * l / a);
        let arc = psi * 0.5 * (a + l) / 0.16;
        Echo {
            reflectivity: refl,
            texture: Texture::Attached {
                a: arc,
                b: frac * t / 0.07,
            },
        }
    }
}

impl Scene for ApicalScene {
    fn echo(&self, lateral_cm: f64, depth_cm: f64) -> Echo {
        let (w, s) = self.placement.view_from_image(lateral_cm, depth_cm);
        let l = self.dims.length_cm;
        let a = self.dims.semi_cm(self.view);
        let t = self.dims.wall_cm;
        let u = l - s;
        let k = self.contraction;
        let four = self.view == ApicalView::FourChamber;

        // Valves: annulus hinges and leaflets (mitral; tricuspid in the 4-chamber view).
        let rv_a = 1.6 - 0.3 * k;
        let rv_w = -(a + t + rv_a);
        for hinge in [-a, a] {
            if (w - hinge).hypot(u) < 0.22 {
                return Echo::tissue(VALVE);
            }
            let [p, q] = self.leaflets(hinge, -hinge, self.valves_open);
            if dist_to_segment((w, u), p, q) < 0.07 {
                return Echo::tissue(VALVE * 0.9);
            }
        }
        if four {
            for hinge in [rv_w - rv_a, rv_w + rv_a] {
                let [p, q] = self.leaflets(hinge, 2.0 * rv_w - hinge, self.valves_open);
                if dist_to_segment((w, u), p, q) < 0.06 {
                    return Echo::tissue(VALVE * 0.8);
                }
            }
        }

        if u >= 0.0 {
            if ellipse(w, u, a, l) <= 1.0 {
                return Echo::BLOOD;
            }
            if ellipse(w, u, a + t, l + 0.65 * t) <= 1.0 {
                return self.myocardium_echo(w, u, lateral_cm, depth_cm);
            }
            if four {
                let rv_l = 0.75 * l;
                if ellipse(w - rv_w, u, rv_a, rv_l) <= 1.0 {
                    return Echo::BLOOD;
                }
                if ellipse(w - rv_w, u, rv_a + 0.4, rv_l + 0.4) <= 1.0 {
                    return Echo::tissue(MYOCARDIUM * 0.85);
                }
                // Septum: everything between the RV cavity and the LV epicardium.
                if w > rv_w && ellipse(w - rv_w, u, rv_a + 2.0, rv_l + 0.4) <= 1.0 {
                    return Echo::tissue(MYOCARDIUM * 0.8);
                }
                if ellipse(w - rv_w, u, rv_a + 0.7, rv_l + 0.7) <= 1.0 && w < rv_w {
                    return Echo::tissue(PERICARDIUM);
                }
            }
            let septal_side = four && w < 0.0;
            if !septal_side && ellipse(w, u, a + t + 0.3, l + 0.65 * t + 0.3) <= 1.0 {
                return Echo::tissue(PERICARDIUM);
            }
        } else {
            // Below the annulus plane: orifice, atrioventricular groove, atria.
            let gap = 0.45;
            if u > -gap {
                if w.abs() < a - 0.3 || (four && (w - rv_w).abs() < rv_a - 0.3) {
                    return Echo::BLOOD;
                }
                let right_edge = a + t + 0.4;
                let left_edge = if four { rv_w - rv_a - 0.8 } else { -right_edge };
                if w > left_edge && w < right_edge {
                    return Echo::tissue(0.2);
                }
            }
            let (la_a, la_b) = if four {
                (2.4, 2.5 + 0.35 * k)
            } else {
                (2.7, 2.6 + 0.35 * k)
            };
            let la_w = if four { 0.5 } else { 0.0 };
            let la = ellipse(w - la_w, u + gap + la_b, la_a, la_b);
            if la <= 1.0 {
                return Echo::BLOOD;
            }
            if four {
                let (ra_a, ra_b) = (1.9, 2.2 + 0.25 * k);
                let ra = ellipse(w - rv_w, u + gap + ra_b, ra_a, ra_b);
                if ra <= 1.0 {
                    return Echo::BLOOD;
                }
                if ellipse(w - rv_w, u + gap + ra_b, ra_a + 0.25, ra_b + 0.25) <= 1.0 {
                    return Echo::tissue(ATRIAL_WALL);
                }
            }
            if ellipse(w - la_w, u + gap + la_b, la_a + 0.25, la_b + 0.25) <= 1.0 {
                return Echo::tissue(ATRIAL_WALL);
            }
        }
        // Surrounding tissue with slowly varying brightness.
        let modulation = speckle(self.seed, lateral_cm / 1.2, depth_cm / 1.2);
        Echo::tissue(0.002 + 0.0035 * modulation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::lv::end_diastole;

    #[test]
    fn view_and_image_coordinates_invert() {
        let p = Placement {
            apex_lateral_cm: 0.3,
            apex_depth_cm: 2.0,
            tilt_rad: 8f64.to_radians(),
        };
        let (x, y) = p.image_from_view(1.5, 4.0);
        let (w, s) = p.view_from_image(x, y);
        assert!((w - 1.5).abs() < 1e-12 && (s - 4.0).abs() < 1e-12);
        let (ax, ay) = p.image_from_view(0.0, 0.0);
        assert!((ax - 0.3).abs() < 1e-12 && (ay - 2.0).abs() < 1e-12);
    }

    #[test]
    fn cavity_is_blood_and_wall_is_tissue() {
        let placement = Placement {
            apex_lateral_cm: 0.0,
            apex_depth_cm: 2.0,
            tilt_rad: 0.1,
        };
        let scene = ApicalScene {
            view: ApicalView::FourChamber,
            dims: end_diastole(),
            contraction: 0.0,
            valves_open: false,
            placement,
            seed: 1,
        };
        let centre = placement.image_from_view(0.0, 5.0);
        assert_eq!(scene.echo(centre.0, centre.1), Echo::BLOOD);
        // Just inside the lateral wall (a = 3.6) at mid level.
        let wall = placement.image_from_view(3.6 * (1.0 - 0.16f64).sqrt() + 0.4, 9.0 - 0.4 * 9.0);
        let e = scene.echo(wall.0, wall.1);
        assert!(e.reflectivity > 0.1, "{e:?}");
        assert!(matches!(e.texture, Texture::Attached { .. }));
    }
}
