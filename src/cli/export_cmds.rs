//! `echolab compare`, `echolab export` and `echolab adjudicate`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::adjudication::{
    AdjudicatedGrade, AdjudicatedValue, AdjudicationRecord, DiscordanceRules, Side, discordance,
    sign_adjudication, verify_adjudication,
};
use crate::compare::{DeltaTable, compare};
use crate::export::{ExportFormat, ExportOptions, MaskBook, load_signed};
use crate::report::{ReadingReport, format_utc, now_utc, read_report};
use crate::signing::lab::LabTrust;
use crate::signing::verify_report_bytes;

use super::print_json;

/// Arguments of `echolab compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The baseline (earlier) report.
    pub baseline: PathBuf,
    /// The follow-up (later) report.
    pub followup: PathBuf,
    /// Print the delta table as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `echolab export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Signed report files (or use --db with --subject, --visit or --trial); with
    /// `--format dicom`, the DICOM files to de-identify (or --db with --study).
    #[arg(required_unless_present = "db")]
    pub reports: Vec<PathBuf>,
    /// Export signed reads from the reading database instead of files.
    #[arg(long, requires = "reader", conflicts_with = "reports")]
    pub db: Option<PathBuf>,
    /// With --db: the signed-in user (an admin sees visits; blinded roles do not).
    #[arg(long, requires = "passphrase_file")]
    pub reader: Option<String>,
    /// With --db: file holding the user's passphrase.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    /// With --db: every signed read of this subject.
    #[arg(long, requires = "db", conflicts_with_all = ["visit", "trial"])]
    pub subject: Option<String>,
    /// With --db: every signed read of this visit (baseline, 1, 6, 12, 18, 24 months).
    #[arg(long, requires = "db", conflicts_with = "trial")]
    pub visit: Option<String>,
    /// With --db: every signed read of the trial.
    #[arg(long, requires = "db")]
    pub trial: bool,
    /// The lab's public key file (`lab-key.json`): every report's signer must hold a
    /// certificate from this lab (with --db the database's pinned lab key is used;
    /// not needed for `--format dicom`, which exports images, not reports).
    #[arg(long, value_name = "FILE")]
    pub lab_key: Option<PathBuf>,
    /// Also export versions superseded by a signed amendment given in the same batch (CSV
    /// gets a `version_status` column); without it such a batch is refused.
    #[arg(long)]
    pub include_superseded: bool,
    /// With --db and --format dicom: the files of this study (Study Instance UID).
    #[arg(long, requires = "db", conflicts_with_all = ["subject", "visit", "trial"])]
    pub study: Option<String>,
    /// Explicit masks per device model (TOML: [[device]] manufacturer, model, keep =
    /// [[x0, y0, x1, y1], …]) for de-identified images; remembered in the user's config folder.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Output file (for PDF/SR batches: a folder, one file per report).
    #[arg(long)]
    pub out: PathBuf,
    /// CSV: one row per value instead of one row per read.
    #[arg(long)]
    pub long: bool,
    /// De-identify (PS3.15 basic profile); needs --trial-id.
    #[arg(long, requires = "trial_id")]
    pub deidentify: bool,
    /// Trial id replacing the subject id when de-identifying.
    #[arg(long)]
    pub trial_id: Option<String>,
    /// Folders to look for the measured DICOM files in (besides each report's folder).
    #[arg(long = "images")]
    pub images: Vec<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Export formats on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// CSV for the trial database.
    Csv,
    /// PDF read sheet.
    Pdf,
    /// DICOM Comprehensive SR (TID 5200).
    Sr,
    /// JSON (as-is or bundle).
    Json,
    /// De-identified DICOM images (needs --deidentify --trial-id; inputs are DICOM files).
    Dicom,
}

/// Arguments of `echolab adjudicate`.
#[derive(Debug, clap::Args)]
pub struct AdjudicateArgs {
    #[command(subcommand)]
    pub command: AdjudicateCommand,
}

/// `adjudicate` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdjudicateCommand {
    /// Check two reads of one study for discordance (exit 0 concordant, 1 discordant).
    Check(CheckArgs),
    /// Record an adjudication decision (a draft to sign).
    Decide(DecideArgs),
    /// Sign an adjudication with meaning "adjudication".
    Sign(SignArgs),
    /// Verify a signed adjudication (exit 0 only when intact).
    Verify(VerifyArgs),
    /// The adjudicator's worklist: discordant pairs of signed reads in the reading database.
    Worklist(super::worklist_cmd::WorklistArgs),
}

