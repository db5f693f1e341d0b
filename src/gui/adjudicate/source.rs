//! Where the pair of reads comes from: two signed report files (picked or typed, with an
//! optional rules / protocol TOML), or, signed in to the reading database, the adjudicator's
//! worklist (`needing_adjudication` over the signed reads the session may see).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egui::{RichText, TextEdit, Ui};

use super::{AdjCommand, AdjModel, Slot, SourceForm};
use crate::adjudication::{Discordance, DiscordanceRules, discordance, needing_adjudication};
use crate::compare::values::label;
use crate::compare::{KEY_PARAMETERS, ParamValue, all_values};
use crate::gui::records::short_uid;
use crate::gui::theme;
use crate::report::{ReadingReport, read_report};
use crate::signing::{verify_report, verify_report_bytes};
use crate::store::{Session, Store, StoreError};

/// One parameter row of the side-by-side table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRow {
    /// Catalog id.
    pub id: String,
    /// Display label.
    pub label: String,
    /// Read A's value.
    pub a: Option<ParamValue>,
    /// Read B's value (in A's unit when both exist).
    pub b: Option<ParamValue>,
    /// Ids of the numeric rules about this parameter that fired.
    pub fired: Vec<String>,
    /// Ids of the numeric rules about this parameter (fired or not).
    pub rules: Vec<String>,
}

/// The pair being adjudicated.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Read A.
    pub read_a: ReadingReport,
    /// Read B.
    pub read_b: ReadingReport,
    /// Where read A was loaded from (file or `db#read`).
    pub origin_a: String,
    /// Where read B was loaded from.
    pub origin_b: String,
    /// Folders to look for the images in (the reports' folders, the database's study folders).
    pub image_dirs: Vec<PathBuf>,
    /// The rules applied.
    pub rules: DiscordanceRules,
    /// Their result.
    pub discordance: Discordance,
    /// Where drafts and signed files are written.
    pub out_dir: PathBuf,
    /// Whether the session is blinded (visit hidden).
    pub blinded: bool,
    /// Table rows: the key parameters first, then every other value either read has.
    pub rows: Vec<ParamRow>,
    /// Warnings found on loading (signatures not intact …).
    pub warnings: Vec<String>,
}

impl Pair {
    /// Builds the pair and its discordance under `rules`.
    pub fn new(
        read_a: ReadingReport,
        read_b: ReadingReport,
        origins: (String, String),
        rules: DiscordanceRules,
        out_dir: PathBuf,
    ) -> Pair {
        let discordance = discordance(&read_a, &read_b, &rules);
        let rows = rows(&read_a, &read_b, &discordance);
        let warnings = discordance.warnings.clone();
        Pair {
            read_a,
            read_b,
            origin_a: origins.0,
            origin_b: origins.1,
            image_dirs: Vec::new(),
            rules,
            discordance,
            out_dir,
            blinded: false,
            rows,
            warnings,
        }
    }

    /// The catalog ids of the numeric rules that fired (the disputed parameters).
    pub fn disputed(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .discordance
            .fired()
            .filter_map(|r| r.parameter.clone())
            .collect();
        out.dedup();
        out
    }

    /// Whether the grade rule fired.
    pub fn grade_disputed(&self) -> bool {
        self.discordance.fired().any(|r| r.kind == "grade_differs")
    }
}

/// The table label: the short key-parameter label (`EROA`), else the catalog label.
pub fn display_label(id: &str) -> String {
    KEY_PARAMETERS
        .iter()
        .find(|k| k.id == id)
        .map_or_else(|| label(id), |k| k.short.to_owned())
}

