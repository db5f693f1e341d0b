//! Discordance per rule (both sides of each threshold), and the signed adjudication record.
#![allow(clippy::unwrap_used)]

mod export_support;

use std::collections::BTreeMap;

use echolab::adjudication::{
    AdjudicatedGrade, AdjudicatedValue, AdjudicationError, AdjudicationRecord, Decision,
    DiscordanceRules, RuleStatus, Side, ValueOrigin, discordance, sign_adjudication,
    verify_adjudication,
};
use echolab::grading::Grade;
use echolab::report::ReadingReport;
use export_support::*;

fn read(id: &str, reader: &str, values: &[(&str, f64, &str)]) -> ReadingReport {
    signed_report(&Spec {
        id,
        reader,
        values,
        ..Spec::default()
    })
}

fn status(a: &ReadingReport, b: &ReadingReport, rule: &str) -> RuleStatus {
    let d = discordance(a, b, DiscordanceRules::builtin());
    d.result(rule).unwrap().status
}

#[test]
fn numeric_rules_fire_only_past_their_threshold() {
    // (rule, parameter, unit, A, B just inside, B just outside)
    let cases: [(&str, &str, &str, f64, f64, f64); 4] = [
        ("eroa", "mr_eroa", "cm2", 0.45, 0.35, 0.34),
        ("rvol", "mr_rvol", "ml", 70.0, 55.0, 54.99),
        ("rf", "mr_rf", "%", 50.0, 40.0, 39.99),
        ("lvef", "lv_ef", "%", 40.0, 30.0, 29.99),
    ];
    for (rule, id, unit, a, inside, outside) in cases {
        let ra = read("a", "reader1", &[(id, a, unit)]);
        let rb_in = read("b", "reader2", &[(id, inside, unit)]);
        let rb_out = read("b", "reader2", &[(id, outside, unit)]);
        assert_eq!(
            status(&ra, &rb_in, rule),
            RuleStatus::Concordant,
            "{rule} at threshold"
        );
        assert_eq!(
            status(&ra, &rb_out, rule),
            RuleStatus::Discordant,
            "{rule} past threshold"
        );
        // Symmetric.
        assert_eq!(
            status(&rb_out, &ra, rule),
            RuleStatus::Discordant,
            "{rule} reversed"
        );
        let d = discordance(&ra, &rb_out, DiscordanceRules::builtin());
        let r = d.result(rule).unwrap();
        assert!(d.discordant);
        assert_eq!(r.parameter.as_deref(), Some(id));
        assert!(r.difference.unwrap() > r.threshold.unwrap());
    }
    // EROA given in mm² is converted before comparing: 35 mm² = 0.35 cm².
    let ra = read("a", "reader1", &[("mr_eroa", 0.45, "cm2")]);
    let rb = read("b", "reader2", &[("mr_eroa", 35.0, "mm2")]);
    assert_eq!(status(&ra, &rb, "eroa"), RuleStatus::Concordant);
}

#[test]
fn grade_rule_and_missing_values() {
    let severe = read("a", "reader1", BASELINE_VALUES);
    let severe2 = read("b", "reader2", BASELINE_VALUES);
    let moderate = read("c", "reader2", FOLLOWUP_VALUES);
    assert_eq!(status(&severe, &severe2, "grade"), RuleStatus::Concordant);
    assert_eq!(status(&severe, &moderate, "grade"), RuleStatus::Discordant);
    let d = discordance(&severe, &severe2, DiscordanceRules::builtin());
    assert!(!d.discordant, "{d:#?}");
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);

    // A value on one side only: not evaluable by default, discordant when the rules say so.
    let with = read("a", "reader1", &[("mr_rvol", 60.0, "ml")]);
    let without = read("b", "reader2", &[("mr_eroa", 0.3, "cm2")]);
    assert_eq!(status(&with, &without, "rvol"), RuleStatus::NotEvaluable);
    let strict = DiscordanceRules::from_toml(
        r#"
[discordance]
id = "strict"
version = "1"
on_missing = "discordant"
[[discordance.rule]]
id = "rvol"
label = "RVol"
kind = "abs_difference"
parameter = "mr_rvol"
threshold = 15
unit = "ml"
[[discordance.rule]]
id = "grade2"
label = "grades two apart"
kind = "grade_differs"
min_steps = 2
"#,
        "strict.toml",
    )
    .unwrap()
    .unwrap();
    let d = discordance(&with, &without, &strict);
    assert_eq!(d.result("rvol").unwrap().status, RuleStatus::Discordant);
    // Severe vs moderate-to-severe is one step: not two apart.
    let d = discordance(&severe, &moderate, &strict);
    assert_eq!(d.result("grade2").unwrap().status, RuleStatus::Concordant);
    // Same reader twice is flagged.
    let same = discordance(&severe, &severe, DiscordanceRules::builtin());
    assert!(same.warnings.iter().any(|w| w.contains("same reader")));
}

