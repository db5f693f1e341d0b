//! Engine behaviour: method priority (§9 item 7), inconsistency warnings, input errors, rule sets
//! loaded from extra TOML files, output hints, protocols and the report format.

use std::collections::BTreeMap;

use echolab::catalog::Catalog;
use echolab::grading::{
    Grade, GradeError, GradeInput, GradeReport, InputValue, Rules, Status, grade,
};
use echolab::measure::FindingValue;
use echolab::protocol::{EligibilityStatus, Protocol};

fn input(values: &[(&str, f64, &str)], findings: &[(&str, &str)]) -> GradeInput {
    GradeInput {
        values: values
            .iter()
            .map(|(id, v, u)| {
                (
                    (*id).to_owned(),
                    InputValue {
                        value: *v,
                        unit: (*u).to_owned(),
                        sources: Vec::new(),
                    },
                )
            })
            .collect(),
        findings: findings
            .iter()
            .map(|(id, c)| ((*id).to_owned(), FindingValue::Choice((*c).to_owned())))
            .collect(),
        ..GradeInput::default()
    }
}

fn ase(i: &GradeInput) -> GradeReport {
    grade(i, "ase2017", None).expect("grades")
}

fn method(r: &GradeReport, id: &str) -> String {
    r.derived
        .get(id)
        .map(|d| d.method.clone())
        .unwrap_or_default()
}

fn display(r: &GradeReport, id: &str) -> String {
    r.derived
        .get(id)
        .map(|d| d.display.clone())
        .unwrap_or_default()
}

fn codes(r: &GradeReport) -> Vec<&str> {
    r.warnings.iter().map(|w| w.code.as_str()).collect()
}

const PISA: [(&str, f64, &str); 4] = [
    ("mr_pisa_radius", 0.9, "cm"),
    ("mr_alias_velocity", 40.0, "cm/s"),
    ("mr_vmax", 5.0, "m/s"),
    ("mr_vti", 140.0, "cm"),
];
const LVOT: [(&str, f64, &str); 2] = [("lvot_diameter", 2.0, "cm"), ("lvot_vti", 20.0, "cm")];
const MA: [(&str, f64, &str); 2] = [("ma_diameter", 3.4, "cm"), ("ma_vti", 14.0, "cm")];
const LV: [(&str, f64, &str); 2] = [("lv_edv", 190.0, "ml"), ("lv_esv", 60.0, "ml")];
const ENTERED: [(&str, f64, &str); 2] = [("mr_rvol", 66.0, "ml"), ("mr_rf", 51.0, "%")];

#[test]
fn method_priority_pisa_then_ma_then_lv_then_entered() {
    let all: Vec<_> = [&PISA[..], &LVOT, &MA, &LV, &ENTERED].concat();
    let r = ase(&input(&all, &[]));
    assert_eq!(method(&r, "mr_rvol"), "pisa");
    assert_eq!(method(&r, "mr_rf"), "pisa");
    assert_eq!(display(&r, "mr_rvol"), display(&r, "mr_rvol_pisa"));
    assert_eq!(display(&r, "mr_rf"), display(&r, "mr_rf_pisa"));
    // Every method is still reported.
    for id in [
        "mr_rvol_volumetric_ma",
        "mr_rvol_volumetric_lv",
        "mr_rf_volumetric_ma",
        "mr_rf_volumetric_lv",
    ] {
        assert!(r.derived.contains_key(id), "{id}");
    }
    assert!(
        codes(&r).contains(&"not_used"),
        "entered RVol/RF reported as not used"
    );

    let no_pisa: Vec<_> = [&LVOT[..], &MA, &LV, &ENTERED].concat();
    let r = ase(&input(&no_pisa, &[]));
    assert_eq!(method(&r, "mr_rvol"), "volumetric_ma");
    assert_eq!(method(&r, "mr_rf"), "volumetric_ma");
    assert_eq!(method(&r, "mr_rvol_volumetric"), "volumetric_ma");

    let lv_only: Vec<_> = [&LVOT[..], &LV, &ENTERED].concat();
    let r = ase(&input(&lv_only, &[]));
    assert_eq!(method(&r, "mr_rvol"), "volumetric_lv");
    assert_eq!(method(&r, "mr_rf"), "volumetric_lv");
    // RVol = (190 − 60) − π·1²·20 = 130 − 62.83 = 67.17; RF = 67.17/130 = 51.67 %.
    assert_eq!(display(&r, "mr_rvol"), "67.17");
    assert_eq!(display(&r, "mr_rf"), "51.67");

    let r = ase(&input(&ENTERED, &[]));
    assert_eq!(method(&r, "mr_rvol"), "entered");
    assert_eq!(method(&r, "mr_rf"), "entered");
    assert!(codes(&r).is_empty());
}

