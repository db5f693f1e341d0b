//! [`CompareState::apply`]: the one place that changes compare and plot state.

use std::path::PathBuf;

use super::images::{common_views, measured_images, of_view};
use super::panes::{CinePair, Pane};
use super::{CompareCommand, CompareState, LoadedReport, Side, sources};
use crate::compare::compare;
use crate::export::images::ImageIndex;
use crate::gui::records::RecordsModel;

/// What the compare feature reads from the rest of the app while applying commands.
pub struct Env<'a> {
    /// The app's image folders after the reports' own ([`crate::gui::App::image_search_dirs`]
    /// with nothing first: the sample study and the folders of the files open in the library).
    pub search_dirs: Vec<PathBuf>,
    /// Records state (session and database path for database reads).
    pub records: &'a RecordsModel,
}

impl CompareState {
    /// Applies one command.
    pub fn apply(&mut self, ctx: &egui::Context, command: CompareCommand, env: &Env<'_>) {
        match command {
            CompareCommand::ShowCompare(open) => self.model.open = open,
            CompareCommand::ShowPlot(open) => self.plot.open = open,
            CompareCommand::BrowseReport(side) => {
                if let Some(p) = rfd::FileDialog::new()
                    .set_title(format!("{} report", side.title()))
                    .add_filter("Signed report", &["json"])
                    .pick_file()
                {
                    let text = p.display().to_string();
                    match side {
                        Side::Baseline => self.forms.baseline_path = text,
                        Side::Followup => self.forms.followup_path = text,
                    }
                }
            }
            CompareCommand::LoadFiles { baseline, followup } => {
                let loaded = sources::load_file(&baseline)
                    .map_err(|e| format!("Baseline: {e}"))
                    .and_then(|b| {
                        sources::load_file(&followup)
                            .map(|f| [b, f])
                            .map_err(|e| format!("Follow-up: {e}"))
                    });
                match loaded {
                    Ok(pair) => self.set_pair(ctx, pair, env),
                    Err(e) => self.model.message = Some(e),
                }
            }
            CompareCommand::ListDbSubject(subject) => {
                match sources::subject_reads(env.records, &subject) {
                    Ok(reads) => {
                        self.forms.db_pick = (0, reads.len().saturating_sub(1));
                        self.model.db_reads = reads;
                        self.model.message = None;
                    }
                    Err(e) => {
                        self.model.db_reads.clear();
                        self.model.message = Some(e);
                    }
                }
            }
            CompareCommand::LoadDbPair(b, f) => {
                let pair = self
                    .model
                    .db_reads
                    .get(b)
                    .zip(self.model.db_reads.get(f))
                    .map(|(b, f)| [b.report.clone(), f.report.clone()]);
                match pair {
                    Some(pair) => self.set_pair(ctx, pair, env),
                    None => self.model.message = Some("pick two reads of the list".to_owned()),
                }
            }
            CompareCommand::SelectView(view) => self.open_view(ctx, view, [None, None]),
            CompareCommand::SelectImage(side, choice) => {
                if let Some(view) = self.model.view.clone() {
                    let mut picks = self.current_picks();
                    picks[side as usize] = Some(choice);
                    self.open_view(ctx, view, picks);
                }
            }
            CompareCommand::TogglePlay => {
                if let Some(p) = &mut self.model.panes {
                    let playing = !p.cine.playing;
                    p.cine.set_playing(playing);
                }
            }
            CompareCommand::StepFrame(d) => {
                if let Some(p) = &mut self.model.panes {
                    p.step(d);
                }
            }
            CompareCommand::SetFrame(f) => {
                if let Some(p) = &mut self.model.panes {
                    p.cine.set_playing(false);
                    p.seek(f);
                }
            }
            CompareCommand::NextEd => {
                if let Some(p) = &mut self.model.panes {
                    p.next_ed();
                }
            }
            CompareCommand::PlotFolder(folder) => match sources::load_folder(&folder) {
                Ok((reports, skipped)) => {
                    let source = format!("folder {}", folder.display());
                    self.plot.set_reports(reports, source, skipped);
                }
                Err(e) => self.plot.message = Some(e),
            },
            CompareCommand::BrowsePlotFolder => {
                if let Some(p) = rfd::FileDialog::new()
                    .set_title("Folder of signed reports")
                    .pick_folder()
                {
                    self.forms.plot_folder = p.display().to_string();
                }
            }
            CompareCommand::PlotFromDb => match sources::trial_reads(env.records) {
                Ok(reports) => {
                    self.plot
                        .set_reports(reports, "the reading database".to_owned(), Vec::new());
                }
                Err(e) => self.plot.message = Some(e),
            },
            CompareCommand::PlotFromCompare => match &self.model.pair {
                Some(pair) => {
                    let subject = pair[0].report.subject_id.clone();
                    self.plot.set_reports(
                        pair.to_vec(),
                        "the compared reports".to_owned(),
                        Vec::new(),
                    );
                    self.plot.subject = subject;
                }
                None => self.plot.message = Some("load two reports to compare first".to_owned()),
            },
            CompareCommand::PlotParameter(p) => self.plot.parameter = p,
            CompareCommand::PlotSubject(s) => self.plot.subject = s,
        }
    }