#[test]
fn eligibility_rule() {
    let base: Vec<(&str, f64, &str)> = vec![("mr_eroa", 0.45, "cm2"), ("mr_rvol", 70.0, "ml")];
    let findings = [
        ("mr_etiology", "secondary"),
        ("nyha_class", "III"),
        ("organic_mr", "false"),
        ("prior_mitral_intervention", "false"),
    ];
    let mk = |id: &str, reader: &str, ef: f64| {
        let mut values = base.clone();
        values.push(("lv_ef", ef, "%"));
        signed_report(&Spec {
            id,
            reader,
            protocol: Some("cs_annuloplasty_rct"),
            values: &values,
            findings: &findings,
            ..Spec::default()
        })
    };
    let eligible = mk("a", "reader1", 45.0);
    let eligible2 = mk("b", "reader2", 40.0);
    let not_eligible = mk("c", "reader2", 55.0);
    let d = discordance(&eligible, &not_eligible, DiscordanceRules::builtin());
    let r = d.result("eligibility").unwrap();
    assert_eq!((r.a.as_str(), r.b.as_str()), ("eligible", "not_eligible"));
    assert_eq!(r.status, RuleStatus::Discordant);
    // LVEF 45 vs 55 is exactly 10 points: that rule stays concordant.
    assert_eq!(d.result("lvef").unwrap().status, RuleStatus::Concordant);
    assert_eq!(
        status(&eligible, &eligible2, "eligibility"),
        RuleStatus::Concordant
    );
}

