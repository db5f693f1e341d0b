//! Rounding to 2 decimals, half away from zero, in integer hundredths.
//!
//! Values are computed in f64 at full precision. For display and for every threshold comparison
//! they are rounded to 2 decimals, half away from zero, and compared as integer hundredths (no
//! float equality). Rounding works on the shortest decimal text that round-trips the f64 (the
//! number as a reader would type it), so `0.285` rounds to `0.29` even though the nearest binary
//! double is a hair below it. Values are never rounded to integers before grading (RF 49.79 %
//! stays 49.79, not 50).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A value rounded to hundredths (`123` means 1.23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// Rounds `value` half away from zero to 2 decimals; None for NaN, infinities and values whose
    /// hundredths do not fit in an i64.
    pub fn round(value: f64) -> Option<Hundredths> {
        if !value.is_finite() {
            return None;
        }
        // Rust's Display for f64 prints the shortest round-trip decimal, never in exponent form.
        let text = format!("{}", value.abs());
        let (int_part, frac_part) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text.as_str(), ""),
        };
        let int: i64 = int_part.parse().ok()?;
        let mut digits = frac_part.bytes().map(|b| i64::from(b - b'0'));
        let d1 = digits.next().unwrap_or(0);
        let d2 = digits.next().unwrap_or(0);
        let d3 = digits.next().unwrap_or(0);
        let mut h = int.checked_mul(100)?.checked_add(d1 * 10 + d2)?;
        if d3 >= 5 {
            h = h.checked_add(1)?;
        }
        Some(Hundredths(if value < 0.0 { -h } else { h }))
    }

    /// The rounded value as f64 (e.g. 0.5 for `Hundredths(50)`).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// `value` rounded and shown with 2 decimals (`"0.50"`); `"—"` when not finite.
pub fn display_2dp(value: f64) -> String {
    Hundredths::round(value).map_or_else(|| "—".to_owned(), |h| h.to_string())
}

/// A comparison operator with its strictness, as written in a guideline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Strictly greater.
    #[serde(rename = ">")]
    Gt,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
    /// Strictly less.
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    /// Does `value OP threshold` hold (both in hundredths)?
    pub fn holds(self, value: Hundredths, threshold: Hundredths) -> bool {
        let ord = value.cmp(&threshold);
        match self {
            Op::Ge => ord != Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
            Op::Le => ord != Ordering::Greater,
            Op::Lt => ord == Ordering::Less,
        }
    }

    /// The mathematical symbol (`≥`, `>`, `≤`, `<`).
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Lt => "<",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Hundredths::round(0.502655), Some(Hundredths(50)));
        assert_eq!(Hundredths::round(0.285), Some(Hundredths(29)));
        assert_eq!(Hundredths::round(0.295), Some(Hundredths(30)));
        assert_eq!(Hundredths::round(0.2949999), Some(Hundredths(29)));
        assert_eq!(Hundredths::round(-0.285), Some(Hundredths(-29)));
        assert_eq!(Hundredths::round(49.79), Some(Hundredths(4979)));
        assert_eq!(Hundredths::round(49.995), Some(Hundredths(5000)));
        assert_eq!(Hundredths::round(1.005), Some(Hundredths(101)));
        assert_eq!(Hundredths::round(60.0), Some(Hundredths(6000)));
        assert_eq!(Hundredths::round(1e-9), Some(Hundredths(0)));
        assert_eq!(Hundredths::round(f64::NAN), None);
        assert_eq!(Hundredths::round(1e300), None);
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(display_2dp(75.39822368615503), "75.40");
        assert_eq!(display_2dp(0.080_424_771_931_898_7), "0.08");
        assert_eq!(display_2dp(-0.004), "0.00");
        assert_eq!(display_2dp(-1.5), "-1.50");
        assert_eq!(display_2dp(f64::INFINITY), "—");
    }

    #[test]
    fn strictness() {
        let t = Hundredths(50);
        assert!(Op::Ge.holds(Hundredths(50), t));
        assert!(!Op::Gt.holds(Hundredths(50), t));
        assert!(Op::Gt.holds(Hundredths(51), t));
        assert!(!Op::Lt.holds(Hundredths(50), t));
        assert!(Op::Le.holds(Hundredths(50), t));
        assert!(Op::Lt.holds(Hundredths(49), t));
    }
}
