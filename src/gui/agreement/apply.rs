//! The one place that changes the reader-agreement window's state.

use std::path::Path;

use super::{AgreementCommand, AgreementState};
use crate::agreement::{analyse, observations_from_csv, source, table};
use crate::gui::records::RecordsModel;

impl AgreementState {
    /// Recomputes the figures from the loaded observations under the filters.
    pub fn recompute(&mut self) {
        if self.observations.is_empty() {
            self.report = None;
            return;
        }
        let report = analyse(&self.observations, self.outcomes.as_deref(), &self.filter);
        let still_there = self.selected.as_ref().is_some_and(|(scope, p)| {
            let entries = match scope {
                super::Scope::Inter => &report.inter_reader,
                super::Scope::Intra => &report.intra_reader,
            };
            entries.iter().any(|e| e.parameter() == p)
        });
        if !still_there {
            self.selected = report
                .inter_reader
                .iter()
                .find(|e| matches!(e, crate::agreement::Entry::Continuous(_)))
                .map(|e| (super::Scope::Inter, e.parameter().to_owned()));
        }
        self.report = Some(report);
    }

    fn load_csv(&mut self, path: &Path) {
        let loaded = std::fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|bytes| {
                observations_from_csv(&bytes).map_err(|e| format!("{}: {e}", path.display()))
            });
        match loaded {
            Ok(obs) => {
                self.observations = obs;
                self.outcomes = None;
                self.source = path.display().to_string();
                self.message = None;
                self.recompute();
            }
            Err(e) => self.message = Some(e),
        }
    }

    fn load_db(&mut self, records: &RecordsModel) {
        let loaded =
            crate::gui::compare::sources::admin_store(records).and_then(|(store, _, path)| {
                source::from_store(&store, None)
                    .map(|(obs, outcomes)| (obs, outcomes, path))
                    .map_err(|e| e.to_string())
            });
        match loaded {
            Ok((obs, outcomes, path)) => {
                self.observations = obs;
                self.outcomes = Some(outcomes);
                self.source = path.display().to_string();
                self.message = None;
                self.recompute();
            }
            Err(e) => self.message = Some(e),
        }
    }

    fn export_table(&mut self, path: &Path) {
        let Some(report) = &self.report else {
            self.message = Some("load reads first".to_owned());
            return;
        };
        let written = table::to_csv(report)
            .and_then(|bytes| crate::report::write_atomic(path, &bytes).map_err(|e| e.to_string()));
        self.message = Some(match written {
            Ok(()) => format!("table written to {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        });
    }

    /// Asks the integration for a screenshot and saves the plots' rectangle of it as PNG.
    fn export_plots(&mut self, ctx: &egui::Context, path: &Path) {
        let Some(rect) = self.plots_rect else {
            self.message = Some("select a parameter with plots first".to_owned());
            return;
        };
        self.message = Some(format!("saving the plots to {}…", path.display()));
        let path = path.to_owned();
        let result = self.png_result.clone();
        let ppp = ctx.pixels_per_point();
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            let message = save_region(&image, rect, ppp, &path);
            if let Ok(mut slot) = result.lock() {
                *slot = Some(message);
            }
            repaint.request_repaint();
        });
    }

    /// Applies one command.
    pub fn apply(
        &mut self,
        ctx: &egui::Context,
        command: AgreementCommand,
        records: &RecordsModel,
    ) {
        match command {
            AgreementCommand::Show(open) => self.open = open,
            AgreementCommand::LoadDb => self.load_db(records),
            AgreementCommand::LoadCsv(path) => {
                self.forms.csv_path = path.display().to_string();
                self.load_csv(&path);
            }
            AgreementCommand::BrowseCsv => {
                if let Some(path) = rfd::FileDialog::new()
                    .add_filter("CSV", &["csv"])
                    .pick_file()
                {
                    self.forms.csv_path = path.display().to_string();
                    self.load_csv(&path);
                }
            }
            AgreementCommand::SetTrial(t) => {
                self.filter.trial = t;
                self.recompute();
            }
            AgreementCommand::SetVisit(v) => {
                self.filter.visit = v;
                self.recompute();
            }
            AgreementCommand::Select(scope, p) => self.selected = Some((scope, p)),
            AgreementCommand::ExportTable(path) => self.export_table(&path),
            AgreementCommand::ExportPlots(path) => self.export_plots(ctx, &path),
        }
    }
}

/// Crops `rect` (points) out of a screenshot and writes it as PNG; returns the message to show.
fn save_region(image: &egui::ColorImage, rect: egui::Rect, ppp: f32, path: &Path) -> String {
    let [w, h] = image.size;
    let x0 = ((rect.min.x * ppp).max(0.0) as usize).min(w);
    let y0 = ((rect.min.y * ppp).max(0.0) as usize).min(h);
    let x1 = ((rect.max.x * ppp).max(0.0) as usize).clamp(x0, w);
    let y1 = ((rect.max.y * ppp).max(0.0) as usize).clamp(y0, h);
    if x1 == x0 || y1 == y0 {
        return "the plots are not on screen".to_owned();
    }
    let region = image.region_by_pixels([x0, y0], [x1 - x0, y1 - y0]);
    let mut rgba = Vec::with_capacity(region.pixels.len() * 4);
    for p in &region.pixels {
        rgba.extend_from_slice(&p.to_srgba_unmultiplied());
    }
    let Some(buf) = image::RgbaImage::from_raw((x1 - x0) as u32, (y1 - y0) as u32, rgba) else {
        return "cannot assemble the plot image".to_owned();
    };
    let mut png = Vec::new();
    if let Err(e) = buf.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png) {
        return format!("cannot encode PNG: {e}");
    }
    match crate::report::write_atomic(path, &png) {
        Ok(()) => format!("plots saved to {}", path.display()),
        Err(e) => format!("cannot write {}: {e}", path.display()),
    }
}