/// Rule selection shared by `check` and `decide`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Protocol id (built-in) or protocol TOML file whose [discordance] table holds the rules
    /// (the default rules when it has none).
    #[arg(long, conflicts_with = "rules")]
    pub protocol: Option<String>,
    /// A TOML file with a [discordance] table.
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

/// Arguments of `adjudicate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Read A.
    pub read_a: PathBuf,
    /// Read B.
    pub read_b: PathBuf,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `adjudicate decide`.
#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// Read A.
    pub read_a: PathBuf,
    /// Read B.
    pub read_b: PathBuf,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Adopt read `a` or `b` as the final read.
    #[arg(long, value_parser = ["a", "b"], conflicts_with = "values")]
    pub choose: Option<String>,
    /// JSON file: {"values": {"mr_eroa": {"value":…, "unit":…, "origin":"read_a|read_b|adjudicator",
    /// "reason":…}}, "grade": {"grade": "severe", "reason": …}}.
    #[arg(long)]
    pub values: Option<PathBuf>,
    /// Overall reason.
    #[arg(long)]
    pub reason: String,
    /// Adjudicator reader id.
    #[arg(long)]
    pub adjudicator: String,
    /// Output draft file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `adjudicate sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Draft adjudication file.
    pub draft: PathBuf,
    /// Adjudicator reader id (typed again, §11.200).
    #[arg(long)]
    pub reader: String,
    /// File holding the passphrase.
    #[arg(long)]
    pub passphrase_file: PathBuf,
    /// Reading database (default: $ECHOLAB_DB, else the user's data directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Output signed file.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the adjudicated result as a reading report signed with meaning
    /// "adjudication" (needs --read-a and --read-b, the two reads the record names).
    #[arg(long, requires_all = ["read_a", "read_b"])]
    pub report_out: Option<PathBuf>,
    /// Read A (with --report-out).
    #[arg(long, requires = "report_out")]
    pub read_a: Option<PathBuf>,
    /// Read B (with --report-out).
    #[arg(long, requires = "report_out")]
    pub read_b: Option<PathBuf>,
}

/// Arguments of `adjudicate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Signed adjudication file.
    pub file: PathBuf,
}

fn load_report(path: &Path, warnings: &mut Vec<String>) -> anyhow::Result<ReadingReport> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v = verify_report_bytes(&bytes);
    if !v.is_intact() {
        warnings.push(format!(
            "{}: signature not intact: {}",
            path.display(),
            v.problems.join("; ")
        ));
    }
    Ok(read_report(path)?)
}

fn print_delta(t: &DeltaTable) {
    println!(
        "Subject {}: {} -> {}",
        t.subject_id.as_deref().unwrap_or("(none)"),
        t.baseline.label,
        t.followup.label
    );
    println!(
        "{:<14} {:>10} {:>10} {:>10} {:>9}  unit",
        "parameter", "baseline", "follow-up", "change", "% change"
    );
    for r in &t.rows {
        println!(
            "{:<14} {:>10} {:>10} {:>10} {:>9}  {}",
            r.short, r.display[0], r.display[1], r.display[2], r.display[3], r.unit
        );
    }
    println!("MR grade: {}", t.grade.text);
    for w in &t.warnings {
        println!("warning: {w}");
    }
}

/// Runs `echolab compare`.
pub fn compare_cmd(a: &CompareArgs) -> anyhow::Result<ExitCode> {
    let mut warnings = Vec::new();
    let b = load_report(&a.baseline, &mut warnings)?;
    let f = load_report(&a.followup, &mut warnings)?;
    let mut table = compare(&b, &f);
    table.warnings.extend(warnings);
    if a.json {
        print_json(&table)?;
    } else {
        print_delta(&table);
    }
    Ok(ExitCode::SUCCESS)
}

