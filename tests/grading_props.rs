//! Property tests: grading is monotone. Increasing any severity parameter (a PISA input, a
//! quantitative value, vena contracta, jet/LA ratio, E velocity, or moving an ordinal finding
//! toward its severe end) never lowers the grade, whenever both grades are determinate.

use echolab::grading::{Grade, GradeInput, InputValue, grade};
use echolab::measure::FindingValue;
use proptest::prelude::*;

const GUIDELINES: [&str; 5] = [
    "ase2017",
    "acc_aha_2020",
    "acc_aha_2014",
    "esc_2021",
    "esc_2025",
];

/// Numeric severity parameters: (id, unit, low, high).
const NUMERIC: [(&str, &str, f64, f64); 11] = [
    ("mr_pisa_radius", "cm", 0.2, 1.5),
    ("mr_alias_velocity", "cm/s", 20.0, 60.0),
    ("mr_vti", "cm", 50.0, 250.0),
    ("mr_eroa", "cm2", 0.0, 0.8),
    ("mr_rvol", "ml", 0.0, 120.0),
    ("mr_rf", "%", 0.0, 80.0),
    ("mr_vc_width", "cm", 0.1, 1.0),
    ("mr_vc_width_biplane", "cm", 0.1, 1.2),
    ("mr_jet_la_ratio", "%", 0.0, 90.0),
    ("mv_e_velocity", "cm/s", 50.0, 200.0),
    ("mr_jet_area", "cm2", 0.0, 15.0),
];

/// Ordinal findings, mild end first.
const ORDINAL: [(&str, &[&str]); 3] = [
    (
        "mr_flow_convergence",
        &["none", "small", "intermediate", "large"],
    ),
    (
        "mr_cw_density",
        &["faint", "dense_partial", "dense_holosystolic"],
    ),
    (
        "pv_flow",
        &["systolic_dominant", "blunted", "systolic_reversal"],
    ),
];

#[derive(Debug, Clone)]
struct Case {
    guideline: usize,
    numeric: Vec<Option<f64>>, // fraction 0..1 of each NUMERIC range, or absent
    ordinal: Vec<Option<usize>>, // index into each ORDINAL list, or absent
    etiology: Option<usize>,
    elliptical: Option<bool>,
    low_flow: Option<bool>,
    direction: Option<usize>,
    morphology: Option<usize>,
    fixed: [f64; 4], // vmax, lvot d, lvot vti, la area
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..GUIDELINES.len(),
        proptest::collection::vec(proptest::option::of(0.0..1.0f64), NUMERIC.len()),
        proptest::collection::vec(proptest::option::of(0..3usize), ORDINAL.len()),
        proptest::option::of(0..3usize),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0..2usize),
        proptest::option::of(0..6usize),
        (300.0..650.0f64, 1.6..2.6f64, 10.0..30.0f64, 12.0..40.0f64),
    )
        .prop_map(|(g, n, o, e, el, lf, d, m, f)| Case {
            guideline: g,
            numeric: n,
            ordinal: o,
            etiology: e,
            elliptical: el,
            low_flow: lf,
            direction: d,
            morphology: m,
            fixed: [f.0, f.1, f.2, f.3],
        })
}

