//! The compare window: report pickers (files or database), the delta table with the grade
//! change, and the two synchronised cine panes. Reads [`CompareModel`], returns commands.

use egui::{RichText, Ui};

use super::images::{common_views, of_view};
use super::{CompareCommand, CompareForms, CompareModel, Side};
use crate::compare::DeltaTable;
use crate::gui::theme;

/// Smallest and largest height of the cine panes.
const PANE_HEIGHT: (f32, f32) = (220.0, 600.0);
/// Width of the delta-table column.
const TABLE_WIDTH: f32 = 390.0;

/// The compare window (when open).
pub fn compare_window(
    ctx: &egui::Context,
    model: &CompareModel,
    forms: &mut CompareForms,
) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Compare visits")
        .open(&mut open)
        .default_pos([12.0, 40.0])
        .default_size([1250.0, 700.0])
        .resizable(true)
        .show(ctx, |ui| {
            out.extend(sources_ui(ui, model, forms));
            if let Some(msg) = &model.message {
                ui.colored_label(theme::WARNING, msg);
            }
            if let Some(table) = &model.table {
                ui.separator();
                heading_ui(ui, table);
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(TABLE_WIDTH);
                        delta_ui(ui, table);
                    });
                    ui.separator();
                    ui.vertical(|ui| out.extend(cine_ui(ui, model)));
                });
            }
        });
    if !open {
        out.push(CompareCommand::ShowCompare(false));
    }
    out
}

fn labelled_path(
    ui: &mut Ui,
    label: &str,
    text: &mut String,
    side: Side,
) -> Option<CompareCommand> {
    let mut out = None;
    ui.horizontal(|ui| {
        let l = ui.add_sized([130.0, 18.0], egui::Label::new(label));
        ui.add(egui::TextEdit::singleline(text).desired_width(520.0))
            .labelled_by(l.id);
        if ui
            .button("Browse…")
            .on_hover_text(format!("Pick the {label}"))
            .clicked()
        {
            out = Some(CompareCommand::BrowseReport(side));
        }
    });
    out
}

fn sources_ui(ui: &mut Ui, model: &CompareModel, forms: &mut CompareForms) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    // A new id once a pair is loaded, so the section folds away then.
    egui::CollapsingHeader::new("Reports")
        .id_salt(("compare_sources", model.table.is_some()))
        .default_open(model.table.is_none())
        .show(ui, |ui| {
            ui.label(RichText::new("Signed report files").strong());
            out.extend(labelled_path(
                ui,
                "Baseline report",
                &mut forms.baseline_path,
                Side::Baseline,
            ));
            out.extend(labelled_path(
                ui,
                "Follow-up report",
                &mut forms.followup_path,
                Side::Followup,
            ));
            let ready =
                !forms.baseline_path.trim().is_empty() && !forms.followup_path.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Compare files"))
                .clicked()
            {
                out.push(CompareCommand::LoadFiles {
                    baseline: forms.baseline_path.trim().into(),
                    followup: forms.followup_path.trim().into(),
                });
            }
            ui.add_space(6.0);
            ui.label(RichText::new("Reading database (admin session)").strong());
            ui.horizontal(|ui| {
                let l = ui.label("Subject id");
                ui.add(egui::TextEdit::singleline(&mut forms.db_subject).desired_width(160.0))
                    .labelled_by(l.id);
                if ui.button("List signed reads").clicked() {
                    out.push(CompareCommand::ListDbSubject(forms.db_subject.clone()));
                }
            });
            if !model.db_reads.is_empty() {
                let label = |i: usize| model.db_reads.get(i).map_or("", |r| r.label.as_str());
                ui.horizontal(|ui| {
                    for (title, pick) in [
                        ("Baseline", &mut forms.db_pick.0),
                        ("Follow-up", &mut forms.db_pick.1),
                    ] {
                        egui::ComboBox::from_label(title)
                            .selected_text(label(*pick))
                            .show_ui(ui, |ui| {
                                for (i, r) in model.db_reads.iter().enumerate() {
                                    ui.selectable_value(pick, i, &r.label);
                                }
                            });
                    }
                    if ui.button("Compare reads").clicked() {
                        out.push(CompareCommand::LoadDbPair(forms.db_pick.0, forms.db_pick.1));
                    }
                });
            }
        });
    out
}