#[test]
fn rf_comes_from_the_same_method_as_rvol() {
    // PISA RVol without a forward stroke volume: RF is not graded even if entered.
    let v: Vec<_> = [&PISA[..], &[("mr_rf", 20.0, "%")]].concat();
    let r = ase(&input(&v, &[]));
    assert_eq!(method(&r, "mr_rvol"), "pisa");
    assert!(!r.derived.contains_key("mr_rf"));
    let rf = r.parameters.iter().find(|p| p.id == "rf").expect("rf");
    assert_eq!(rf.category, None);
    assert!(codes(&r).contains(&"not_used"));
    assert!(codes(&r).contains(&"not_computable"));
}

#[test]
fn eroa_pisa_wins_over_entered_eroa() {
    let v: Vec<_> = [&PISA[..], &[("mr_eroa", 0.1, "cm2")]].concat();
    let r = ase(&input(&v, &[]));
    assert_eq!(method(&r, "mr_eroa"), "pisa");
    assert_eq!(display(&r, "mr_eroa"), "0.41");
    let r = ase(&input(
        &[("mr_eroa", 0.1, "cm2"), ("mr_vti", 100.0, "cm")],
        &[],
    ));
    assert_eq!(method(&r, "mr_eroa"), "entered");
    // RVol by PISA from the entered EROA: 0.1 × 100 = 10 mL.
    assert_eq!(display(&r, "mr_rvol_pisa"), "10.00");
}

