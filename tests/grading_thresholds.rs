//! Threshold edges of every rule set: both sides of every bound, ≥ vs >, rounding at 2 decimals
//! half away from zero, the secondary-MR options and unit conversions.

use std::collections::BTreeMap;

use echolab::grading::{Grade, GradeInput, GradeReport, InputValue, Status, grade};
use echolab::measure::FindingValue;

const ALL: [&str; 5] = [
    "ase2017",
    "acc_aha_2020",
    "acc_aha_2014",
    "esc_2021",
    "esc_2025",
];

fn input(values: &[(&str, f64, &str)], findings: &[(&str, FindingValue)]) -> GradeInput {
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
            .map(|(id, f)| ((*id).to_owned(), f.clone()))
            .collect(),
        ..GradeInput::default()
    }
}

fn choice(c: &str) -> FindingValue {
    FindingValue::Choice(c.to_owned())
}

fn category(r: &GradeReport, param: &str) -> Option<Grade> {
    r.parameters
        .iter()
        .find(|p| p.id == param)
        .and_then(|p| p.category)
}

fn status(r: &GradeReport, criterion: &str) -> Status {
    r.criteria
        .iter()
        .find(|c| c.id == criterion)
        .map(|c| c.status)
        .unwrap_or_else(|| panic!("no criterion {criterion}"))
}

use Grade::{Mild, MildToModerate as MtM, ModerateToSevere as MtS, Severe};

/// (value id, parameter, value, unit, category) valid for primary MR under every rule set.
const PRIMARY: &[(&str, &str, f64, &str, Grade)] = &[
    ("mr_eroa", "eroa", 0.19, "cm2", Mild),
    ("mr_eroa", "eroa", 0.194, "cm2", Mild),
    ("mr_eroa", "eroa", 0.195, "cm2", MtM),
    ("mr_eroa", "eroa", 0.1999, "cm2", MtM),
    ("mr_eroa", "eroa", 0.20, "cm2", MtM),
    ("mr_eroa", "eroa", 0.29, "cm2", MtM),
    ("mr_eroa", "eroa", 0.294, "cm2", MtM),
    ("mr_eroa", "eroa", 0.295, "cm2", MtS),
    ("mr_eroa", "eroa", 0.30, "cm2", MtS),
    ("mr_eroa", "eroa", 0.39, "cm2", MtS),
    ("mr_eroa", "eroa", 0.394, "cm2", MtS),
    ("mr_eroa", "eroa", 0.395, "cm2", Severe),
    ("mr_eroa", "eroa", 0.40, "cm2", Severe),
    ("mr_eroa", "eroa", 39.0, "mm2", MtS),
    ("mr_eroa", "eroa", 40.0, "mm2", Severe),
    ("mr_rvol", "rvol", 29.99, "ml", Mild),
    ("mr_rvol", "rvol", 29.994, "ml", Mild),
    ("mr_rvol", "rvol", 29.995, "ml", MtM),
    ("mr_rvol", "rvol", 30.0, "ml", MtM),
    ("mr_rvol", "rvol", 44.99, "ml", MtM),
    ("mr_rvol", "rvol", 45.0, "ml", MtS),
    ("mr_rvol", "rvol", 59.99, "ml", MtS),
    ("mr_rvol", "rvol", 59.995, "ml", Severe),
    ("mr_rvol", "rvol", 60.0, "ml", Severe),
    ("mr_rvol", "rvol", 0.05999, "L", MtS),
    ("mr_rvol", "rvol", 0.06, "L", Severe),
    ("mr_rf", "rf", 29.99, "%", Mild),
    ("mr_rf", "rf", 30.0, "%", MtM),
    ("mr_rf", "rf", 39.99, "%", MtM),
    ("mr_rf", "rf", 40.0, "%", MtS),
    ("mr_rf", "rf", 49.79, "%", MtS),
    ("mr_rf", "rf", 49.99, "%", MtS),
    ("mr_rf", "rf", 49.994, "%", MtS),
    ("mr_rf", "rf", 49.995, "%", Severe),
    ("mr_rf", "rf", 50.0, "%", Severe),
];

#[test]
fn primary_mr_bands_in_every_rule_set() {
    for g in ALL {
        for &(id, param, value, unit, want) in PRIMARY {
            let r = grade(
                &input(&[(id, value, unit)], &[("mr_etiology", choice("primary"))]),
                g,
                None,
            )
            .expect("grades");
            assert_eq!(
                category(&r, param),
                Some(want),
                "{g}: {id} = {value} {unit}"
            );
            // One parameter, no signs: the grade is its category.
            assert_eq!(r.grade, want, "{g}: {id} = {value} {unit}");
            assert!(!r.discordant);
        }
    }
}

fn secondary<'a>(flags: &[(&'a str, bool)], etiology: &str) -> Vec<(&'a str, FindingValue)> {
    let mut f = vec![("mr_etiology", choice(etiology))];
    for (id, b) in flags {
        f.push((*id, FindingValue::Bool(*b)));
    }
    f
}

