//! `echolab report draft|sign|verify|amend|show`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{db_path, open_store, read_passphrase};
use crate::grading::GradeInput;
use crate::report::draft::{GradingChoice, draft_from_grade_input};
use crate::report::render::{manifestation_line, render_text};
use crate::report::{
    ReportStatus, SignatureMeaning, Visit, new_id, now_utc, read_report, write_report,
};
use crate::signing::lab::{LabTrust, NOT_CERTIFIED};
use crate::signing::{Verification, amendment_draft, verify_report_bytes};
use crate::store::{Credentials, DB_ENV, KeyCheck, Store};

/// Arguments of `echolab report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Make a draft report from a grading input (runs the grading engine).
    Draft(DraftArgs),
    /// Sign a draft (asks for the reader's passphrase file every time).
    Sign(SignArgs),
    /// Verify a signed report and its signer's lab certificate: exit 0 when intact, 3 when
    /// intact but superseded by a signed amendment, 1 saying what is wrong otherwise.
    Verify(VerifyArgs),
    /// Make an amendment draft of a signed report (new version that supersedes it).
    Amend(AmendArgs),
    /// Print a report in human-readable form with its signature manifestation.
    Show(ShowArgs),
}

/// Arguments of `echolab report draft`.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// Grading input JSON ({"values": {...}, "findings": {...}}).
    #[arg(long, value_name = "GRADE_INPUT.json")]
    pub from: PathBuf,
    /// Where to write the draft.
    #[arg(long, value_name = "DRAFT.json")]
    pub out: PathBuf,
    /// Guideline rule set (ase2017, acc_aha_2020, acc_aha_2014, esc_2021, esc_2025).
    #[arg(long, default_value = crate::grading::DEFAULT_GUIDELINE)]
    pub guideline: String,
    /// Trial protocol for eligibility (e.g. ptma).
    #[arg(long)]
    pub protocol: Option<String>,
    /// Reader id of the author.
    #[arg(long)]
    pub reader: Option<String>,
    /// Study Instance UID (must be imported; its files' UIDs and hashes go into the report).
    #[arg(long)]
    pub study: Option<String>,
    /// Subject id.
    #[arg(long)]
    pub subject: Option<String>,
    /// Visit (baseline, 1, 6, 12, 18, 24 months). Leave empty for blinded reads.
    #[arg(long)]
    pub visit: Option<String>,
    /// Free-text comment.
    #[arg(long, default_value = "")]
    pub comment: String,
}

/// Arguments of `echolab report sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The draft to sign.
    pub draft: PathBuf,
    /// Signer's reader id.
    #[arg(long)]
    pub reader: String,
    /// Meaning of the signature: authorship, review, approval or adjudication.
    #[arg(long, value_parser = ["authorship", "review", "approval", "adjudication"])]
    pub meaning: String,
    /// File holding the signer's passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: PathBuf,
    /// Where to write the signed report.
    #[arg(long, value_name = "SIGNED.json")]
    pub out: PathBuf,
}

/// Arguments of `echolab report verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed report.
    pub file: PathBuf,
    /// The signed version this report claims to supersede: check the link too.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub previous: Option<PathBuf>,
    /// The lab's public key file (`lab-key.json` from `server init`): the signer must hold a
    /// certificate from this lab. Without it the database's pinned lab key is used.
    #[arg(long, value_name = "FILE")]
    pub lab_key: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `echolab report amend`.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The signed report to amend (must verify).
    pub signed: PathBuf,
    /// A draft holding the corrected content (measurements, findings, grade, comment…).
    #[arg(long, value_name = "NEW_DRAFT.json")]
    pub edit_from: Option<PathBuf>,
    /// Where to write the amendment draft (sign it with `report sign`).
    #[arg(long, value_name = "AMENDMENT.json")]
    pub out: PathBuf,
}

/// Arguments of `echolab report show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The report file.
    pub file: PathBuf,
}

/// Runs `echolab report`.
pub fn report(a: &ReportArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        ReportCommand::Draft(d) => draft(d, a.db.as_deref()),
        ReportCommand::Sign(s) => sign(s, a.db.as_deref()),
        ReportCommand::Verify(v) => verify(v, a.db.as_deref()),
        ReportCommand::Amend(m) => amend(m),
        ReportCommand::Show(s) => show(s),
    }
}

