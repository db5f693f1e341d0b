//! Paired differences: Bland–Altman bias and 95 % limits of agreement, and the within-subject
//! coefficient of variation of duplicate measurements.
//!
//! Hand-written (a few lines of arithmetic; no crate offers them). References: Bland J.M.,
//! Altman D.G. (1986) *Statistical methods for assessing agreement between two methods of
//! clinical measurement*, Lancet i:307–310 (bias = mean difference, limits = bias ± 1.96 SD of
//! the differences, SD with n − 1); Bland J.M., Altman D.G. (1996) *Measurement error
//! proportional to the mean*, BMJ 313:744 (within-subject CV as the root mean square of the
//! per-subject CVs).

use serde::Serialize;

/// Bland–Altman summary of paired values (first − second).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BlandAltman {
    /// Mean difference.
    pub bias: f64,
    /// Lower and upper 95 % limits of agreement: bias ± 1.96 SD.
    pub loa: [f64; 2],
    /// Sample SD of the differences (n − 1).
    #[serde(skip)]
    pub sd: f64,
}

/// Bland–Altman bias and limits of `pairs` (first − second); None with fewer than 2 pairs or a
/// non-finite value.
pub fn bland_altman(pairs: &[(f64, f64)]) -> Option<BlandAltman> {
    let n = pairs.len();
    if n < 2 || pairs.iter().any(|(a, b)| !a.is_finite() || !b.is_finite()) {
        return None;
    }
    let diffs: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
    let bias = diffs.iter().sum::<f64>() / n as f64;
    let var = diffs.iter().map(|d| (d - bias).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let sd = var.sqrt();
    Some(BlandAltman {
        bias,
        loa: [bias - 1.96 * sd, bias + 1.96 * sd],
        sd,
    })
}

/// Within-subject coefficient of variation in percent of duplicate measurements: per subject
/// `s_i² = (a − b)²/2` and mean `m_i = (a + b)/2`; WSCV = 100 · √(mean of s_i²/m_i²). None with
/// no pairs, or when a subject's mean is 0.
pub fn wscv_percent(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let mut sum = 0.0;
    for &(a, b) in pairs {
        let m = (a + b) / 2.0;
        if m == 0.0 || !m.is_finite() {
            return None;
        }
        sum += ((a - b).powi(2) / 2.0) / (m * m);
    }
    let v = 100.0 * (sum / pairs.len() as f64).sqrt();
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_and_limits() {
        // Differences 1, 2, 3: mean 2, SD 1.
        let ba = bland_altman(&[(2.0, 1.0), (4.0, 2.0), (6.0, 3.0)]).unwrap();
        assert!((ba.bias - 2.0).abs() < 1e-12);
        assert!((ba.sd - 1.0).abs() < 1e-12);
        assert!((ba.loa[0] - 0.04).abs() < 1e-12 && (ba.loa[1] - 3.96).abs() < 1e-12);
        assert!(bland_altman(&[(1.0, 2.0)]).is_none());
    }

    #[test]
    fn wscv_of_duplicates() {
        // (9, 11): s² = 2, m = 10 → CV² = 0.02; (18, 22): same ratio → WSCV = √0.02 = 14.14 %.
        let v = wscv_percent(&[(9.0, 11.0), (18.0, 22.0)]).unwrap();
        assert!((v - 100.0 * 0.02f64.sqrt()).abs() < 1e-9, "{v}");
        assert_eq!(wscv_percent(&[(1.0, -1.0)]), None);
        assert_eq!(wscv_percent(&[(5.0, 5.0)]), Some(0.0));
    }
}
