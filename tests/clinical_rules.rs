//! One name per fact, three-valued eligibility, and the ESC rule sets' own lower thresholds.

use echolab::grading::{GradeError, GradeInput, InputValue, grade};
use echolab::measure::FindingValue;
use echolab::protocol::EligibilityStatus;

fn input(values: &[(&str, f64, &str)], findings: &[(&str, FindingValue)]) -> GradeInput {
    let mut i = GradeInput::default();
    for (id, value, unit) in values {
        i.values.insert(
            (*id).to_owned(),
            InputValue {
                value: *value,
                unit: (*unit).to_owned(),
                sources: Vec::new(),
            },
        );
    }
    for (id, v) in findings {
        i.findings.insert((*id).to_owned(), v.clone());
    }
    i
}

fn choice(c: &str) -> FindingValue {
    FindingValue::Choice(c.to_owned())
}

/// Moderate functional-range MR with LV dysfunction and NYHA III: PTMA inclusions met.
fn ptma_candidate(findings: &[(&str, FindingValue)]) -> GradeInput {
    let mut f = vec![("nyha_class", choice("III"))];
    f.extend(findings.iter().cloned());
    input(&[("mr_eroa", 0.25, "cm2"), ("lv_ef", 35.0, "%")], &f)
}

#[test]
fn primary_etiology_meets_the_organic_mr_exclusion() {
    let r = grade(
        &ptma_candidate(&[("mr_etiology", choice("primary"))]),
        "ase2017",
        Some("ptma"),
    )
    .expect("grades");
    let e = r.eligibility.expect("eligibility");
    let organic = e
        .criteria
        .iter()
        .find(|c| c.id == "organic_mr")
        .expect("criterion");
    assert_eq!(organic.status, echolab::grading::Status::Met);
    assert_eq!(organic.terms[0].sources, vec!["mr_etiology".to_owned()]);
    assert_eq!(e.status, EligibilityStatus::NotEligible);
    // Aliases are the same fact too: "degenerative" is primary.
    let r = grade(
        &ptma_candidate(&[("mr_etiology", choice("degenerative"))]),
        "ase2017",
        Some("ptma"),
    )
    .expect("grades");
    assert_eq!(
        r.eligibility.expect("e").status,
        EligibilityStatus::NotEligible
    );
}

#[test]
fn exclusion_met_while_other_items_are_unknown_is_not_eligible() {
    // NYHA, LV function and three exclusions unknown; organic MR recorded → not eligible.
    let i = input(
        &[("mr_eroa", 0.25, "cm2")],
        &[("organic_mr", FindingValue::Bool(true))],
    );
    let e = grade(&i, "ase2017", Some("ptma"))
        .expect("grades")
        .eligibility
        .expect("eligibility");
    assert_eq!(e.status, EligibilityStatus::NotEligible);
    assert!(e.missing.is_empty(), "decided: {:?}", e.missing);
}

#[test]
fn eligible_needs_every_exclusion_known_absent() {
    let known = [
        ("mr_etiology", choice("functional")),
        ("severe_leaflet_tethering", FindingValue::Bool(false)),
        (
            "significant_aortic_valve_disease",
            FindingValue::Bool(false),
        ),
        ("prior_mitral_intervention", FindingValue::Bool(false)),
    ];
    let e = grade(&ptma_candidate(&known), "ase2017", Some("ptma"))
        .expect("grades")
        .eligibility
        .expect("eligibility");
    assert_eq!(e.status, EligibilityStatus::Eligible, "{:?}", e.criteria);
}

#[test]
fn incomplete_lists_exactly_what_is_missing() {
    let e = grade(
        &ptma_candidate(&[
            ("mr_etiology", choice("secondary")),
            ("severe_leaflet_tethering", FindingValue::Bool(false)),
        ]),
        "ase2017",
        Some("ptma"),
    )
    .expect("grades")
    .eligibility
    .expect("eligibility");
    assert_eq!(e.status, EligibilityStatus::Incomplete);
    assert_eq!(
        e.missing,
        vec![
            "significant_aortic_valve_disease".to_owned(),
            "prior_mitral_intervention".to_owned()
        ]
    );
    // Mixed MR decides nothing about organic origin: it is listed as missing.
    let e = grade(
        &ptma_candidate(&[
            ("mr_etiology", choice("mixed")),
            ("severe_leaflet_tethering", FindingValue::Bool(false)),
            (
                "significant_aortic_valve_disease",
                FindingValue::Bool(false),
            ),
            ("prior_mitral_intervention", FindingValue::Bool(false)),
        ]),
        "ase2017",
        Some("ptma"),
    )
    .expect("grades")
    .eligibility
    .expect("eligibility");
    assert_eq!(e.missing, vec!["organic_mr".to_owned()]);
}

