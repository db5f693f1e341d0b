//! The decision: adopt read A or read B with a reason, or per disputed parameter take A / take
//! B / the adjudicator's own value (unit checked by the library) with a reason, plus the grade
//! with a reason when the grades differ. [`build_record`] turns the form into a draft
//! [`AdjudicationRecord`] through the library, whose validation messages are shown inline.

use std::collections::BTreeMap;

use egui::{RichText, TextEdit, Ui};

use super::source::Pair;
use super::table::fmt_value;
use super::{AdjCommand, AdjModel};
use crate::adjudication::{
    AdjudicatedGrade, AdjudicatedValue, AdjudicationRecord, Decision, Side, ValueOrigin,
};
use crate::catalog::Catalog;
use crate::compare::{grade_words, report_grade};
use crate::grading::Grade;
use crate::gui::theme;

/// How the adjudicator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// A value per disputed parameter.
    #[default]
    PerParameter,
    /// One read adopted as the final read.
    ChooseRead,
}

/// Where a disputed parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Read A's value.
    A,
    /// Read B's value.
    B,
    /// The adjudicator's own value.
    Own,
}

/// The choice for one disputed parameter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamChoice {
    /// Where the value comes from (None: not decided yet).
    pub take: Option<Take>,
    /// Own value as typed.
    pub own_value: String,
    /// Unit of the own value (defaults to the catalog unit).
    pub own_unit: String,
    /// Why.
    pub reason: String,
}

/// The decision form (the only state the decision panel writes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionForm {
    /// Choose a read or decide per parameter.
    pub mode: Mode,
    /// The read adopted (choose-read mode).
    pub side: Option<Side>,
    /// Choices by catalog id (per-parameter mode).
    pub params: BTreeMap<String, ParamChoice>,
    /// The adjudicated grade (when the grades differ).
    pub grade: Option<Grade>,
    /// Why that grade.
    pub grade_reason: String,
    /// Overall reason (required when choosing a read).
    pub reason: String,
    /// Adjudicator reader id (prefilled from the session).
    pub adjudicator_id: String,
}

/// Every grade, for the grade choice.
const GRADES: [Grade; 5] = [
    Grade::Mild,
    Grade::MildToModerate,
    Grade::ModerateToSevere,
    Grade::Severe,
    Grade::Indeterminate,
];

fn grades_differ(pair: &Pair) -> bool {
    pair.grade_disputed() || report_grade(&pair.read_a) != report_grade(&pair.read_b)
}

fn adjudicated_value(
    pair: &Pair,
    id: &str,
    choice: &ParamChoice,
) -> Result<Option<AdjudicatedValue>, String> {
    let row = pair.rows.iter().find(|r| r.id == id);
    let label = row.map_or(id, |r| r.label.as_str());
    let from_read = |v: Option<&crate::compare::ParamValue>, origin| {
        v.map(|v| AdjudicatedValue {
            value: v.value,
            unit: v.unit.symbol().to_owned(),
            origin,
            reason: choice.reason.trim().to_owned(),
        })
        .ok_or_else(|| format!("{label}: that read has no value"))
    };
    Ok(Some(match choice.take {
        None => return Ok(None),
        Some(Take::A) => from_read(row.and_then(|r| r.a.as_ref()), ValueOrigin::ReadA)?,
        Some(Take::B) => from_read(row.and_then(|r| r.b.as_ref()), ValueOrigin::ReadB)?,
        Some(Take::Own) => {
            let text = choice.own_value.trim().replace(',', ".");
            let value: f64 = text
                .parse()
                .map_err(|_| format!("{label}: {:?} is not a number", choice.own_value))?;
            let unit = if choice.own_unit.trim().is_empty() {
                Catalog::builtin()
                    .unit(id)
                    .map(|u| u.symbol().to_owned())
                    .unwrap_or_default()
            } else {
                choice.own_unit.trim().to_owned()
            };
            AdjudicatedValue {
                value,
                unit,
                origin: ValueOrigin::Adjudicator,
                reason: choice.reason.trim().to_owned(),
            }
        }
    }))
}

