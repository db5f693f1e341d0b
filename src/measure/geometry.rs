//! Pure geometry on physical coordinates (no DICOM types; callers convert pixels first).
//!
//! 2D points are `[x_cm, y_cm]`; spectral envelope points are `[t_s, v_cm_s]`. Volumes come out
//! in cm³ = mL.
//!
//! LV volumes follow ASE/EACVI 2015 (Lang et al.) §5.1 of the reference: the long axis runs from
//! the midpoint of the mitral annulus (first and last contour points) to the apex (the contour
//! point farthest from that midpoint); it is cut into 20 disks of equal height and each disk's
//! diameter is the contour's width perpendicular to the axis at the disk's mid-level.
//! Biplane: `V = π/4 · Σ aᵢ·bᵢ · L/20` with the longer of the two lengths (engine policy).
//! Single plane: `V = π/4 · Σ aᵢ² · L/20`. Area–length: `V = 8·A² / (3π·L)`.

use std::f64::consts::PI;

/// Number of disks in the method of disks.
pub const DISKS: usize = 20;

/// A geometry input could not be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// Too few points for the shape.
    #[error("{what} needs at least {needed} points, got {got}")]
    TooFewPoints {
        /// What was being measured.
        what: &'static str,
        /// Minimum number of points.
        needed: usize,
        /// Points given.
        got: usize,
    },
    /// A coordinate is NaN or infinite.
    #[error("{what} has a non-finite coordinate")]
    NonFinite {
        /// What was being measured.
        what: &'static str,
    },
    /// The contour has no length from annulus to apex.
    #[error("LV contour has zero length from annulus midpoint to apex")]
    DegenerateAxis,
    /// A disk level crosses the contour fewer than twice.
    #[error("LV contour does not span disk {disk} of {DISKS} (is it traced hinge → apex → hinge?)")]
    DiskNotSpanned {
        /// 1-based disk number from the annulus.
        disk: usize,
    },
}

fn check(points: &[[f64; 2]], what: &'static str, needed: usize) -> Result<(), GeometryError> {
    if points.len() < needed {
        return Err(GeometryError::TooFewPoints {
            what,
            needed,
            got: points.len(),
        });
    }
    if points.iter().flatten().any(|c| !c.is_finite()) {
        return Err(GeometryError::NonFinite { what });
    }
    Ok(())
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Distance between two caliper points.
pub fn caliper_length(a: [f64; 2], b: [f64; 2]) -> f64 {
    dist(a, b)
}

/// Length of an open polyline.
pub fn polyline_length(points: &[[f64; 2]]) -> f64 {
    points.windows(2).map(|w| dist(w[0], w[1])).sum()
}

/// Area enclosed by a polygon (shoelace formula; the polygon is closed implicitly).
pub fn polygon_area(points: &[[f64; 2]]) -> Result<f64, GeometryError> {
    check(points, "area trace", 3)?;
    let n = points.len();
    let twice: f64 = (0..n)
        .map(|i| {
            let p = points[i];
            let q = points[(i + 1) % n];
            p[0] * q[1] - q[0] * p[1]
        })
        .sum();
    Ok(twice.abs() / 2.0)
}

/// The long axis of an LV contour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongAxis {
    /// Midpoint of the mitral annulus (between the first and last contour points).
    pub base: [f64; 2],
    /// The apex (contour point farthest from `base`).
    pub apex: [f64; 2],
    /// Length base → apex (cm).
    pub length_cm: f64,
}

/// Finds the long axis of an open LV contour (hinge → apex → hinge).
pub fn long_axis(contour: &[[f64; 2]]) -> Result<LongAxis, GeometryError> {
    check(contour, "LV contour", 3)?;
    let first = contour[0];
    let last = contour[contour.len() - 1];
    let base = [(first[0] + last[0]) / 2.0, (first[1] + last[1]) / 2.0];
    let mut apex = first;
    let mut best = -1.0;
    for &p in contour {
        let d = dist(base, p);
        if d > best {
            best = d;
            apex = p;
        }
    }
    if best <= 0.0 {
        return Err(GeometryError::DegenerateAxis);
    }
    Ok(LongAxis {
        base,
        apex,
        length_cm: best,
    })
}

/// Disk diameters (cm) of one LV view: the contour's width perpendicular to the long axis at the
/// mid-level of each of the 20 disks, from the annulus to the apex.
pub fn disk_diameters(contour: &[[f64; 2]]) -> Result<(LongAxis, Vec<f64>), GeometryError> {
    let axis = long_axis(contour)?;
    let u = [
        (axis.apex[0] - axis.base[0]) / axis.length_cm,
        (axis.apex[1] - axis.base[1]) / axis.length_cm,
    ];
    let n = [-u[1], u[0]];
    // Coordinates of every contour point along (a) and across (s) the axis.
    let local: Vec<(f64, f64)> = contour
        .iter()
        .map(|p| {
            let d = [p[0] - axis.base[0], p[1] - axis.base[1]];
            (d[0] * u[0] + d[1] * u[1], d[0] * n[0] + d[1] * n[1])
        })
        .collect();
    let count = local.len();
    let mut diameters = Vec::with_capacity(DISKS);
    for disk in 0..DISKS {
        let level = (disk as f64 + 0.5) / DISKS as f64 * axis.length_cm;
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        // Segments of the closed contour (the last one is the annulus line back to the start).
        for i in 0..count {
            let (a0, s0) = local[i];
            let (a1, s1) = local[(i + 1) % count];
            let (d0, d1) = (a0 - level, a1 - level);
            if (d0 <= 0.0 && d1 >= 0.0) || (d0 >= 0.0 && d1 <= 0.0) {
                if (a1 - a0).abs() < f64::EPSILON {
                    // Segment lies along the level line: both ends count.
                    lo = lo.min(s0.min(s1));
                    hi = hi.max(s0.max(s1));
                } else {
                    let s = s0 + (s1 - s0) * (level - a0) / (a1 - a0);
                    lo = lo.min(s);
                    hi = hi.max(s);
                }
            }
        }
        let width = hi - lo;
        if width.is_nan() || width <= 0.0 {
            return Err(GeometryError::DiskNotSpanned { disk: disk + 1 });
        }
        diameters.push(width);
    }
    Ok((axis, diameters))
}

