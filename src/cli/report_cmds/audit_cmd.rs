//! `echolab audit verify|show`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::db_path;
use crate::store::Store;

/// Arguments of `echolab audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit log and that it covers every signed version; exit 0
    /// when intact, 1 naming the first bad row or record.
    Verify {
        /// Also require this head hash (a copy kept outside the database).
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the history of one record (a read id shows its measurements, grade, signatures…).
    Show {
        /// Record id (read id, study UID, reader id, `STUDY:READER` assignment…).
        #[arg(long)]
        record: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `echolab audit`.
pub fn audit(a: &AuditArgs) -> anyhow::Result<ExitCode> {
    let path = db_path(a.db.as_deref())?;
    let store = Store::open_existing(&path)
        .with_context(|| format!("cannot open reading database {}", path.display()))?;
    match &a.command {
        AuditCommand::Verify { expect_head, json } => {
            let mut report = store.verify_audit_chain()?;
            if report.first_bad.is_none()
                && let Some(h) = expect_head
                && h != &report.head_hash
            {
                report.first_bad = Some(crate::audit::ChainProblem {
                    seq: report.rows as i64,
                    message: format!(
                        "head hash {} differs from the expected {h}: the log was rewritten or \
                         truncated",
                        report.head_hash
                    ),
                });
            }
            if *json {
                crate::cli::print_json(&report)?;
            } else if let Some(p) = &report.first_bad {
                println!(
                    "audit chain BROKEN in {}: first bad row {}: {}",
                    path.display(),
                    p.seq,
                    p.message
                );
            } else if !report.record_problems.is_empty() {
                println!(
                    "audit chain intact but records DISAGREE in {}:",
                    path.display()
                );
                for p in &report.record_problems {
                    println!("  {p}");
                }
            } else {
                println!(
                    "audit chain intact: {} rows, head {}",
                    report.rows, report.head_hash
                );
            }
            Ok(if report.is_intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::Show { record, json } => {
            let entries = store.record_history(record)?;
            if *json {
                crate::cli::print_json(&entries)?;
            } else if entries.is_empty() {
                println!("no audit entries for {record}");
            } else {
                for e in &entries {
                    println!(
                        "#{:<5} {} {:<14} {:<8} {:<11} {}{}",
                        e.seq,
                        e.at_utc,
                        e.actor,
                        e.action,
                        e.entity_type,
                        e.entity_id,
                        e.ruleset
                            .as_deref()
                            .map(|r| format!(" [rules {r}]"))
                            .unwrap_or_default()
                    );
                    if let Some(o) = &e.old_value {
                        println!("        old: {o}");
                    }
                    if let Some(n) = &e.new_value {
                        println!("        new: {n}");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
