//! LV contour specifics: the long axis (annulus midpoint → apex) and the disks, for display and
//! for the axis handles.
//!
//! The contour is traced hinge → apex → hinge with the path tool. The axis is the library's
//! ([`crate::measure::geometry::long_axis`]): from the midpoint of the two hinge points to the
//! contour point farthest from it. It is adjusted by dragging its ends: the apex handle is that
//! contour point, the base handle moves both hinges. The disk lines drawn here only show where
//! the library measures; the volume always comes from the library.

use egui::{Pos2, Vec2, pos2};

use crate::measure::geometry::{DISKS, long_axis};

/// The annulus midpoint (between the first and last contour points).
pub fn base_point(points: &[Pos2]) -> Option<Pos2> {
    let first = points.first()?;
    let last = points.last()?;
    (points.len() >= 3).then(|| first.lerp(*last, 0.5))
}

/// Moves the annulus midpoint to `to` by moving both hinge points by the same amount.
pub fn move_base(points: &mut [Pos2], to: Pos2) {
    let Some(base) = base_point(points) else {
        return;
    };
    let delta = to - base;
    let n = points.len();
    if let Some(p) = points.first_mut() {
        *p += delta;
    }
    if n > 1
        && let Some(p) = points.last_mut()
    {
        *p += delta;
    }
}

/// The long axis in image pixels: `(base, apex)`, from the library's definition.
pub fn axis(points: &[Pos2]) -> Option<(Pos2, Pos2)> {
    let pts: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [f64::from(p.x), f64::from(p.y)])
        .collect();
    let axis = long_axis(&pts).ok()?;
    Some((
        pos2(axis.base[0] as f32, axis.base[1] as f32),
        pos2(axis.apex[0] as f32, axis.apex[1] as f32),
    ))
}

/// The disk lines to draw: for each of the 20 disks, the chord of the contour perpendicular to
/// the axis at the disk's mid-level (image pixels). Disks the contour does not span are skipped.
pub fn disk_chords(points: &[Pos2]) -> Vec<[Pos2; 2]> {
    let Some((base, apex)) = axis(points) else {
        return Vec::new();
    };
    let along = apex - base;
    let length = along.length();
    if length <= f32::EPSILON {
        return Vec::new();
    }
    let u = along / length;
    let n = Vec2::new(-u.y, u.x);
    let local: Vec<(f32, f32)> = points
        .iter()
        .map(|p| {
            let d = *p - base;
            (d.dot(u), d.dot(n))
        })
        .collect();
    let count = local.len();
    let mut chords = Vec::with_capacity(DISKS);
    for disk in 0..DISKS {
        let level = (disk as f32 + 0.5) / DISKS as f32 * length;
        let mut lo = f32::INFINITY;
        let mut hi = f32::NEG_INFINITY;
        for i in 0..count {
            let (a0, s0) = local[i];
            let (a1, s1) = local[(i + 1) % count];
            if (a0 - level) * (a1 - level) <= 0.0 && (a1 - a0).abs() > f32::EPSILON {
                let s = s0 + (s1 - s0) * (level - a0) / (a1 - a0);
                lo = lo.min(s);
                hi = hi.max(s);
            }
        }
        if lo.is_finite() && hi.is_finite() && hi > lo {
            let centre = base + u * level;
            chords.push([centre + n * lo, centre + n * hi]);
        }
    }
    chords
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dome() -> Vec<Pos2> {
        // Hinges at (0,100) and (40,100), apex at (20,0).
        let mut pts = Vec::new();
        for i in 0..=20 {
            let t = i as f32 / 20.0 * std::f32::consts::PI;
            pts.push(pos2(20.0 - 20.0 * t.cos(), 100.0 - 100.0 * t.sin()));
        }
        pts
    }

    #[test]
    fn axis_runs_from_annulus_midpoint_to_apex() {
        let (base, apex) = axis(&dome()).expect("test value");
        assert!((base - pos2(20.0, 100.0)).length() < 1e-3);
        assert!((apex - pos2(20.0, 0.0)).length() < 1e-3);
    }

    #[test]
    fn twenty_disks_are_perpendicular_chords() {
        let chords = disk_chords(&dome());
        assert_eq!(chords.len(), DISKS);
        for [a, b] in &chords {
            assert!(
                (a.y - b.y).abs() < 1e-3,
                "horizontal chord for a vertical axis"
            );
        }
        // The first disk is near the annulus and nearly as wide as it.
        let w0 = (chords[0][1] - chords[0][0]).length();
        assert!(w0 > 35.0 && w0 <= 40.0, "{w0}");
    }

    #[test]
    fn moving_the_base_moves_both_hinges() {
        let mut pts = dome();
        move_base(&mut pts, pos2(25.0, 110.0));
        assert!((pts[0] - pos2(5.0, 110.0)).length() < 1e-3);
        assert!((pts[20] - pos2(45.0, 110.0)).length() < 1e-3);
        assert!((base_point(&pts).expect("test value") - pos2(25.0, 110.0)).length() < 1e-3);
    }
}
