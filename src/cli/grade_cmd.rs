//! `echolab grade INPUT.json [--guideline ID|FILE.toml] [--protocol ID] [--rules PATH] [--json]`.
//!
//! Reads a [`GradeInput`] JSON file, grades it and prints the [`GradeReport`] as JSON (`--json`)
//! or as a readable table. `--guideline` takes a built-in id or a rule-set TOML file; `--rules`
//! loads extra guideline/protocol TOML files (a file or a directory) first.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::calc::display_2dp;
use crate::grading::{GradeInput, GradeReport, Rules, Status};

/// Arguments of `echolab grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// The input JSON: {"values": {id: {"value", "unit"}}, "findings": {id: choice|bool}}.
    pub input: PathBuf,
    /// Guideline rule set: ase2017 (default), acc_aha_2020, acc_aha_2014, esc_2021, esc_2025,
    /// or a path to a rule-set TOML file.
    #[arg(long, default_value = "ase2017")]
    pub guideline: String,
    /// Trial protocol to evaluate eligibility for (ptma, cs_annuloplasty_rct).
    #[arg(long)]
    pub protocol: Option<String>,
    /// Extra guideline/protocol TOML file or directory to load.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Borrow the ESC secondary-MR lower thresholds (elliptical orifice: EROA >= 0.30 cm2; low
    /// flow: RVol >= 45 mL) into a rule set that offers them as an option (ASE 2017); off by
    /// default. ESC 2021/2025 apply them as their own criteria whenever the finding is recorded.
    #[arg(long)]
    pub secondary_mr: bool,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `echolab grade`.
pub fn run(a: &GradeArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.input)
        .with_context(|| format!("cannot read {}", a.input.display()))?;
    let mut input: GradeInput = crate::json::from_str(&text)
        .with_context(|| format!("{}: not a valid grading input", a.input.display()))?;
    if a.secondary_mr {
        input.options.insert("secondary_mr".to_owned(), true);
    }
    let mut rules = Rules::try_builtin().context("built-in rule sets")?;
    if let Some(path) = &a.rules {
        rules
            .load_path(path)
            .with_context(|| format!("cannot load rules from {}", path.display()))?;
    }
    let guideline_id = if a.guideline.ends_with(".toml") || Path::new(&a.guideline).is_file() {
        let path = Path::new(&a.guideline);
        let ids = rules
            .load_path(path)
            .with_context(|| format!("cannot load guideline {}", path.display()))?;
        match ids.as_slice() {
            [id] if rules.guideline(id).is_some() => id.clone(),
            _ => anyhow::bail!("{} is not a single guideline rule set", path.display()),
        }
    } else {
        a.guideline.clone()
    };
    let report = rules
        .grade(&input, &guideline_id, a.protocol.as_deref())
        .with_context(|| format!("{}", a.input.display()))?;
    if a.json {
        super::print_json(&report)?;
    } else {
        print!("{}", table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::NotAvailable => "n/a",
    }
}

/// The report as a readable text table.
pub fn table(r: &GradeReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "MR grade: {}{}",
        r.grade_label,
        if r.discordant { "  [DISCORDANT]" } else { "" }
    );
    let _ = writeln!(s, "  {}", r.reason);
    let _ = writeln!(
        s,
        "Rule set: {} ({})  {}",
        r.guideline.id, r.guideline.version, r.guideline.title
    );
    for (name, on) in &r.options {
        let _ = writeln!(s, "Option {name}: {}", if *on { "on" } else { "off" });
    }
    if let Some(stage) = &r.acc_aha_stage {
        let _ = writeln!(s, "ACC/AHA stage hint: {stage}");
    }
    if let Some(sev) = r.esc_severe {
        let _ = writeln!(s, "ESC severe MR: {}", if sev { "yes" } else { "no" });
    }
    let _ = writeln!(s, "\nParameters");
    for p in &r.parameters {
        let _ = writeln!(
            s,
            "  {:<24} {:>10} {:<5} {:<20} {}",
            p.label,
            p.rounded.as_deref().unwrap_or("—"),
            p.unit.display_symbol(),
            p.category.map_or("not available", |c| c.as_str()),
            p.method.as_deref().unwrap_or("")
        );
        if let Some(note) = &p.threshold_note {
            let _ = writeln!(s, "    threshold used: {note}");
        }
    }
    let _ = writeln!(s, "\nCriteria");
    for c in &r.criteria {
        let _ = writeln!(
            s,
            "  {:<8} {:<34} {:>10}  {:<28} → {}",
            status_text(c.status),
            c.id,
            c.rounded.as_deref().unwrap_or(""),
            c.threshold.chars().take(28).collect::<String>(),
            c.supports.as_str()
        );
    }
    let _ = writeln!(s, "\nDerived values");
    for (id, d) in &r.derived {
        let _ = writeln!(
            s,
            "  {:<24} {:>10} {:<5} {}",
            id,
            display_2dp(d.value),
            d.unit.display_symbol(),
            d.substituted
        );
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings");
        for w in &r.warnings {
            let _ = writeln!(s, "  [{}] {}", w.code, w.message);
        }
    }
    if let Some(e) = &r.eligibility {
        let _ = writeln!(
            s,
            "\nEligibility ({} {}): {:?}",
            e.protocol, e.version, e.status
        );
        if !e.missing.is_empty() {
            let _ = writeln!(s, "  missing: {}", e.missing.join(", "));
        }
        for c in &e.criteria {
            let values: Vec<String> = c
                .terms
                .iter()
                .map(|t| {
                    format!(
                        "{}={}",
                        t.id,
                        t.rounded
                            .clone()
                            .or_else(|| t.answer.clone())
                            .unwrap_or_else(|| "—".to_owned())
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "  {:<8} {:?} {:<36} {}",
                status_text(c.status),
                c.role,
                c.id,
                values.join(", ")
            );
        }
    }
    s
}