#[test]
fn adjudication_record_is_built_signed_and_verified() {
    let a = read("a", "reader1", BASELINE_VALUES);
    let b = read("b", "reader2", FOLLOWUP_VALUES);
    let d = discordance(&a, &b, DiscordanceRules::builtin());
    assert!(d.discordant);
    let now = "2026-05-02T09:00:00Z";

    // Choosing a read needs a reason; the final grade is that read's.
    assert!(matches!(
        AdjudicationRecord::choose_read(&a, &b, &d, Side::B, " ", "adj1", now),
        Err(AdjudicationError::MissingReason(_))
    ));
    let chosen = AdjudicationRecord::choose_read(
        &a,
        &b,
        &d,
        Side::B,
        "B measured PISA on axis",
        "adj1",
        now,
    )
    .unwrap();
    assert_eq!(chosen.final_grade, Some(Grade::ModerateToSevere));
    assert!(matches!(
        chosen.decision,
        Decision::ChooseRead { side: Side::B, .. }
    ));
    let v = chosen.final_value(&a, &b, "mr_eroa").unwrap();
    assert!((v.value - 0.30).abs() < 1e-12);

    // Per parameter: every discordant parameter and the grade need a value.
    let mut values = BTreeMap::new();
    values.insert(
        "mr_eroa".to_owned(),
        AdjudicatedValue {
            value: 0.40,
            unit: "cm2".to_owned(),
            origin: ValueOrigin::Adjudicator,
            reason: "re-measured".to_owned(),
        },
    );
    let undecided =
        AdjudicationRecord::per_parameter(&a, &b, &d, values.clone(), None, "review", "adj1", now);
    assert!(
        matches!(undecided, Err(AdjudicationError::Undecided(_))),
        "{undecided:?}"
    );
    for (id, v) in [("mr_rvol", 60.0), ("mr_rf", 50.0)] {
        values.insert(
            id.to_owned(),
            AdjudicatedValue {
                value: v,
                unit: if id == "mr_rvol" { "ml" } else { "%" }.to_owned(),
                origin: ValueOrigin::Adjudicator,
                reason: "re-measured".to_owned(),
            },
        );
    }
    let no_grade =
        AdjudicationRecord::per_parameter(&a, &b, &d, values.clone(), None, "r", "adj1", now);
    assert_eq!(
        no_grade,
        Err(AdjudicationError::Undecided("grade".to_owned()))
    );
    let grade = AdjudicatedGrade {
        grade: Grade::Severe,
        reason: "EROA 0.40 on re-measurement".to_owned(),
    };
    let draft =
        AdjudicationRecord::per_parameter(&a, &b, &d, values, Some(grade), "review", "adj1", now)
            .unwrap();
    assert_eq!(draft.final_grade, Some(Grade::Severe));
    // Undisputed parameters: mean of the reads (VC 0.75 and 0.55).
    let vc = draft.final_value(&a, &b, "mr_vc_width").unwrap();
    assert!((vc.value - 0.65).abs() < 1e-12);

    // Signed with meaning adjudication by the adjudicator only; tampering is detected.
    let key = test_key("adj1");
    let t = time::macros::datetime!(2026-05-02 09:05:00 UTC);
    assert!(sign_adjudication(&draft, "reader1", "Someone", &key, t).is_err());
    let signed = sign_adjudication(&draft, "adj1", "Dr Adjudicator", &key, t).unwrap();
    assert_eq!(
        signed.signature.as_ref().unwrap().meaning,
        echolab::report::SignatureMeaning::Adjudication
    );
    assert!(verify_adjudication(&signed).is_empty());
    assert!(sign_adjudication(&signed, "adj1", "Dr Adjudicator", &key, t).is_err());
    let mut tampered = signed.clone();
    tampered.final_grade = Some(Grade::Mild);
    assert!(!verify_adjudication(&tampered).is_empty());
    let mut renamed = signed.clone();
    if let Some(s) = &mut renamed.signature {
        s.printed_name = "Someone Else".to_owned();
    }
    assert!(!verify_adjudication(&renamed).is_empty());
    // JSON round trip keeps it intact.
    let text = serde_json::to_string(&signed).unwrap();
    let back: AdjudicationRecord = serde_json::from_str(&text).unwrap();
    assert!(verify_adjudication(&back).is_empty());
}

#[test]
fn worklist_lists_discordant_studies_only() {
    let a = read("a", "reader1", BASELINE_VALUES);
    let b = read("b", "reader2", FOLLOWUP_VALUES);
    let c = read("c", "reader3", BASELINE_VALUES);
    // Same study for all three (the sample study): pairs a-b, a-c, b-c; a-c agree.
    let all = echolab::adjudication::study_pairs(
        &[a.clone(), b.clone(), c.clone()],
        DiscordanceRules::builtin(),
    );
    assert_eq!(all.len(), 3);
    let list = echolab::adjudication::needing_adjudication(&[a, b, c], DiscordanceRules::builtin());
    let pairs: Vec<(&str, &str)> = list
        .iter()
        .map(|d| (d.read_a.report_id.as_str(), d.read_b.report_id.as_str()))
        .collect();
    assert_eq!(pairs, [("a", "b"), ("b", "c")]);
}

#[test]
fn rct_protocol_carries_its_own_dual_read_rules() {
    let (_, text) = echolab::protocol::BUILTIN_TOML
        .iter()
        .find(|(name, _)| *name == "cs_annuloplasty_rct.toml")
        .expect("built-in RCT protocol");
    let rules = echolab::adjudication::DiscordanceRules::from_toml(text, "cs_annuloplasty_rct")
        .expect("valid table")
        .expect("protocol has a [discordance] table");
    assert_eq!(rules.id, "cs_annuloplasty_rct_dual_read");
    let protocol = echolab::protocol::Protocol::builtin("cs_annuloplasty_rct").expect("protocol");
    assert_eq!(protocol.reads_required(), 2);
}