/// Subject, visits, reads and warnings.
fn heading_ui(ui: &mut Ui, table: &DeltaTable) {
    let subject = table.subject_id.as_deref().unwrap_or("(no subject id)");
    ui.label(
        RichText::new(format!(
            "Subject {subject}: {} → {}",
            table.baseline.label, table.followup.label
        ))
        .heading(),
    );
    ui.label(format!(
        "Baseline read {} v{} · follow-up read {} v{}",
        table.baseline.report_id,
        table.baseline.version,
        table.followup.report_id,
        table.followup.version
    ));
    for w in &table.warnings {
        ui.colored_label(theme::WARNING, w.as_str());
    }
}

/// The delta table and the grade change, as [`crate::compare::compare`] computed them.
fn delta_ui(ui: &mut Ui, table: &DeltaTable) {
    ui.horizontal_wrapped(|ui| {
        ui.label("MR grade:");
        ui.label(RichText::new(table.grade.text.as_str()).strong());
    });
    egui::Grid::new("delta_table")
        .striped(true)
        .num_columns(6)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in ["Parameter", "Baseline", "Follow-up", "Δ", "Δ %", "Unit"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for row in &table.rows {
                ui.label(&row.short).on_hover_text(&row.label);
                for cell in &row.display {
                    ui.label(cell);
                }
                ui.label(&row.unit);
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(
            "Δ = follow-up - baseline; Δ % relative to baseline. Values as graded (derived), \
             else the mean of the measurements.",
        )
        .small()
        .weak(),
    );
}

fn cine_ui(ui: &mut Ui, model: &CompareModel) -> Vec<CompareCommand> {
    let mut out = Vec::new();
    let views = common_views(&model.choices[0], &model.choices[1]);
    ui.horizontal(|ui| {
        let current = model.view.clone().unwrap_or_default();
        egui::ComboBox::from_label("View")
            .selected_text(&current)
            .show_ui(ui, |ui| {
                for v in &views {
                    if ui.selectable_label(*v == current, v).clicked() && *v != current {
                        out.push(CompareCommand::SelectView(v.clone()));
                    }
                }
            });
        for (i, side) in [Side::Baseline, Side::Followup].into_iter().enumerate() {
            let choices = &model.choices[i];
            let of = of_view(choices, &current);
            if of.len() < 2 {
                continue;
            }
            let shown = model
                .panes
                .as_ref()
                .map(|p| p.panes[i].choice.label())
                .unwrap_or_default();
            egui::ComboBox::from_label(format!("{} image", side.title()))
                .selected_text(shown)
                .width(260.0)
                .show_ui(ui, |ui| {
                    for k in of {
                        if let Some(c) = choices.get(k)
                            && ui.selectable_label(false, c.label()).clicked()
                        {
                            out.push(CompareCommand::SelectImage(side, k));
                        }
                    }
                });
        }
    });
    let Some(pair) = &model.panes else {
        return out;
    };
    let lead = pair.leader();
    ui.horizontal(|ui| {
        let play = if pair.cine.playing { "Pause" } else { "Play" };
        if ui
            .button(play)
            .on_hover_text("Play both loops, aligned by cardiac phase")
            .clicked()
        {
            out.push(CompareCommand::TogglePlay);
        }
        if ui.button("◀").on_hover_text("Previous frame").clicked() {
            out.push(CompareCommand::StepFrame(-1));
        }
        if ui.button("▶").on_hover_text("Next frame").clicked() {
            out.push(CompareCommand::StepFrame(1));
        }
        if ui
            .button("Next ED")
            .on_hover_text("Go to the next end-diastolic frame")
            .clicked()
        {
            out.push(CompareCommand::NextEd);
        }
        let n = pair.panes[lead].frame_count();
        if n > 1 {
            let mut f = pair.cine.frame;
            // Frame numbers are in the pane lines (1-based, as in the cine bar).
            let slider = egui::Slider::new(&mut f, 0..=n - 1)
                .show_value(false)
                .text("frame");
            if ui.add(slider).changed() {
                out.push(CompareCommand::SetFrame(f));
            }
        }
        ui.label(format!("leading: {}", pair.panes[lead].side.title()));
    });
    let height = (ui.available_height() - 64.0).clamp(PANE_HEIGHT.0, PANE_HEIGHT.1);
    ui.columns(2, |cols| {
        for (col, pane) in cols.iter_mut().zip(pair.panes.iter()) {
            col.label(RichText::new(pane.choice.label()).small());
            col.label(pane.status_text());
            if let Ok(c) = &pane.cycles
                && let Some(w) = c.warning()
            {
                col.colored_label(theme::WARNING, w);
            }
            let width = col.available_width();
            let (rect, _) =
                col.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
            pane.paint(col, rect);
        }
    });
    out
}
