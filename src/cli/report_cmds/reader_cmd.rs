//! `echolab reader add|rotate|revoke|list`.

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
    /// Register a reader with a new Ed25519 key pair sealed by the passphrase, certified by
    /// the lab key.
    Add(ReaderAddArgs),
    /// Replace a reader's key pair: the old key is revoked from now, the new one certified.
    Rotate(ReaderRotateArgs),
    /// Revoke a reader's key from now: later signatures fail verification, earlier stay valid.
    Revoke(ReaderRevokeArgs),
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
    /// File holding the lab passphrase (the lab key certifies the reader's key).
    #[arg(long, value_name = "FILE")]
    pub lab_passphrase_file: PathBuf,
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

/// Arguments of `echolab reader rotate`.
#[derive(Debug, Args)]
pub struct ReaderRotateArgs {
    /// Reader id.
    #[arg(long)]
    pub id: String,
    /// File holding the passphrase that seals the new key.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: PathBuf,
    /// File holding the lab passphrase.
    #[arg(long, value_name = "FILE")]
    pub lab_passphrase_file: PathBuf,
    /// Who rotates the key (audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
}

/// Arguments of `echolab reader revoke`.
#[derive(Debug, Args)]
pub struct ReaderRevokeArgs {
    /// Reader id.
    #[arg(long)]
    pub id: String,
    /// Why (recorded in the revocation and the audit trail).
    #[arg(long)]
    pub reason: String,
    /// File holding the lab passphrase.
    #[arg(long, value_name = "FILE")]
    pub lab_passphrase_file: PathBuf,
    /// Who revokes (audit trail; default cli:$USER).
    #[arg(long)]
    pub actor: Option<String>,
}

/// Runs `echolab reader`.
pub fn reader(a: &ReaderArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(a.db.as_deref())?;
    match &a.command {
        ReaderCommand::Add(add) => {
            let pass = read_passphrase(&add.passphrase_file)?;
            store.unlock_lab(&read_passphrase(&add.lab_passphrase_file)?)?;
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
        ReaderCommand::Rotate(r) => {
            let pass = read_passphrase(&r.passphrase_file)?;
            store.unlock_lab(&read_passphrase(&r.lab_passphrase_file)?)?;
            let info = store
                .rotate_reader_key(&actor(r.actor.as_deref()), &r.id, &pass, now_utc())
                .with_context(|| format!("cannot rotate the key of {}", r.id))?;
            let fp = parse_public_key(&info.public_key_hex)
                .map(|k| key_fingerprint(&k))
                .unwrap_or_default();
            println!("rotated the key of {}: new key fingerprint {fp}", info.id);
        }
        ReaderCommand::Revoke(r) => {
            store.unlock_lab(&read_passphrase(&r.lab_passphrase_file)?)?;
            let rev = store
                .revoke_reader(&actor(r.actor.as_deref()), &r.id, &r.reason, now_utc())
                .with_context(|| format!("cannot revoke the key of {}", r.id))?;
            println!(
                "revoked the key of {} from {} ({})",
                rev.reader_id, rev.revoked_at_utc, rev.reason
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
