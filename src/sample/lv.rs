//! The left ventricle of the apical cines: a half-ellipsoid (apex at the top, mitral annulus at
//! the widest section) whose long axis L and two minor semi-axes (A4C plane `a`, A2C plane `b`)
//! shrink smoothly from end-diastole (frame 0) to end-systole and back.
//!
//! Volume of a half-ellipsoid: V = 2/3·π·a·b·L (cm³ = mL).

use std::f64::consts::PI;

/// LV size at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LvDims {
    /// Long axis, apex to the mitral annulus plane, cm.
    pub length_cm: f64,
    /// Minor semi-axis seen in the apical 4-chamber plane, cm.
    pub semi_a4c_cm: f64,
    /// Minor semi-axis seen in the apical 2-chamber plane, cm.
    pub semi_a2c_cm: f64,
    /// Wall thickness at the base and mid level, cm.
    pub wall_cm: f64,
}

impl LvDims {
    /// Exact half-ellipsoid volume, mL.
    pub fn volume_ml(&self) -> f64 {
        2.0 / 3.0 * PI * self.semi_a4c_cm * self.semi_a2c_cm * self.length_cm
    }

    /// Biplane method of disks on the exact cross-sections: `disks` disks of height L/disks,
    /// each diameter pair read at the middle of its disk (ASE/EACVI 2015, 20 disks).
    pub fn biplane_disks_ml(&self, disks: u32) -> f64 {
        let n = f64::from(disks);
        let h = self.length_cm / n;
        (0..disks)
            .map(|i| {
                let z = (f64::from(i) + 0.5) / n; // fraction of L from the base
                let shrink = 1.0 - z * z;
                let d_a = 2.0 * self.semi_a4c_cm * shrink.sqrt();
                let d_b = 2.0 * self.semi_a2c_cm * shrink.sqrt();
                PI / 4.0 * d_a * d_b * h
            })
            .sum()
    }

    /// The minor semi-axis seen in `view`.
    pub fn semi_cm(&self, view: ApicalView) -> f64 {
        match view {
            ApicalView::FourChamber => self.semi_a4c_cm,
            ApicalView::TwoChamber => self.semi_a2c_cm,
        }
    }

    /// Linear blend between `self` (k = 0) and `other` (k = 1).
    pub fn lerp(&self, other: &Self, k: f64) -> Self {
        let mix = |a: f64, b: f64| a + (b - a) * k;
        Self {
            length_cm: mix(self.length_cm, other.length_cm),
            semi_a4c_cm: mix(self.semi_a4c_cm, other.semi_a4c_cm),
            semi_a2c_cm: mix(self.semi_a2c_cm, other.semi_a2c_cm),
            wall_cm: mix(self.wall_cm, other.wall_cm),
        }
    }
}

/// The two apical planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApicalView {
    /// Apical 4-chamber.
    FourChamber,
    /// Apical 2-chamber.
    TwoChamber,
}

/// End-diastolic volume, mL.
pub const EDV_ML: f64 = 230.0;
/// End-systolic volume, mL.
pub const ESV_ML: f64 = 92.0;
/// Number of disks of the biplane method.
pub const DISKS: u32 = 20;

/// LV at end-diastole: L = 9.0 cm, a = 3.6 cm, b chosen so that V = [`EDV_ML`].
pub fn end_diastole() -> LvDims {
    let (length_cm, semi_a4c_cm) = (9.0, 3.6);
    LvDims {
        length_cm,
        semi_a4c_cm,
        semi_a2c_cm: EDV_ML / (2.0 / 3.0 * PI * length_cm * semi_a4c_cm),
        wall_cm: 0.9,
    }
}

/// LV at end-systole: L = 8.0 cm, a = 2.5 cm, b chosen so that V = [`ESV_ML`].
pub fn end_systole() -> LvDims {
    let (length_cm, semi_a4c_cm) = (8.0, 2.5);
    LvDims {
        length_cm,
        semi_a4c_cm,
        semi_a2c_cm: ESV_ML / (2.0 / 3.0 * PI * length_cm * semi_a4c_cm),
        wall_cm: 1.3,
    }
}

/// Cardiac timing of the cines: R wave (end-diastole) at t = 0, end-systole at `es_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardiacCycle {
    /// R–R interval, s.
    pub rr_s: f64,
    /// Time of end-systole after the R wave, s.
    pub es_s: f64,
}