    /// Compares a new pair: delta table, measured images of both sides, first common view.
    fn set_pair(&mut self, ctx: &egui::Context, pair: [LoadedReport; 2], env: &Env<'_>) {
        let table = compare(&pair[0].report, &pair[1].report);
        let mut dirs: Vec<PathBuf> = pair.iter().flat_map(|r| r.image_dirs.clone()).collect();
        dirs.extend(env.search_dirs.iter().cloned());
        let mut index = ImageIndex::new(Vec::new());
        for d in &dirs {
            index.add_dir(d);
        }
        let choices = [
            measured_images(&pair[0].report, &mut index),
            measured_images(&pair[1].report, &mut index),
        ];
        let views = common_views(&choices[0], &choices[1]);
        self.model.table = Some(table);
        self.model.choices = choices;
        self.model.pair = Some(pair);
        self.model.panes = None;
        self.model.view = None;
        self.model.message = None;
        match views.into_iter().next() {
            Some(v) => self.open_view(ctx, v, [None, None]),
            None => {
                self.model.message =
                    Some("no view type was measured at both visits: no cine to show".to_owned());
            }
        }
    }

    /// Which choice each pane shows now (indices into the side's choices).
    fn current_picks(&self) -> [Option<usize>; 2] {
        let Some(panes) = &self.model.panes else {
            return [None, None];
        };
        let pick = |side: usize| {
            let sop = &panes.panes[side].choice.sop_instance_uid;
            self.model.choices[side]
                .iter()
                .position(|c| &c.sop_instance_uid == sop)
        };
        [pick(0), pick(1)]
    }

    /// Opens the panes of `view` (with the given choices, else the first of the view).
    fn open_view(&mut self, ctx: &egui::Context, view: String, picks: [Option<usize>; 2]) {
        let Some(pair) = &self.model.pair else { return };
        let mut panes = Vec::with_capacity(2);
        for (i, side) in [Side::Baseline, Side::Followup].into_iter().enumerate() {
            let choices = &self.model.choices[i];
            let idx = picks[i]
                .filter(|&k| choices.get(k).is_some_and(|c| c.view == view))
                .or_else(|| of_view(choices, &view).first().copied());
            let Some(choice) = idx.and_then(|k| choices.get(k)).cloned() else {
                self.model.message = Some(format!("{} has no image of view {view}", side.title()));
                return;
            };
            panes.push(Pane::open(ctx, side, choice, &pair[i].report));
        }
        let (Some(f), Some(b)) = (panes.pop(), panes.pop()) else {
            return;
        };
        self.model.panes = Some(CinePair::new([b, f]));
        self.model.view = Some(view);
    }
}
