//! `echolab agreement`: inter- and intra-reader agreement from the reading database or a CSV,
//! and `echolab reread assign`: choose blinded re-reads under the protocol's policy.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::print_json;
use crate::agreement::{
    AgreementReport, Filter, GRADE_PARAMETER, analyse, observations_from_csv, source, table,
};
use crate::catalog::Catalog;
use crate::report::{now_utc, write_atomic};

/// Arguments of `echolab agreement`.
#[derive(Debug, clap::Args)]
pub struct AgreementArgs {
    /// Reading database (signed reads, their subjects/visits, dual-read outcomes).
    #[arg(long, conflicts_with = "csv", required_unless_present = "csv")]
    pub db: Option<PathBuf>,
    /// A long CSV from `echolab export --format csv --long`, or any CSV with the columns
    /// subject,visit,reader,read,parameter,value.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Parameter id to report (repeatable; default every parameter present, `mr_grade` last).
    #[arg(long = "parameter", value_name = "ID")]
    pub parameters: Vec<String>,
    /// Only this trial.
    #[arg(long)]
    pub trial: Option<String>,
    /// Only this visit (baseline, month1, month6, month12, month18, month24).
    #[arg(long)]
    pub visit: Option<String>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the table (and per-reader rows) as CSV.
    #[arg(long, value_name = "OUT.csv")]
    pub table_csv: Option<PathBuf>,
    /// Also write the trial QC report (table, Bland–Altman and scatter plots) as PDF.
    #[arg(long, value_name = "OUT.pdf")]
    pub pdf: Option<PathBuf>,
}

fn check_parameters(ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if id != GRADE_PARAMETER && Catalog::builtin().unit(id).is_none() {
            bail!("unknown parameter `{id}` (not a numeric catalog id or mr_grade)");
        }
    }
    Ok(())
}

fn visit_code(v: &str) -> anyhow::Result<String> {
    let visit: crate::report::Visit = v.parse().with_context(|| format!("--visit {v}"))?;
    Ok(visit.code().to_owned())
}

/// Computes the agreement report the arguments ask for.
pub fn compute(a: &AgreementArgs) -> anyhow::Result<AgreementReport> {
    check_parameters(&a.parameters)?;
    let filter = Filter {
        parameters: a.parameters.clone(),
        trial: a.trial.clone(),
        visit: a.visit.as_deref().map(visit_code).transpose()?,
    };
    if let Some(path) = &a.csv {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let obs = observations_from_csv(&bytes).with_context(|| path.display().to_string())?;
        return Ok(analyse(&obs, None, &filter));
    }
    let Some(db) = &a.db else {
        bail!("give --db DB or --csv FILE");
    };
    let store = crate::store::Store::open_existing(db)
        .with_context(|| format!("cannot open reading database {}", db.display()))?;
    let (obs, outcomes) = source::from_store(&store, a.trial.as_deref())
        .with_context(|| format!("reading {}", db.display()))?;
    if obs.is_empty() {
        bail!("no signed read in {}", db.display());
    }
    Ok(analyse(&obs, Some(&outcomes), &filter))
}

fn print_table(report: &AgreementReport) {
    let rows = table::rows(report);
    println!(
        "{:<6} {:<18} {:>4} {:>3} {:>4}  {:<24} {:<24} {:<10} {:<22} {:>7}  agreement",
        "scope",
        "parameter",
        "n",
        "k",
        "miss",
        "ICC(2,1) [95% CI]",
        "ICC(3,1) [95% CI]",
        "bias",
        "LoA",
        "wSCV%"
    );
    for r in rows {
        let c = |i: usize| r.get(i).map(String::as_str).unwrap_or_default();
        println!(
            "{:<6} {:<18} {:>4} {:>3} {:>4}  {:<24} {:<24} {:<10} {:<22} {:>7}  {}",
            c(0),
            c(1),
            c(3),
            c(4),
            c(5),
            format!("{} {}", c(6), c(7)),
            format!("{} {}", c(8), c(9)),
            c(10),
            c(11),
            c(12),
            c(13)
        );
    }
    println!();
    println!(
        "{:<12} {:>5} {:>7} {:>5} {:>11} {:>12} {:>14}",
        "reader", "reads", "rereads", "pairs", "discordant", "adjudicated", "sided with"
    );
    for r in table::reader_rows(report) {
        let c = |i: usize| r.get(i).map(String::as_str).unwrap_or_default();
        println!(
            "{:<12} {:>5} {:>7} {:>5} {:>11} {:>12} {:>14}",
            c(0),
            c(1),
            c(2),
            c(3),
            c(4),
            c(5),
            c(6)
        );
    }
}

