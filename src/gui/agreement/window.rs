//! The reader-agreement window: source, filters, the table of every parameter (inter and
//! intra), the per-reader rows, the selected parameter's Bland–Altman and scatter plots, exports.

use std::collections::BTreeSet;

use egui::{RichText, Ui};
use egui_plot::{HLine, Line, LineStyle, MarkerShape, Plot, Points};

use super::{AgreementCommand, AgreementState, Scope};
use crate::agreement::{ContinuousEntry, Entry, table};
use crate::gui::theme;

/// The window (when open); returns its commands. `state` is mutable for the form buffers and
/// the plots' screen rectangle only.
pub fn agreement_window(ctx: &egui::Context, state: &mut AgreementState) -> Vec<AgreementCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Reader agreement")
        .open(&mut open)
        .default_pos([30.0, 40.0])
        .default_size([1100.0, 760.0])
        .resizable(true)
        .show(ctx, |ui| {
            out.extend(source_ui(ui, state));
            if let Some(m) = &state.message {
                ui.colored_label(theme::WARNING, m);
            }
            if state.observations.is_empty() {
                ui.label("No reads loaded.");
                return;
            }
            out.extend(filter_ui(ui, state));
            egui::ScrollArea::vertical().show(ui, |ui| {
                out.extend(table_ui(ui, state));
                ui.add_space(6.0);
                readers_ui(ui, state);
                ui.add_space(6.0);
                state.plots_rect = plots_ui(ui, state);
                ui.add_space(6.0);
                out.extend(export_ui(ui, state));
            });
        });
    if !open {
        out.push(AgreementCommand::Show(false));
    }
    out
}

fn source_ui(ui: &mut Ui, state: &mut AgreementState) -> Vec<AgreementCommand> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        if ui
            .button("From database")
            .on_hover_text("Every signed read of the reading database (admin session)")
            .clicked()
        {
            out.push(AgreementCommand::LoadDb);
        }
        ui.separator();
        let l = ui.label("CSV file");
        ui.add(egui::TextEdit::singleline(&mut state.forms.csv_path).desired_width(360.0))
            .labelled_by(l.id);
        if ui.button("Browse…").clicked() {
            out.push(AgreementCommand::BrowseCsv);
        }
        if ui
            .add_enabled(
                !state.forms.csv_path.trim().is_empty(),
                egui::Button::new("Load CSV"),
            )
            .clicked()
        {
            out.push(AgreementCommand::LoadCsv(
                state.forms.csv_path.trim().into(),
            ));
        }
    });
    if !state.source.is_empty() {
        ui.label(
            RichText::new(format!(
                "{} values from {}",
                state.observations.len(),
                state.source
            ))
            .weak(),
        );
    }
    out
}

fn filter_ui(ui: &mut Ui, state: &AgreementState) -> Vec<AgreementCommand> {
    let mut out = Vec::new();
    let trials: BTreeSet<&str> = state
        .observations
        .iter()
        .filter_map(|o| o.trial.as_deref())
        .collect();
    let visits: BTreeSet<&str> = state
        .observations
        .iter()
        .map(|o| o.visit.as_str())
        .filter(|v| !v.is_empty())
        .collect();
    ui.horizontal(|ui| {
        let current = state.filter.trial.as_deref().unwrap_or("all");
        egui::ComboBox::from_label("Trial")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.filter.trial.is_none(), "all")
                    .clicked()
                {
                    out.push(AgreementCommand::SetTrial(None));
                }
                for t in &trials {
                    if ui
                        .selectable_label(state.filter.trial.as_deref() == Some(*t), *t)
                        .clicked()
                    {
                        out.push(AgreementCommand::SetTrial(Some((*t).to_owned())));
                    }
                }
            });
        let current = state.filter.visit.as_deref().unwrap_or("all");
        egui::ComboBox::from_label("Visit")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.filter.visit.is_none(), "all")
                    .clicked()
                {
                    out.push(AgreementCommand::SetVisit(None));
                }
                for v in &visits {
                    if ui
                        .selectable_label(state.filter.visit.as_deref() == Some(*v), *v)
                        .clicked()
                    {
                        out.push(AgreementCommand::SetVisit(Some((*v).to_owned())));
                    }
                }
            });
    });
    out
}

const HEADERS: [&str; 11] = [
    "scope",
    "parameter",
    "n",
    "k",
    "missing",
    "ICC(2,1) [95% CI]",
    "ICC(3,1) [95% CI]",
    "bias",
    "limits of agreement",
    "wSCV %",
    "grade agreement",
];

fn table_ui(ui: &mut Ui, state: &AgreementState) -> Vec<AgreementCommand> {
    let mut out = Vec::new();
    let Some(report) = &state.report else {
        return out;
    };
    ui.heading("Agreement by parameter");
    egui::Grid::new("agreement_table")
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            for h in HEADERS {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in table::rows(report) {
                let c = |i: usize| r.get(i).cloned().unwrap_or_default();
                let scope = if c(0) == "intra" {
                    Scope::Intra
                } else {
                    Scope::Inter
                };
                ui.label(c(0));
                let parameter = c(1);
                let selected = state
                    .selected
                    .as_ref()
                    .is_some_and(|(s, p)| *s == scope && *p == parameter);
                let name = if c(2).is_empty() {
                    parameter.clone()
                } else {
                    // The table and its CSV keep the canonical ASCII symbol; the screen shows cm².
                    let unit = c(2);
                    let shown = crate::measure::Unit::parse(&unit)
                        .map(|u| u.display_symbol().to_owned())
                        .unwrap_or(unit);
                    format!("{parameter} ({shown})")
                };
                if ui.selectable_label(selected, name).clicked() {
                    out.push(AgreementCommand::Select(scope, parameter));
                }
                ui.label(c(3));
                ui.label(c(4));
                ui.label(c(5));
                ui.label(format!("{} {}", c(6), bracket(&c(7))));
                ui.label(format!("{} {}", c(8), bracket(&c(9))));
                ui.label(c(10));
                ui.label(c(11));
                ui.label(c(12));
                ui.label(c(13));
                ui.end_row();
            }
        });
    out
}

