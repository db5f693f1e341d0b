//! `echolab reader add|list`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::{actor, open_store, read_passphrase};
use crate::report::now_utc;
use crate::signing::{KdfParams, key_fingerprint, parse_public_key};
use crate::store::Role;

/// Arguments of `echolab reader`.
#[derive(Debug, Args)]
pub struct ReaderArgs {
    #[command(subcommand)]
    pub command: ReaderCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `reader` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReaderCommand {
    /// Register a reader with a new Ed25519 key pair sealed by the passphrase.
    Add(ReaderAddArgs),
    /// List registered readers with their key fingerprints.
    List,
}

/// Arguments of `echolab reader add`.
#[derive(Debug, Args)]
pub struct ReaderAddArgs {
    /// Reader id (letters, digits, '.', '_', '-').
    #[arg(long)]
    pub id: String,
    /// Printed name (shown in signature manifestations).
    #[arg(long)]
    pub name: String,
    /// Role: reader, adjudicator or admin.
    #[arg(long, value_parser = ["reader", "adjudicator", "admin"])]
    pub role: String,
    /// File holding the passphrase (one trailing newline ignored; at least 8 characters).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: PathBuf,
    /// Who registers the reader (recorded in the audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Argon2id memory cost in KiB (default 19456 = 19 MiB).
    #[arg(long, default_value_t = KdfParams::default().m_cost_kib)]
    pub kdf_memory_kib: u32,
    /// Argon2id passes (default 2).
    #[arg(long, default_value_t = KdfParams::default().t_cost)]
    pub kdf_passes: u32,
}

/// Runs `echolab reader`.
pub fn reader(a: &ReaderArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(a.db.as_deref())?;
    match &a.command {
        ReaderCommand::Add(add) => {
            let pass = read_passphrase(&add.passphrase_file)?;
            let role = Role::from_code(&add.role).context("unknown role")?;
            store.set_kdf_params(KdfParams {
                m_cost_kib: add.kdf_memory_kib,
                t_cost: add.kdf_passes,
                p_cost: 1,
            });
            let info = store
                .add_reader(
                    &actor(add.actor.as_deref()),
                    &add.id,
                    &add.name,
                    role,
                    &pass,
                    now_utc(),
                )
                .with_context(|| format!("cannot add reader {}", add.id))?;
            let fp = parse_public_key(&info.public_key_hex)
                .map(|k| key_fingerprint(&k))
                .unwrap_or_default();
            println!(
                "added {} {} ({}) key fingerprint {fp}",
                info.role.code(),
                info.id,
                info.name
            );
        }
        ReaderCommand::List => {
            for r in store.readers()? {
                let fp = parse_public_key(&r.public_key_hex)
                    .map(|k| key_fingerprint(&k))
                    .unwrap_or_default();
                println!("{:<16} {:<12} {:<28} {fp}", r.id, r.role.code(), r.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
