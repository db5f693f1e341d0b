//! Clinical-trial protocols as data (`assets/protocols/*.toml`): eligibility rules evaluated on a
//! graded reading, and the visit schedule other modules read.
//!
//! A protocol has inclusion criteria (each a condition with AND/OR groups, see
//! [`crate::grading::ConditionSpec`]), exclusion findings, optionally a visit schedule and a
//! randomization note. [`Protocol::evaluate`] is three-valued:
//!
//! * `not_eligible`: an exclusion is met, or an inclusion is not met, even while other items are
//!   still unknown;
//! * `eligible`: every inclusion is met and every exclusion is known to be absent;
//! * `incomplete`: otherwise; [`Eligibility::missing`] lists exactly the values and answers that
//!   would decide it.
//!
//! Each criterion comes with its status and the values it looked at.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::grading::{Condition, ConditionSpec, Facts, RulesError, Status, Term};

/// The embedded protocol files: (file name, text).
pub const BUILTIN_TOML: &[(&str, &str)] = &[
    (
        "ptma.toml",
        include_str!("../../assets/protocols/ptma.toml"),
    ),
    (
        "cs_annuloplasty_rct.toml",
        include_str!("../../assets/protocols/cs_annuloplasty_rct.toml"),
    ),
];

/// Eligibility outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityStatus {
    /// Every inclusion criterion met and no exclusion present.
    Eligible,
    /// An inclusion criterion not met, or an exclusion present.
    NotEligible,
    /// Some needed value or answer is missing.
    Incomplete,
}

/// Inclusion or exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionRole {
    /// Must be met.
    Inclusion,
    /// Must not be met.
    Exclusion,
}

/// One evaluated protocol criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EligibilityCriterion {
    /// Criterion id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Inclusion or exclusion.
    pub role: CriterionRole,
    /// The test as text.
    pub test: String,
    /// Whether the condition holds (for an exclusion, `met` means the exclusion is present).
    pub status: Status,
    /// The values and answers it looked at.
    pub terms: Vec<Term>,
}

/// The eligibility result of a reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Protocol id.
    pub protocol: String,
    /// Protocol version.
    pub version: String,
    /// Outcome.
    pub status: EligibilityStatus,
    /// Every criterion.
    pub criteria: Vec<EligibilityCriterion>,
    /// When `incomplete`: the ids still unknown in undecided criteria (`mr_grade` for the
    /// graded MR), in criterion order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// One scheduled visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Visit id (`baseline`, `m1`, `m6`, …).
    pub id: String,
    /// Label.
    pub label: String,
    /// Months after randomization / procedure (0 for screening/baseline).
    pub month: u32,
    /// True when the visit includes an echo for the core lab.
    pub echo: bool,
    /// Allowed window in days around the target date.
    #[serde(default)]
    pub window_days: Option<u32>,
}

/// Contacts that repeat after the scheduled visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatingContacts {
    /// Label.
    pub label: String,
    /// Month of the first repeating contact.
    pub first_month: u32,
    /// Interval in months.
    pub every_months: u32,
    /// Whether these contacts carry an echo.
    pub echo: bool,
}

/// Randomization facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Randomization {
    /// Allocation ratio (`1:1`).
    pub ratio: String,
    /// Arm names.
    pub arms: Vec<String>,
    /// True when readers must not see the allocation.
    pub hidden_from_readers: bool,
}

/// Blinded re-reads: which share of studies is read a second time by the same reader, and how
/// long after the first read (`[reread]` in the protocol TOML).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RereadPolicy {
    /// Share of studies with a signed first read to re-read (0 < fraction ≤ 1; 0.1 = 10 %).
    pub fraction: f64,
    /// Minimum days between the first read's signature and the re-read.
    pub min_delay_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionSpec {
    id: String,
    label: String,
    condition: ConditionSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolFile {
    kind: String,
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    inclusion: Vec<CriterionSpec>,
    #[serde(default)]
    exclusion: Vec<CriterionSpec>,
    #[serde(default)]
    visit: Vec<Visit>,
    #[serde(default)]
    repeating_contacts: Option<RepeatingContacts>,
    #[serde(default)]
    randomization: Option<Randomization>,
    /// Independent reads required per study (2 = dual read with adjudication).
    #[serde(default)]
    reads_required: Option<u32>,
    /// Blinded re-reads for intra-reader agreement.
    #[serde(default)]
    reread: Option<RereadPolicy>,
    /// Dual-read discordance rules; read by `crate::adjudication::DiscordanceRules::from_toml`.
    #[serde(default)]
    #[allow(dead_code)]
    discordance: Option<toml::Value>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    id: String,
    label: String,
    role: CriterionRole,
    condition: Condition,
}

/// A validated protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Protocol id (`ptma`).
    pub id: String,
    /// Version string.
    pub version: String,
    /// Title.
    pub title: String,
    /// Notes.
    pub notes: Vec<String>,
    rules: Vec<Rule>,
    visits: Vec<Visit>,
    repeating: Option<RepeatingContacts>,
    randomization: Option<Randomization>,
    reads_required: u32,
    reread: Option<RereadPolicy>,
}