impl DecisionForm {
    /// The form that [`build_record`] turns back into `record` (resuming a saved draft).
    pub fn from_record(record: &AdjudicationRecord) -> DecisionForm {
        let mut form = DecisionForm {
            reason: record.reason.clone(),
            adjudicator_id: record.adjudicator_id.clone(),
            ..DecisionForm::default()
        };
        match &record.decision {
            Decision::ChooseRead { side, .. } => {
                form.mode = Mode::ChooseRead;
                form.side = Some(*side);
            }
            Decision::PerParameter { values, grade } => {
                form.mode = Mode::PerParameter;
                for (id, v) in values {
                    let own = v.origin == ValueOrigin::Adjudicator;
                    let choice = ParamChoice {
                        take: Some(match v.origin {
                            ValueOrigin::ReadA => Take::A,
                            ValueOrigin::ReadB => Take::B,
                            ValueOrigin::Adjudicator => Take::Own,
                        }),
                        own_value: if own {
                            v.value.to_string()
                        } else {
                            String::new()
                        },
                        own_unit: if own { v.unit.clone() } else { String::new() },
                        reason: v.reason.clone(),
                    };
                    form.params.insert(id.clone(), choice);
                }
                if let Some(g) = grade {
                    form.grade = Some(g.grade);
                    form.grade_reason = g.reason.clone();
                }
            }
        }
        form
    }
}

/// The draft record of the form, or the first problem (the library's validation message).
pub fn build_record(
    pair: &Pair,
    form: &DecisionForm,
    created_utc: &str,
) -> Result<AdjudicationRecord, String> {
    let adjudicator = form.adjudicator_id.trim();
    if adjudicator.is_empty() {
        return Err("Give the adjudicator's reader id.".to_owned());
    }
    let (a, b, d) = (&pair.read_a, &pair.read_b, &pair.discordance);
    match form.mode {
        Mode::ChooseRead => {
            let side = form
                .side
                .ok_or_else(|| "Choose read A or read B.".to_owned())?;
            AdjudicationRecord::choose_read(a, b, d, side, &form.reason, adjudicator, created_utc)
                .map_err(|e| e.to_string())
        }
        Mode::PerParameter => {
            let mut values = BTreeMap::new();
            for id in pair.disputed() {
                if let Some(choice) = form.params.get(&id)
                    && let Some(v) = adjudicated_value(pair, &id, choice)?
                {
                    values.insert(id, v);
                }
            }
            let grade = form
                .grade
                .filter(|_| grades_differ(pair))
                .map(|g| AdjudicatedGrade {
                    grade: g,
                    reason: form.grade_reason.trim().to_owned(),
                });
            AdjudicationRecord::per_parameter(
                a,
                b,
                d,
                values,
                grade,
                &form.reason,
                adjudicator,
                created_utc,
            )
            .map_err(|e| e.to_string())
        }
    }
}