/// Runs `echolab agreement`.
pub fn run(a: &AgreementArgs) -> anyhow::Result<ExitCode> {
    let report = compute(a)?;
    if let Some(out) = &a.table_csv {
        let bytes = table::to_csv(&report).map_err(anyhow::Error::msg)?;
        write_atomic(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if let Some(out) = &a.pdf {
        let title = match &a.trial {
            Some(t) => format!("Reader agreement — trial {t}"),
            None => "Reader agreement".to_owned(),
        };
        let bytes = crate::export::agreement_pdf::agreement_pdf(&report, &title)
            .map_err(anyhow::Error::msg)?;
        write_atomic(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if a.json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `echolab reread`.
#[derive(Debug, clap::Args)]
pub struct RereadArgs {
    #[command(subcommand)]
    pub command: RereadCommand,
}

/// `reread` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RereadCommand {
    /// Choose studies for blinded re-reads under the protocol's `[reread]` policy and assign each
    /// to the reader(s) of its first read (read number 2; the first read is hidden from them
    /// until the re-read is signed).
    Assign {
        /// Reading database.
        #[arg(long)]
        db: PathBuf,
        /// Protocol id (built-in) or TOML file with a `[reread]` table.
        #[arg(long)]
        protocol: String,
        /// Only studies of this trial.
        #[arg(long)]
        trial: Option<String>,
        /// Random seed (default: drawn from the operating system); recorded in the audit trail.
        #[arg(long)]
        seed: Option<u64>,
        /// Who assigns (audit trail; default cli:$USER).
        #[arg(long)]
        actor: Option<String>,
        /// Print the selection as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn reread_policy(protocol: &str) -> anyhow::Result<crate::protocol::RereadPolicy> {
    let catalog = Catalog::builtin();
    let parsed = if std::path::Path::new(protocol).is_file() {
        let text =
            std::fs::read_to_string(protocol).with_context(|| format!("cannot read {protocol}"))?;
        crate::protocol::Protocol::from_toml(&text, protocol, catalog)?
    } else {
        crate::protocol::Protocol::builtin(protocol)
            .with_context(|| {
                format!("unknown protocol {protocol:?}: give a built-in id or a TOML file")
            })?
            .clone()
    };
    parsed
        .reread()
        .with_context(|| format!("protocol {} has no [reread] policy", parsed.id))
}

/// Runs `echolab reread`.
pub fn reread(a: &RereadArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        RereadCommand::Assign {
            db,
            protocol,
            trial,
            seed,
            actor,
            json,
        } => {
            let policy = reread_policy(protocol)?;
            let seed = match seed {
                Some(s) => *s,
                None => {
                    use rand_core::RngCore as _;
                    rand_core::OsRng.next_u64()
                }
            };
            let mut store = crate::store::Store::open_existing(db)
                .with_context(|| format!("cannot open reading database {}", db.display()))?;
            let who = super::report_cmds::actor_name(actor.as_deref());
            let sel = store
                .assign_rereads(&who, trial.as_deref(), &policy, seed, now_utc())
                .context("cannot assign re-reads")?;
            if *json {
                print_json(&sel)?;
            } else {
                println!(
                    "seed {}: {} of {} eligible studies chosen now ({} chosen before); {} re-read(s) assigned",
                    sel.seed,
                    sel.chosen_studies.len(),
                    sel.eligible_studies,
                    sel.already_chosen,
                    sel.assignments.len()
                );
                for r in &sel.assignments {
                    println!(
                        "  study {} → reader {} (read 2, from {})",
                        r.study_uid, r.reader_id, r.not_before_utc
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