/// The explicit masks of this run: the remembered book, plus `--mask FILE` (which is
/// remembered for the next runs).
pub(super) fn masks_for(mask: Option<&Path>) -> anyhow::Result<MaskBook> {
    let mut book = MaskBook::remembered()?;
    if let Some(file) = mask {
        let given = MaskBook::load(file)?;
        let saved = MaskBook::remember(&given)?;
        eprintln!(
            "remembered the mask(s) of {} device model(s) in {}",
            given.devices.len(),
            saved.display()
        );
        book.merge(&given);
    }
    Ok(book)
}

/// `echolab export --format dicom`: de-identified, pixel-cleaned DICOM images.
fn export_dicom(a: &ExportArgs, masks: MaskBook) -> anyhow::Result<ExitCode> {
    let (true, Some(trial)) = (a.deidentify, a.trial_id.as_deref()) else {
        bail!("--format dicom writes de-identified images only: give --deidentify --trial-id ID");
    };
    let files: Vec<PathBuf> = match (&a.study, &a.db) {
        (Some(study), Some(db)) => study_files(a, db, study)?,
        (None, None) => a.reports.clone(),
        _ => bail!("with --format dicom give DICOM files, or --db with --study UID"),
    };
    let options = ExportOptions {
        masks,
        ..ExportOptions::default()
    };
    let total = files.len();
    let mut progress = |p: &crate::export::Progress| {
        if total > 1 && p.done < p.total {
            eprintln!("[{}/{}] {}", p.done + 1, p.total, p.current.display());
        }
    };
    let written = crate::export::deid_image::export_dicom_images(
        &files,
        trial,
        &options.masks,
        &a.out,
        &options,
        &mut progress,
    )?;
    if a.json {
        print_json(&written)?;
    } else {
        for w in &written {
            println!(
                "wrote {}: {} mask, {:.1} % of the pixels masked, {:.2} % cleared{}",
                w.output.display(),
                match w.mask {
                    crate::export::MaskSource::Regions => "region",
                    crate::export::MaskSource::DeviceMask => "device",
                },
                w.stats.masked_percent(),
                w.stats.cleared_percent(),
                if w.pixels_kept {
                    " (no pixel changed: pixel data kept as is)"
                } else {
                    " (RLE Lossless)"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn study_files(a: &ExportArgs, db: &Path, study: &str) -> anyhow::Result<Vec<PathBuf>> {
    let (Some(reader), Some(pass_file)) = (&a.reader, &a.passphrase_file) else {
        bail!("with --db give --reader and --passphrase-file");
    };
    let mut store = crate::store::Store::open_existing(db)
        .with_context(|| format!("cannot open reading database {}", db.display()))?;
    let session = super::report_cmds::sign_in_with_file(&mut store, reader, pass_file)?;
    let files: Vec<PathBuf> = store
        .study_files(&session, study)?
        .into_iter()
        .map(|(_, path)| PathBuf::from(path))
        .collect();
    if files.is_empty() {
        bail!("study {study} has no files in {}", db.display());
    }
    Ok(files)
}

/// Runs `echolab export`.
pub fn export_cmd(a: &ExportArgs) -> anyhow::Result<ExitCode> {
    let masks = if a.deidentify || a.mask.is_some() {
        masks_for(a.mask.as_deref())?
    } else {
        MaskBook::default()
    };
    if matches!(a.format, FormatArg::Dicom) {
        return export_dicom(a, masks);
    }
    let (inputs, trust) = match &a.db {
        None => {
            let inputs = a
                .reports
                .iter()
                .map(|p| load_signed(p))
                .collect::<Result<Vec<_>, _>>()?;
            let Some(lab_key) = &a.lab_key else {
                bail!(
                    "give --lab-key FILE: exports take only reports of signers the lab certified"
                );
            };
            (inputs, Some(LabTrust::from_file(lab_key)?))
        }
        // Checked against the database's lab key, revocations and audit trail.
        Some(db) => (inputs_from_db(a, db)?, None),
    };
    let format = match a.format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Pdf => ExportFormat::Pdf,
        FormatArg::Sr => ExportFormat::Sr,
        FormatArg::Json => ExportFormat::Json,
        FormatArg::Dicom => bail!("--format dicom is handled above"),
    };
    let options = ExportOptions {
        long: a.long,
        deidentify_trial_id: if a.deidentify {
            a.trial_id.clone()
        } else {
            None
        },
        image_dirs: a.images.clone(),
        cancel: None,
        include_superseded: a.include_superseded,
        trust,
        masks,
    };
    let total = inputs.len();
    let mut progress = |p: &crate::export::Progress| {
        if total > 1 {
            eprintln!("[{}/{}] {}", p.done, p.total, p.current.display());
        }
    };
    let summary = crate::export::export(&inputs, format, &options, &a.out, &mut progress)?;
    if a.json {
        print_json(&summary)?;
    } else {
        for f in &summary.files {
            println!("wrote {}", f.display());
        }
        for n in &summary.notes {
            println!("note: {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn inputs_from_db(a: &ExportArgs, db: &Path) -> anyhow::Result<Vec<crate::export::SignedInput>> {
    use crate::export::db::{Selection, signed_reads};
    let selection = match (&a.subject, &a.visit, a.trial) {
        (Some(s), None, false) => Selection::Subject(s.clone()),
        (None, Some(v), false) => Selection::Visit(v.parse()?),
        (None, None, true) => Selection::Trial,
        _ => bail!("with --db give one of --subject, --visit or --trial"),
    };
    let (Some(reader), Some(pass_file)) = (&a.reader, &a.passphrase_file) else {
        bail!("with --db give --reader and --passphrase-file");
    };
    let mut store = crate::store::Store::open_existing(db)
        .with_context(|| format!("cannot open reading database {}", db.display()))?;
    let session = super::report_cmds::sign_in_with_file(&mut store, reader, pass_file)?;
    Ok(signed_reads(&store, &session, &selection, db)?)
}

pub(super) fn load_rules(a: &RulesArgs) -> anyhow::Result<DiscordanceRules> {
    if let Some(path) = &a.rules {
        return DiscordanceRules::from_toml(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            &path.display().to_string(),
        )?
        .with_context(|| format!("{}: no [discordance] table", path.display()));
    }
    match &a.protocol {
        None => Ok(DiscordanceRules::builtin().clone()),
        Some(p) if Path::new(p).is_file() => Ok(DiscordanceRules::load(Path::new(p))?),
        Some(p) => {
            let top_id = |text: &str| {
                toml::from_str::<toml::Table>(text)
                    .ok()
                    .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_owned))
            };
            let Some((name, text)) = crate::protocol::BUILTIN_TOML
                .iter()
                .find(|(_, text)| top_id(text).as_deref() == Some(p.as_str()))
            else {
                bail!("unknown protocol {p:?}: give a built-in protocol id or a TOML file");
            };
            Ok(DiscordanceRules::from_toml(text, name)?
                .unwrap_or_else(|| DiscordanceRules::builtin().clone()))
        }
    }
}

/// Runs `echolab adjudicate`.
pub fn adjudicate_cmd(a: &AdjudicateArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        AdjudicateCommand::Check(c) => check(c),
        AdjudicateCommand::Decide(d) => decide(d),
        AdjudicateCommand::Sign(s) => sign(s),
        AdjudicateCommand::Verify(v) => verify(v),
        AdjudicateCommand::Worklist(w) => super::worklist_cmd::worklist(w),
    }
}

fn check(c: &CheckArgs) -> anyhow::Result<ExitCode> {
    let mut warnings = Vec::new();
    let ra = load_report(&c.read_a, &mut warnings)?;
    let rb = load_report(&c.read_b, &mut warnings)?;
    let rules = load_rules(&c.rules)?;
    let mut d = discordance(&ra, &rb, &rules);
    d.warnings.extend(warnings);
    if c.json {
        print_json(&d)?;
    } else {
        println!(
            "{} under {} {}",
            if d.discordant {
                "DISCORDANT"
            } else {
                "concordant"
            },
            d.rules_id,
            d.rules_version
        );
        for r in &d.results {
            println!(
                "  {:<12} {:<14} A={} B={}{}",
                r.id,
                r.status.code(),
                r.a,
                r.b,
                r.difference
                    .map(|x| format!(" |Δ|={x}"))
                    .unwrap_or_default()
            );
        }
        for w in &d.warnings {
            println!("warning: {w}");
        }
    }
    Ok(if d.discordant {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ValuesFile {
    #[serde(default)]
    values: BTreeMap<String, AdjudicatedValue>,
    #[serde(default)]
    grade: Option<AdjudicatedGrade>,
}

fn decide(d: &DecideArgs) -> anyhow::Result<ExitCode> {
    let mut warnings = Vec::new();
    let ra = load_report(&d.read_a, &mut warnings)?;
    let rb = load_report(&d.read_b, &mut warnings)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let rules = load_rules(&d.rules)?;
    let disc = discordance(&ra, &rb, &rules);
    let now = format_utc(now_utc());
    let record = match (&d.choose, &d.values) {
        (Some(side), None) => {
            let side = if side == "a" { Side::A } else { Side::B };
            AdjudicationRecord::choose_read(&ra, &rb, &disc, side, &d.reason, &d.adjudicator, &now)?
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let v: ValuesFile = crate::json::from_str(&text)
                .with_context(|| format!("{}: not a valid values file", path.display()))?;
            AdjudicationRecord::per_parameter(
                &ra,
                &rb,
                &disc,
                v.values,
                v.grade,
                &d.reason,
                &d.adjudicator,
                &now,
            )?
        }
        _ => bail!("give either --choose a|b or --values FILE"),
    };
    write_json(&d.out, &record)?;
    println!("wrote {}", d.out.display());
    Ok(ExitCode::SUCCESS)
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    crate::report::write_atomic(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn read_record(path: &Path) -> anyhow::Result<AdjudicationRecord> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    crate::adjudication::parse_adjudication(&text)
        .with_context(|| format!("{}: not a valid adjudication record", path.display()))
}

fn sign(s: &SignArgs) -> anyhow::Result<ExitCode> {
    let draft = read_record(&s.draft)?;
    let passphrase = super::report_cmds::read_passphrase(&s.passphrase_file)?;
    let db = match &s.db {
        Some(p) => p.clone(),
        None => crate::store::default_db_path()
            .context("no reading database: give --db or set ECHOLAB_DB")?,
    };
    let mut store = crate::store::Store::open_existing(&db)
        .with_context(|| format!("cannot open reading database {}", db.display()))?;
    let credentials = crate::store::Credentials {
        reader_id: s.reader.clone(),
        passphrase,
    };
    let now = now_utc();
    let (reader, key) = store.unlock_signing_key(&credentials, now)?;
    if reader.role == crate::store::Role::Reader {
        bail!(
            "{} is a reader; only an adjudicator or admin can sign an adjudication",
            reader.id
        );
    }
    let (Some(report_out), Some(path_a), Some(path_b)) = (&s.report_out, &s.read_a, &s.read_b)
    else {
        let signed = sign_adjudication(&draft, &reader.id, &reader.name, &key, now)?;
        store.record_adjudication(&signed, &s.out, None, now, || {
            write_json(&s.out, &signed).map_err(|e| format!("{e:#}"))
        })?;
        println!("wrote {}", s.out.display());
        return Ok(ExitCode::SUCCESS);
    };
    let mut warnings = Vec::new();
    let ra = load_report(path_a, &mut warnings)?;
    let rb = load_report(path_b, &mut warnings)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let (signed, report) = crate::adjudication::sign_adjudication_with_report(
        &draft,
        &ra,
        &rb,
        &reader.id,
        &reader.name,
        &key,
        now,
        store.reader_certificate(&reader.id)?,
    )
    .with_context(|| format!("{}: cannot sign with its reads", s.draft.display()))?;
    store.record_adjudication(&signed, &s.out, Some((&report, report_out)), now, || {
        write_json(&s.out, &signed).map_err(|e| format!("{e:#}"))?;
        crate::report::write_report(report_out, &report)
            .map_err(|e| format!("cannot write {}: {e}", report_out.display()))
    })?;
    println!("wrote {}", s.out.display());
    println!(
        "wrote {} (adjudicated report {}, meaning adjudication)",
        report_out.display(),
        report.report_id
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(v: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let record = read_record(&v.file)?;
    let problems = verify_adjudication(&record);
    if problems.is_empty() {
        if let Some(s) = &record.signature {
            println!(
                "intact: adjudication {} signed by {} ({}) on {} meaning {}",
                record.record_id,
                s.printed_name,
                s.signer_id,
                s.signed_at_utc,
                s.meaning.code()
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("NOT INTACT: {p}");
        }
        Ok(ExitCode::from(1))
    }
}
