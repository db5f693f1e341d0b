//! The longitudinal plot window (egui_plot): one parameter (a key parameter, the MR grade as an
//! ordinal axis, or any other catalog value present) versus visit month, for one subject (points
//! and line) or across subjects (a faint line per subject plus the per-visit median with n).
//! Series come from [`crate::compare::subject_series`] / [`crate::compare::trial_series`] and
//! [`crate::compare::visit_summary`].

use std::collections::{BTreeMap, BTreeSet};

use egui::{Color32, RichText, Ui};
use egui_plot::{HoverPosition, Line, MarkerShape, Plot, Points};

use super::{CompareCommand, CompareForms, LoadedReport};
use crate::compare::{
    GRADE_PARAMETER, KEY_PARAMETERS, Series, all_values, subject_series, trial_series,
    visit_summary,
};
use crate::gui::theme;
use crate::report::ReadingReport;

/// Name of the summary item of the across-subjects plot.
const MEDIAN_ITEM: &str = "median (n)";

/// Plot-window state.
#[derive(Debug, Clone)]
pub struct PlotModel {
    /// Window open.
    pub open: bool,
    /// The reads plotted.
    pub reports: Vec<ReadingReport>,
    /// Where they came from (shown).
    pub source: String,
    /// Parameter id (catalog id or [`GRADE_PARAMETER`]).
    pub parameter: String,
    /// Subject shown; None: across subjects.
    pub subject: Option<String>,
    /// Last message (errors, files skipped).
    pub message: Option<String>,
}

impl Default for PlotModel {
    fn default() -> Self {
        PlotModel {
            open: false,
            reports: Vec::new(),
            source: String::new(),
            parameter: "mr_eroa".to_owned(),
            subject: None,
            message: None,
        }
    }
}

impl PlotModel {
    /// Replaces the reads plotted; keeps the parameter, picks the first subject if the current
    /// one is absent.
    pub fn set_reports(
        &mut self,
        reports: Vec<LoadedReport>,
        source: String,
        skipped: Vec<String>,
    ) {
        self.reports = reports.into_iter().map(|r| r.report).collect();
        self.source = source;
        self.message = (!skipped.is_empty())
            .then(|| format!("{} file(s) skipped: {}", skipped.len(), skipped.join("; ")));
        let subjects = self.subjects();
        if self.subject.as_ref().is_some_and(|s| !subjects.contains(s)) {
            self.subject = subjects.first().cloned();
        }
        if self.subject.is_none() && subjects.len() == 1 {
            self.subject = subjects.first().cloned();
        }
    }

    /// Subject ids of the reads, sorted.
    pub fn subjects(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .reports
            .iter()
            .map(|r| r.subject_id.clone().unwrap_or_default())
            .collect();
        set.into_iter().collect()
    }

    /// Parameters offered: the key parameters, the grade, then every other value present.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = KEY_PARAMETERS
            .iter()
            .map(|p| (p.id.to_owned(), p.short.to_owned()))
            .collect();
        out.push((GRADE_PARAMETER.to_owned(), "MR grade".to_owned()));
        let others: BTreeSet<String> = self
            .reports
            .iter()
            .flat_map(|r| all_values(r).into_keys())
            .filter(|id| !out.iter().any(|(k, _)| k == id))
            .collect();
        let catalog = crate::catalog::Catalog::builtin();
        out.extend(others.into_iter().map(|id| {
            (
                id.clone(),
                crate::gui::app::ui::compact_label(catalog.label(&id)),
            )
        }));
        out
    }

    /// The series plotted: the chosen subject's, or every subject's.
    pub fn series(&self) -> BTreeMap<String, Series> {
        match &self.subject {
            Some(s) => {
                let series = subject_series(&self.reports, s, &self.parameter);
                std::iter::once((s.clone(), series)).collect()
            }
            None => trial_series(&self.reports, &self.parameter),
        }
    }
}

const GRADE_NAMES: [&str; 4] = ["mild", "mild-to-moderate", "moderate-to-severe", "severe"];

