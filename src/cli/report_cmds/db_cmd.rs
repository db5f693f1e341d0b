//! `echolab db import|studies` and `echolab assign`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::{actor, open_store};
use crate::report::{Visit, now_utc};
use crate::store::ImportOptions;

/// Arguments of `echolab db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Register the studies of a folder (UIDs and SHA-256 of every DICOM file).
    Import {
        /// Folder to walk (recursively).
        folder: PathBuf,
        /// Subject id for the studies (default: Clinical Trial Subject ID, else Patient ID).
        #[arg(long)]
        subject: Option<String>,
        /// Visit: baseline, 1, 6, 12, 18 or 24 (months) (default: Clinical Trial Time Point ID).
        #[arg(long)]
        visit: Option<String>,
        /// Trial id (default: Clinical Trial Protocol ID).
        #[arg(long)]
        trial: Option<String>,
        /// Site id (default: Clinical Trial Site ID).
        #[arg(long)]
        site: Option<String>,
        /// Who imports (audit trail; default cli:$USER).
        #[arg(long)]
        actor: Option<String>,
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
        DbCommand::Import {
            folder,
            subject,
            visit,
            trial,
            site,
            actor: who,
        } => {
            let visit = visit
                .as_deref()
                .map(str::parse::<Visit>)
                .transpose()
                .context("--visit")?;
            let options = ImportOptions {
                subject: subject.clone(),
                visit,
                trial: trial.clone(),
                site: site.clone(),
            };
            let summary = store
                .import_folder(&actor(who.as_deref()), folder, &options, now_utc())
                .with_context(|| format!("cannot import {}", folder.display()))?;
            for s in &summary.studies {
                println!(
                    "{} study {} subject {} visit {}: {} file(s) added, {} already known",
                    if s.new_study { "new" } else { "known" },
                    s.study_uid,
                    s.subject_id.as_deref().unwrap_or("(none)"),
                    s.visit
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(none)".to_owned()),
                    s.files_added,
                    s.files_known
                );
            }
            for (p, why) in &summary.skipped {
                println!("skipped {}: {why}", p.display());
            }
            if summary.studies.is_empty() {
                anyhow::bail!("no DICOM study found in {}", folder.display());
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
