//! Live results: the grade under the chosen guideline, why (the criteria with value, threshold,
//! met / not met and the measurement behind it), and the derived values. A click on a criterion
//! or a derived value selects the measurement behind it.

use egui::{RichText, Ui};

use crate::catalog::Catalog;
use crate::grading::{Criterion, CriterionKind, GUIDELINE_IDS, Grade, GradeReport, Rules, Status};
use crate::gui::app::{App, Command};
use crate::gui::theme;

/// Shows the results column.
pub fn results_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        let label = ui.label("Guideline");
        let title = |id: &str| {
            Rules::builtin()
                .guideline(id)
                .map_or(id.to_owned(), |g| g.title.clone())
        };
        let combo = egui::ComboBox::from_id_salt("guideline")
            .selected_text(app.guideline.as_str())
            .show_ui(ui, |ui| {
                for id in GUIDELINE_IDS {
                    if ui
                        .selectable_label(app.guideline == id, id)
                        .on_hover_text(title(id))
                        .clicked()
                    {
                        out.push(Command::SetGuideline(id.to_owned()));
                    }
                }
            });
        combo.response.labelled_by(label.id);
    });
    match &app.results.grade {
        None => {
            ui.small("The grade appears as you measure.");
        }
        Some(Err(e)) => {
            ui.colored_label(theme::ERROR, format!("Cannot grade: {e}"));
        }
        Some(Ok(report)) => out.extend(report_ui(ui, report)),
    }
    out
}

/// The grade in one line for the tool bar (always visible).
pub fn grade_headline_ui(ui: &mut Ui, app: &App) {
    if let Some(Ok(report)) = &app.results.grade {
        let mut text = format!("MR: {}", report.grade_label);
        if report.discordant {
            text.push_str("  ⚠ discordant");
        }
        ui.add(
            egui::Label::new(
                RichText::new(text)
                    .strong()
                    .color(grade_color(report.grade)),
            )
            .truncate(),
        )
        .on_hover_text(format!(
            "{} under {}",
            report.grade_label, report.guideline.title
        ));
    }
}

fn grade_color(grade: Grade) -> egui::Color32 {
    match grade {
        Grade::Severe => theme::ERROR,
        Grade::ModerateToSevere | Grade::MildToModerate => theme::WARNING,
        Grade::Mild => theme::GOOD,
        Grade::Indeterminate => theme::NEUTRAL,
    }
}

fn report_ui(ui: &mut Ui, report: &GradeReport) -> Vec<Command> {
    let mut out = Vec::new();
    ui.add(
        egui::Label::new(
            RichText::new(format!("MR grade: {}", report.grade_label))
                .size(18.0)
                .strong()
                .color(grade_color(report.grade)),
        )
        .wrap(),
    );
    if report.discordant {
        ui.colored_label(theme::WARNING, "⚠ discordant findings");
    }
    ui.add(egui::Label::new(RichText::new(&report.reason).small()).wrap());
    for w in &report.warnings {
        ui.add(egui::Label::new(RichText::new(&w.message).small().color(theme::WARNING)).wrap());
    }
    ui.add_space(4.0);
    parameters_ui(ui, report);
    let mut kind = None;
    for c in &report.criteria {
        if kind != Some(c.kind) {
            kind = Some(c.kind);
            ui.add_space(2.0);
            ui.label(RichText::new(kind_title(c.kind)).strong());
        }
        out.extend(criterion_row_ui(ui, c));
    }
    ui.add_space(4.0);
    ui.label(RichText::new("Derived").strong());
    let catalog = Catalog::builtin();
    for (id, d) in &report.derived {
        egui::Sides::new().shrink_left().truncate().show(
            ui,
            |ui| {
                let response = ui
                    .add(egui::Button::selectable(false, catalog.label(id)).truncate())
                    .on_hover_text(format!(
                        "{}\n{}\nmethod: {}",
                        d.formula, d.substituted, d.method
                    ));
                if response.clicked()
                    && let Some(s) = d.sources.first().or(d.inputs.first())
                {
                    out.push(Command::SelectSource(s.clone()));
                }
            },
            |ui| {
                ui.label(
                    RichText::new(format!("{} {}", d.display, d.unit.display_symbol())).monospace(),
                );
            },
        );
    }
    out
}

/// The graded quantitative parameters: value, category and the method the value came from.
fn parameters_ui(ui: &mut Ui, report: &GradeReport) {
    if report.parameters.is_empty() {
        return;
    }
    ui.label(RichText::new("Graded parameters").strong());
    for p in &report.parameters {
        let category = p.category.map_or("n/a", |c| c.label());
        let color = p.category.map_or(theme::TEXT_WEAK, grade_color);
        let value = p.rounded.as_ref().map_or_else(
            || "n/a".to_owned(),
            |r| format!("{r} {}", p.unit.display_symbol()),
        );
        egui::Sides::new().shrink_left().truncate().show(
            ui,
            |ui| {
                ui.label(&p.label).on_hover_text(format!(
                    "{} from {}",
                    p.input,
                    p.method.as_deref().unwrap_or("—")
                ));
            },
            |ui| {
                ui.label(RichText::new(category).color(color));
                ui.label(RichText::new(value).monospace());
            },
        );
    }
    ui.add_space(4.0);
}

fn kind_title(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Quantitative => "Quantitative criteria",
        CriterionKind::SpecificSign => "Specific signs",
        CriterionKind::SupportiveSign => "Supportive signs",
    }
}

/// One criterion: met / not met, its label (with the threshold), the value tested.
fn criterion_row_ui(ui: &mut Ui, c: &Criterion) -> Option<Command> {
    let (mark, color) = match c.status {
        Status::Met => ("✔", theme::GOOD),
        Status::NotMet => ("✖", theme::NEUTRAL),
        Status::NotAvailable => ("—", theme::TEXT_WEAK),
    };
    let value = match (&c.rounded, c.unit) {
        (Some(r), Some(u)) => format!("{r} {}", u.display_symbol()),
        (Some(r), None) => r.clone(),
        _ => "n/a".to_owned(),
    };
    let status = match c.status {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::NotAvailable => "not available",
    };
    let mut out = None;
    egui::Sides::new().shrink_left().truncate().show(
        ui,
        |ui| {
            ui.colored_label(color, mark);
            let source = pick_source(c);
            let response = ui
                .add(egui::Button::selectable(false, &c.label).truncate())
                .on_hover_text(format!(
                    "{}: {} {} — {status}; supports {}{}",
                    c.input.as_deref().unwrap_or("finding"),
                    value,
                    c.threshold,
                    c.supports.label(),
                    source
                        .as_ref()
                        .map(|s| format!("\nfrom {s} (click to select)"))
                        .unwrap_or_default()
                ));
            if response.clicked()
                && let Some(s) = source
            {
                out = Some(Command::SelectSource(s));
            }
        },
        |ui| {
            ui.label(
                RichText::new(value.clone())
                    .monospace()
                    .small()
                    .color(color),
            );
        },
    );
    out
}

/// The measurement behind a criterion: a measurement uid if known, else the input id.
fn pick_source(c: &Criterion) -> Option<String> {
    c.sources
        .iter()
        .find(|s| {
            s.strip_prefix('m')
                .is_some_and(|rest| rest.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
        })
        .or_else(|| c.sources.first())
        .cloned()
        .or_else(|| c.input.clone())
}