fn build(c: &Case) -> GradeInput {
    let mut i = GradeInput::default();
    let mut put = |id: &str, v: f64, u: &str| {
        i.values.insert(
            id.to_owned(),
            InputValue {
                value: v,
                unit: u.to_owned(),
                sources: Vec::new(),
            },
        );
    };
    for (k, frac) in c.numeric.iter().enumerate() {
        if let Some(f) = frac {
            let (id, unit, lo, hi) = NUMERIC[k];
            put(id, lo + f * (hi - lo), unit);
        }
    }
    put("mr_vmax", c.fixed[0], "cm/s");
    put("lvot_diameter", c.fixed[1], "cm");
    put("lvot_vti", c.fixed[2], "cm");
    put("la_area", c.fixed[3], "cm2");
    let mut find = |id: &str, v: FindingValue| {
        i.findings.insert(id.to_owned(), v);
    };
    for (k, idx) in c.ordinal.iter().enumerate() {
        if let Some(x) = idx {
            let (id, choices) = ORDINAL[k];
            find(
                id,
                FindingValue::Choice(choices[(*x).min(choices.len() - 1)].to_owned()),
            );
        }
    }
    if let Some(e) = c.etiology {
        find(
            "mr_etiology",
            FindingValue::Choice(["primary", "secondary", "mixed"][e].to_owned()),
        );
    }
    if let Some(b) = c.elliptical {
        find("orifice_elliptical", FindingValue::Bool(b));
    }
    if let Some(b) = c.low_flow {
        find("low_flow", FindingValue::Bool(b));
    }
    if let Some(d) = c.direction {
        find(
            "mr_jet_direction",
            FindingValue::Choice(["central", "eccentric_wall_impinging"][d].to_owned()),
        );
    }
    if let Some(m) = c.morphology {
        let choices = [
            "normal",
            "mild",
            "moderate",
            "flail",
            "ruptured_papillary",
            "severe_tenting",
        ];
        find("mv_morphology", FindingValue::Choice(choices[m].to_owned()));
    }
    i
}

fn rank(input: &GradeInput, guideline: &str) -> Option<u8> {
    grade(input, guideline, None)
        .ok()
        .and_then(|r| r.grade.rank())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn increasing_a_numeric_severity_parameter_never_lowers_the_grade(
        c in case(),
        which in 0..NUMERIC.len(),
        step in 0.001..1.0f64,
    ) {
        let g = GUIDELINES[c.guideline];
        let before = build(&c);
        let mut raised = c.clone();
        let old = raised.numeric[which].unwrap_or(0.0);
        raised.numeric[which] = Some(old + step);
        let after = build(&raised);
        if c.numeric[which].is_some()
            && let (Some(a), Some(b)) = (rank(&before, g), rank(&after, g))
        {
            prop_assert!(b >= a, "{g}: raising {} lowered the grade {a} -> {b}", NUMERIC[which].0);
        }
    }

    #[test]
    fn moving_a_finding_toward_severe_never_lowers_the_grade(
        c in case(),
        which in 0..ORDINAL.len(),
    ) {
        let g = GUIDELINES[c.guideline];
        let Some(idx) = c.ordinal[which] else { return Ok(()); };
        let max = ORDINAL[which].1.len() - 1;
        if idx >= max { return Ok(()); }
        let mut raised = c.clone();
        raised.ordinal[which] = Some(idx + 1);
        if let (Some(a), Some(b)) = (rank(&build(&c), g), rank(&build(&raised), g)) {
            prop_assert!(b >= a, "{g}: {} {idx} -> {} lowered the grade {a} -> {b}", ORDINAL[which].0, idx + 1);
        }
    }

    #[test]
    fn quantitative_only_grades_follow_the_majority(
        eroa in 0.0..0.8f64, rvol in 0.0..120.0f64, rf in 0.0..80.0f64, g in 0..GUIDELINES.len()
    ) {
        let c = Case {
            guideline: g,
            numeric: vec![None, None, None, Some(eroa / 0.8), Some(rvol / 120.0), Some(rf / 80.0), None, None, None, None, None],
            ordinal: vec![None; 3],
            etiology: Some(0),
            elliptical: None,
            low_flow: None,
            direction: None,
            morphology: None,
            fixed: [500.0, 2.0, 20.0, 20.0],
        };
        let r = grade(&build(&c), GUIDELINES[g], None).expect("grades");
        let cats: Vec<Grade> = r.parameters.iter().filter_map(|p| p.category).collect();
        prop_assert_eq!(cats.len(), 3);
        let agree = |x: Grade| cats.iter().filter(|c| **c == x).count();
        let majority = cats.iter().copied().find(|x| agree(*x) >= 2);
        match majority {
            Some(m) => prop_assert_eq!(r.grade, m),
            None => prop_assert_eq!(r.grade, Grade::Indeterminate),
        }
        prop_assert_eq!(r.discordant, agree(cats[0]) != 3);
    }
}
