//! `echolab pacs echo|find|retrieve|send|list|add`: studies from the lab's PACS over DICOMweb or
//! DIMSE.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use super::print_json;
use crate::dicom::dimse::DimsePeer;
use crate::pacs::dicomweb::DicomWeb;
use crate::pacs::endpoints::PASSWORD_ENV;
use crate::pacs::retrieve::{Progress, RetrieveOptions};
use crate::pacs::{Pacs, PacsEndpoint, PacsList, StudyQuery};

/// Arguments of `echolab pacs`.
#[derive(Debug, Args)]
pub struct PacsArgs {
    #[command(subcommand)]
    pub command: PacsCommand,
}

/// Which PACS, and how to log in.
#[derive(Debug, Args)]
pub struct Connection {
    /// DICOMweb base URL (e.g. http://127.0.0.1:8042/dicom-web).
    #[arg(long, conflicts_with_all = ["pacs", "aet"])]
    pub url: Option<String>,
    /// DIMSE: the PACS's AE title (with --host and --port).
    #[arg(long, requires_all = ["host", "port"], conflicts_with = "pacs")]
    pub aet: Option<String>,
    /// DIMSE: host name or address of the PACS.
    #[arg(long, requires = "aet")]
    pub host: Option<String>,
    /// DIMSE: port of the PACS.
    #[arg(long, requires = "aet")]
    pub port: Option<u16>,
    /// DIMSE: Echolab's AE title (default ECHOLAB, or the saved PACS's).
    #[arg(long)]
    pub calling_aet: Option<String>,
    /// A PACS of the saved list (`echolab pacs add`).
    #[arg(long, value_name = "NAME")]
    pub pacs: Option<String>,
    /// User (HTTP Basic authentication).
    #[arg(long)]
    pub user: Option<String>,
    /// File holding the password (else $ECHOLAB_PACS_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Seconds to wait for a connection or for each answer.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

/// `pacs` subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum PacsCommand {
    /// Check that the PACS answers (DIMSE C-ECHO, or a DICOMweb search for nothing).
    Echo {
        #[command(flatten)]
        conn: Connection,
    },
    /// Search studies (QIDO-RS or C-FIND).
    Find {
        #[command(flatten)]
        conn: Connection,
        /// Patient ID (wildcards * and ? allowed).
        #[arg(long)]
        patient: Option<String>,
        /// Study date or range: YYYYMMDD, YYYYMMDD-, -YYYYMMDD, YYYYMMDD-YYYYMMDD.
        #[arg(long, value_name = "RANGE")]
        study_date: Option<String>,
        /// Modality in the study (e.g. US).
        #[arg(long)]
        modality: Option<String>,
        /// Accession number.
        #[arg(long)]
        accession: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Retrieve a study into the image cache (WADO-RS in parallel, or C-GET; checked,
    /// resumable) and optionally register it in the reading database as `db import` does.
    Retrieve {
        #[command(flatten)]
        conn: Connection,
        /// Study Instance UID.
        study_uid: String,
        /// Image cache folder (default: `pacs-cache` in the user's data directory).
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Parallel downloads.
        #[arg(long, default_value_t = 4)]
        threads: usize,
        /// Register the complete study in this reading database.
        #[arg(long, value_name = "DB")]
        into: Option<PathBuf>,
        #[command(flatten)]
        import: super::report_cmds::ImportArgs,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send signed reads to the PACS as Comprehensive SR (STOW-RS): the objects
    /// `export --format sr` writes.
    Send {
        #[command(flatten)]
        conn: Connection,
        /// Signed report files.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// The lab's public key file: only reports of signers the lab certified are sent.
        #[arg(long, value_name = "FILE")]
        lab_key: PathBuf,
        /// Folders to look for the measured DICOM files in (besides each report's folder).
        #[arg(long = "images")]
        images: Vec<PathBuf>,
    },
    /// Show the saved PACS list of this workstation.
    List,
    /// Add (or replace) a PACS in the saved list.
    Add {
        /// Name.
        name: String,
        /// DICOMweb base URL.
        #[arg(long)]
        url: Option<String>,
        /// User for DICOMweb.
        #[arg(long)]
        user: Option<String>,
        /// DIMSE: the PACS's AE title.
        #[arg(long)]
        aet: Option<String>,
        /// DIMSE: host.
        #[arg(long)]
        host: Option<String>,
        /// DIMSE: port.
        #[arg(long)]
        port: Option<u16>,
        /// DIMSE: Echolab's AE title.
        #[arg(long)]
        calling_aet: Option<String>,
    },
}

fn list_path() -> anyhow::Result<PathBuf> {
    PacsList::default_path().context("no configuration folder for the PACS list")
}

fn password(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    if let Some(f) = file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        return Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()));
    }
    Ok(std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()))
}