fn per_parameter_ui(ui: &mut Ui, pair: &Pair, form: &mut DecisionForm) {
    let disputed = pair.disputed();
    if disputed.is_empty() {
        ui.label(RichText::new("No numeric rule fired.").color(theme::TEXT_WEAK));
    }
    egui::Grid::new("adj_decision_grid")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            if !disputed.is_empty() {
                for h in [
                    "Disputed",
                    "Read A",
                    "Read B",
                    "Adjudicated value",
                    "Reason",
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
            }
            for id in &disputed {
                let row = pair.rows.iter().find(|r| &r.id == id);
                let label = row.map_or(id.as_str(), |r| r.label.as_str()).to_owned();
                let choice = form.params.entry(id.clone()).or_default();
                if choice.own_unit.is_empty()
                    && let Some(u) = Catalog::builtin().unit(id)
                {
                    choice.own_unit = u.symbol().to_owned();
                }
                ui.label(RichText::new(&label).color(theme::WARNING));
                let cell =
                    |v: Option<&crate::compare::ParamValue>| v.map_or("—".to_owned(), fmt_value);
                ui.label(RichText::new(cell(row.and_then(|r| r.a.as_ref()))).monospace());
                ui.label(RichText::new(cell(row.and_then(|r| r.b.as_ref()))).monospace());
                ui.horizontal(|ui| {
                    ui.radio_value(&mut choice.take, Some(Take::A), "take A");
                    ui.radio_value(&mut choice.take, Some(Take::B), "take B");
                    ui.radio_value(&mut choice.take, Some(Take::Own), "own");
                    ui.add_enabled(
                        choice.take == Some(Take::Own),
                        TextEdit::singleline(&mut choice.own_value)
                            .desired_width(70.0)
                            .min_size(egui::vec2(70.0, 0.0)),
                    )
                    .accessible_name(format!("Own value of {label}"));
                    ui.add_enabled(
                        choice.take == Some(Take::Own),
                        TextEdit::singleline(&mut choice.own_unit)
                            .desired_width(56.0)
                            .min_size(egui::vec2(56.0, 0.0)),
                    )
                    .accessible_name(format!("Unit of {label}"));
                });
                ui.add(TextEdit::singleline(&mut choice.reason).desired_width(260.0))
                    .accessible_name(format!("Reason for {label}"));
                ui.end_row();
            }
            if grades_differ(pair) {
                let words = |g: Option<Grade>| g.map_or("not graded".to_owned(), grade_words);
                ui.label(RichText::new("Grade").color(theme::WARNING));
                ui.label(words(report_grade(&pair.read_a)));
                ui.label(words(report_grade(&pair.read_b)));
                egui::ComboBox::from_id_salt("adj_grade")
                    .selected_text(form.grade.map_or("choose…".to_owned(), grade_words))
                    .show_ui(ui, |ui| {
                        for g in GRADES {
                            ui.selectable_value(&mut form.grade, Some(g), grade_words(g));
                        }
                    })
                    .response
                    .accessible_name("Adjudicated grade");
                ui.add(TextEdit::singleline(&mut form.grade_reason).desired_width(260.0))
                    .accessible_name("Reason for the grade");
                ui.end_row();
            }
        });
}