#[test]
fn secondary_mr_lower_thresholds() {
    let both = [("orifice_elliptical", true), ("low_flow", true)];
    // (guideline, options, etiology, flags, id, value, unit, expected category)
    type Row<'a> = (
        &'a str,
        Option<bool>,
        &'a str,
        &'a [(&'a str, bool)],
        &'a str,
        f64,
        &'a str,
        Grade,
    );
    let rows: &[Row<'_>] = &[
        // ESC: the guideline's own lower thresholds apply when the finding is recorded in
        // secondary MR; no option is involved (one given is ignored with a warning).
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.29,
            "cm2",
            MtM,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.295,
            "cm2",
            Severe,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            Severe,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            30.0,
            "mm2",
            Severe,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &[("orifice_elliptical", false)],
            "mr_eroa",
            0.30,
            "cm2",
            MtS,
        ),
        (
            "esc_2021",
            Some(true),
            "primary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            MtS,
        ),
        (
            "esc_2021",
            Some(true),
            "mixed",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            MtS,
        ),
        (
            "esc_2021",
            Some(false),
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            Severe,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_rvol",
            44.99,
            "ml",
            MtM,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            Severe,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &[("low_flow", false)],
            "mr_rvol",
            45.0,
            "ml",
            MtS,
        ),
        (
            "esc_2021",
            Some(true),
            "secondary",
            &both,
            "mr_rf",
            49.99,
            "%",
            MtS,
        ),
        (
            "esc_2025",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            Severe,
        ),
        (
            "esc_2025",
            Some(true),
            "secondary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            Severe,
        ),
        (
            "esc_2025",
            Some(true),
            "secondary",
            &both,
            "mr_rvol",
            44.99,
            "ml",
            MtM,
        ),
        // ASE: option off by default, on when the reading asks.
        (
            "ase2017",
            None,
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            MtS,
        ),
        (
            "ase2017",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            Severe,
        ),
        (
            "ase2017",
            Some(true),
            "secondary",
            &both,
            "mr_eroa",
            0.29,
            "cm2",
            MtM,
        ),
        (
            "ase2017",
            None,
            "secondary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            MtS,
        ),
        (
            "ase2017",
            Some(true),
            "secondary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            Severe,
        ),
        (
            "ase2017",
            Some(true),
            "primary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            MtS,
        ),
        // ACC/AHA 2014: severe secondary MR at EROA >= 0.20, RVol >= 30 (RF unchanged).
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_eroa",
            0.19,
            "cm2",
            Mild,
        ),
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_eroa",
            0.20,
            "cm2",
            Severe,
        ),
        (
            "acc_aha_2014",
            None,
            "primary",
            &[],
            "mr_eroa",
            0.20,
            "cm2",
            MtM,
        ),
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_rvol",
            29.99,
            "ml",
            Mild,
        ),
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_rvol",
            30.0,
            "ml",
            Severe,
        ),
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_rf",
            49.99,
            "%",
            MtS,
        ),
        (
            "acc_aha_2014",
            None,
            "secondary",
            &[],
            "mr_rf",
            50.0,
            "%",
            Severe,
        ),
        // ACC/AHA 2020: same thresholds for secondary MR.
        (
            "acc_aha_2020",
            None,
            "secondary",
            &both,
            "mr_eroa",
            0.30,
            "cm2",
            MtS,
        ),
        (
            "acc_aha_2020",
            None,
            "secondary",
            &both,
            "mr_eroa",
            0.40,
            "cm2",
            Severe,
        ),
        (
            "acc_aha_2020",
            None,
            "secondary",
            &both,
            "mr_rvol",
            45.0,
            "ml",
            MtS,
        ),
    ];
    for &(g, opt, etiology, flags, id, value, unit, want) in rows {
        let mut inp = input(&[(id, value, unit)], &secondary(flags, etiology));
        if let Some(o) = opt {
            inp.options = BTreeMap::from([("secondary_mr".to_owned(), o)]);
        }
        let r = grade(&inp, g, None).expect("grades");
        let param = match id {
            "mr_eroa" => "eroa",
            "mr_rvol" => "rvol",
            _ => "rf",
        };
        assert_eq!(
            category(&r, param),
            Some(want),
            "{g} option={opt:?} {etiology} {flags:?}: {id} = {value} {unit}"
        );
    }
}

