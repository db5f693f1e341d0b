//! The integration engine: applies one rule set to validated inputs and derived values.

use std::collections::{BTreeMap, BTreeSet};

use super::condition::{Fact, Facts, Status, Term};
use super::report::{
    Criterion, CriterionKind, GradeReport, GuidelineRef, ParameterResult, SignCounts,
};
use super::rules::{Band, Guideline, Sign};
use super::{Grade, GradeError, GradeInput};
use crate::calc::{self, Calculation, Hundredths, Warning};
use crate::catalog::Catalog;
use crate::measure::FindingValue;
use crate::protocol::Protocol;

/// Base catalog ids (and measurement uids) behind a value id, following derived inputs.
fn base_sources(id: &str, calc: &Calculation, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    if !seen.insert(id.to_owned()) {
        return;
    }
    match calc.derived.get(id) {
        Some(d) if d.method != "entered" => {
            for input in &d.inputs {
                base_sources(input, calc, seen, out);
            }
            for uid in &d.sources {
                if !out.contains(uid) {
                    out.push(uid.clone());
                }
            }
        }
        Some(d) => {
            out.push(id.to_owned());
            for uid in &d.sources {
                if !out.contains(uid) {
                    out.push(uid.clone());
                }
            }
        }
        None => {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_owned());
            }
        }
    }
}

/// Builds the facts conditions look at: inputs, then derived values (derived win).
pub(crate) fn facts(
    validated: &super::input::Validated,
    calc: &Calculation,
    grade: Option<Grade>,
) -> Facts {
    let mut values = BTreeMap::new();
    for (id, k) in &validated.calc.values {
        if calc::SELECTED_IDS.contains(&id.as_str()) {
            continue; // graded only through the calculation's choice
        }
        let mut sources = vec![id.clone()];
        sources.extend(k.sources.iter().cloned());
        values.insert(
            id.clone(),
            Fact {
                value: k.value,
                unit: k.unit,
                sources,
            },
        );
    }
    for (id, d) in &calc.derived {
        let mut sources = Vec::new();
        base_sources(id, calc, &mut BTreeSet::new(), &mut sources);
        values.insert(
            id.clone(),
            Fact {
                value: d.value,
                unit: d.unit,
                sources,
            },
        );
    }
    Facts {
        values,
        findings: validated.findings.clone(),
        grade,
        finding_origin: validated.finding_origin.clone(),
    }
}

fn band_active(band: &Band, facts: &Facts, options: &BTreeMap<String, bool>) -> bool {
    let Some(when) = &band.when else {
        return true;
    };
    if let Some(o) = &when.option
        && !options.get(o).copied().unwrap_or(false)
    {
        return false;
    }
    if !when.etiology.is_empty() {
        match facts.choice("mr_etiology") {
            Some(e) if when.etiology.iter().any(|w| w == e) => {}
            _ => return false,
        }
    }
    when.findings.iter().all(|f| facts.flag(f))
}

fn first_numeric(terms: &[Term]) -> Option<&Term> {
    terms.iter().find(|t| t.unit.is_some())
}

