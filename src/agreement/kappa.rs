//! Agreement on an ordinal scale: percent agreement, Cohen's kappa (unweighted, linear- and
//! quadratic-weighted) for two raters, and Fleiss' kappa for more.
//!
//! Hand-written (no maintained Rust crate offers weighted or Fleiss' kappa). References:
//! Cohen J. (1960) *A coefficient of agreement for nominal scales*, Educ. Psychol. Meas.
//! 20:37–46; Cohen J. (1968) *Weighted kappa*, Psychol. Bull. 70(4):213–220 (agreement weights
//! `1 − |i − j|/(c − 1)` for linear and `1 − (i − j)²/(c − 1)²` for quadratic, as in Fleiss &
//! Cohen 1973); Fleiss J.L. (1971) *Measuring nominal scale agreement among many raters*,
//! Psychol. Bull. 76(5):378–382.
//!
//! Categories are indices `0..c` on a fixed scale (for the MR grade the engine's four grades),
//! so the weights do not depend on which categories happen to occur.

/// Agreement weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// Exact agreement only (Cohen 1960).
    Unweighted,
    /// `1 − |i − j|/(c − 1)`.
    Linear,
    /// `1 − (i − j)²/(c − 1)²`.
    Quadratic,
}

impl Weights {
    fn weight(self, i: usize, j: usize, c: usize) -> f64 {
        let d = i.abs_diff(j) as f64;
        let span = (c.max(2) - 1) as f64;
        match self {
            Weights::Unweighted => {
                if i == j {
                    1.0
                } else {
                    0.0
                }
            }
            Weights::Linear => 1.0 - d / span,
            Weights::Quadratic => 1.0 - (d / span).powi(2),
        }
    }
}

/// The c × c table of two raters' categories (rows rater 1, columns rater 2); pairs with a
/// category outside `0..c` are ignored.
pub fn contingency(pairs: &[(usize, usize)], c: usize) -> Vec<Vec<f64>> {
    let mut t = vec![vec![0.0; c]; c];
    for &(a, b) in pairs {
        if let Some(cell) = t.get_mut(a).and_then(|row| row.get_mut(b)) {
            *cell += 1.0;
        }
    }
    t
}

/// Proportion of pairs in the same category (0–1), None without pairs.
pub fn percent_agreement(pairs: &[(usize, usize)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    Some(pairs.iter().filter(|(a, b)| a == b).count() as f64 / pairs.len() as f64)
}

/// Cohen's kappa of a c × c contingency table under `weights`:
/// `(p_o − p_e) / (1 − p_e)` with `p_o = Σ w_ij p_ij` and `p_e = Σ w_ij p_i· p_·j`. None when the
/// table is empty or the expected agreement is 1 (both raters used one category only).
pub fn cohen_kappa(table: &[Vec<f64>], weights: Weights) -> Option<f64> {
    let c = table.len();
    let total: f64 = table.iter().flatten().sum();
    if c == 0 || total <= 0.0 || table.iter().any(|r| r.len() != c) {
        return None;
    }
    let rows: Vec<f64> = table
        .iter()
        .map(|r| r.iter().sum::<f64>() / total)
        .collect();
    let cols: Vec<f64> = (0..c)
        .map(|j| table.iter().filter_map(|r| r.get(j)).sum::<f64>() / total)
        .collect();
    let mut po = 0.0;
    let mut pe = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let w = weights.weight(i, j, c);
            po += w * cell / total;
            pe += w * rows.get(i).copied().unwrap_or(0.0) * cols.get(j).copied().unwrap_or(0.0);
        }
    }
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    let k = (po - pe) / (1.0 - pe);
    k.is_finite().then_some(k)
}

/// Fleiss' kappa of `counts` (one row per subject: how many raters chose each category; every
/// row must have the same number m ≥ 2 of ratings). None otherwise, or when chance agreement
/// is 1.
pub fn fleiss_kappa(counts: &[Vec<usize>]) -> Option<f64> {
    let n_subjects = counts.len();
    let m: usize = counts.first()?.iter().sum();
    let c = counts.first()?.len();
    if n_subjects == 0
        || m < 2
        || counts
            .iter()
            .any(|r| r.len() != c || r.iter().sum::<usize>() != m)
    {
        return None;
    }
    let (nf, mf) = (n_subjects as f64, m as f64);
    let p_bar = counts
        .iter()
        .map(|r| {
            let sq: f64 = r.iter().map(|&x| (x * x) as f64).sum();
            (sq - mf) / (mf * (mf - 1.0))
        })
        .sum::<f64>()
        / nf;
    let pe: f64 = (0..c)
        .map(|j| {
            let pj = counts.iter().filter_map(|r| r.get(j)).sum::<usize>() as f64 / (nf * mf);
            pj * pj
        })
        .sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    let k = (p_bar - pe) / (1.0 - pe);
    k.is_finite().then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Husbands' (rows) and wives' (columns) ratings on a 4-point scale: Agresti (1990),
    /// *Categorical Data Analysis*, after Hout, Duncan & Sobel (1987); reproduced as `SexualFun`
    /// in Friendly (2000) *Visualizing Categorical Data* p. 91, which reports kappa 0.1293
    /// unweighted and 0.2374 with equal-spacing (linear) weights.
    fn sexual_fun() -> Vec<Vec<f64>> {
        [
            [7.0, 7.0, 2.0, 3.0],
            [2.0, 8.0, 3.0, 7.0],
            [1.0, 5.0, 4.0, 9.0],
            [2.0, 8.0, 9.0, 14.0],
        ]
        .iter()
        .map(|r| r.to_vec())
        .collect()
    }

    #[test]
    fn textbook_weighted_kappa() {
        let t = sexual_fun();
        let u = cohen_kappa(&t, Weights::Unweighted).unwrap();
        let l = cohen_kappa(&t, Weights::Linear).unwrap();
        let q = cohen_kappa(&t, Weights::Quadratic).unwrap();
        assert!((u - 0.1293).abs() < 0.00005, "{u}");
        assert!((l - 0.2374).abs() < 0.00005, "{l}");
        // Quadratic weights count near misses more: larger still.
        assert!(q > l, "{q}");
    }

    /// Fleiss (1971)-style worked example as given in the Wikipedia article on Fleiss' kappa:
    /// 10 subjects, 14 raters, 5 categories, κ = 0.210.
    #[test]
    fn fleiss_worked_example() {
        let counts: Vec<Vec<usize>> = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
        .iter()
        .map(|r| r.to_vec())
        .collect();
        let k = fleiss_kappa(&counts).unwrap();
        assert!((k - 0.210).abs() < 0.0005, "{k}");
    }

    #[test]
    fn degenerate_tables() {
        assert_eq!(cohen_kappa(&[], Weights::Linear), None);
        // Both raters always say category 0: chance agreement is 1.
        let t = contingency(&[(0, 0), (0, 0)], 4);
        assert_eq!(cohen_kappa(&t, Weights::Unweighted), None);
        assert_eq!(percent_agreement(&[(0, 0), (1, 2)]), Some(0.5));
        assert_eq!(fleiss_kappa(&[vec![1, 1], vec![2]]), None);
    }
}
