//! Echo-like B-mode rendering: a scene says what tissue is at each point; this module turns that
//! into speckle (Rayleigh lattice noise, laterally elongated), depth gain, near-field haze, log
//! compression and reject, inside the sector only.

use super::raster::GrayImage;
use super::rng::speckle;
use super::scan::Sector;

/// What the scene holds at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Echo {
    /// Mean backscatter, 0 (black) to about 1 (bright specular).
    pub reflectivity: f64,
    /// Where the speckle pattern is anchored.
    pub texture: Texture,
}

/// How speckle is anchored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Texture {
    /// Fixed in the image (beam coordinates): static tissue and blood.
    Beam,
    /// Attached to moving tissue: lattice coordinates supplied by the scene, so the pattern
    /// moves with the wall from frame to frame.
    Attached {
        /// First lattice coordinate (cells).
        a: f64,
        /// Second lattice coordinate (cells).
        b: f64,
    },
}

impl Echo {
    /// Blood: almost black.
    pub const BLOOD: Self = Self {
        reflectivity: 0.003,
        texture: Texture::Beam,
    };

    /// Tissue of the given reflectivity with beam-fixed speckle.
    pub fn tissue(reflectivity: f64) -> Self {
        Self {
            reflectivity,
            texture: Texture::Beam,
        }
    }
}

/// A 2D scene: physical point (lateral cm, depth cm from the transducer) to echo.
pub trait Scene {
    /// The echo at one point.
    fn echo(&self, lateral_cm: f64, depth_cm: f64) -> Echo;
}

/// Axial speckle cell size, cm.
const AXIAL_CELL_CM: f64 = 0.06;
/// Lateral speckle cell size, radians of beam angle.
const LATERAL_CELL_RAD: f64 = 0.018;

/// Renders `scene` through `sector` into a `width` × `height` gray image (black outside).
pub fn render_bmode(
    sector: &Sector,
    scene: &dyn Scene,
    width: usize,
    height: usize,
    seed: u64,
) -> GrayImage {
    let mut img = GrayImage::new(width, height);
    let (bx0, by0, bx1, by1) = sector.bounds_px();
    for y in by0.max(0)..=by1.min(height as i64 - 1) {
        for x in bx0.max(0)..=bx1.min(width as i64 - 1) {
            let (lat, depth) = sector.cm_from_px(x as f64, y as f64);
            let w = sector.weight(lat, depth);
            if w <= 0.0 {
                continue;
            }
            let (r, theta) = sector.polar(lat, depth);
            let echo = scene.echo(lat, depth);
            let s = match echo.texture {
                Texture::Beam => speckle(seed, r / AXIAL_CELL_CM, theta / LATERAL_CELL_RAD),
                Texture::Attached { a, b } => speckle(seed ^ 0x5EED_A77A, a, b),
            };
            let gain = 0.8 + 0.4 * (r / sector.depth_cm);
            let haze =
                0.35 * (-depth / 0.6).exp() * speckle(seed ^ 0xC1u64, r / 0.08, theta / 0.03);
            let intensity = (echo.reflectivity * s * gain + haze) * w;
            img.put(x, y, compress(intensity));
        }
    }
    img
}

/// Log compression with reject: intensity 1 → 255 (clipped above), low echoes → 0.
pub fn compress(intensity: f64) -> u8 {
    const DYNAMIC: f64 = 60.0;
    const REJECT: f64 = 22.0;
    let db = (1.0 + DYNAMIC * intensity.max(0.0)).ln() / (1.0 + DYNAMIC).ln() * 255.0;
    let v = (db - REJECT) * 255.0 / (255.0 - REJECT);
    // Quantised to steps of 4 (a 6-bit display), which keeps RLE files small.
    ((v / 4.0).round() * 4.0).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Half;
    impl Scene for Half {
        fn echo(&self, lateral_cm: f64, _depth_cm: f64) -> Echo {
            if lateral_cm < 0.0 {
                Echo::BLOOD
            } else {
                Echo::tissue(0.5)
            }
        }
    }

    #[test]
    fn tissue_is_brighter_than_blood_and_outside_is_black() {
        let sector = Sector {
            apex_x_px: 50,
            apex_y_px: 0,
            spacing_cm: 0.05,
            half_angle_rad: 40f64.to_radians(),
            depth_cm: 4.0,
        };
        let img = render_bmode(&sector, &Half, 100, 90, 1);
        let mean = |x0: i64, x1: i64| {
            let mut s = 0.0;
            let mut n = 0.0;
            for y in 40..70 {
                for x in x0..x1 {
                    s += f64::from(img.get(x, y).unwrap_or(0));
                    n += 1.0;
                }
            }
            s / n
        };
        assert!(mean(55, 75) > 3.0 * mean(25, 45) + 20.0);
        assert_eq!(img.get(0, 5), Some(0));
        assert_eq!(img.get(99, 89), Some(0));
        assert_eq!(compress(0.0), 0);
        assert_eq!(compress(5.0), 255);
    }
}
