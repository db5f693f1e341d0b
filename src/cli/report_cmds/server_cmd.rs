//! `echolab server init`: sets up a reading database as a lab's server, creating the lab's
//! signing key (the trust anchor that certifies every reader's key).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::{actor, db_path, read_passphrase};
use crate::report::{now_utc, write_atomic};
use crate::signing::KdfParams;
use crate::store::Store;

/// Arguments of `echolab server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: ServerCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `server` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Create the database (if new) and the lab signing key; write the lab public key file.
    Init(InitArgs),
}

/// Arguments of `echolab server init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The lab's name (in the lab public key file).
    #[arg(long)]
    pub lab_name: String,
    /// File holding the lab passphrase that seals the lab key (at least 8 characters).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: PathBuf,
    /// Where to write the lab public key (default: lab-key.json beside the database). Keep a
    /// copy outside the database: `report verify --lab-key FILE` checks signers against it.
    #[arg(long, value_name = "FILE")]
    pub public_key_out: Option<PathBuf>,
    /// Who sets up the lab (audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Argon2id memory cost in KiB (default 19456 = 19 MiB).
    #[arg(long, default_value_t = KdfParams::default().m_cost_kib)]
    pub kdf_memory_kib: u32,
    /// Argon2id passes (default 2).
    #[arg(long, default_value_t = KdfParams::default().t_cost)]
    pub kdf_passes: u32,
}

/// Runs `echolab server`.
pub fn server(a: &ServerArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        ServerCommand::Init(init) => {
            let path = db_path(a.db.as_deref())?;
            let pass = read_passphrase(&init.passphrase_file)?;
            let mut store = Store::open(&path)
                .with_context(|| format!("cannot open reading database {}", path.display()))?;
            store.set_kdf_params(KdfParams {
                m_cost_kib: init.kdf_memory_kib,
                t_cost: init.kdf_passes,
                p_cost: 1,
            });
            let lab = store
                .init_lab(
                    &actor(init.actor.as_deref()),
                    &init.lab_name,
                    &pass,
                    now_utc(),
                )
                .with_context(|| format!("cannot create the lab key in {}", path.display()))?;
            let out = match &init.public_key_out {
                Some(p) => p.clone(),
                None => path
                    .parent()
                    .map_or_else(|| PathBuf::from("lab-key.json"), |d| d.join("lab-key.json")),
            };
            let mut text = serde_json::to_string_pretty(&lab)?;
            text.push('\n');
            write_atomic(&out, text.as_bytes())
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "lab {} key fingerprint {} pinned in {}; public key written to {}",
                lab.lab_name,
                lab.fingerprint_sha256,
                path.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