/// The PACS of `--url`, `--aet/--host/--port` or `--pacs NAME` (a saved PACS with a DICOMweb
/// URL is used over DICOMweb, else over DIMSE).
fn connect(c: &Connection) -> anyhow::Result<Pacs> {
    let timeout = Duration::from_secs(c.timeout.max(1));
    let dimse = |aet: &str, host: &str, port: u16, calling: Option<&str>| {
        let mut peer = DimsePeer::new(aet, host, port, calling.unwrap_or("ECHOLAB"));
        peer.timeout = timeout;
        Pacs::Dimse(peer)
    };
    if let (Some(aet), Some(host), Some(port)) = (&c.aet, &c.host, c.port) {
        return Ok(dimse(aet, host, port, c.calling_aet.as_deref()));
    }
    if c.url.is_none()
        && let Some(name) = &c.pacs
    {
        let list = PacsList::load(&list_path()?)?;
        let e = list
            .get(name)
            .with_context(|| format!("no PACS called {name:?} in the saved list"))?;
        if e.dicomweb_url.is_none() {
            let (Some(aet), Some(host), Some(port)) = (&e.aet, &e.host, e.port) else {
                bail!("PACS {name:?} has neither a DICOMweb URL nor AE title, host and port");
            };
            let calling = c.calling_aet.as_deref().or(e.calling_aet.as_deref());
            return Ok(dimse(aet, host, port, calling));
        }
    }
    Ok(Pacs::Web(dicomweb(c)?))
}

/// The DICOMweb client of `--url` or `--pacs NAME`.
fn dicomweb(c: &Connection) -> anyhow::Result<DicomWeb> {
    let (url, saved_user) = match (&c.url, &c.pacs) {
        (Some(u), _) => (u.clone(), None),
        (None, Some(name)) => {
            let list = PacsList::load(&list_path()?)?;
            let e = list
                .get(name)
                .with_context(|| format!("no PACS called {name:?} in the saved list"))?;
            let url = e
                .dicomweb_url
                .clone()
                .with_context(|| format!("PACS {name:?} has no DICOMweb URL"))?;
            (url, e.user.clone())
        }
        (None, None) if c.aet.is_some() => {
            bail!("this needs DICOMweb (STOW-RS): give --url URL")
        }
        (None, None) => bail!("give --url URL, --aet AET --host H --port P, or --pacs NAME"),
    };
    let user = c.user.clone().or(saved_user);
    let password = password(c.password_file.as_deref())?;
    Ok(DicomWeb::new(
        &url,
        user.as_deref(),
        password.as_deref(),
        Duration::from_secs(c.timeout.max(1)),
    )?)
}

fn default_cache() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("org", "echolab", "echolab")
        .map(|d| d.data_dir().join("pacs-cache"))
        .context("no data folder for the image cache: give --cache DIR")
}

/// A one-line progress bar on a terminal; a line per tenth otherwise.
fn progress_printer() -> impl Fn(&Progress) + Sync {
    let tty = std::io::stderr().is_terminal();
    let last_tenth = std::sync::atomic::AtomicUsize::new(usize::MAX);
    move |p: &Progress| {
        let total = p.total.max(1);
        let mb = p.bytes as f64 / 1e6;
        if tty {
            let filled = p.done * 30 / total;
            eprint!(
                "\r[{}{}] {}/{} instances, {mb:.1} MB",
                "#".repeat(filled),
                " ".repeat(30 - filled),
                p.done,
                p.total
            );
            if p.done == p.total {
                eprintln!();
            }
        } else {
            let tenth = p.done * 10 / total;
            if last_tenth.swap(tenth, std::sync::atomic::Ordering::Relaxed) != tenth {
                eprintln!("{}/{} instances, {mb:.1} MB", p.done, p.total);
            }
        }
    }
}

