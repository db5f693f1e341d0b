//! `echolab db import|studies` and `echolab assign`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::{actor, open_store};
use crate::export::deid_import::{DeidImport, default_store_dir, import_deidentified};
use crate::report::{Visit, now_utc};
use crate::store::{ImportOptions, ImportSummary, SubjectMap};

/// Arguments of `echolab db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// How `db import` (and `pacs retrieve --into`) registers studies.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Subject id for the studies (default: Clinical Trial Subject ID, else a subject code
    /// for the Patient ID: `<trial>-NNN`, kept per patient in the admin-only table).
    #[arg(long)]
    pub subject: Option<String>,
    /// Visit: baseline, 1, 6, 12, 18 or 24 (months) (default: Clinical Trial Time Point ID).
    #[arg(long)]
    pub visit: Option<String>,
    /// Trial id (default: Clinical Trial Protocol ID).
    #[arg(long)]
    pub trial: Option<String>,
    /// Site id (default: Clinical Trial Site ID).
    #[arg(long)]
    pub site: Option<String>,
    /// Who imports (audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Store de-identified copies (PS3.15 basic profile, full dates, Clean Pixel Data)
    /// under subject codes instead of registering the files as they are.
    #[arg(long, requires = "trial_id", conflicts_with_all = ["subject", "trial"])]
    pub deidentify: bool,
    /// With --deidentify: the trial (subject codes and UID mapping are per trial).
    #[arg(long, value_name = "ID", requires = "deidentify")]
    pub trial_id: Option<String>,
    /// With --deidentify: the site's CSV `patient_id,subject_code` (other patients get
    /// `<trial>-NNN`).
    #[arg(long, value_name = "CSV", requires = "deidentify")]
    pub subject_map: Option<PathBuf>,
    /// With --deidentify: folder of the de-identified copies (default: `<db name>-images`
    /// beside the database).
    #[arg(long, value_name = "DIR", requires = "deidentify")]
    pub store_dir: Option<PathBuf>,
    /// With --deidentify: explicit masks per device model (TOML, remembered), for files
    /// without US regions.
    #[arg(long, value_name = "FILE", requires = "deidentify")]
    pub mask: Option<PathBuf>,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum DbCommand {
    /// Register the studies of a folder (UIDs and SHA-256 of every DICOM file).
    Import {
        /// Folder to walk (recursively).
        folder: PathBuf,
        #[command(flatten)]
        how: ImportArgs,
    },
    /// Subject codes of a trial (admins): list them, or look up the codes of the Patient IDs
    /// in a file (one per line; printed by line number, never echoed).
    SubjectCodes {
        /// Trial (empty string: imports without a trial).
        #[arg(long, value_name = "ID")]
        trial_id: String,
        /// Admin's reader id.
        #[arg(long)]
        reader: String,
        /// File holding the admin's passphrase.
        #[arg(long, value_name = "FILE")]
        passphrase_file: PathBuf,
        /// File of Patient IDs, one per line, to look up.
        #[arg(long, value_name = "FILE")]
        patients: Option<PathBuf>,
    },
    /// Print where the database is and its schema version.
    Info,
}

/// Arguments of `echolab assign`.
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Study Instance UID (imported with `echolab db import`).
    #[arg(long)]
    pub study: String,
    /// Reader id.
    #[arg(long)]
    pub reader: String,
    /// Who assigns (audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// Runs `echolab db`.
pub fn db(a: &DbArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(a.db.as_deref())?;
    match &a.command {
        DbCommand::Import { folder, how } => import(&mut store, folder, how)?,
        DbCommand::SubjectCodes {
            trial_id,
            reader,
            passphrase_file,
            patients,
        } => {
            let session = super::sign_in_with_file(&mut store, reader, passphrase_file)?;
            match patients {
                None => {
                    for r in store.subject_codes(&session, Some(trial_id))? {
                        println!(
                            "{} {} ({}, {})",
                            r.trial_id, r.subject_code, r.source, r.created_utc
                        );
                    }
                }
                Some(file) => {
                    // Refuse before reading anything when the session may not look codes up.
                    store.subject_codes(&session, Some(trial_id))?;
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    for (i, line) in text.lines().enumerate() {
                        let id = line.trim();
                        if id.is_empty() {
                            continue;
                        }
                        let code = store.subject_code_of(&session, trial_id, id)?;
                        println!(
                            "line {}: {}",
                            i + 1,
                            code.as_deref().unwrap_or("not coded in this trial")
                        );
                    }
                }
            }
        }
        DbCommand::Info => {
            let path = store
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            println!(
                "reading database {path} (schema version {})",
                crate::store::SCHEMA_VERSION
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &ImportSummary) {
    for s in &summary.studies {
        println!("{}", s.describe(&s.study_uid));
    }
    for (p, why) in &summary.skipped {
        println!("skipped {}: {why}", p.display());
    }
}

/// Runs `echolab assign`.
pub fn assign(a: &AssignArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(a.db.as_deref())?;
    let new = store
        .assign(&actor(a.actor.as_deref()), &a.study, &a.reader, now_utc())
        .with_context(|| format!("cannot assign study {} to {}", a.study, a.reader))?;
    println!(
        "study {} {} reader {}",
        a.study,
        if new {
            "assigned to"
        } else {
            "was already assigned to"
        },
        a.reader
    );
    Ok(ExitCode::SUCCESS)
}

/// Registers the studies of `folder` as `how` says (plain or de-identifying import).
pub(crate) fn import(
    store: &mut crate::store::Store,
    folder: &std::path::Path,
    how: &ImportArgs,
) -> anyhow::Result<()> {
    let ImportArgs {
        subject,
        visit,
        trial,
        site,
        actor: who,
        deidentify,
        trial_id,
        subject_map,
        store_dir,
        mask,
    } = how;
    let visit = visit
        .as_deref()
        .map(str::parse::<Visit>)
        .transpose()
        .context("--visit")?;
    if *deidentify {
        let (Some(trial_id), Some(db_path)) = (trial_id, store.path()) else {
            anyhow::bail!("--deidentify needs --trial-id and a database file");
        };
        let subject_map = match subject_map {
            Some(p) => SubjectMap::load(p)?,
            None => SubjectMap::default(),
        };
        let options = DeidImport {
            trial_id: trial_id.clone(),
            subject_map,
            store_dir: store_dir
                .clone()
                .unwrap_or_else(|| default_store_dir(db_path)),
            visit,
            site: site.clone(),
            masks: crate::cli::export_cmds::masks_for(mask.as_deref())?,
        };
        let summary =
            import_deidentified(store, &actor(who.as_deref()), folder, &options, now_utc())
                .context("de-identifying import failed")?;
        print_summary(&summary);
        println!("de-identified copies in {}", options.store_dir.display());
        if summary.studies.is_empty() {
            anyhow::bail!("no study was imported");
        }
        return Ok(());
    }
    let options = ImportOptions {
        subject: subject.clone(),
        visit,
        trial: trial.clone(),
        site: site.clone(),
    };
    let summary = store
        .import_folder(&actor(who.as_deref()), folder, &options, now_utc())
        .with_context(|| format!("cannot import {}", folder.display()))?;
    print_summary(&summary);
    if summary.studies.is_empty() {
        anyhow::bail!("no DICOM study found in {}", folder.display());
    }
    Ok(())
}