/// A volume by the method of disks with what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskVolume {
    /// The volume (mL).
    pub volume_ml: f64,
    /// The length used for the disk height (cm): the longer one in biplane.
    pub length_cm: f64,
    /// Length of each view (A4C, then A2C when biplane).
    pub view_lengths_cm: Vec<f64>,
}

/// Biplane method of disks from two orthogonal apical contours (A4C and A2C, same phase).
pub fn biplane_disks_volume(
    a4c: &[[f64; 2]],
    a2c: &[[f64; 2]],
) -> Result<DiskVolume, GeometryError> {
    let (axis_a, da) = disk_diameters(a4c)?;
    let (axis_b, db) = disk_diameters(a2c)?;
    let length = axis_a.length_cm.max(axis_b.length_cm);
    let sum: f64 = da.iter().zip(&db).map(|(a, b)| a * b).sum();
    Ok(DiskVolume {
        volume_ml: PI / 4.0 * sum * length / DISKS as f64,
        length_cm: length,
        view_lengths_cm: vec![axis_a.length_cm, axis_b.length_cm],
    })
}

/// LV volumes and EF from the four apical contours by the biplane method of disks.
#[derive(Debug, Clone, PartialEq)]
pub struct LvVolumes {
    /// End-diastolic volume (mL).
    pub edv: DiskVolume,
    /// End-systolic volume (mL).
    pub esv: DiskVolume,
    /// Ejection fraction (%), None when EDV is not positive.
    pub ef_percent: Option<f64>,
}

/// Biplane EDV, ESV and EF from the A4C and A2C contours at end-diastole and end-systole.
pub fn biplane_lv_volumes(
    a4c_ed: &[[f64; 2]],
    a2c_ed: &[[f64; 2]],
    a4c_es: &[[f64; 2]],
    a2c_es: &[[f64; 2]],
) -> Result<LvVolumes, GeometryError> {
    let edv = biplane_disks_volume(a4c_ed, a2c_ed)?;
    let esv = biplane_disks_volume(a4c_es, a2c_es)?;
    let ef_percent =
        (edv.volume_ml > 0.0).then(|| (edv.volume_ml - esv.volume_ml) / edv.volume_ml * 100.0);
    Ok(LvVolumes {
        edv,
        esv,
        ef_percent,
    })
}

/// Single-plane method of disks: `V = π/4 · Σ aᵢ² · L/20`.
pub fn single_plane_disks_volume(contour: &[[f64; 2]]) -> Result<DiskVolume, GeometryError> {
    let (axis, d) = disk_diameters(contour)?;
    let sum: f64 = d.iter().map(|a| a * a).sum();
    Ok(DiskVolume {
        volume_ml: PI / 4.0 * sum * axis.length_cm / DISKS as f64,
        length_cm: axis.length_cm,
        view_lengths_cm: vec![axis.length_cm],
    })
}

/// Single-plane area–length volume `V = 8·A² / (3π·L)` (A in cm², L in cm, V in mL).
pub fn area_length_volume(area_cm2: f64, length_cm: f64) -> Option<f64> {
    (length_cm > 0.0 && area_cm2.is_finite())
        .then(|| 8.0 * area_cm2 * area_cm2 / (3.0 * PI * length_cm))
}

/// Area–length volume of one contour: the enclosed area (contour closed along the annulus) and its
/// long axis.
pub fn contour_area_length_volume(contour: &[[f64; 2]]) -> Result<f64, GeometryError> {
    let axis = long_axis(contour)?;
    let area = polygon_area(contour)?;
    area_length_volume(area, axis.length_cm).ok_or(GeometryError::DegenerateAxis)
}

/// Peak |velocity| (cm/s) of a spectral envelope of `[t_s, v_cm_s]` points.
pub fn doppler_peak(envelope: &[[f64; 2]]) -> Result<f64, GeometryError> {
    check(envelope, "Doppler envelope", 1)?;
    Ok(envelope.iter().map(|p| p[1].abs()).fold(0.0, f64::max))
}

/// The direction of the peak sample of a spectral trace (the sample whose |v| is largest): the
/// provenance kept beside the magnitude [`doppler_peak`] returns.
pub fn doppler_direction(envelope: &[[f64; 2]]) -> Option<super::FlowDirection> {
    let peak = envelope
        .iter()
        .max_by(|a, b| a[1].abs().total_cmp(&b[1].abs()))?;
    super::FlowDirection::of(peak[1])
}

/// Velocity–time integral (cm) of a spectral envelope: trapezoid rule on |v| over |Δt|.
pub fn doppler_vti(envelope: &[[f64; 2]]) -> Result<f64, GeometryError> {
    check(envelope, "Doppler envelope", 2)?;
    Ok(envelope
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]).abs() * (w[0][1].abs() + w[1][1].abs()) / 2.0)
        .sum())
}

/// Peak gradient (mmHg) by the simplified Bernoulli equation, `4·v²` with v in m/s.
pub fn bernoulli_gradient_mmhg(velocity_cm_s: f64) -> f64 {
    let v = velocity_cm_s / 100.0;
    4.0 * v * v
}