/// The decision section; returns save / sign commands.
pub fn decision_ui(
    ui: &mut Ui,
    pair: &Pair,
    form: &mut DecisionForm,
    model: &AdjModel,
) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    ui.label(RichText::new("Decision").strong());
    ui.horizontal(|ui| {
        ui.radio_value(&mut form.mode, Mode::PerParameter, "Per parameter");
        ui.radio_value(&mut form.mode, Mode::ChooseRead, "Choose one read");
    });
    match form.mode {
        Mode::ChooseRead => {
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.side, Some(Side::A), "Choose read A");
                ui.radio_value(&mut form.side, Some(Side::B), "Choose read B");
            });
        }
        Mode::PerParameter => per_parameter_ui(ui, pair, form),
    }
    egui::Grid::new("adj_decision_meta")
        .num_columns(2)
        .show(ui, |ui| {
            let l = ui.label("Overall reason");
            ui.add(
                TextEdit::multiline(&mut form.reason)
                    .desired_rows(2)
                    .desired_width(520.0),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Adjudicator id");
            ui.add(TextEdit::singleline(&mut form.adjudicator_id).desired_width(200.0))
                .labelled_by(l.id);
            ui.end_row();
        });
    if let Some(e) = &model.decision_error {
        ui.colored_label(theme::ERROR, e);
    }
    let locked = model.signed.is_some();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!locked, egui::Button::new("Save draft record"))
            .on_hover_text("Write the draft adjudication (JSON) next to the reads")
            .clicked()
        {
            out.push(AdjCommand::SaveDraft);
        }
        if ui
            .add_enabled(!locked, egui::Button::new("Sign adjudication…"))
            .on_hover_text("Sign with meaning \"adjudication\" (needs the reading database)")
            .clicked()
        {
            out.push(AdjCommand::OpenSign);
        }
    });
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::adjudication::DiscordanceRules;
    use crate::report::ReadingReport;
    use crate::report::draft::{GradingChoice, draft_from_grade_input};

    fn read(id: &str, reader: &str, eroa: f64) -> ReadingReport {
        let input = serde_json::from_value(serde_json::json!({
            "values": {"mr_eroa": {"value": eroa, "unit": "cm2"}}
        }))
        .unwrap();
        let mut r = draft_from_grade_input(
            &input,
            &GradingChoice::default(),
            id,
            time::macros::datetime!(2026-01-02 03:04:05 UTC),
        )
        .unwrap();
        r.reader_id = Some(reader.to_owned());
        r
    }

    fn pair() -> Pair {
        Pair::new(
            read("a", "r1", 0.45),
            read("b", "r2", 0.30),
            ("a.json".into(), "b.json".into()),
            DiscordanceRules::builtin().clone(),
            ".".into(),
        )
    }

    fn form(take: Take, value: &str, unit: &str, reason: &str) -> DecisionForm {
        let mut f = DecisionForm {
            adjudicator_id: "adj1".into(),
            grade: Some(Grade::ModerateToSevere),
            grade_reason: "integrative".into(),
            ..DecisionForm::default()
        };
        f.params.insert(
            "mr_eroa".into(),
            ParamChoice {
                take: Some(take),
                own_value: value.into(),
                own_unit: unit.into(),
                reason: reason.into(),
            },
        );
        f
    }

    #[test]
    fn the_form_becomes_a_record_or_says_what_is_wrong() {
        let p = pair();
        assert_eq!(p.disputed(), vec!["mr_eroa".to_owned()]);
        let t = "2026-01-02T03:04:05Z";
        let err = |f: &DecisionForm| build_record(&p, f, t).unwrap_err();
        assert!(err(&form(Take::Own, "abc", "cm2", "why")).contains("not a number"));
        assert!(err(&form(Take::Own, "0.38", "ml", "why")).contains("does not fit"));
        assert!(err(&form(Take::A, "", "", " ")).contains("reason is required"));
        let mut no_id = form(Take::A, "", "", "why");
        no_id.adjudicator_id.clear();
        assert!(err(&no_id).contains("adjudicator"));
        let mut undecided = form(Take::A, "", "", "why");
        undecided.params.clear();
        assert!(err(&undecided).contains("no adjudicated value"));

        // A comma decimal is accepted; the value keeps its origin and reason.
        let r = build_record(&p, &form(Take::Own, "0,38", "cm2", "re-measured"), t).unwrap();
        let crate::adjudication::Decision::PerParameter { values, grade } = &r.decision else {
            panic!("per-parameter decision expected");
        };
        let v = &values["mr_eroa"];
        assert!((v.value - 0.38).abs() < 1e-12);
        assert_eq!(v.origin, ValueOrigin::Adjudicator);
        assert_eq!(v.reason, "re-measured");
        assert_eq!(grade.as_ref().unwrap().grade, Grade::ModerateToSevere);
        let b = build_record(&p, &form(Take::B, "", "", "B"), t).unwrap();
        let crate::adjudication::Decision::PerParameter { values, .. } = &b.decision else {
            panic!("per-parameter decision expected");
        };
        assert_eq!(values["mr_eroa"].origin, ValueOrigin::ReadB);
        assert!((values["mr_eroa"].value - 0.30).abs() < 1e-12);

        // Choosing a read needs a side and a reason.
        let mut choose = DecisionForm {
            mode: Mode::ChooseRead,
            adjudicator_id: "adj1".into(),
            ..DecisionForm::default()
        };
        assert!(err(&choose).contains("Choose read A or read B"));
        choose.side = Some(Side::A);
        assert!(err(&choose).contains("reason is required"));
        choose.reason = "A is complete".into();
        assert!(build_record(&p, &choose, t).is_ok());
    }

    #[test]
    fn a_saved_record_gives_back_the_form_that_made_it() {
        let p = pair();
        let t = "2026-01-02T03:04:05Z";
        for f in [
            form(Take::Own, "0.38", "cm2", "re-measured"),
            form(Take::A, "", "", "A traced the better envelope"),
            DecisionForm {
                mode: Mode::ChooseRead,
                side: Some(Side::B),
                reason: "B is complete".into(),
                adjudicator_id: "adj1".into(),
                ..DecisionForm::default()
            },
        ] {
            let record = build_record(&p, &f, t).unwrap();
            let back = DecisionForm::from_record(&record);
            assert_eq!(
                build_record(&p, &back, t).unwrap().decision,
                record.decision
            );
            assert_eq!(back.reason, f.reason);
            assert_eq!(back.adjudicator_id, "adj1");
        }
    }
}
