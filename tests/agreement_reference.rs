//! Cross-checks of the agreement estimators against other implementations (pingouin,
//! scikit-learn, statsmodels) on generated data. The figures were computed once by
//! `tests/data/agreement/make_reference.py` and are committed in `reference.json`.

#![allow(clippy::unwrap_used)] // tests may unwrap

use echolab::agreement::bland_altman::bland_altman;
use echolab::agreement::icc::{TwoWayAnova, icc_2_1, icc_3_1};
use echolab::agreement::kappa::{Weights, cohen_kappa, contingency, fleiss_kappa};
use serde_json::Value;

fn reference() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/agreement/reference.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn pair(v: &Value) -> [f64; 2] {
    [f(&v[0]), f(&v[1])]
}

#[test]
fn icc_matches_pingouin() {
    let r = reference();
    let cases = r["icc"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for (i, case) in cases.iter().enumerate() {
        let rows: Vec<Vec<f64>> = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row.as_array().unwrap().iter().map(f).collect())
            .collect();
        let a = TwoWayAnova::of(&rows).unwrap();
        let icc2 = icc_2_1(&a).unwrap();
        let icc3 = icc_3_1(&a).unwrap();
        assert!(
            (icc2.value - f(&case["icc_2_1"])).abs() < 1e-9,
            "case {i}: {icc2:?}"
        );
        assert!(
            (icc3.value - f(&case["icc_3_1"])).abs() < 1e-9,
            "case {i}: {icc3:?}"
        );
        // pingouin rounds its intervals to 2 dp.
        for (ours, theirs) in [
            (icc2.ci95.unwrap(), pair(&case["icc_2_1_ci95"])),
            (icc3.ci95.unwrap(), pair(&case["icc_3_1_ci95"])),
        ] {
            for (o, t) in ours.iter().zip(theirs) {
                assert!(
                    (o - t).abs() <= 0.005 + 1e-9,
                    "case {i}: {ours:?} vs {theirs:?}"
                );
            }
        }
        if rows[0].len() == 2 {
            let pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r[0], r[1])).collect();
            let ba = bland_altman(&pairs).unwrap();
            assert!((ba.bias - f(&case["bias"])).abs() < 1e-12, "case {i}");
            let loa = pair(&case["loa"]);
            assert!((ba.loa[0] - loa[0]).abs() < 1e-12 && (ba.loa[1] - loa[1]).abs() < 1e-12);
        }
    }
}

#[test]
fn cohen_kappa_matches_scikit_learn() {
    let r = reference();
    for (i, case) in r["kappa"].as_array().unwrap().iter().enumerate() {
        let ints = |k: &str| -> Vec<usize> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect()
        };
        let pairs: Vec<(usize, usize)> = ints("a").into_iter().zip(ints("b")).collect();
        let t = contingency(&pairs, 4);
        for (w, key) in [
            (Weights::Unweighted, "unweighted"),
            (Weights::Linear, "linear"),
            (Weights::Quadratic, "quadratic"),
        ] {
            let ours = cohen_kappa(&t, w).unwrap();
            assert!(
                (ours - f(&case[key])).abs() < 1e-12,
                "case {i} {key}: {ours}"
            );
        }
    }
}

#[test]
fn fleiss_kappa_matches_statsmodels() {
    let r = reference();
    for (i, case) in r["fleiss"].as_array().unwrap().iter().enumerate() {
        let counts: Vec<Vec<usize>> = case["ratings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let mut c = vec![0; 4];
                for v in row.as_array().unwrap() {
                    c[v.as_u64().unwrap() as usize] += 1;
                }
                c
            })
            .collect();
        let ours = fleiss_kappa(&counts).unwrap();
        assert!(
            (ours - f(&case["fleiss_kappa"])).abs() < 1e-12,
            "case {i}: {ours}"
        );
    }
}
