//! Intraclass correlation coefficients of an n subjects × k raters table, with 95 % confidence
//! intervals.
//!
//! Hand-written because no maintained Rust crate computes ICCs; the F quantiles come from
//! `statrs`. Formulas: Shrout P.E., Fleiss J.L. (1979) *Intraclass correlations: uses in assessing
//! rater reliability*, Psychol. Bull. 86(2):420–428, and McGraw K.O., Wong S.P. (1996) *Forming
//! inferences about some intraclass correlation coefficients*, Psychol. Methods 1(1):30–46
//! (Table 7, cases 2A and 3). The two-way ANOVA mean squares are those of Shrout & Fleiss
//! Table 2 (rows = targets, columns = judges, one rating per cell).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF as _, FisherSnedecor};

/// An estimate with its two-sided 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower and upper 95 % confidence limits (None when the interval is undefined, e.g. a
    /// table without any within-subject variation).
    pub ci95: Option<[f64; 2]>,
}

/// The two-way ANOVA of an n × k table (one rating per cell).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoWayAnova {
    /// Subjects (targets), n ≥ 2.
    pub n: usize,
    /// Raters (judges), k ≥ 2.
    pub k: usize,
    /// Between-subjects mean square (BMS), df n − 1.
    pub ms_rows: f64,
    /// Between-raters mean square (JMS), df k − 1.
    pub ms_cols: f64,
    /// Residual mean square (EMS), df (n − 1)(k − 1).
    pub ms_error: f64,
}

impl TwoWayAnova {
    /// The ANOVA of `rows` (each row one subject's k ratings). None unless n ≥ 2, k ≥ 2, every row
    /// has k values and every value is finite.
    pub fn of(rows: &[Vec<f64>]) -> Option<TwoWayAnova> {
        let n = rows.len();
        let k = rows.first()?.len();
        if n < 2
            || k < 2
            || rows
                .iter()
                .any(|r| r.len() != k || r.iter().any(|v| !v.is_finite()))
        {
            return None;
        }
        let (nf, kf) = (n as f64, k as f64);
        let grand = rows.iter().flatten().sum::<f64>() / (nf * kf);
        let ss_total: f64 = rows.iter().flatten().map(|v| (v - grand).powi(2)).sum();
        let ss_rows: f64 = rows
            .iter()
            .map(|r| (r.iter().sum::<f64>() / kf - grand).powi(2))
            .sum::<f64>()
            * kf;
        let ss_cols: f64 = (0..k)
            .map(|j| (rows.iter().filter_map(|r| r.get(j)).sum::<f64>() / nf - grand).powi(2))
            .sum::<f64>()
            * nf;
        let ss_error = (ss_total - ss_rows - ss_cols).max(0.0);
        Some(TwoWayAnova {
            n,
            k,
            ms_rows: ss_rows / (nf - 1.0),
            ms_cols: ss_cols / (kf - 1.0),
            ms_error: ss_error / ((nf - 1.0) * (kf - 1.0)),
        })
    }

    fn df_rows(&self) -> f64 {
        self.n as f64 - 1.0
    }

    fn df_error(&self) -> f64 {
        (self.n as f64 - 1.0) * (self.k as f64 - 1.0)
    }
}