fn bracket(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("[{s}]")
    }
}

fn readers_ui(ui: &mut Ui, state: &AgreementState) {
    let Some(report) = &state.report else {
        return;
    };
    ui.heading("Readers");
    egui::Grid::new("agreement_readers")
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            for h in [
                "reader",
                "reads",
                "re-reads",
                "dual-read pairs",
                "discordance rate",
                "adjudication rate",
                "adjudicator sided with reader",
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in table::reader_rows(report) {
                for cell in r {
                    ui.label(if cell.is_empty() {
                        "—".to_owned()
                    } else {
                        cell
                    });
                }
                ui.end_row();
            }
        });
}

/// The selected continuous entry.
fn selected_entry(state: &AgreementState) -> Option<(Scope, &ContinuousEntry)> {
    let (scope, parameter) = state.selected.as_ref()?;
    let report = state.report.as_ref()?;
    let entries = match scope {
        Scope::Inter => &report.inter_reader,
        Scope::Intra => &report.intra_reader,
    };
    entries.iter().find_map(|e| match e {
        Entry::Continuous(c) if c.parameter == *parameter => Some((*scope, c)),
        _ => None,
    })
}

/// The two plots of the selected parameter; returns their screen rectangle.
fn plots_ui(ui: &mut Ui, state: &AgreementState) -> Option<egui::Rect> {
    let Some((scope, entry)) = selected_entry(state) else {
        ui.label("Select a continuous parameter in the table to plot it.");
        return None;
    };
    let pairs: Vec<[f64; 2]> = entry
        .rows
        .iter()
        .filter_map(|r| Some([*r.first()?, *r.get(1)?]))
        .collect();
    let unit = entry.unit.clone().unwrap_or_default();
    ui.heading(format!("{} — {}", entry.parameter, scope.code()));
    if entry.raters != 2 || pairs.len() < 2 {
        ui.label("Plots need two raters and at least two complete units.");
        return None;
    }
    let (first, second) = match scope {
        Scope::Inter => ("reader 1", "reader 2"),
        Scope::Intra => ("read 1", "read 2"),
    };
    let response = ui.horizontal(|ui| {
        let width = (ui.available_width() / 2.0 - 8.0).max(200.0);
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(format!("Bland–Altman: {first} − {second} against the mean"));
            let points: Vec<[f64; 2]> = pairs.iter().map(|[a, b]| [(a + b) / 2.0, a - b]).collect();
            let ba = entry.bland_altman.flatten();
            Plot::new(("agreement_bland_altman", scope.code()))
                .height(300.0)
                .width(width)
                .x_axis_label(format!("mean ({unit})"))
                .y_axis_label(format!("difference ({unit})"))
                .show(ui, |plot_ui| {
                    plot_ui.points(
                        Points::new("pairs", points)
                            .color(theme::ACCENT)
                            .radius(3.5)
                            .shape(MarkerShape::Circle)
                            .filled(true),
                    );
                    if let Some(ba) = ba {
                        plot_ui.hline(HLine::new("bias", ba.bias).color(theme::OVERLAY).width(1.5));
                        for (name, y) in [("lower limit", ba.loa[0]), ("upper limit", ba.loa[1])] {
                            plot_ui.hline(
                                HLine::new(name, y)
                                    .color(theme::OVERLAY_AXIS)
                                    .style(LineStyle::dashed_loose()),
                            );
                        }
                    }
                });
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(format!("{second} against {first}, identity line"));
            let lo = pairs
                .iter()
                .flatten()
                .copied()
                .fold(f64::INFINITY, f64::min);
            let hi = pairs
                .iter()
                .flatten()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            Plot::new(("agreement_scatter", scope.code()))
                .height(300.0)
                .width(width)
                .data_aspect(1.0)
                .x_axis_label(format!("{first} ({unit})"))
                .y_axis_label(format!("{second} ({unit})"))
                .show(ui, |plot_ui| {
                    plot_ui.line(
                        Line::new("identity", vec![[lo, lo], [hi, hi]])
                            .color(theme::NEUTRAL)
                            .style(LineStyle::dashed_loose()),
                    );
                    plot_ui.points(
                        Points::new("units", pairs.clone())
                            .color(theme::ACCENT)
                            .radius(3.5)
                            .shape(MarkerShape::Circle)
                            .filled(true),
                    );
                });
        });
    });
    Some(response.response.rect)
}

fn export_ui(ui: &mut Ui, state: &mut AgreementState) -> Vec<AgreementCommand> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        let l = ui.label("Table CSV");
        ui.add(egui::TextEdit::singleline(&mut state.forms.table_path).desired_width(300.0))
            .labelled_by(l.id);
        if ui
            .add_enabled(
                !state.forms.table_path.trim().is_empty(),
                egui::Button::new("Export table"),
            )
            .clicked()
        {
            out.push(AgreementCommand::ExportTable(
                state.forms.table_path.trim().into(),
            ));
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Plots PNG");
        ui.add(egui::TextEdit::singleline(&mut state.forms.png_path).desired_width(300.0))
            .labelled_by(l.id);
        if ui
            .add_enabled(
                !state.forms.png_path.trim().is_empty() && state.plots_rect.is_some(),
                egui::Button::new("Save plots"),
            )
            .clicked()
        {
            out.push(AgreementCommand::ExportPlots(
                state.forms.png_path.trim().into(),
            ));
        }
    });
    out
}
