//! The MR formulas as pure functions (reference §4), canonical units in and out.
//!
//! Lengths cm, velocities cm/s, areas cm², volumes mL, flow mL/s, angles degrees, fractions %.

use std::f64::consts::PI;

/// PISA flow rate (mL/s): `Q = 2π·r²·Va·(α/180)`.
pub fn pisa_flow(radius_cm: f64, alias_velocity_cm_s: f64, angle_deg: f64) -> f64 {
    2.0 * PI * radius_cm * radius_cm * alias_velocity_cm_s * (angle_deg / 180.0)
}

/// EROA (cm²) = PISA flow / peak MR velocity (cm/s). None when Vmax is not positive.
pub fn eroa(flow_ml_s: f64, vmax_cm_s: f64) -> Option<f64> {
    (vmax_cm_s > 0.0).then(|| flow_ml_s / vmax_cm_s)
}

/// Simplified PISA `r²/2` (cm²): a QC cross-check valid for Va = 40 cm/s and Vmax = 5 m/s only.
pub fn eroa_simplified(radius_cm: f64) -> f64 {
    radius_cm * radius_cm / 2.0
}

/// Regurgitant volume by PISA (mL) = EROA (cm²) × MR VTI (cm).
pub fn rvol_pisa(eroa_cm2: f64, vti_cm: f64) -> f64 {
    eroa_cm2 * vti_cm
}

/// Stroke volume through a circular orifice (mL) = π·(D/2)²·VTI.
pub fn stroke_volume(diameter_cm: f64, vti_cm: f64) -> f64 {
    let r = diameter_cm / 2.0;
    PI * r * r * vti_cm
}

/// Regurgitant fraction (%) = RVol / total SV × 100. None when the total is not positive.
///
/// The denominator is the **total** stroke volume (regurgitant + forward), never the forward
/// stroke volume alone.
pub fn regurgitant_fraction(rvol_ml: f64, total_sv_ml: f64) -> Option<f64> {
    (total_sv_ml > 0.0).then(|| rvol_ml / total_sv_ml * 100.0)
}

/// RF for PISA (%): `RVol / (RVol + SV_LVOT) × 100` (valid without significant AR).
pub fn rf_pisa(rvol_ml: f64, sv_lvot_ml: f64) -> Option<f64> {
    regurgitant_fraction(rvol_ml, rvol_ml + sv_lvot_ml)
}

/// Volumetric RVol (mL) = total SV − forward (LVOT) SV.
pub fn rvol_volumetric(total_sv_ml: f64, sv_lvot_ml: f64) -> f64 {
    total_sv_ml - sv_lvot_ml
}

/// Ejection fraction (%) = (EDV − ESV)/EDV × 100. None when EDV is not positive.
pub fn ejection_fraction(edv_ml: f64, esv_ml: f64) -> Option<f64> {
    (edv_ml > 0.0).then(|| (edv_ml - esv_ml) / edv_ml * 100.0)
}

/// Jet area / LA area (%). None when the LA area is not positive.
pub fn jet_la_ratio(jet_area_cm2: f64, la_area_cm2: f64) -> Option<f64> {
    (la_area_cm2 > 0.0).then(|| jet_area_cm2 / la_area_cm2 * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn case1_numbers() {
        let q = pisa_flow(1.0, 40.0, 180.0);
        assert!(close(q, 251.3274, 1e-4));
        let e = eroa(q, 500.0).unwrap_or(f64::NAN);
        assert!(close(e, 0.502655, 1e-6));
        let rv = rvol_pisa(e, 150.0);
        assert!(close(rv, 75.3982, 1e-4));
        let sv = stroke_volume(2.0, 20.0);
        assert!(close(sv, 62.8319, 1e-4));
        let rf = rf_pisa(rv, sv).unwrap_or(f64::NAN);
        assert!(close(rf, 54.5455, 1e-3));
    }

    #[test]
    fn constrained_angle_halves_flow_at_90_degrees() {
        let full = pisa_flow(0.8, 30.0, 180.0);
        let half = pisa_flow(0.8, 30.0, 90.0);
        assert!(close(half * 2.0, full, 1e-12));
    }

    #[test]
    fn rf_uses_total_not_forward_stroke_volume() {
        // RVol 40 mL, forward 60 mL: RF = 40/100 = 40 %, not 40/60 = 66.7 %.
        assert_eq!(rf_pisa(40.0, 60.0), Some(40.0));
        assert_eq!(regurgitant_fraction(40.0, 0.0), None);
    }

    #[test]
    fn ef_and_ratio() {
        assert_eq!(ejection_fraction(344.0, 258.0), Some(25.0));
        assert_eq!(ejection_fraction(0.0, 0.0), None);
        assert_eq!(jet_la_ratio(5.0, 20.0), Some(25.0));
        assert_eq!(eroa(1.0, 0.0), None);
    }
}