#[test]
fn inconsistency_warning_only_beyond_15_ml_and_10_points() {
    // PISA RVol = 0.5 × 100 = 50 mL; entered 65 (difference exactly 15) then 65.01.
    let base = [("mr_eroa", 0.5, "cm2"), ("mr_vti", 100.0, "cm")];
    let r = ase(&input(
        &[&base[..], &[("mr_rvol", 65.0, "ml")]].concat(),
        &[],
    ));
    assert!(
        !codes(&r).contains(&"internal_inconsistency"),
        "{:?}",
        r.warnings
    );
    let r = ase(&input(
        &[&base[..], &[("mr_rvol", 65.01, "ml")]].concat(),
        &[],
    ));
    assert!(
        codes(&r).contains(&"internal_inconsistency"),
        "{:?}",
        r.warnings
    );
    // The warning does not change the grade (PISA RVol 50 → moderate-to-severe).
    assert_eq!(r.parameters[1].category, Some(Grade::ModerateToSevere));

    // RF: PISA RF with SV_LVOT = 50 mL → 50/(50+50) = 50 %; entered 40 (10 points) then 39.99.
    let base = [
        ("mr_eroa", 0.5, "cm2"),
        ("mr_vti", 100.0, "cm"),
        (
            "lvot_diameter",
            2.0 * (50.0f64 / (std::f64::consts::PI * 20.0)).sqrt(),
            "cm",
        ),
        ("lvot_vti", 20.0, "cm"),
    ];
    let r = ase(&input(&[&base[..], &[("mr_rf", 40.0, "%")]].concat(), &[]));
    assert_eq!(display(&r, "mr_rf_pisa"), "50.00");
    assert!(
        !codes(&r).contains(&"internal_inconsistency"),
        "{:?}",
        r.warnings
    );
    let r = ase(&input(&[&base[..], &[("mr_rf", 39.99, "%")]].concat(), &[]));
    assert!(
        codes(&r).contains(&"internal_inconsistency"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn input_errors_name_the_problem() {
    let cases: Vec<(GradeInput, &str)> = vec![
        (input(&[("mr_bogus", 1.0, "cm")], &[]), "mr_bogus"),
        (input(&[("mr_vc_width", 1.0, "furlong")], &[]), "furlong"),
        (input(&[("mr_vc_width", 1.0, "cm2")], &[]), "cm2"),
        (input(&[("mr_vmax", 1.0, "cm")], &[]), "mr_vmax"),
        (input(&[("mr_eroa_pisa", 0.4, "cm2")], &[]), "mr_eroa_pisa"),
        (
            input(&[("mr_vc_width", f64::NAN, "cm")], &[]),
            "mr_vc_width",
        ),
        (input(&[], &[("mr_etiology", "tertiary")]), "tertiary"),
        (input(&[], &[("mr_bogus_finding", "x")]), "mr_bogus_finding"),
        (input(&[], &[("mr_vc_width", "x")]), "mr_vc_width"),
    ];
    for (i, needle) in cases {
        let e = grade(&i, "ase2017", None).expect_err("must fail");
        assert!(e.to_string().contains(needle), "{e} should name {needle}");
    }
    let mut i = GradeInput::default();
    i.values.insert(
        "mr_etiology".to_owned(),
        InputValue {
            value: 1.0,
            unit: "cm".to_owned(),
            sources: vec![],
        },
    );
    assert!(matches!(
        grade(&i, "ase2017", None),
        Err(GradeError::WrongSection { .. })
    ));
    let i = GradeInput::default();
    assert!(
        grade(&i, "ase2099", None)
            .expect_err("unknown")
            .to_string()
            .contains("ase2099")
    );
    assert!(
        grade(&i, "ase2017", Some("nope"))
            .expect_err("unknown")
            .to_string()
            .contains("nope")
    );
    // Booleans accept yes/no text; choices are case-insensitive and normalized.
    let mut i = input(&[], &[("nyha_class", "iii")]);
    i.findings.insert(
        "low_flow".to_owned(),
        FindingValue::Choice("yes".to_owned()),
    );
    assert!(grade(&i, "ase2017", None).is_ok());
    i.findings
        .insert("low_flow".to_owned(), FindingValue::Number(1.0));
    assert!(
        grade(&i, "ase2017", None)
            .expect_err("number")
            .to_string()
            .contains("low_flow")
    );
}

#[test]
fn json_input_format_parses() {
    let text = r#"{"values": {"mr_vmax": {"value": 5.0, "unit": "m/s"}, "mr_eroa": {"value": 45, "unit": "mm²"}},
                   "findings": {"mr_etiology": "secondary", "low_flow": true}}"#;
    let i: GradeInput = serde_json::from_str(text).expect("parses");
    let r = ase(&i);
    assert_eq!(display(&r, "mr_eroa"), "0.45");
    assert_eq!(display(&r, "mr_peak_gradient"), "100.00");
    assert_eq!(r.grade, Grade::Severe);
}

#[test]
fn output_hints_and_indeterminate() {
    let sev = input(&[("mr_eroa", 0.5, "cm2"), ("mr_rvol", 70.0, "ml")], &[]);
    let r = grade(&sev, "acc_aha_2020", None).expect("grades");
    assert_eq!(r.acc_aha_stage.as_deref(), Some("C/D"));
    assert_eq!(r.esc_severe, None);
    let r = grade(&sev, "esc_2025", None).expect("grades");
    assert_eq!(r.esc_severe, Some(true));
    assert_eq!(r.acc_aha_stage, None);
    let none = GradeInput::default();
    let r = grade(&none, "esc_2021", None).expect("grades");
    assert_eq!(r.grade, Grade::Indeterminate);
    assert_eq!(r.esc_severe, None);
    let r = grade(&none, "acc_aha_2020", None).expect("grades");
    assert_eq!(r.acc_aha_stage, None);
    for g in [
        "ase2017",
        "acc_aha_2020",
        "acc_aha_2014",
        "esc_2021",
        "esc_2025",
    ] {
        let r = grade(&none, g, None).expect("grades");
        assert!(
            r.guideline.version.ends_with("-unverified"),
            "{}",
            r.guideline.version
        );
        assert_eq!(r.guideline.id, g);
    }
}

#[test]
fn zero_quantitation_needs_four_signs_and_no_opposite() {
    let three = input(
        &[("mr_vc_width", 0.8, "cm")],
        &[
            ("mr_flow_convergence", "large"),
            ("pv_flow", "systolic_reversal"),
        ],
    );
    assert_eq!(ase(&three).grade, Grade::Indeterminate);
    let mut four = three.clone();
    four.findings.insert(
        "mv_morphology".to_owned(),
        FindingValue::Choice("flail".to_owned()),
    );
    let r = ase(&four);
    assert_eq!(r.grade, Grade::Severe);
    assert_eq!(r.specific_signs.severe, 4);
    // A mild-specific sign (faint CW) vetoes it.
    let mut vetoed = four.clone();
    vetoed.findings.insert(
        "mr_cw_density".to_owned(),
        FindingValue::Choice("faint".to_owned()),
    );
    let r = ase(&vetoed);
    assert_eq!(r.grade, Grade::Indeterminate);
    // Supportive signs never count.
    let mut supportive = three.clone();
    supportive.values.insert(
        "mv_e_velocity".to_owned(),
        InputValue {
            value: 1.5,
            unit: "m/s".to_owned(),
            sources: vec![],
        },
    );
    supportive.findings.insert(
        "mr_cw_density".to_owned(),
        FindingValue::Choice("dense_holosystolic".to_owned()),
    );
    assert_eq!(ase(&supportive).grade, Grade::Indeterminate);
}

#[test]
fn clinical_warnings() {
    let mut i = input(&[("mr_eroa", 0.5, "cm2")], &[("mr_chronicity", "acute")]);
    i.findings
        .insert("mr_holosystolic".to_owned(), FindingValue::Bool(false));
    let r = ase(&i);
    assert!(codes(&r).contains(&"acute_mr"));
    assert!(codes(&r).contains(&"not_holosystolic"));
    let r = ase(&input(&[("mr_vc_width", 5.0, "cm")], &[]));
    assert!(codes(&r).contains(&"out_of_range"));
    let mut i = GradeInput::default();
    i.options.insert("no_such_option".to_owned(), true);
    assert!(codes(&ase(&i)).contains(&"unknown_option"));
}

#[test]
fn report_round_trips_through_json() {
    let i = input(
        &[&PISA[..], &LVOT, &[("mr_vc_width", 0.75, "cm")]].concat(),
        &[("mr_etiology", "primary"), ("nyha_class", "II")],
    );
    let r = grade(&i, "ase2017", Some("ptma")).expect("grades");
    let text = serde_json::to_string(&r).expect("serializes");
    let back: GradeReport = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    for key in [
        "grade",
        "discordant",
        "derived",
        "criteria",
        "warnings",
        "guideline",
        "eligibility",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let d = &v["derived"]["mr_eroa_pisa"];
    for key in ["value", "unit", "display", "formula", "inputs"] {
        assert!(d.get(key).is_some(), "derived.{key}");
    }
    assert_eq!(v["guideline"]["version"], "ASE2017-MR-v1-unverified");
    // Criteria carry value, rounded value, threshold, status, category and sources.
    let c = r
        .criteria
        .iter()
        .find(|c| c.id == "eroa_severe")
        .expect("eroa_severe");
    assert_eq!(c.rounded.as_deref(), Some("0.41"));
    assert_eq!(c.threshold, "≥ 0.40 cm²");
    assert_eq!(c.status, Status::Met);
    assert_eq!(c.supports, Grade::Severe);
    for s in ["mr_pisa_radius", "mr_alias_velocity", "mr_vmax"] {
        assert!(c.sources.iter().any(|x| x == s), "{s} in {:?}", c.sources);
    }
}

const CUSTOM: &str = r#"
kind = "guideline"
id = "lab_custom"
rule_set = "LAB-MR"
version = "LAB-MR-v7"
title = "A lab's own rule set"

[integration]
majority = 2
specific_signs_required = 3

[[quantitative]]
id = "eroa"
label = "EROA"
value = "mr_eroa"
band = [
  { category = "mild", op = "<", threshold = 25, unit = "mm2" },
  { category = "moderate_to_severe", op = ">=", threshold = 25, unit = "mm2" },
  { category = "severe", op = ">", threshold = 35, unit = "mm2" },
]

[[sign]]
id = "vc_big"
label = "VC > 6 mm"
supports = "severe"
condition = { value = "mr_vc_width", op = ">", threshold = 6, unit = "mm" }
"#;

#[test]
fn a_new_guideline_is_a_new_toml_file() {
    let mut rules = Rules::try_builtin().expect("builtin");
    let id = rules.add_toml(CUSTOM, "custom.toml").expect("loads");
    assert_eq!(id, "lab_custom");
    let g = |v: f64| {
        rules
            .grade(&input(&[("mr_eroa", v, "cm2")], &[]), "lab_custom", None)
            .expect("grades")
    };
    assert_eq!(g(0.24).grade, Grade::Mild);
    assert_eq!(g(0.25).grade, Grade::ModerateToSevere);
    assert_eq!(g(0.35).grade, Grade::ModerateToSevere);
    assert_eq!(g(0.351).grade, Grade::ModerateToSevere); // rounds to 0.35, not > 0.35
    assert_eq!(g(0.36).grade, Grade::Severe);
    assert_eq!(g(0.36).guideline.version, "LAB-MR-v7");

    // From a directory on disk.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("lab.toml"),
        CUSTOM.replace("lab_custom", "lab_disk"),
    )
    .expect("write");
    let mut rules = Rules::try_builtin().expect("builtin");
    assert_eq!(
        rules.load_path(dir.path()).expect("loads"),
        vec!["lab_disk".to_owned()]
    );
    assert!(rules.guideline("lab_disk").is_some());
}

#[test]
fn invalid_rule_sets_are_rejected_with_reasons() {
    let mut rules = Rules::try_builtin().expect("builtin");
    for (bad, needle) in [
        (
            CUSTOM.replace(
                "threshold = 25, unit = \"mm2\" },\n  { category = \"moderate",
                "threshold = 25.5, unit = \"mm2\" },\n  { category = \"moderate",
            ),
            "2 decimals",
        ),
        (
            CUSTOM.replace("value = \"mr_eroa\"", "value = \"mr_nothing\""),
            "mr_nothing",
        ),
        (
            CUSTOM.replace("unit = \"mm\" }", "unit = \"ml\" }"),
            "mr_vc_width",
        ),
        (
            CUSTOM.replace("kind = \"guideline\"", "kind = \"recipe\""),
            "recipe",
        ),
        (
            CUSTOM.replace("supports = \"severe\"", "supports = \"mild_to_moderate\""),
            "mild or severe",
        ),
        (
            CUSTOM.replace("op = \">\", threshold = 6", "op = \"=>\", threshold = 6"),
            "custom",
        ),
    ] {
        let e = rules.add_toml(&bad, "custom.toml").expect_err("invalid");
        assert!(
            e.to_string().contains(needle),
            "{e} should mention {needle}"
        );
    }
}

#[test]
fn guided_protocol_and_catalog() {
    let c = Catalog::builtin();
    let order: Vec<&str> = c
        .guided_mr_protocol()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let pos = |id: &str| order.iter().position(|x| *x == id).expect(id);
    assert!(pos("mr_pisa_radius") < pos("mr_vmax"));
    assert!(pos("lvot_diameter") < pos("lvot_vti"));
    assert!(order.contains(&"lv_a2c_es"));
}

#[test]
fn protocols_as_data() {
    let rct = Protocol::builtin("cs_annuloplasty_rct").expect("rct");
    let months: Vec<u32> = rct.visits().iter().map(|v| v.month).collect();
    assert_eq!(months, vec![0, 1, 6, 12, 18, 24]);
    assert!(rct.visits().iter().all(|v| v.echo));
    let annual = rct.repeating_contacts().expect("annual");
    assert_eq!(
        (annual.first_month, annual.every_months, annual.echo),
        (36, 12, false)
    );
    let rand = rct.randomization().expect("randomization");
    assert_eq!(rand.ratio, "1:1");
    assert!(rand.hidden_from_readers);

    let mut i = input(
        &[
            ("mr_eroa", 0.35, "cm2"),
            ("mr_rvol", 50.0, "ml"),
            ("lv_ef", 30.0, "%"),
        ],
        &[("mr_etiology", "secondary"), ("nyha_class", "III")],
    );
    i.findings
        .insert("organic_mr".to_owned(), FindingValue::Bool(false));
    i.findings.insert(
        "prior_mitral_intervention".to_owned(),
        FindingValue::Bool(false),
    );
    let r = grade(&i, "ase2017", Some("cs_annuloplasty_rct")).expect("grades");
    let e = r.eligibility.expect("eligibility");
    assert_eq!(e.status, EligibilityStatus::Eligible, "{:?}", e.criteria);
    // Mild MR fails the grade criterion.
    let mut mild = i.clone();
    mild.values = BTreeMap::from([
        (
            "mr_eroa".to_owned(),
            InputValue {
                value: 0.1,
                unit: "cm2".to_owned(),
                sources: vec![],
            },
        ),
        (
            "lv_ef".to_owned(),
            InputValue {
                value: 30.0,
                unit: "%".to_owned(),
                sources: vec![],
            },
        ),
    ]);
    let r = grade(&mild, "ase2017", Some("cs_annuloplasty_rct")).expect("grades");
    assert_eq!(
        r.eligibility.expect("e").status,
        EligibilityStatus::NotEligible
    );

    let ptma = Protocol::builtin("ptma").expect("ptma");
    assert!(ptma.visits().is_empty());
    assert!(ptma.has_eligibility());
}