impl CardiacCycle {
    /// Contraction state at time `t_s`: 0 at end-diastole, 1 at end-systole, smooth (cosine)
    /// in systole, rapid filling then diastasis and atrial kick in diastole.
    pub fn contraction(&self, t_s: f64) -> f64 {
        let t = t_s.rem_euclid(self.rr_s);
        if t <= self.es_s {
            0.5 - 0.5 * (PI * t / self.es_s).cos()
        } else {
            let tau = (t - self.es_s) / (self.rr_s - self.es_s);
            // 80 % of the refill in the first 45 % of diastole, the last 20 % at the end.
            if tau <= 0.45 {
                1.0 - 0.8 * (0.5 - 0.5 * (PI * tau / 0.45).cos())
            } else if tau <= 0.75 {
                0.2
            } else {
                0.2 * (0.5 + 0.5 * (PI * (tau - 0.75) / 0.25).cos())
            }
        }
    }

    /// Whether the mitral valve is open (diastole after isovolumic relaxation) at `t_s`.
    pub fn mitral_open(&self, t_s: f64) -> bool {
        let t = t_s.rem_euclid(self.rr_s);
        t > self.es_s + 0.04 && t < self.rr_s - 0.02
    }
}

/// LV dimensions at contraction state `k` (0 = ED, 1 = ES).
pub fn dims_at(k: f64) -> LvDims {
    end_diastole().lerp(&end_systole(), k)
}

/// Points of the endocardial half-ellipse in view coordinates `(w, s)` cm, where `w` is
/// across the long axis (positive to the image right) and `s` runs from the apex (0) to the
/// base plane (L). Starts at the left annulus hinge, passes the apex, ends at the right hinge.
pub fn contour_view_cm(dims: &LvDims, view: ApicalView, points: usize) -> Vec<(f64, f64)> {
    let a = dims.semi_cm(view);
    let l = dims.length_cm;
    let last = points.max(2) - 1;
    (0..=last)
        .map(|i| {
            let psi = PI * i as f64 / last as f64; // 0 at the left hinge, π at the right hinge
            let w = -a * psi.cos();
            let u = l * psi.sin();
            (w, l - u)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_and_ef_are_as_designed() {
        let ed = end_diastole();
        let es = end_systole();
        assert!((ed.volume_ml() - 230.0).abs() < 1e-9);
        assert!((es.volume_ml() - 92.0).abs() < 1e-9);
        let ef = (ed.volume_ml() - es.volume_ml()) / ed.volume_ml();
        assert!((ef - 0.6).abs() < 1e-12);
        assert!(ed.semi_a2c_cm < ed.semi_a4c_cm, "the two planes differ");
    }

    #[test]
    fn disks_converge_to_the_exact_volume() {
        let ed = end_diastole();
        // Midpoint rule: sum(1 - z_i^2) over 20 disks = 13.3375, exact integral 13.3333.
        let ratio = ed.biplane_disks_ml(DISKS) / ed.volume_ml();
        assert!((ratio - 13.3375 / (40.0 / 3.0)).abs() < 1e-12);
        assert!((ed.biplane_disks_ml(2000) / ed.volume_ml() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn contraction_is_zero_at_ed_one_at_es_and_periodic() {
        let c = CardiacCycle {
            rr_s: 0.8,
            es_s: 0.3,
        };
        assert!(c.contraction(0.0).abs() < 1e-12);
        assert!((c.contraction(0.3) - 1.0).abs() < 1e-12);
        assert!(c.contraction(0.8).abs() < 1e-9);
        for i in 0..80 {
            let t = f64::from(i) * 0.01;
            let k = c.contraction(t);
            assert!((0.0..=1.0).contains(&k));
            assert!(k <= 1.0 - 1e-9 || (t - 0.3).abs() < 1e-9);
        }
    }

    #[test]
    fn contour_runs_hinge_apex_hinge() {
        let ed = end_diastole();
        let c = contour_view_cm(&ed, ApicalView::FourChamber, 41);
        assert_eq!(c.len(), 41);
        assert!((c[0].0 + 3.6).abs() < 1e-12 && (c[0].1 - 9.0).abs() < 1e-12);
        assert!(c[20].0.abs() < 1e-12 && c[20].1.abs() < 1e-12);
        assert!((c[40].0 - 3.6).abs() < 1e-12);
    }
}