impl Protocol {
    /// Parses and validates a protocol from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str, catalog: &Catalog) -> Result<Protocol, RulesError> {
        let err = |message: String| RulesError {
            origin: origin.to_owned(),
            message,
        };
        let file: ProtocolFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if file.kind != "protocol" {
            return Err(err(format!("kind is `{}`, expected `protocol`", file.kind)));
        }
        let mut rules = Vec::new();
        for (role, list) in [
            (CriterionRole::Inclusion, &file.inclusion),
            (CriterionRole::Exclusion, &file.exclusion),
        ] {
            for c in list {
                if rules.iter().any(|r: &Rule| r.id == c.id) {
                    return Err(err(format!("duplicate criterion id `{}`", c.id)));
                }
                let condition = c
                    .condition
                    .compile(catalog)
                    .map_err(|e| err(format!("criterion `{}`: {e}", c.id)))?;
                rules.push(Rule {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    role,
                    condition,
                });
            }
        }
        if let Some(r) = &file.reread
            && !(r.fraction > 0.0 && r.fraction <= 1.0)
        {
            return Err(err(format!(
                "[reread] fraction {} is not in (0, 1]",
                r.fraction
            )));
        }
        let mut visits = file.visit;
        visits.sort_by_key(|v| v.month);
        Ok(Protocol {
            id: file.id,
            version: file.version,
            title: file.title,
            notes: file.notes,
            rules,
            visits,
            repeating: file.repeating_contacts,
            randomization: file.randomization,
            reads_required: file.reads_required.unwrap_or(1).max(1),
            reread: file.reread,
        })
    }

    /// The built-in protocols (parsed once; tests prove the embedded files are valid).
    pub fn builtin_all() -> &'static [Protocol] {
        static BUILTIN: OnceLock<Vec<Protocol>> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            BUILTIN_TOML
                .iter()
                .map(
                    |(name, text)| match Protocol::from_toml(text, name, Catalog::builtin()) {
                        Ok(p) => p,
                        Err(e) => panic!("embedded protocol is invalid: {e}"),
                    },
                )
                .collect()
        })
    }

    /// The built-in protocol with `id`.
    pub fn builtin(id: &str) -> Option<&'static Protocol> {
        Self::builtin_all().iter().find(|p| p.id == id)
    }

    /// The scheduled visits, by month.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }

    /// Contacts repeating after the schedule (e.g. annual, without echo).
    pub fn repeating_contacts(&self) -> Option<&RepeatingContacts> {
        self.repeating.as_ref()
    }

    /// Randomization facts (the allocation itself is never in reader-facing data).
    pub fn randomization(&self) -> Option<&Randomization> {
        self.randomization.as_ref()
    }

    /// Independent reads required per study (2 = dual read; discordant pairs go to adjudication).
    pub fn reads_required(&self) -> u32 {
        self.reads_required
    }

    /// The blinded re-read policy, if the protocol has one.
    pub fn reread(&self) -> Option<RereadPolicy> {
        self.reread
    }

    /// True when the protocol has eligibility criteria.
    pub fn has_eligibility(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Evaluates eligibility on a graded reading.
    pub fn evaluate(&self, facts: &Facts) -> Eligibility {
        let mut criteria = Vec::new();
        let mut any_fail = false;
        let mut any_missing = false;
        for rule in &self.rules {
            let (status, terms) = rule.condition.evaluate(facts);
            match (rule.role, status) {
                (CriterionRole::Inclusion, Status::NotMet)
                | (CriterionRole::Exclusion, Status::Met) => any_fail = true,
                (_, Status::NotAvailable) => any_missing = true,
                _ => {}
            }
            criteria.push(EligibilityCriterion {
                id: rule.id.clone(),
                label: rule.label.clone(),
                role: rule.role,
                test: rule.condition.text(),
                status,
                terms,
            });
        }
        let status = if any_fail {
            EligibilityStatus::NotEligible
        } else if any_missing || self.rules.is_empty() {
            EligibilityStatus::Incomplete
        } else {
            EligibilityStatus::Eligible
        };
        let mut missing: Vec<String> = Vec::new();
        if status == EligibilityStatus::Incomplete {
            let undecided = criteria.iter().filter(|c| c.status == Status::NotAvailable);
            for term in undecided.flat_map(|c| &c.terms) {
                if term.status == Status::NotAvailable && !missing.contains(&term.id) {
                    missing.push(term.id.clone());
                }
            }
        }
        Eligibility {
            protocol: self.id.clone(),
            version: self.version.clone(),
            status,
            criteria,
            missing,
        }
    }
}
