//! Deterministic pseudo-random numbers for the sample study: a tiny xorshift generator and a
//! coordinate hash for lattice noise. No external crate, so regenerating gives identical bytes.

/// Xorshift64* generator with a fixed seed (Vigna 2016). Never seeded from the clock.
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A generator started from `seed` (a zero seed is replaced by a fixed non-zero constant).
    pub fn new(seed: u64) -> Self {
        let state = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
        Self { state }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Mixes a seed and two lattice coordinates into 64 well-spread bits (splitmix64 finaliser).
pub fn hash3(seed: u64, i: i64, j: i64) -> u64 {
    let mut z = seed
        ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in `(0, 1]` for lattice point `(i, j)`.
pub fn lattice_unit(seed: u64, i: i64, j: i64) -> f64 {
    ((hash3(seed, i, j) >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

/// Fully developed speckle amplitude at lattice point `(i, j)`: Rayleigh distributed with mean 1.
pub fn rayleigh(seed: u64, i: i64, j: i64) -> f64 {
    // Rayleigh(σ) has mean σ·√(π/2); σ = √(2/π) gives mean 1.
    let u = lattice_unit(seed, i, j);
    (-2.0 * u.ln()).sqrt() * (2.0 / std::f64::consts::PI).sqrt()
}

/// Bilinearly interpolated Rayleigh speckle at continuous lattice coordinates `(a, b)`.
pub fn speckle(seed: u64, a: f64, b: f64) -> f64 {
    let (ia, ib) = (a.floor(), b.floor());
    let (fa, fb) = (a - ia, b - ib);
    let (i, j) = (ia as i64, ib as i64);
    let v00 = rayleigh(seed, i, j);
    let v10 = rayleigh(seed, i + 1, j);
    let v01 = rayleigh(seed, i, j + 1);
    let v11 = rayleigh(seed, i + 1, j + 1);
    let top = v00 + (v10 - v00) * fa;
    let bottom = v01 + (v11 - v01) * fa;
    top + (bottom - top) * fb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_is_deterministic_and_uniform() {
        let mut a = XorShift64::new(42);
        let mut b = XorShift64::new(42);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let x = a.next_f64();
            assert_eq!(x.to_bits(), b.next_f64().to_bits());
            assert!((0.0..1.0).contains(&x));
            sum += x;
        }
        assert!((sum / 10_000.0 - 0.5).abs() < 0.02);
    }

    #[test]
    fn rayleigh_has_mean_one() {
        let n = 20_000;
        let mean: f64 = (0..n).map(|k| rayleigh(7, k, 3)).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
    }

    #[test]
    fn hash_changes_with_every_input() {
        assert_ne!(hash3(1, 2, 3), hash3(1, 3, 2));
        assert_ne!(hash3(1, 2, 3), hash3(2, 2, 3));
    }
}
