//! The layout: menu and tool bar on top, study list on the left, protocol / measurements /
//! results on the right, cine bar at the bottom, the image in the middle. Every function here
//! reads state and returns commands.

use egui::{Panel, RichText, Ui};

use super::shortcuts::{self, Action};
use super::{App, Command};
use crate::catalog::Catalog;
use crate::gui::calibrate::format_quantity;
use crate::gui::panels;
use crate::gui::theme;
use crate::gui::viewer::canvas::{self, CanvasView};
use crate::gui::viewer::cine_bar;
use crate::gui::viewer::overlay::OverlayLabel;
use crate::measure::DrawKind;

/// Width of the study list.
const LEFT_WIDTH: f32 = 230.0;
/// Width of the protocol/results column.
const RIGHT_WIDTH: f32 = 340.0;

/// The whole window.
pub fn app_ui(ui: &mut Ui, app: &mut App) -> Vec<Command> {
    let mut commands = Vec::new();
    let ctx = ui.ctx().clone();
    commands.extend(shortcuts::read_keys(
        &ctx,
        shortcuts::KeyContext {
            placing: app.tool.is_placing(),
            tool_active: app.canvas_tool().is_some(),
            help_open: app.show_help,
        },
    ));
    commands.extend(dropped_files(&ctx));

    Panel::top("menu_bar").show(ui, |ui| {
        commands.extend(menu_bar_ui(ui, app));
        commands.extend(tool_bar_ui(ui, app));
    });
    Panel::bottom("cine_bar").show(ui, |ui| {
        commands.extend(cine_bar::cine_bar_ui(ui, app));
    });
    Panel::left("study_list")
        .resizable(true)
        .default_size(LEFT_WIDTH)
        .size_range(180.0..=320.0)
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            let studies_height = (ui.available_height() * 0.5).max(120.0);
            ui.allocate_ui(egui::vec2(ui.available_width(), studies_height), |ui| {
                commands.extend(panels::study_list::study_list_ui(
                    ui,
                    &app.library,
                    app.current_file,
                ));
            });
            ui.separator();
            ui.label(RichText::new("Measurements").strong());
            egui::ScrollArea::vertical()
                .id_salt("measurement_list")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    commands.extend(panels::measurements::measurements_ui(ui, app));
                });
        });
    Panel::right("reading")
        .resizable(true)
        .default_size(RIGHT_WIDTH)
        .size_range(280.0..=480.0)
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            commands.extend(reading_column_ui(ui, app));
        });
    egui::CentralPanel::no_frame().show(ui, |ui| {
        commands.extend(viewer_ui(ui, app));
    });
    if app.show_help {
        commands.extend(panels::help::help_ui(&ctx));
    }
    let export = crate::gui::export::export_window(&ctx, &mut app.export, &app.records.model);
    commands.extend(export.into_iter().map(Command::Export));
    let records = crate::gui::records::records_ui(&ctx, &mut app.records);
    commands.extend(records.into_iter().map(Command::Records));
    let session = app.records.model.session.clone();
    let adjudication =
        crate::gui::adjudicate::adjudication_ui(&ctx, &mut app.adjudication, session.as_ref());
    commands.extend(adjudication.into_iter().map(Command::Adjudicate));
    // Compare visits / longitudinal plot windows (applies its own commands).
    crate::gui::compare::show(&ctx, app);
    // Reader agreement window (applies its own commands).
    crate::gui::agreement::show(&ctx, app);
    // Open from PACS window (applies its own commands; a retrieved study is opened).
    crate::gui::pacs::show(&ctx, app);
    commands
}

fn dropped_files(ctx: &egui::Context) -> Option<Command> {
    let paths: Vec<_> = ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    });
    (!paths.is_empty()).then_some(Command::OpenPaths(paths))
}