fn draft(a: &DraftArgs, db: Option<&Path>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.from)
        .with_context(|| format!("cannot read {}", a.from.display()))?;
    let input: GradeInput = crate::json::from_str(&text)
        .with_context(|| format!("{}: not a valid grading input", a.from.display()))?;
    let choice = GradingChoice {
        guideline_id: a.guideline.clone(),
        protocol_id: a.protocol.clone(),
    };
    let mut report = draft_from_grade_input(&input, &choice, new_id(), now_utc())
        .with_context(|| format!("{}: grading failed", a.from.display()))?;
    report.reader_id = a.reader.clone();
    report.subject_id = a.subject.clone();
    report.comment = a.comment.clone();
    report.visit = a
        .visit
        .as_deref()
        .map(str::parse::<Visit>)
        .transpose()
        .context("--visit")?;
    if let Some(study) = &a.study {
        let store = open_store(db)?;
        report.study = Some(
            store
                .study_reference(study)
                .with_context(|| format!("study {study}"))?,
        );
    }
    write_report(&a.out, &report)?;
    let grade = report
        .grade
        .as_ref()
        .map(|g| format!("{} (rules {})", g.result.grade.as_str(), g.ruleset_label()))
        .unwrap_or_default();
    println!(
        "draft {} version {} written to {}: grade {grade}",
        report.report_id,
        report.version,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn sign(a: &SignArgs, db: Option<&Path>) -> anyhow::Result<ExitCode> {
    let draft = read_report(&a.draft)?;
    let passphrase = read_passphrase(&a.passphrase_file)?;
    let meaning = SignatureMeaning::from_code(&a.meaning).context("unknown meaning")?;
    let mut store = open_store(db)?;
    let credentials = Credentials {
        reader_id: a.reader.clone(),
        passphrase,
    };
    let signed = store
        .sign_report(&credentials, &draft, meaning, now_utc())
        .with_context(|| format!("cannot sign {}", a.draft.display()))?;
    write_report(&a.out, &signed)?;
    if let Some(b) = &signed.signature {
        println!("{}", manifestation_line(b));
    }
    println!(
        "signed report {} version {} written to {}",
        signed.report_id,
        signed.version,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Machine-readable result of `report verify --json`.
#[derive(Debug, Serialize)]
struct VerifyOutput {
    file: String,
    intact: bool,
    problems: Vec<String>,
    notes: Vec<String>,
    report_id: Option<String>,
    version: Option<u32>,
    signer_id: Option<String>,
    printed_name: Option<String>,
    signed_at_utc: Option<String>,
    meaning: Option<SignatureMeaning>,
    key_fingerprint_sha256: Option<String>,
    /// `intact`, `intact_superseded` (exit 3) or `not_intact` (exit 1).
    status: &'static str,
    key_check: KeyCheck,
    lab_key_fingerprint_sha256: Option<String>,
    database_status: Option<ReportStatus>,
    content_sha256: Option<String>,
    record_sha256: Option<String>,
}

/// Opens the database for a trust check: an explicit `--db` or `$ECHOLAB_DB` must exist; the
/// default location is used only if a database is already there.
fn registry(db: Option<&Path>) -> Result<Option<Store>, String> {
    let explicit = db.is_some() || std::env::var_os(DB_ENV).is_some_and(|v| !v.is_empty());
    let path = match db_path(db) {
        Ok(p) => p,
        Err(_) => return Ok(None),
    };
    if !explicit && !path.is_file() {
        return Ok(None);
    }
    Store::open_existing(&path)
        .map(Some)
        .map_err(|e| format!("cannot open the reading database {}: {e}", path.display()))
}

fn verify(a: &VerifyArgs, db: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut notes = Vec::new();
    let mut v = match std::fs::read(&a.file) {
        Ok(bytes) => verify_report_bytes(&bytes),
        Err(e) => Verification {
            signature: None,
            report: None,
            content_sha256: None,
            record_sha256: None,
            problems: vec![format!("cannot read the file: {e}")],
        },
    };
    let mut key_check = KeyCheck::EmbeddedOnly;
    let mut database_status = None;
    let mut lab_fingerprint = None;
    let lab_file = match a.lab_key.as_deref().map(LabTrust::from_file).transpose() {
        Ok(t) => t,
        Err(e) => {
            v.problems.push(format!("{NOT_CERTIFIED}: {e}"));
            None
        }
    };
    match registry(db) {
        Err(e) => v.problems.push(e),
        Ok(None) => {
            match (&lab_file, &v.signature) {
                (Some(trust), Some(block)) => {
                    lab_fingerprint = Some(trust.lab.fingerprint_sha256.clone());
                    if let Err(e) = trust.check(block) {
                        v.problems.push(e);
                    }
                }
                (None, Some(_)) if a.lab_key.is_none() => v.problems.push(format!(
                    "{NOT_CERTIFIED}: no lab key to check the signer against (give --lab-key \
                     FILE or --db PATH)"
                )),
                _ => {}
            }
            notes.push(
                "no reading database: key revocations and the audit trail were not checked".into(),
            );
        }
        Ok(Some(store)) => {
            if let Some(block) = &v.signature {
                let mut certified = false;
                match store.lab_trust(lab_file.as_ref()) {
                    Ok(trust) => {
                        lab_fingerprint = Some(trust.lab.fingerprint_sha256.clone());
                        let problems = store.check_signer_trust(block, &trust)?;
                        certified = problems.is_empty();
                        v.problems.extend(problems);
                    }
                    Err(e) => v.problems.push(format!("{NOT_CERTIFIED}: {e}")),
                }
                key_check = store.check_signer_key(block)?;
                match &key_check {
                    // A certified, audited key that is no longer the current one was rotated
                    // after this signature (a later use would have failed the revocation check).
                    KeyCheck::KeyMismatch { reader_id } if certified => notes.push(format!(
                        "signed with an earlier key of {reader_id}, replaced since"
                    )),
                    KeyCheck::KeyMismatch { reader_id } => v.problems.push(format!(
                        "the embedded public key is not the key registered for {reader_id}"
                    )),
                    KeyCheck::UnknownReader { reader_id } => v.problems.push(format!(
                        "signer {reader_id} is not registered in the reading database"
                    )),
                    _ => {}
                }
            }
            if let Some(r) = &v.report
                && let Some(info) = store.version_info(&r.report_id, r.version)?
            {
                database_status = Some(info.status);
                if info.record_sha256.is_some() && info.record_sha256 != v.record_sha256 {
                    v.problems.push(format!(
                        "differs from version {} stored in the reading database",
                        r.version
                    ));
                }
                if info.status == ReportStatus::Superseded {
                    notes.push(format!(
                        "version {} has been SUPERSEDED by a signed amendment (it stays valid \
                         as a record of what was signed, but is not the current read)",
                        r.version
                    ));
                }
            }
        }
    }
    if let Some(prev_path) = &a.previous {
        let extra = check_previous(&v, prev_path);
        v.problems.extend(extra);
    }
    let block = v.signature.clone();
    let status = match (v.is_intact(), database_status) {
        (false, _) => "not_intact",
        (true, Some(ReportStatus::Superseded)) => "intact_superseded",
        (true, _) => "intact",
    };
    let out = VerifyOutput {
        file: a.file.display().to_string(),
        status,
        lab_key_fingerprint_sha256: lab_fingerprint,
        intact: v.is_intact(),
        problems: v.problems.clone(),
        notes,
        report_id: v.report.as_ref().map(|r| r.report_id.clone()),
        version: v.report.as_ref().map(|r| r.version),
        signer_id: block.as_ref().map(|b| b.signer_id.clone()),
        printed_name: block.as_ref().map(|b| b.printed_name.clone()),
        signed_at_utc: block.as_ref().map(|b| b.signed_at_utc.clone()),
        meaning: block.as_ref().map(|b| b.meaning),
        key_fingerprint_sha256: block.as_ref().map(|b| b.key_fingerprint_sha256.clone()),
        key_check,
        database_status,
        content_sha256: v.content_sha256.clone(),
        record_sha256: v.record_sha256.clone(),
    };
    if a.json {
        crate::cli::print_json(&out)?;
    } else {
        print_verification(&out);
    }
    Ok(match out.status {
        "intact" => ExitCode::SUCCESS,
        "intact_superseded" => ExitCode::from(EXIT_SUPERSEDED),
        _ => ExitCode::from(1),
    })
}

/// Exit status of `report verify` for an intact version that a signed amendment superseded.
pub const EXIT_SUPERSEDED: u8 = 3;

/// Checks the `supersedes` link against the previous signed file.
fn check_previous(v: &Verification, prev_path: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let prev = match std::fs::read(prev_path) {
        Ok(b) => verify_report_bytes(&b),
        Err(e) => return vec![format!("cannot read {}: {e}", prev_path.display())],
    };
    if !prev.is_intact() {
        problems.push(format!(
            "the previous version {} does not verify: {}",
            prev_path.display(),
            prev.problems.join("; ")
        ));
    }
    match (v.report.as_ref(), prev.report.as_ref()) {
        (Some(r), Some(p)) => match &r.supersedes {
            None => problems.push("the report does not supersede any version".into()),
            Some(s) => {
                if r.report_id != p.report_id {
                    problems.push("the previous file is a different report".into());
                }
                if s.version != p.version || Some(&s.record_sha256) != prev.record_sha256.as_ref() {
                    problems.push(format!(
                        "supersedes version {} with hash {}, but {} is version {} with hash {}",
                        s.version,
                        s.record_sha256,
                        prev_path.display(),
                        p.version,
                        prev.record_sha256.as_deref().unwrap_or("?")
                    ));
                }
            }
        },
        _ => problems.push("cannot compare with the previous version".into()),
    }
    problems
}

fn print_verification(o: &VerifyOutput) {
    if o.status == "intact_superseded" {
        println!("INTACT but SUPERSEDED: {}", o.file);
    } else if o.intact {
        println!("INTACT: {}", o.file);
    } else {
        println!("NOT INTACT: {}", o.file);
        for p in &o.problems {
            println!("  problem: {p}");
        }
    }
    if let (Some(id), Some(ver)) = (&o.report_id, o.version) {
        println!("  report:   {id} version {ver}");
    }
    if let (Some(name), Some(id)) = (&o.printed_name, &o.signer_id) {
        println!("  signed by: {name} ({id})");
    }
    if let Some(t) = &o.signed_at_utc {
        println!("  signed at: {t} (UTC)");
    }
    if let Some(m) = o.meaning {
        println!("  meaning:  {} ({})", m.code(), m.statement());
    }
    if let Some(fp) = &o.key_fingerprint_sha256 {
        println!("  key:      SHA-256 fingerprint {fp}");
    }
    let check = match &o.key_check {
        KeyCheck::EmbeddedOnly => "embedded public key only".to_owned(),
        KeyCheck::MatchesRegistry {
            reader_id,
            registered_name,
        } => format!(
            "embedded key matches the key registered for {reader_id} ({registered_name}) in the reading database"
        ),
        KeyCheck::KeyMismatch { reader_id } => {
            format!("embedded key DIFFERS from the key registered for {reader_id}")
        }
        KeyCheck::UnknownReader { reader_id } => {
            format!("signer {reader_id} is not registered in the reading database")
        }
    };
    println!("  key check: {check}");
    if let Some(fp) = &o.lab_key_fingerprint_sha256 {
        println!("  lab key:  SHA-256 fingerprint {fp}");
    }
    if let Some(s) = o.database_status {
        println!("  database status: {}", s.code());
    }
    if let Some(h) = &o.content_sha256 {
        println!("  content sha256: {h}");
    }
    if let Some(h) = &o.record_sha256 {
        println!("  record sha256:  {h}");
    }
    for n in &o.notes {
        println!("  note: {n}");
    }
}

fn amend(a: &AmendArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&a.signed).with_context(|| format!("cannot read {}", a.signed.display()))?;
    let v = verify_report_bytes(&bytes);
    let signed = match (v.is_intact(), v.report) {
        (true, Some(r)) => r,
        _ => anyhow::bail!(
            "cannot amend {}: it does not verify ({})",
            a.signed.display(),
            v.problems.join("; ")
        ),
    };
    let edits = a.edit_from.as_deref().map(read_report).transpose()?;
    let draft = amendment_draft(&signed, edits.as_ref(), now_utc())?;
    write_report(&a.out, &draft)?;
    println!(
        "amendment draft of {} version {} written to {} (supersedes version {})",
        draft.report_id,
        draft.version,
        a.out.display(),
        signed.version
    );
    Ok(ExitCode::SUCCESS)
}

fn show(a: &ShowArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let report = read_report(&a.file)?;
    print!("{}", render_text(&report));
    if report.signature.is_some() {
        let v = verify_report_bytes(&bytes);
        if v.is_intact() {
            println!(
                "Signature: intact (embedded key; `report verify` also checks the signer's lab \
                 certificate)"
            );
        } else {
            println!("Signature: NOT INTACT: {}", v.problems.join("; "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