#[test]
fn one_fact_answered_under_either_name_reaches_guidelines_too() {
    // organic_mr = no means secondary MR: the ESC lower thresholds (which read mr_etiology)
    // apply as if the etiology had been recorded.
    let i = input(
        &[("mr_eroa", 0.32, "cm2")],
        &[
            ("organic_mr", FindingValue::Bool(false)),
            ("orifice_elliptical", FindingValue::Bool(true)),
        ],
    );
    let r = grade(&i, "esc_2021", None).expect("grades");
    assert_eq!(r.grade, echolab::grading::Grade::Severe);
}

#[test]
fn contradicting_answers_of_one_fact_are_refused() {
    let i = input(
        &[],
        &[
            ("mr_etiology", choice("secondary")),
            ("organic_mr", FindingValue::Bool(true)),
        ],
    );
    match grade(&i, "ase2017", None) {
        Err(e @ GradeError::ConflictingFindings { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("mr_etiology") && text.contains("organic_mr"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// EXAMPLE_CASES.md case 5: secondary MR, elliptical orifice, low flow.
fn example_case_5() -> GradeInput {
    input(
        &[
            ("mr_pisa_radius", 0.80, "cm"),
            ("mr_alias_velocity", 30.0, "cm/s"),
            ("mr_vmax", 4.0, "m/s"),
            ("mr_vti", 160.0, "cm"),
            ("lvot_diameter", 2.0, "cm"),
            ("lvot_vti", 12.0, "cm"),
            ("lv_edv", 344.0, "ml"),
            ("lv_esv", 258.0, "ml"),
        ],
        &[
            ("mr_etiology", choice("secondary")),
            ("orifice_elliptical", FindingValue::Bool(true)),
            ("low_flow", FindingValue::Bool(true)),
        ],
    )
}

#[test]
fn esc_2021_grades_example_case_5_severe_with_no_option() {
    for guideline in ["esc_2021", "esc_2025"] {
        let r = grade(&example_case_5(), guideline, None).expect("grades");
        assert_eq!(r.grade, echolab::grading::Grade::Severe, "{guideline}");
        assert!(!r.discordant, "{guideline}");
        assert_eq!(r.esc_severe, Some(true));
        assert!(r.options.is_empty(), "no option involved: {:?}", r.options);
        // The report names the threshold used and why.
        let eroa = r.parameters.iter().find(|p| p.id == "eroa").expect("eroa");
        let note = eroa.threshold_note.as_deref().expect("note");
        assert!(
            note.contains("0.30") && note.contains("elliptical"),
            "{note}"
        );
        let rvol = r.parameters.iter().find(|p| p.id == "rvol").expect("rvol");
        let note = rvol.threshold_note.as_deref().expect("note");
        assert!(note.contains("45") && note.contains("low-flow"), "{note}");
        assert!(r.reason.contains("elliptical"), "{}", r.reason);
    }
}

#[test]
fn esc_lower_thresholds_need_the_recorded_finding() {
    let mut i = example_case_5();
    i.findings.remove("orifice_elliptical");
    i.findings.remove("low_flow");
    let r = grade(&i, "esc_2021", None).expect("grades");
    assert_eq!(r.grade, echolab::grading::Grade::ModerateToSevere);
    assert!(r.parameters.iter().all(|p| p.threshold_note.is_none()));
}

#[test]
fn ase_2017_borrows_the_lower_thresholds_only_with_the_option() {
    let r = grade(&example_case_5(), "ase2017", None).expect("grades");
    assert_eq!(r.grade, echolab::grading::Grade::ModerateToSevere);
    let mut i = example_case_5();
    i.options.insert("secondary_mr".to_owned(), true);
    let r = grade(&i, "ase2017", None).expect("grades");
    assert_eq!(r.grade, echolab::grading::Grade::Severe);
}