/// Runs `echolab pacs`.
pub fn pacs(a: &PacsArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        PacsCommand::Echo { conn } => {
            let pacs = connect(conn)?;
            match &pacs {
                Pacs::Dimse(p) => crate::dicom::dimse::echo(p)?,
                Pacs::Web(w) => {
                    w.find_studies(&StudyQuery {
                        study_uid: Some("1.2.3.4.5.6.7.8.9".to_owned()),
                        ..StudyQuery::default()
                    })?;
                }
            }
            println!("{} answers", pacs.label());
        }
        PacsCommand::Find {
            conn,
            patient,
            study_date,
            modality,
            accession,
            json,
        } => {
            let pacs = connect(conn)?;
            let q = StudyQuery {
                patient_id: patient.clone(),
                study_date: study_date.clone(),
                modality: modality.clone(),
                accession: accession.clone(),
                study_uid: None,
            };
            let studies = pacs.find_studies(&q)?;
            if *json {
                print_json(&studies)?;
            } else {
                for s in &studies {
                    println!(
                        "{}  patient {}  date {}  {}  {} instance(s)  {}",
                        s.study_uid,
                        s.patient_id.as_deref().unwrap_or("-"),
                        s.study_date.as_deref().unwrap_or("-"),
                        s.modalities.join("/"),
                        s.instances.map_or("?".to_owned(), |n| n.to_string()),
                        s.description.as_deref().unwrap_or("")
                    );
                }
                match studies.len() {
                    1 => println!("1 study"),
                    n => println!("{n} studies"),
                }
            }
        }
        PacsCommand::Retrieve {
            conn,
            study_uid,
            cache,
            threads,
            into,
            import,
            json,
        } => {
            let pacs = connect(conn)?;
            let cache = match cache {
                Some(c) => c.clone(),
                None => default_cache()?,
            };
            let options = RetrieveOptions {
                cache_dir: cache,
                threads: *threads,
                cancel: None,
            };
            let got = pacs.retrieve(study_uid, &options, &progress_printer())?;
            if *json {
                print_json(&got)?;
            } else {
                println!(
                    "study {} complete in {}: {} instance(s), {} downloaded ({:.1} MB), {} from an earlier run",
                    got.study_uid,
                    got.folder.display(),
                    got.instances,
                    got.downloaded,
                    got.bytes as f64 / 1e6,
                    got.reused
                );
            }
            if let Some(db) = into {
                let mut store = super::report_cmds::open_store(Some(db))?;
                super::report_cmds::import(&mut store, &got.folder, import)?;
            }
        }
        PacsCommand::Send {
            conn,
            reports,
            lab_key,
            images,
        } => send(conn, reports, lab_key, images)?,
        PacsCommand::List => {
            let path = list_path()?;
            let list = PacsList::load(&path)?;
            if list.pacs.is_empty() {
                println!("no PACS saved in {}", path.display());
            }
            for p in &list.pacs {
                println!(
                    "{}: DICOMweb {}  DIMSE {}@{}:{}",
                    p.name,
                    p.dicomweb_url.as_deref().unwrap_or("-"),
                    p.aet.as_deref().unwrap_or("-"),
                    p.host.as_deref().unwrap_or("-"),
                    p.port.map_or("-".to_owned(), |x| x.to_string())
                );
            }
        }
        PacsCommand::Add {
            name,
            url,
            user,
            aet,
            host,
            port,
            calling_aet,
        } => {
            if url.is_none() && aet.is_none() {
                bail!("give --url (DICOMweb) or --aet --host --port (DIMSE)");
            }
            let path = list_path()?;
            let mut list = PacsList::load(&path)?;
            list.upsert(PacsEndpoint {
                name: name.clone(),
                dicomweb_url: url.clone(),
                user: user.clone(),
                aet: aet.clone(),
                host: host.clone(),
                port: *port,
                calling_aet: calling_aet.clone(),
            });
            list.save(&path)?;
            println!("saved PACS {name:?} in {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends the SR of each signed report (see [`crate::export::pacs_send`]).
fn send(
    conn: &Connection,
    reports: &[PathBuf],
    lab_key: &Path,
    images: &[PathBuf],
) -> anyhow::Result<()> {
    use crate::export::{ExportOptions, load_signed};
    let web = dicomweb(conn)?;
    let inputs = reports
        .iter()
        .map(|p| load_signed(p))
        .collect::<Result<Vec<_>, _>>()?;
    let options = ExportOptions {
        image_dirs: images.to_vec(),
        trust: Some(crate::signing::lab::LabTrust::from_file(lab_key)?),
        ..ExportOptions::default()
    };
    let outcome =
        crate::export::pacs_send::send_sr(&web, &inputs, &options).map_err(anyhow::Error::msg)?;
    for n in &outcome.notes {
        println!("note: {n}");
    }
    println!("sent {} SR object(s) to {}", outcome.sent, web.url());
    Ok(())
}