/// (guidelines, criterion, values, findings, expected status)
#[test]
fn sign_edges() {
    let ase_like = ["ase2017", "esc_2021", "esc_2025"];
    let acc = ["acc_aha_2020", "acc_aha_2014"];
    type Row<'a> = (
        &'a [&'a str],
        &'a str,
        f64,
        &'a str,
        &'a str,
        Option<&'a str>,
        Status,
    );
    let rows: &[Row<'_>] = &[
        (
            &ALL,
            "vc_mild",
            0.29,
            "cm",
            "mr_vc_width",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "vc_mild",
            0.294,
            "cm",
            "mr_vc_width",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "vc_mild",
            0.295,
            "cm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_mild",
            0.30,
            "cm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_mild",
            3.0,
            "mm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_severe",
            0.69,
            "cm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_severe",
            0.694,
            "cm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_severe",
            0.695,
            "cm",
            "mr_vc_width",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "vc_severe",
            0.70,
            "cm",
            "mr_vc_width",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "vc_severe",
            6.9,
            "mm",
            "mr_vc_width",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_severe",
            7.0,
            "mm",
            "mr_vc_width",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "vc_biplane_severe",
            0.79,
            "cm",
            "mr_vc_width_biplane",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "vc_biplane_severe",
            0.80,
            "cm",
            "mr_vc_width_biplane",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "jet_small_central",
            19.99,
            "%",
            "mr_jet_la_ratio",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "jet_small_central",
            20.0,
            "%",
            "mr_jet_la_ratio",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "jet_small_central",
            15.0,
            "%",
            "mr_jet_la_ratio",
            Some("eccentric_wall_impinging"),
            Status::NotMet,
        ),
        (
            &ALL,
            "jet_small_central",
            15.0,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::Met,
        ),
        // Jet direction unknown: a jet <= 50 % might still be eccentric, so not available.
        (
            &ase_like,
            "jet_large",
            50.0,
            "%",
            "mr_jet_la_ratio",
            None,
            Status::NotAvailable,
        ),
        (
            &ase_like,
            "jet_large",
            50.0,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::NotMet,
        ),
        (
            &ase_like,
            "jet_large",
            50.004,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::NotMet,
        ),
        (
            &ase_like,
            "jet_large",
            50.01,
            "%",
            "mr_jet_la_ratio",
            None,
            Status::Met,
        ),
        (
            &ase_like,
            "jet_large",
            45.0,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::NotMet,
        ),
        (
            &ase_like,
            "jet_large",
            30.0,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::NotMet,
        ),
        (
            &ALL,
            "jet_large",
            30.0,
            "%",
            "mr_jet_la_ratio",
            Some("eccentric_wall_impinging"),
            Status::Met,
        ),
        (
            &acc,
            "jet_large",
            40.0,
            "%",
            "mr_jet_la_ratio",
            Some("central"),
            Status::NotMet,
        ),
        (
            &acc,
            "jet_large",
            40.01,
            "%",
            "mr_jet_la_ratio",
            None,
            Status::Met,
        ),
        (
            &ALL,
            "e_wave_dominant",
            120.0,
            "cm/s",
            "mv_e_velocity",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "e_wave_dominant",
            1.2,
            "m/s",
            "mv_e_velocity",
            None,
            Status::NotMet,
        ),
        (
            &ALL,
            "e_wave_dominant",
            1.21,
            "m/s",
            "mv_e_velocity",
            None,
            Status::Met,
        ),
    ];
    for &(guidelines, criterion, value, unit, id, direction, want) in rows {
        for g in guidelines {
            let mut findings = vec![("mr_etiology", choice("primary"))];
            if let Some(d) = direction {
                findings.push(("mr_jet_direction", choice(d)));
            }
            let r = grade(&input(&[(id, value, unit)], &findings), g, None).expect("grades");
            assert_eq!(
                status(&r, criterion),
                want,
                "{g}: {criterion} with {id} = {value} {unit} {direction:?}"
            );
        }
    }
}

#[test]
fn missing_inputs_are_not_available() {
    let r = grade(&GradeInput::default(), "ase2017", None).expect("grades");
    assert_eq!(r.grade, Grade::Indeterminate);
    assert!(!r.discordant);
    assert!(r.parameters.iter().all(|p| p.category.is_none()));
    assert!(r.criteria.iter().all(|c| c.status == Status::NotAvailable));
    assert!(r.derived.is_empty());
    // PISA without Vmax: flow but no EROA.
    let r = grade(
        &input(
            &[
                ("mr_pisa_radius", 1.0, "cm"),
                ("mr_alias_velocity", 40.0, "cm/s"),
            ],
            &[],
        ),
        "ase2017",
        None,
    )
    .expect("grades");
    assert!(r.derived.contains_key("mr_pisa_flow"));
    assert!(!r.derived.contains_key("mr_eroa_pisa"));
    assert_eq!(status(&r, "eroa_severe"), Status::NotAvailable);
}

#[test]
fn esc_vti_ratio_sign() {
    for (ma, want) in [(14.0, Status::NotMet), (14.1, Status::Met)] {
        let r = grade(
            &input(&[("ma_vti", ma, "cm"), ("lvot_vti", 10.0, "cm")], &[]),
            "esc_2021",
            None,
        )
        .expect("grades");
        assert_eq!(status(&r, "vti_ratio_high"), want, "ma_vti {ma}");
    }
}