fn menu_bar_ui(ui: &mut Ui, app: &mut App) -> Vec<Command> {
    let mut out = Vec::new();
    let ctx = ui.ctx().clone();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui
                .button("Open files…")
                .on_hover_text(shortcuts::tooltip(&ctx, "Open DICOM files", Action::Open))
                .clicked()
            {
                out.push(Command::OpenDialog);
                ui.close();
            }
            if ui.button("Open folder…").clicked() {
                if let Some(folder) = rfd::FileDialog::new().pick_folder() {
                    out.push(Command::OpenPaths(vec![folder]));
                }
                ui.close();
            }
            ui.separator();
            let label = ui.label("Open a path:");
            let response = ui
                .text_edit_singleline(&mut app.open_path_text)
                .labelled_by(label.id);
            if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let path = app.open_path_text.trim();
                if !path.is_empty() {
                    out.push(Command::OpenPaths(vec![path.into()]));
                }
                ui.close();
            }
            crate::gui::pacs::file_menu_ui(ui, &mut app.pacs);
            ui.separator();
            if ui.button("Export read sheets…").clicked() {
                out.push(Command::Export(crate::gui::export::ExportCommand::Show(
                    true,
                )));
                ui.close();
            }
        });
        ui.menu_button("Reading", |ui| {
            let menu = crate::gui::records::reading_menu_ui(ui, &app.records.model);
            out.extend(menu.into_iter().map(Command::Records));
            let signed = app
                .records
                .model
                .current
                .as_ref()
                .is_some_and(|c| !c.is_draft());
            crate::gui::pacs::reading_menu_ui(ui, &mut app.pacs, signed);
        });
        ui.menu_button("Review", |ui| {
            // Adjudication.
            out.extend(crate::gui::adjudicate::menu_entry_ui(ui).map(Command::Adjudicate));
            ui.separator();
            // Compare visits… / Longitudinal plot… (baseline vs follow-up).
            crate::gui::compare::review_menu_ui(ui, &mut app.compare);
            ui.separator();
            crate::gui::agreement::review_menu_ui(ui, &mut app.agreement);
        });
        ui.menu_button("View", |ui| {
            if ui
                .button("Fit to window")
                .on_hover_text(shortcuts::tooltip(&ctx, "Fit", Action::Fit))
                .clicked()
            {
                out.push(Command::Fit);
            }
            if ui
                .button("1:1")
                .on_hover_text(shortcuts::tooltip(
                    &ctx,
                    "One image pixel per screen pixel",
                    Action::OneToOne,
                ))
                .clicked()
            {
                out.push(Command::OneToOne);
            }
        });
        ui.menu_button("Help", |ui| {
            if ui
                .button("Keyboard shortcuts")
                .on_hover_text(shortcuts::tooltip(&ctx, "Help", Action::Help))
                .clicked()
            {
                out.push(Command::ToggleHelp);
                ui.close();
            }
        });
        if let Some(status) = &app.status {
            ui.separator();
            ui.colored_label(theme::WARNING, status);
        }
        let (done, total) = app.library.progress();
        if done < total {
            ui.separator();
            ui.add(
                egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                    .desired_width(160.0)
                    .text(format!("loading {done}/{total}")),
            );
        }
    });
    out
}

/// The tool buttons (each with its shortcut in the tooltip), undo/redo and the measurement the
/// tool is bound to.
fn tool_bar_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let mut out = Vec::new();
    let ctx = ui.ctx().clone();
    ui.horizontal(|ui| {
        let tools = [
            (
                DrawKind::Caliper,
                "Caliper",
                "Caliper: two points (also PISA radius)",
            ),
            (
                DrawKind::AreaTrace,
                "Area",
                "Area trace: click a polygon or drag freehand",
            ),
            (
                DrawKind::LvContour,
                "LV contour",
                "LV contour: hinge, apex, hinge",
            ),
            (
                DrawKind::DopplerPoint,
                "Doppler point",
                "Doppler point: peak velocity",
            ),
            (
                DrawKind::DopplerEnvelope,
                "Envelope",
                "Doppler envelope trace: VTI and Vmax",
            ),
            (DrawKind::ManualEntry, "Manual", "Manual entry of a value"),
        ];
        let current = app.active_kind().filter(|_| app.tool_down);
        for (kind, label, help) in tools {
            let selected = current == Some(kind);
            if ui
                .selectable_label(selected, label)
                .on_hover_text(shortcuts::tooltip(&ctx, help, Action::Tool(kind)))
                .clicked()
            {
                out.push(Command::SelectTool(kind));
            }
        }
        ui.separator();
        let can_undo = app.history.can_undo(&app.doc);
        if ui
            .add_enabled(can_undo, egui::Button::new("Undo"))
            .on_hover_text(shortcuts::tooltip(&ctx, "Undo", Action::Undo))
            .clicked()
        {
            out.push(Command::Undo);
        }
        if ui
            .add_enabled(app.history.can_redo(), egui::Button::new("Redo"))
            .on_hover_text(shortcuts::tooltip(&ctx, "Redo", Action::Redo))
            .clicked()
        {
            out.push(Command::Redo);
        }
        ui.separator();
        out.extend(panels::measurements::measurement_picker_ui(
            ui,
            app.active.as_deref(),
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            panels::results::grade_headline_ui(ui, app);
        });
    });
    out
}

fn reading_column_ui(ui: &mut Ui, app: &App) -> Vec<Command> {
    let mut out = Vec::new();
    let protocol_height = (ui.available_height() * 0.42).max(140.0);
    ui.add_space(4.0);
    ui.label(RichText::new("MR protocol").strong());
    egui::ScrollArea::vertical()
        .id_salt("protocol")
        .max_height(protocol_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            out.extend(panels::guided::guided_ui(ui, app));
        });
    ui.separator();
    ui.label(RichText::new("Results").strong());
    egui::ScrollArea::vertical()
        .id_salt("results")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            out.extend(panels::results::results_ui(ui, app));
        });
    out
}