fn value_text(parameter: &str, value: f64, unit: &str) -> String {
    if parameter == GRADE_PARAMETER {
        let name = GRADE_NAMES
            .get(value.round().max(0.0) as usize)
            .copied()
            .unwrap_or("?");
        return format!("{name} (rank {value:.0})");
    }
    format!("{} {unit}", crate::calc::display_2dp(value))
}

/// The plot window (when open).
pub fn plot_window(
    ctx: &egui::Context,
    model: &PlotModel,
    forms: &mut CompareForms,
) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Longitudinal plot")
        .open(&mut open)
        .default_pos([40.0, 60.0])
        .default_size([900.0, 620.0])
        .resizable(true)
        .show(ctx, |ui| {
            out.extend(source_ui(ui, model, forms));
            if let Some(m) = &model.message {
                ui.colored_label(theme::WARNING, m);
            }
            if model.reports.is_empty() {
                ui.label("No reads loaded.");
                return;
            }
            out.extend(choice_ui(ui, model));
            plot_ui(ui, model);
        });
    if !open {
        out.push(CompareCommand::ShowPlot(false));
    }
    out
}

fn source_ui(ui: &mut Ui, model: &PlotModel, forms: &mut CompareForms) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        let l = ui.label("Reports folder");
        ui.add(egui::TextEdit::singleline(&mut forms.plot_folder).desired_width(380.0))
            .labelled_by(l.id);
        if ui.button("Browse…").clicked() {
            out.push(CompareCommand::BrowsePlotFolder);
        }
        if ui
            .add_enabled(
                !forms.plot_folder.trim().is_empty(),
                egui::Button::new("Load folder"),
            )
            .clicked()
        {
            out.push(CompareCommand::PlotFolder(forms.plot_folder.trim().into()));
        }
        if ui
            .button("From database")
            .on_hover_text("Every signed read (admin session)")
            .clicked()
        {
            out.push(CompareCommand::PlotFromDb);
        }
        if ui.button("From compared reports").clicked() {
            out.push(CompareCommand::PlotFromCompare);
        }
    });
    if !model.source.is_empty() {
        ui.label(format!(
            "{} reads from {}",
            model.reports.len(),
            model.source
        ));
    }
    out
}

fn choice_ui(ui: &mut Ui, model: &PlotModel) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        let params = model.parameters();
        let current = params
            .iter()
            .find(|(id, _)| *id == model.parameter)
            .map_or(model.parameter.as_str(), |(_, l)| l.as_str());
        egui::ComboBox::from_label("Parameter")
            .selected_text(current)
            .height(400.0)
            .show_ui(ui, |ui| {
                for (id, label) in &params {
                    if ui.selectable_label(*id == model.parameter, label).clicked() {
                        out.push(CompareCommand::PlotParameter(id.clone()));
                    }
                }
            });
        let shown = model
            .subject
            .clone()
            .unwrap_or_else(|| "All subjects".to_owned());
        egui::ComboBox::from_label("Subject")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(model.subject.is_none(), "All subjects")
                    .clicked()
                {
                    out.push(CompareCommand::PlotSubject(None));
                }
                for s in model.subjects() {
                    let selected = model.subject.as_ref() == Some(&s);
                    if ui.selectable_label(selected, &s).clicked() {
                        out.push(CompareCommand::PlotSubject(Some(s.clone())));
                    }
                }
            });
    });
    out
}

/// Grid lines at the protocol visits (months).
fn visit_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    crate::report::Visit::ALL
        .iter()
        .map(|v| f64::from(v.months()))
        .filter(|m| *m >= lo && *m <= hi)
        .map(|value| egui_plot::GridMark {
            value,
            step_size: 6.0,
        })
        .collect()
}