fn sign_criterion(sign: &Sign, facts: &Facts) -> Criterion {
    let (mut status, mut terms) = sign.condition.evaluate(facts);
    let mut threshold = sign.condition.text();
    if let Some(unless) = &sign.unless {
        let (u_status, u_terms) = unless.evaluate(facts);
        if status == Status::Met && u_status == Status::Met {
            status = Status::NotMet;
        }
        terms.extend(u_terms);
        threshold = format!("{threshold}, unless {}", unless.text());
    }
    let numeric = first_numeric(&terms).cloned();
    let mut sources: Vec<String> = Vec::new();
    for t in &terms {
        for s in &t.sources {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
    }
    Criterion {
        id: sign.id.clone(),
        label: sign.label.clone(),
        kind: if sign.specific {
            CriterionKind::SpecificSign
        } else {
            CriterionKind::SupportiveSign
        },
        input: numeric
            .as_ref()
            .map(|t| t.id.clone())
            .or_else(|| terms.first().map(|t| t.id.clone())),
        value: numeric.as_ref().and_then(|t| t.value),
        unit: numeric.as_ref().and_then(|t| t.unit),
        rounded: numeric.as_ref().and_then(|t| t.rounded.clone()),
        threshold,
        status,
        supports: sign.supports,
        sources,
        terms,
        note: sign.note.clone(),
    }
}

/// The integration of §9 item 5. Returns (grade, discordant, basis, reason).
fn integrate(
    guideline: &Guideline,
    params: &[ParameterResult],
    counts: SignCounts,
) -> (Grade, bool, &'static str, String) {
    let cats: Vec<Grade> = params.iter().filter_map(|p| p.category).collect();
    let all_same = cats.windows(2).all(|w| w[0] == w[1]);
    let opposite = |g: Grade| {
        (g == Grade::Severe && counts.mild > 0) || (g == Grade::Mild && counts.severe > 0)
    };
    let required = guideline.specific_signs_required;
    match cats.len() {
        0 => {
            let (grade, reason) = if counts.severe >= required && counts.mild == 0 {
                (
                    Grade::Severe,
                    format!(
                        "no quantitative parameter; {} severe-specific signs (≥ {required}) and no mild-specific sign",
                        counts.severe
                    ),
                )
            } else if counts.mild >= required && counts.severe == 0 {
                (
                    Grade::Mild,
                    format!(
                        "no quantitative parameter; {} mild-specific signs (≥ {required}) and no severe-specific sign",
                        counts.mild
                    ),
                )
            } else {
                (
                    Grade::Indeterminate,
                    format!(
                        "no quantitative parameter and {} mild-specific / {} severe-specific signs: quantitation required",
                        counts.mild, counts.severe
                    ),
                )
            };
            (grade, false, "specific_signs", reason)
        }
        1 => {
            let c = cats[0];
            if opposite(c) {
                (
                    Grade::Indeterminate,
                    true,
                    "single_quantitative",
                    format!(
                        "one quantitative parameter ({}) contradicted by a specific sign of the opposite extreme",
                        c.as_str()
                    ),
                )
            } else {
                (
                    c,
                    false,
                    "single_quantitative",
                    format!("one quantitative parameter, category {}", c.as_str()),
                )
            }
        }
        n => {
            let mut count: BTreeMap<Grade, usize> = BTreeMap::new();
            for c in &cats {
                *count.entry(*c).or_default() += 1;
            }
            let best = count.values().copied().max().unwrap_or(0);
            let leaders: Vec<Grade> = count
                .iter()
                .filter(|(_, k)| **k == best)
                .map(|(g, _)| *g)
                .collect();
            let majority = (best >= guideline.majority && leaders.len() == 1)
                .then(|| leaders.first().copied())
                .flatten();
            match majority {
                Some(g) => (
                    g,
                    !all_same || opposite(g),
                    "quantitative_majority",
                    format!("{best} of {n} quantitative parameters are {}", g.as_str()),
                ),
                None => (
                    Grade::Indeterminate,
                    true,
                    "quantitative_majority",
                    format!(
                        "no majority among {n} quantitative parameters ({}): internal inconsistency, consider TEE/CMR",
                        cats.iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
    }
}

fn clinical_warnings(facts: &Facts, warnings: &mut Vec<Warning>) {
    if facts.choice("mr_chronicity") == Some("acute") {
        warnings.push(Warning::new(
            "acute_mr",
            "acute MR: the integrative grading algorithm is for chronic MR",
        ));
    }
    if matches!(
        facts.findings.get("mr_holosystolic"),
        Some(FindingValue::Bool(false))
    ) {
        warnings.push(Warning::new(
            "not_holosystolic",
            "the MR jet is not holosystolic: EROA thresholds assume a holosystolic jet and may overestimate severity",
        ));
    }
}

/// Grades `input` with `guideline`; evaluates `protocol` when given.
pub(crate) fn run(
    catalog: &Catalog,
    guideline: &Guideline,
    input: &GradeInput,
    protocol: Option<&Protocol>,
) -> Result<GradeReport, GradeError> {
    let validated = input.validate(catalog)?;
    let calc = calc::derive(&validated.calc);
    let mut warnings = validated.warnings.clone();
    warnings.extend(calc.warnings.iter().cloned());
    for (id, d) in &calc.derived {
        // Entered values were checked on input; a graded copy repeats its source's warning.
        let copy = d
            .inputs
            .first()
            .and_then(|src| calc.derived.get(src))
            .is_some_and(|src| src.value.to_bits() == d.value.to_bits());
        if d.method == "entered" || copy {
            continue;
        }
        if let Ok(Some(w)) = super::input::range_warning(catalog, id, d.value, d.unit) {
            warnings.push(w);
        }
    }

    let mut options = BTreeMap::new();
    for (name, opt) in &guideline.options {
        options.insert(
            name.clone(),
            input.options.get(name).copied().unwrap_or(opt.default),
        );
    }
    for name in input.options.keys() {
        if !guideline.options.contains_key(name) {
            warnings.push(Warning::new(
                "unknown_option",
                format!(
                    "option `{name}` is not defined by rule set {}; ignored",
                    guideline.id
                ),
            ));
        }
    }

    let mut facts = facts(&validated, &calc, None);
    clinical_warnings(&facts, &mut warnings);
    let mut criteria = Vec::new();
    let mut params = Vec::new();
    for q in &guideline.quantitative {
        let fact = facts.values.get(&q.value);
        let unit = fact
            .map(|f| f.unit)
            .or_else(|| catalog.unit(&q.value))
            .unwrap_or(crate::measure::Unit::Ratio);
        let mut category: Option<Grade> = None;
        let mut deciding: Option<&Band> = None;
        for band in q.bands.iter().filter(|b| band_active(b, &facts, &options)) {
            let (status, terms) = band.condition.evaluate(&facts);
            if status == Status::Met && category.is_none_or(|c| band.category > c) {
                category = Some(band.category);
                deciding = Some(band);
            }
            criteria.push(Criterion {
                id: band.id.clone(),
                label: format!("{} {}", q.label, band.condition.threshold_text()),
                kind: CriterionKind::Quantitative,
                input: Some(q.value.clone()),
                value: fact.map(|f| f.value),
                unit: Some(unit),
                rounded: fact
                    .and_then(|f| Hundredths::round(f.value))
                    .map(|h| h.to_string()),
                threshold: band.condition.threshold_text(),
                status,
                supports: band.category,
                sources: fact.map(|f| f.sources.clone()).unwrap_or_default(),
                terms: if terms.len() > 1 { terms } else { Vec::new() },
                note: band.note.clone(),
            });
        }
        if fact.is_some() && category.is_none() {
            warnings.push(Warning::new(
                "unclassified",
                format!(
                    "{} = {} is in no band of rule set {}; not graded",
                    q.value,
                    fact.map(|f| calc::display_2dp(f.value)).unwrap_or_default(),
                    guideline.id
                ),
            ));
        }
        params.push(ParameterResult {
            id: q.id.clone(),
            label: q.label.clone(),
            input: q.value.clone(),
            value: fact.map(|f| f.value),
            unit,
            rounded: fact
                .and_then(|f| Hundredths::round(f.value))
                .map(|h| h.to_string()),
            method: calc.get(&q.value).map(|d| d.method.clone()),
            category,
            threshold_note: deciding.filter(|b| b.when.is_some()).map(|b| {
                format!(
                    "{} {} {} ({})",
                    q.label,
                    b.category.as_str(),
                    b.condition.threshold_text(),
                    b.note.as_deref().unwrap_or("conditional threshold")
                )
            }),
        });
    }
    let mut counts = SignCounts::default();
    for sign in &guideline.signs {
        let c = sign_criterion(sign, &facts);
        if sign.specific && c.status == Status::Met {
            match sign.supports {
                Grade::Mild => counts.mild += 1,
                Grade::Severe => counts.severe += 1,
                _ => {}
            }
        }
        criteria.push(c);
    }
    let (grade, discordant, basis, mut reason) = integrate(guideline, &params, counts);
    for note in params.iter().filter_map(|p| p.threshold_note.as_deref()) {
        reason.push_str("; ");
        reason.push_str(note);
    }
    let acc_aha_stage = guideline
        .acc_aha_stage
        .as_ref()
        .and_then(|m| m.get(&grade).cloned());
    let esc_severe =
        (guideline.esc_severe && grade != Grade::Indeterminate).then_some(grade == Grade::Severe);
    facts.grade = Some(grade);
    let eligibility = protocol.map(|p| p.evaluate(&facts));
    Ok(GradeReport {
        grade,
        grade_label: guideline.label(grade).to_owned(),
        discordant,
        reason,
        basis: basis.to_owned(),
        guideline: GuidelineRef {
            id: guideline.id.clone(),
            rule_set: guideline.rule_set.clone(),
            version: guideline.version.clone(),
            title: guideline.title.clone(),
        },
        options,
        parameters: params,
        specific_signs: counts,
        criteria,
        derived: calc.derived,
        warnings,
        acc_aha_stage,
        esc_severe,
        eligibility,
        engine: format!("echolab {}", env!("CARGO_PKG_VERSION")),
    })
}