/// The image canvas with its overlays.
fn viewer_ui(ui: &mut Ui, app: &mut App) -> Vec<Command> {
    let mut tool = std::mem::take(&mut app.tool);
    let output = canvas_with_tool_ui(ui, app, &mut tool);
    app.tool = tool;
    app.last_canvas = output.screen_from_image;
    output.commands
}

fn canvas_with_tool_ui(
    ui: &mut Ui,
    app: &App,
    tool: &mut crate::gui::tools::ToolState,
) -> canvas::CanvasOutput {
    let catalog = Catalog::builtin();
    let file = app
        .current_file
        .and_then(|id| app.library.file(id))
        .cloned();
    let frame = app.cine.frame;
    let drawings: Vec<&crate::gui::document::Drawing> = match app.current_file {
        Some(id) => app.doc.drawings_on(id, frame).collect(),
        None => Vec::new(),
    };
    let labels = drawing_labels(app, &drawings, catalog);
    let placeholder = match &file {
        None if app.loading_done() => Some("No image open: File > Open files, or drop files here"),
        None => Some("Loading…"),
        Some(_) if app.frames().texture(frame).is_none() => {
            if app.frames().error(frame).is_some() {
                None
            } else {
                Some("Decoding…")
            }
        }
        _ => None,
    };
    let regions: Vec<egui::Rect> = file
        .as_ref()
        .map(|f| f.regions().iter().map(|r| r.bounds_px).collect())
        .unwrap_or_default();
    let hud = hud_text(app);
    let view = app
        .current_file
        .and_then(|id| app.views.get(&id).copied())
        .unwrap_or_default();
    let error_text;
    let placeholder = match app.frames().error(frame) {
        Some(e) => {
            error_text = format!("frame {frame} could not be decoded: {e}");
            Some(error_text.as_str())
        }
        None => placeholder,
    };
    let v = CanvasView {
        texture: app.frames().texture(frame),
        image_size: app.image_size(),
        view: &view,
        drawings: &drawings,
        labels: &labels,
        selected: app.selected.as_deref(),
        tool_kind: app.canvas_tool(),
        regions: &regions,
        hud: &hud,
        placeholder,
    };
    canvas::canvas_ui(ui, &v, tool)
}

/// The label beside each drawing: the measurement name and its values, or why there is none.
fn drawing_labels(
    app: &App,
    drawings: &[&crate::gui::document::Drawing],
    catalog: &Catalog,
) -> std::collections::BTreeMap<String, OverlayLabel> {
    let mut labels = std::collections::BTreeMap::new();
    for d in drawings {
        let name = compact_label(catalog.label(&d.catalog_id));
        let label = match app.results.reading.results.get(&d.uid) {
            Some(r) => match &r.error {
                Some(e) => OverlayLabel {
                    text: format!("{name}: {e}"),
                    ok: false,
                },
                None => OverlayLabel {
                    text: std::iter::once(name.clone())
                        .chain(
                            r.values
                                .iter()
                                .map(|v| format!("{} {}", v.name, format_quantity(v.quantity))),
                        )
                        .collect::<Vec<_>>()
                        .join("\n"),
                    ok: true,
                },
            },
            None => OverlayLabel {
                text: name,
                ok: true,
            },
        };
        labels.insert(d.uid.clone(), label);
    }
    labels
}

/// A catalog label without its parenthesised detail.
pub fn short_label(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label).trim()
}

/// A short label for lists and overlays: no parenthesised detail, common echo abbreviations.
pub fn compact_label(label: &str) -> String {
    const ABBREVIATIONS: [(&str, &str); 8] = [
        ("LV endocardial contour", "LV"),
        ("apical 4-chamber", "A4C"),
        ("apical 2-chamber", "A2C"),
        ("end-diastole", "ED"),
        ("end-systole", "ES"),
        ("velocity-time integral", "VTI"),
        ("vena contracta width", "VC width"),
        ("Left atrial area", "LA area"),
    ];
    let mut text = short_label(label).to_owned();
    for (long, short) in ABBREVIATIONS {
        text = text.replace(long, short);
    }
    text
}

fn hud_text(app: &App) -> String {
    let Some(file) = app.current_file.and_then(|id| app.library.file(id)) else {
        return String::new();
    };
    let info = file.info();
    let t_ms: f64 = info
        .frame_durations_s
        .iter()
        .take(app.cine.frame)
        .fold(0.0, |sum, d| sum + d)
        * 1000.0;
    let zoom = app
        .last_canvas
        .map(|(_, t)| t.scale * 100.0)
        .unwrap_or(100.0);
    let stalls = if app.cine.stalls > 0 {
        format!("  waited for decoding {}×", app.cine.stalls)
    } else {
        String::new()
    };
    format!(
        "frame {}/{}  {:.0} ms  zoom {:.0}%  {}{stalls}",
        app.cine.frame + 1,
        info.frame_count.max(1),
        t_ms,
        zoom,
        if info.calibrated {
            "calibrated"
        } else {
            "UNCALIBRATED"
        }
    )
}
