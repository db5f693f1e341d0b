//! The study list: patient → study → series, one row per file with its thumbnail and a
//! one-line description; loading rows show a spinner, broken files show their error.

use egui::{RichText, Ui, vec2};

use crate::gui::app::Command;
use crate::gui::document::FileId;
use crate::gui::library::{FileState, Library};
use crate::gui::theme;

/// Thumbnail height in the list.
const THUMB_HEIGHT: f32 = 44.0;

/// Shows the list; a click on a row opens that file in the viewer.
pub fn study_list_ui(ui: &mut Ui, library: &Library, current: Option<FileId>) -> Vec<Command> {
    let mut out = Vec::new();
    ui.add_space(4.0);
    ui.heading("Studies");
    let (done, total) = library.progress();
    if done < total || library.pending_loads > 0 {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Loading {done} of {total}…"));
        });
        ui.add(egui::ProgressBar::new(done as f32 / total.max(1) as f32));
    }
    for (path, error) in &library.bad_paths {
        ui.colored_label(theme::ERROR, format!("{}: {error}", path.display()));
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (patient, studies) in library.grouping() {
                egui::CollapsingHeader::new(
                    RichText::new(format!("👤 {}", clip(&patient, 26))).strong(),
                )
                .id_salt(("patient", &patient))
                .default_open(true)
                .show(ui, |ui| {
                    for ((study_uid, study), series) in studies {
                        egui::CollapsingHeader::new(clip(&study_title(&study), 30))
                            .id_salt(("study", &study_uid))
                            .default_open(true)
                            .show(ui, |ui| {
                                for (key, files) in series {
                                    ui.label(
                                        RichText::new(series_title(&key.label))
                                            .small()
                                            .color(theme::TEXT_WEAK),
                                    )
                                    .on_hover_text(&key.uid);
                                    for id in files {
                                        if let Some(c) = file_row_ui(ui, library, id, current) {
                                            out.push(c);
                                        }
                                    }
                                }
                            });
                    }
                });
            }
        });
    out
}

/// `text` cut to `max` characters with an ellipsis (headers do not truncate by themselves).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

fn study_title(study: &str) -> String {
    if study.is_empty() {
        "Study".to_owned()
    } else {
        study.to_owned()
    }
}

fn series_title(series: &str) -> String {
    if series.is_empty() {
        "Series".to_owned()
    } else {
        format!("Series {series}")
    }
}

fn file_row_ui(
    ui: &mut Ui,
    library: &Library,
    id: FileId,
    current: Option<FileId>,
) -> Option<Command> {
    let entry = library.get(id)?;
    let selected = current == Some(id);
    let response = ui
        .horizontal(|ui| {
            match &entry.thumbnail {
                Some(t) => {
                    let size = t.size_vec2();
                    let scale = THUMB_HEIGHT / size.y.max(1.0);
                    ui.add(egui::Image::new((t.id(), size * scale)));
                }
                None => {
                    let (rect, _) = ui.allocate_exact_size(
                        vec2(THUMB_HEIGHT * 1.3, THUMB_HEIGHT),
                        egui::Sense::hover(),
                    );
                    ui.painter().rect_filled(rect, 2.0, theme::FIELD_FILL);
                }
            }
            ui.vertical(|ui| {
                let name = RichText::new(entry.name());
                let name = if selected {
                    name.color(theme::ACCENT).strong()
                } else {
                    name
                };
                let label = ui.selectable_label(selected, name);
                match &entry.state {
                    FileState::Loading => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.small("opening…");
                        });
                    }
                    FileState::Ready(f) => {
                        ui.small(f.info().description());
                    }
                    FileState::Failed(e) => {
                        ui.label(RichText::new(e).small().color(theme::ERROR));
                    }
                }
                label
            })
            .inner
        })
        .inner;
    // Bring the file shown into view once, when it changes (not every frame: the reader scrolls).
    let shown_id = egui::Id::unique("study-list-scrolled-to");
    if selected && ui.data(|d| d.get_temp::<FileId>(shown_id)) != Some(id) {
        response.scroll_to_me(Some(egui::Align::Center));
        ui.data_mut(|d| d.insert_temp(shown_id, id));
    }
    let ready = matches!(entry.state, FileState::Ready(_));
    (response.clicked() && ready).then_some(Command::SelectFile(id))
}