fn plot_ui(ui: &mut Ui, model: &PlotModel) {
    let series = model.series();
    let unit = series
        .values()
        .next()
        .map(|s| s.unit.clone())
        .unwrap_or_default();
    // The picker's name (`EROA`), else the series label.
    let label = model
        .parameters()
        .into_iter()
        .find(|(id, _)| *id == model.parameter)
        .map(|(_, l)| l)
        .or_else(|| series.values().next().map(|s| s.label.clone()))
        .unwrap_or_default();
    let across = model.subject.is_none();
    let total: usize = series.values().map(|s| s.points.len()).sum();
    let summary = visit_summary(&series);
    let caption = match &model.subject {
        Some(s) => format!("{label} of subject {s}: {total} visit(s)"),
        None => format!("{label} across {} subject(s)", series.len()),
    };
    ui.label(RichText::new(caption).strong());
    let no_visit: usize = series
        .values()
        .flat_map(|s| &s.points)
        .filter(|p| p.months.is_none())
        .count();
    if no_visit > 0 {
        ui.colored_label(
            theme::WARNING,
            format!("{no_visit} read(s) without a visit are not plotted"),
        );
    }
    if across {
        let text: Vec<String> = summary
            .iter()
            .map(|s| format!("{} mo: n = {}", s.months, s.n))
            .collect();
        ui.label(text.join(" · "));
        ui.label(
            RichText::new(
                "Faint lines: one per subject; diamonds: median per visit. Hover a point.",
            )
            .small()
            .weak(),
        );
    }
    let parameter = model.parameter.clone();
    let lookup = series.clone();
    let summary_for_hover = summary.clone();
    let unit_for_hover = unit.clone();
    let mut plot = Plot::new("longitudinal_plot")
        .x_axis_label("months after baseline")
        .y_axis_label(if unit.is_empty() {
            label.clone()
        } else {
            format!("{label} ({unit})")
        })
        .include_x(0.0)
        .include_x(24.0)
        .x_grid_spacer(visit_marks)
        .label_formatter(move |pos| {
            let HoverPosition::NearDataPoint {
                plot_name, index, ..
            } = pos
            else {
                return None;
            };
            if *plot_name == MEDIAN_ITEM {
                let s = summary_for_hover.get(*index)?;
                return Some(format!(
                    "{} months: median {} (n = {})",
                    s.months,
                    value_text(&parameter, s.median, &unit_for_hover),
                    s.n
                ));
            }
            let s = lookup.get(*plot_name)?;
            let p = s.points.iter().filter(|p| p.months.is_some()).nth(*index)?;
            Some(format!(
                "subject {}\n{}\n{}",
                s.subject_id,
                p.visit_label,
                value_text(&parameter, p.value, &unit_for_hover)
            ))
        });
    if model.parameter == GRADE_PARAMETER {
        plot = plot
            .include_y(0.0)
            .include_y(3.0)
            .y_axis_formatter(|mark, _| {
                let v = mark.value;
                if (v - v.round()).abs() < 1e-6 {
                    GRADE_NAMES
                        .get(v.round().max(0.0) as usize)
                        .map_or_else(String::new, |s| (*s).to_owned())
                } else {
                    String::new()
                }
            });
    }
    let faint = Color32::from_rgba_unmultiplied(150, 180, 210, 140);
    plot.show(ui, |plot_ui| {
        for (i, (subject, s)) in series.iter().enumerate() {
            let pts: Vec<[f64; 2]> = s
                .points
                .iter()
                .filter_map(|p| p.months.map(|m| [f64::from(m), p.value]))
                .collect();
            let color = if across { faint } else { theme::OVERLAY };
            plot_ui.line(
                Line::new(format!("{subject} line"), pts.clone())
                    .color(color)
                    .width(if across { 1.0 } else { 2.0 })
                    .allow_hover(false)
                    .id(("line", i)),
            );
            plot_ui.points(
                Points::new(subject.clone(), pts)
                    .color(color)
                    .radius(if across { 3.0 } else { 5.0 })
                    .shape(MarkerShape::Circle)
                    .filled(true)
                    .id(("points", i)),
            );
        }
        if across && !summary.is_empty() {
            let med: Vec<[f64; 2]> = summary
                .iter()
                .map(|s| [f64::from(s.months), s.median])
                .collect();
            plot_ui.line(
                Line::new(MEDIAN_ITEM, med.clone())
                    .color(theme::OVERLAY_SELECTED)
                    .width(2.5)
                    .allow_hover(false)
                    .id("median line"),
            );
            plot_ui.points(
                Points::new(MEDIAN_ITEM, med)
                    .color(theme::OVERLAY_SELECTED)
                    .radius(6.0)
                    .shape(MarkerShape::Diamond)
                    .id("median points"),
            );
        }
    });
}