/// Upper `1 − alpha/2` quantile of F(d1, d2), None for impossible degrees of freedom.
fn f_upper(d1: f64, d2: f64, alpha: f64) -> Option<f64> {
    let dist = FisherSnedecor::new(d1, d2).ok()?;
    let q = dist.inverse_cdf(1.0 - alpha / 2.0);
    q.is_finite().then_some(q)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// ICC(2,1): two-way random effects, absolute agreement, single rater (Shrout & Fleiss case 2;
/// McGraw & Wong ICC(A,1)):
/// `(BMS − EMS) / (BMS + (k − 1)·EMS + k·(JMS − EMS)/n)`.
///
/// The interval uses the Satterthwaite degrees of freedom of McGraw & Wong (1996) Table 7,
/// case 2A (the same approximation as Shrout & Fleiss eq. 11–13).
pub fn icc_2_1(a: &TwoWayAnova) -> Option<Estimate> {
    let (n, k) = (a.n as f64, a.k as f64);
    let (bms, jms, ems) = (a.ms_rows, a.ms_cols, a.ms_error);
    let value = finite((bms - ems) / (bms + (k - 1.0) * ems + k * (jms - ems) / n))?;
    let ci95 = (|| {
        if value >= 1.0 {
            return None;
        }
        let ra = k * value / (n * (1.0 - value));
        let rb = 1.0 + k * value * (n - 1.0) / (n * (1.0 - value));
        let v = (ra * jms + rb * ems).powi(2)
            / ((ra * jms).powi(2) / (k - 1.0) + (rb * ems).powi(2) / a.df_error());
        let fl = f_upper(a.df_rows(), v, 0.05)?;
        let fu = f_upper(v, a.df_rows(), 0.05)?;
        let spread = k * jms + (k * n - k - n) * ems;
        let lo = n * (bms - fl * ems) / (fl * spread + n * bms);
        let hi = n * (fu * bms - ems) / (spread + n * fu * bms);
        Some([finite(lo)?, finite(hi)?])
    })();
    Some(Estimate { value, ci95 })
}

/// ICC(3,1): two-way mixed effects, consistency, single rater (Shrout & Fleiss case 3; McGraw &
/// Wong ICC(C,1)): `(BMS − EMS) / (BMS + (k − 1)·EMS)`, interval from `F0 = BMS/EMS` with
/// (n − 1, (n − 1)(k − 1)) degrees of freedom (Shrout & Fleiss eq. 14–15).
pub fn icc_3_1(a: &TwoWayAnova) -> Option<Estimate> {
    let k = a.k as f64;
    let (bms, ems) = (a.ms_rows, a.ms_error);
    let value = finite((bms - ems) / (bms + (k - 1.0) * ems))?;
    let ci95 = (|| {
        let f0 = finite(bms / ems)?;
        let fl = f0 / f_upper(a.df_rows(), a.df_error(), 0.05)?;
        let fu = f0 * f_upper(a.df_error(), a.df_rows(), 0.05)?;
        Some([
            finite((fl - 1.0) / (fl + k - 1.0))?,
            finite((fu - 1.0) / (fu + k - 1.0))?,
        ])
    })();
    Some(Estimate { value, ci95 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shrout & Fleiss (1979) Table 2: six targets rated by four judges.
    fn shrout_fleiss() -> Vec<Vec<f64>> {
        [
            [9.0, 2.0, 5.0, 8.0],
            [6.0, 1.0, 3.0, 2.0],
            [8.0, 4.0, 6.0, 8.0],
            [7.0, 1.0, 2.0, 6.0],
            [10.0, 5.0, 6.0, 9.0],
            [6.0, 2.0, 4.0, 7.0],
        ]
        .iter()
        .map(|r| r.to_vec())
        .collect()
    }

    #[test]
    fn shrout_fleiss_table_2_mean_squares() {
        let a = TwoWayAnova::of(&shrout_fleiss()).unwrap();
        // Shrout & Fleiss Table 2: BMS 11.24, JMS 32.49, EMS 1.02.
        assert!((a.ms_rows - 11.24).abs() < 0.005, "{a:?}");
        assert!((a.ms_cols - 32.49).abs() < 0.005, "{a:?}");
        assert!((a.ms_error - 1.02).abs() < 0.005, "{a:?}");
    }

    #[test]
    fn shrout_fleiss_published_iccs_and_intervals() {
        let a = TwoWayAnova::of(&shrout_fleiss()).unwrap();
        let icc2 = icc_2_1(&a).unwrap();
        let icc3 = icc_3_1(&a).unwrap();
        // Published: ICC(2,1) = .29, ICC(3,1) = .71.
        assert!((icc2.value - 0.29).abs() < 0.005, "{icc2:?}");
        assert!((icc3.value - 0.71).abs() < 0.005, "{icc3:?}");
        // 95 % intervals of the same data as printed by R psych::ICC: ICC2 0.019 – 0.76,
        // ICC3 0.34 – 0.95.
        let [lo2, hi2] = icc2.ci95.unwrap();
        assert!((lo2 - 0.019).abs() < 0.001, "{icc2:?}");
        assert!((hi2 - 0.76).abs() < 0.005, "{icc2:?}");
        let [lo3, hi3] = icc3.ci95.unwrap();
        assert!((lo3 - 0.34).abs() < 0.005, "{icc3:?}");
        assert!((hi3 - 0.95).abs() < 0.005, "{icc3:?}");
    }

    #[test]
    fn perfect_agreement_has_icc_one_and_no_interval() {
        let rows = vec![vec![1.0, 1.0], vec![2.0, 2.0], vec![4.0, 4.0]];
        let a = TwoWayAnova::of(&rows).unwrap();
        let icc2 = icc_2_1(&a).unwrap();
        assert!((icc2.value - 1.0).abs() < 1e-12);
        assert_eq!(icc2.ci95, None);
    }

    #[test]
    fn too_small_or_ragged_tables_are_refused() {
        assert!(TwoWayAnova::of(&[vec![1.0, 2.0]]).is_none());
        assert!(TwoWayAnova::of(&[vec![1.0], vec![2.0]]).is_none());
        assert!(TwoWayAnova::of(&[vec![1.0, 2.0], vec![2.0]]).is_none());
        assert!(TwoWayAnova::of(&[vec![1.0, f64::NAN], vec![2.0, 3.0]]).is_none());
    }
}