fn rows(a: &ReadingReport, b: &ReadingReport, d: &Discordance) -> Vec<ParamRow> {
    let va = all_values(a);
    let vb = all_values(b);
    let mut ids: Vec<String> = KEY_PARAMETERS.iter().map(|k| k.id.to_owned()).collect();
    ids.extend(d.results.iter().filter_map(|r| r.parameter.clone()));
    let mut rest: Vec<String> = va.keys().chain(vb.keys()).cloned().collect();
    rest.sort();
    ids.extend(rest);
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids.into_iter()
        .filter_map(|id| {
            let a = va.get(&id).cloned();
            let b = vb.get(&id).cloned().map(|b| match &a {
                Some(a) if a.unit != b.unit => b
                    .unit
                    .convert(b.value, a.unit)
                    .map(|value| ParamValue {
                        value,
                        unit: a.unit,
                        source: b.source.clone(),
                    })
                    .unwrap_or(b),
                _ => b,
            });
            let mine = |r: &&crate::adjudication::RuleResult| r.parameter.as_deref() == Some(&id);
            let rules: Vec<String> = d
                .results
                .iter()
                .filter(mine)
                .map(|r| r.id.clone())
                .collect();
            let fired: Vec<String> = d.fired().filter(mine).map(|r| r.id.clone()).collect();
            (a.is_some() || b.is_some() || !rules.is_empty()).then(|| ParamRow {
                label: display_label(&id),
                id,
                a,
                b,
                fired,
                rules,
            })
        })
        .collect()
}

/// Reads and checks a signed report file; a broken signature is a warning, not a refusal
/// (the adjudicator must see it).
fn load_file(path: &Path, warnings: &mut Vec<String>) -> Result<ReadingReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v = verify_report_bytes(&bytes);
    if !v.is_intact() {
        warnings.push(format!(
            "{}: signature NOT intact: {}",
            path.display(),
            v.problems.join("; ")
        ));
    }
    read_report(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Loads the rules: the file's `[discordance]` table (the default when a protocol file has
/// none), or the built-in rules for an empty path.
pub fn load_rules(path: &str) -> Result<DiscordanceRules, String> {
    let path = path.trim();
    if path.is_empty() {
        return Ok(DiscordanceRules::builtin().clone());
    }
    DiscordanceRules::load(Path::new(path)).map_err(|e| e.to_string())
}

/// The pair from two report files.
pub fn pair_from_files(form: &SourceForm) -> Result<Pair, String> {
    let (pa, pb) = (form.path_a.trim(), form.path_b.trim());
    if pa.is_empty() || pb.is_empty() {
        return Err("Give both report files (read A and read B).".to_owned());
    }
    let (pa, pb) = (PathBuf::from(pa), PathBuf::from(pb));
    let mut warnings = Vec::new();
    let a = load_file(&pa, &mut warnings)?;
    let b = load_file(&pb, &mut warnings)?;
    let rules = load_rules(&form.rules_path)?;
    let out_dir = pa
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut pair = Pair::new(
        a,
        b,
        (pa.display().to_string(), pb.display().to_string()),
        rules,
        out_dir.clone(),
    );
    pair.image_dirs.push(out_dir);
    if let Some(d) = pb.parent().filter(|p| !p.as_os_str().is_empty()) {
        pair.image_dirs.push(d.to_path_buf());
    }
    pair.warnings.extend(warnings);
    Ok(pair)
}

/// One discordant pair of the database worklist.
#[derive(Debug, Clone)]
pub struct WorkItem {
    /// The discordance (names both reads).
    pub discordance: Discordance,
    /// Read A.
    pub read_a: ReadingReport,
    /// Read B.
    pub read_b: ReadingReport,
}

/// The adjudicator's worklist: every discordant pair of signed reads the session may see, and
/// a note on reads that could not be shown (blinding) or do not verify.
pub fn worklist(
    store: &Store,
    session: &Session,
    rules: &DiscordanceRules,
) -> Result<(Vec<WorkItem>, Option<String>), StoreError> {
    let mut reports = Vec::new();
    let mut hidden = 0usize;
    let mut broken = 0usize;
    for summary in store.reads_visible_to(session)? {
        let Some(version) = summary.signed_version else {
            continue;
        };
        match store.read_version(session, &summary.read_id, version) {
            Ok(r) if verify_report(&r).is_intact() => reports.push(r),
            Ok(_) => broken += 1,
            Err(StoreError::AccessDenied(_)) => hidden += 1,
            Err(e) => return Err(e),
        }
    }
    let by_ref: BTreeMap<(String, u32), &ReadingReport> = reports
        .iter()
        .map(|r| ((r.report_id.clone(), r.version), r))
        .collect();
    let items = needing_adjudication(&reports, rules)
        .into_iter()
        .filter_map(|d| {
            let a = by_ref.get(&(d.read_a.report_id.clone(), d.read_a.version))?;
            let b = by_ref.get(&(d.read_b.report_id.clone(), d.read_b.version))?;
            Some(WorkItem {
                read_a: (*a).clone(),
                read_b: (*b).clone(),
                discordance: d,
            })
        })
        .collect();
    let mut notes = Vec::new();
    if hidden > 0 {
        notes.push(format!("{hidden} signed read(s) hidden by blinding"));
    }
    if broken > 0 {
        notes.push(format!(
            "{broken} signed read(s) do not verify and are left out"
        ));
    }
    Ok((items, (!notes.is_empty()).then(|| notes.join("; "))))
}

fn path_row(ui: &mut Ui, label: &str, text: &mut String, slot: Slot) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(TextEdit::singleline(text).desired_width(520.0))
            .labelled_by(l.id);
        if ui.button("Browse…").clicked() {
            let dialog = rfd::FileDialog::new();
            let dialog = match slot {
                Slot::Rules => dialog.add_filter("TOML", &["toml"]),
                Slot::A | Slot::B => dialog.add_filter("Reading report", &["json"]),
            };
            if let Some(p) = dialog.pick_file() {
                *text = p.display().to_string();
            }
        }
    });
}

