//! `echolab adjudicate worklist`: the adjudicator's worklist from the reading database — every
//! pair of signed reads of one study that the discordance rules flag — optionally writing each
//! pair's reads to a folder for `adjudicate decide` / `sign`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::export_cmds::{RulesArgs, load_rules};
use super::print_json;
use crate::adjudication::needing_adjudication;
use crate::export::db::{Selection, signed_reads};

/// Arguments of `adjudicate worklist`.
#[derive(Debug, clap::Args)]
pub struct WorklistArgs {
    /// Reading database.
    #[arg(long)]
    pub db: PathBuf,
    /// Adjudicator (or admin) reader id.
    #[arg(long)]
    pub reader: String,
    /// File holding the passphrase.
    #[arg(long)]
    pub passphrase_file: PathBuf,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Write each discordant pair's two signed reads into DIR/<study>/ as read-a.json and
    /// read-b.json (inputs of `adjudicate decide`).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print the worklist as JSON.
    #[arg(long)]
    pub json: bool,
}

fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs `echolab adjudicate worklist`.
pub fn worklist(w: &WorklistArgs) -> anyhow::Result<ExitCode> {
    let mut store = crate::store::Store::open_existing(&w.db)
        .with_context(|| format!("cannot open reading database {}", w.db.display()))?;
    let session = super::report_cmds::sign_in_with_file(&mut store, &w.reader, &w.passphrase_file)?;
    if session.role() == crate::store::Role::Reader {
        bail!(
            "{} is a reader; the adjudication worklist is for adjudicators and admins",
            w.reader
        );
    }
    let rules = load_rules(&w.rules)?;
    let inputs = signed_reads(&store, &session, &Selection::Trial, &w.db)?;
    let reports: Vec<_> = inputs.iter().map(|i| i.report.clone()).collect();
    let pairs = needing_adjudication(&reports, &rules);
    if let Some(dir) = &w.out_dir {
        for d in &pairs {
            let study = d.read_a.study_instance_uid.as_deref().unwrap_or("no-study");
            let folder = PathBuf::from(file_part(study));
            for (name, read) in [("read-a.json", &d.read_a), ("read-b.json", &d.read_b)] {
                let input = inputs
                    .iter()
                    .find(|i| {
                        i.report.report_id == read.report_id && i.report.version == read.version
                    })
                    .with_context(|| format!("read {} vanished", read.report_id))?;
                crate::report::write_inside(dir, &folder.join(name), &input.bytes).with_context(
                    || format!("cannot write {}", dir.join(&folder).join(name).display()),
                )?;
            }
        }
    }
    if w.json {
        print_json(&pairs)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} discordant pair(s) under {} {}",
        pairs.len(),
        rules.id,
        rules.version
    );
    for d in &pairs {
        let who = |r: &crate::adjudication::ReadRef| {
            format!(
                "{} v{} ({})",
                r.report_id,
                r.version,
                r.reader_id.as_deref().unwrap_or("?")
            )
        };
        println!(
            "study {}: A {} | B {}",
            d.read_a.study_instance_uid.as_deref().unwrap_or("?"),
            who(&d.read_a),
            who(&d.read_b)
        );
        for r in d.fired() {
            println!("  {:<12} A={} B={}", r.id, r.a, r.b);
        }
    }
    Ok(ExitCode::SUCCESS)
}
