//! Read A | read B side by side: who read, each parameter's value and unit, Δ, the rule status
//! (fired rules in the warning colour), every rule's result, and each read's grade with its
//! criteria. A click on a parameter shows its key frames.

use egui::{Color32, RichText, Ui};

use super::AdjCommand;
use super::source::{Pair, ParamRow};
use crate::adjudication::{RuleResult, RuleStatus};
use crate::compare::{ParamValue, grade_words};
use crate::grading::Status;
use crate::gui::theme;
use crate::report::ReadingReport;

/// Two decimals, as the discordance rules compare.
pub fn fmt_value(v: &ParamValue) -> String {
    format!("{:.2} {}", v.value, v.unit.display_symbol())
}

fn status_color(s: RuleStatus) -> Color32 {
    match s {
        RuleStatus::Discordant => theme::WARNING,
        RuleStatus::Concordant => theme::GOOD,
        RuleStatus::NotEvaluable => theme::TEXT_WEAK,
    }
}

fn status_words(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Discordant => "DISCORDANT",
        RuleStatus::Concordant => "concordant",
        RuleStatus::NotEvaluable => "not evaluable",
    }
}

fn reader_line(r: &ReadingReport, origin: &str, blinded: bool) -> String {
    let who = r.reader_id.as_deref().unwrap_or("unknown reader");
    let name = r
        .signature
        .as_ref()
        .map(|s| format!(" ({}, signed {})", s.printed_name, s.signed_at_utc))
        .unwrap_or_else(|| " (NOT signed)".to_owned());
    let visit = match (blinded, r.visit) {
        (false, Some(v)) => format!(" · visit {v}"),
        _ => String::new(),
    };
    format!(
        "{who}{name} · report {} v{}{visit} · {origin}",
        r.report_id, r.version
    )
}

/// The whole comparison section.
pub fn pair_ui(ui: &mut Ui, pair: &Pair, selected: Option<&str>) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    let d = &pair.discordance;
    ui.horizontal(|ui| {
        let (text, color) = if d.discordant {
            ("DISCORDANT", theme::WARNING)
        } else {
            ("concordant", theme::GOOD)
        };
        ui.label(RichText::new(text).strong().color(color));
        ui.label(format!("under {} {}", d.rules_id, d.rules_version));
        if let Some(s) = &pair.read_a.study {
            ui.label(
                RichText::new(format!("study {}", s.study_instance_uid)).color(theme::TEXT_WEAK),
            );
        }
    });
    ui.label(format!(
        "Read A: {}",
        reader_line(&pair.read_a, &pair.origin_a, pair.blinded)
    ));
    ui.label(format!(
        "Read B: {}",
        reader_line(&pair.read_b, &pair.origin_b, pair.blinded)
    ));
    for w in &pair.warnings {
        ui.colored_label(theme::ERROR, w);
    }
    ui.add_space(4.0);
    ui.columns(2, |cols| {
        if let [left, right] = cols {
            out.extend(values_grid(left, pair, selected));
            rules_grid(right, &pair.discordance.results);
        }
    });
    ui.add_space(4.0);
    ui.columns(2, |cols| {
        if let [left, right] = cols {
            grade_ui(left, "A", &pair.read_a);
            grade_ui(right, "B", &pair.read_b);
        }
    });
    out
}

fn values_grid(ui: &mut Ui, pair: &Pair, selected: Option<&str>) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    ui.label(RichText::new("Values (click a parameter for its key frames)").strong());
    egui::ScrollArea::vertical()
        .id_salt("adj_values")
        .max_height(200.0)
        .show(ui, |ui| {
            egui::Grid::new("adj_values_grid")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for h in ["Parameter", "Read A", "Read B", "Δ (B - A)", "Rule"] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for row in &pair.rows {
                        out.extend(value_row(ui, pair, row, selected));
                        ui.end_row();
                    }
                });
        });
    out
}

fn value_row(
    ui: &mut Ui,
    pair: &Pair,
    row: &ParamRow,
    selected: Option<&str>,
) -> Option<AdjCommand> {
    let fired = !row.fired.is_empty();
    let color = if fired { theme::WARNING } else { theme::TEXT };
    let clicked = ui
        .add(egui::Button::selectable(
            selected == Some(row.id.as_str()),
            RichText::new(&row.label).color(color),
        ))
        .on_hover_text(&row.id)
        .clicked();
    let cell = |v: &Option<ParamValue>| v.as_ref().map_or_else(|| "—".to_owned(), fmt_value);
    ui.label(RichText::new(cell(&row.a)).monospace().color(color));
    ui.label(RichText::new(cell(&row.b)).monospace().color(color));
    let delta = match (&row.a, &row.b) {
        (Some(a), Some(b)) => format!("{:+.2}", b.value - a.value),
        _ => "—".to_owned(),
    };
    ui.label(RichText::new(delta).monospace().color(color));
    let rule_text = if fired {
        format!("{} fired", row.fired.join(", "))
    } else if row.rules.is_empty() {
        String::new()
    } else {
        let statuses: Vec<&str> = row
            .rules
            .iter()
            .filter_map(|id| pair.discordance.result(id))
            .map(|r| status_words(r.status))
            .collect();
        statuses.join(", ")
    };
    ui.label(RichText::new(rule_text).color(if fired {
        theme::WARNING
    } else {
        theme::TEXT_WEAK
    }));
    clicked.then(|| AdjCommand::SelectParam(row.id.clone()))
}

fn rules_grid(ui: &mut Ui, results: &[RuleResult]) {
    ui.label(RichText::new("Discordance rules").strong());
    egui::Grid::new("adj_rules_grid")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for h in ["Rule", "A", "B", "Status"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in results {
                let color = status_color(r.status);
                let threshold = match (r.difference, r.threshold, &r.unit) {
                    (Some(d), Some(t), Some(u)) => format!(" |Δ| {d:.2} vs {t} {u}"),
                    _ => String::new(),
                };
                ui.label(RichText::new(&r.label).color(color))
                    .on_hover_text(format!("{} ({}){threshold}", r.id, r.kind));
                ui.label(RichText::new(&r.a).monospace());
                ui.label(RichText::new(&r.b).monospace());
                ui.label(RichText::new(status_words(r.status)).strong().color(color));
                ui.end_row();
            }
        });
}

fn grade_ui(ui: &mut Ui, side: &str, r: &ReadingReport) {
    let Some(g) = &r.grade else {
        ui.label(format!("Read {side}: not graded"));
        return;
    };
    let res = &g.result;
    ui.label(
        RichText::new(format!(
            "Read {side} grade: {} ({})",
            grade_words(res.grade),
            res.guideline.id
        ))
        .strong(),
    );
    ui.label(RichText::new(&res.reason).color(theme::TEXT_WEAK));
    let id = format!("adj_criteria_{side}");
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(104.0)
        .show(ui, |ui| {
            for c in &res.criteria {
                let (mark, color) = match c.status {
                    Status::Met => ("✔", theme::GOOD),
                    Status::NotMet => ("✖", theme::NEUTRAL),
                    Status::NotAvailable => ("—", theme::TEXT_WEAK),
                };
                let value = match (&c.rounded, c.unit) {
                    (Some(v), Some(u)) => format!(" = {v} {}", u.display_symbol()),
                    (Some(v), None) => format!(" = {v}"),
                    _ => String::new(),
                };
                ui.horizontal(|ui| {
                    ui.colored_label(color, mark);
                    ui.label(format!("{}{value}", c.label))
                        .on_hover_text(format!("{}; supports {}", c.threshold, c.supports.label()));
                });
            }
        });
}