/// The source section: files, and the database worklist when signed in.
pub fn source_ui(
    ui: &mut Ui,
    model: &AdjModel,
    form: &mut SourceForm,
    session: Option<&Session>,
) -> Vec<AdjCommand> {
    let mut out = Vec::new();
    // A new id once a pair is loaded, so the section folds away then.
    egui::CollapsingHeader::new(RichText::new("Reads to adjudicate").strong())
        .id_salt(("adj_source", model.pair.is_some()))
        .default_open(model.pair.is_none())
        .show(ui, |ui| {
            path_row(ui, "Read A report", &mut form.path_a, Slot::A);
            path_row(ui, "Read B report", &mut form.path_b, Slot::B);
            path_row(
                ui,
                "Rules / protocol TOML (optional)",
                &mut form.rules_path,
                Slot::Rules,
            );
            if ui.button("Load reads").clicked() {
                out.push(AdjCommand::LoadFiles);
            }
            ui.separator();
            match session {
                None => {
                    ui.label(
                        RichText::new(
                            "Sign in to the reading database (Reading ▸ Sign in…) as an \
                             adjudicator for the worklist of discordant reads.",
                        )
                        .color(theme::TEXT_WEAK),
                    );
                }
                Some(s) => {
                    ui.horizontal(|ui| {
                        ui.label(format!(
                            "Worklist of {} ({}, {})",
                            s.name(),
                            s.reader_id(),
                            s.role().code()
                        ));
                        if ui.button("Refresh worklist").clicked() {
                            out.push(AdjCommand::RefreshWorklist);
                        }
                    });
                    if let Some(n) = &model.worklist_note {
                        ui.colored_label(theme::WARNING, n);
                    }
                    worklist_grid(ui, model, &mut out);
                }
            }
        });
    out
}

fn worklist_grid(ui: &mut Ui, model: &AdjModel, out: &mut Vec<AdjCommand>) {
    if model.worklist.is_empty() {
        ui.label(RichText::new("No discordant pair.").color(theme::TEXT_WEAK));
        return;
    }
    egui::Grid::new("adj_worklist")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for h in ["Study", "Reads", "Rules fired", ""] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (i, item) in model.worklist.iter().enumerate() {
                let d = &item.discordance;
                let study = d.read_a.study_instance_uid.as_deref().unwrap_or("—");
                ui.label(short_uid(study)).on_hover_text(study);
                ui.label(format!(
                    "{} / {}",
                    d.read_a.reader_id.as_deref().unwrap_or("?"),
                    d.read_b.reader_id.as_deref().unwrap_or("?")
                ));
                let fired: Vec<&str> = d.fired().map(|r| r.id.as_str()).collect();
                ui.colored_label(theme::WARNING, fired.join(", "));
                if ui.button("Adjudicate").clicked() {
                    out.push(AdjCommand::OpenWorkItem(i));
                }
                ui.end_row();
            }
        });
}
