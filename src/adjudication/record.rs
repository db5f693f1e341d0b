//! The adjudication record: the adjudicator's decision on a discordant pair of reads.
//!
//! The adjudicator either adopts one read as the final read ([`Decision::ChooseRead`]) or records
//! an adjudicated value for each disputed parameter, each with its reason
//! ([`Decision::PerParameter`]). The record names both reads by id, version and record hash, keeps
//! the discordance result that sent the study to adjudication, and is signed with meaning
//! `adjudication` ([`super::sign_adjudication`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::discordance::{Discordance, ReadRef, RuleStatus, Side};
use crate::compare::{ParamValue, param_value, report_grade};
use crate::grading::Grade;
use crate::measure::Unit;
use crate::report::{ReadingReport, SignatureBlock, Visit};

/// Layout version of [`AdjudicationRecord`].
pub const ADJUDICATION_SCHEMA_VERSION: u32 = 1;

/// Parses an adjudication record file's text strictly (through [`crate::json`]: duplicate keys,
/// non-finite numbers and unknown shapes are errors).
pub fn parse_adjudication(text: &str) -> Result<AdjudicationRecord, crate::json::JsonError> {
    crate::json::from_str(text)
}

/// Why an adjudication record cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AdjudicationError {
    /// The discordance result is not about these two reads.
    #[error("the discordance result is about reads {0}, not these two reads")]
    WrongPair(String),
    /// A reason is required.
    #[error("a reason is required for {0}")]
    MissingReason(String),
    /// A disputed parameter or the disputed grade has no adjudicated value.
    #[error("discordant {0} has no adjudicated value")]
    Undecided(String),
    /// An adjudicated value is invalid.
    #[error("adjudicated value of {id}: {message}")]
    BadValue {
        /// Parameter id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// Where an adjudicated value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueOrigin {
    /// Read A's value.
    ReadA,
    /// Read B's value.
    ReadB,
    /// The adjudicator's own measurement.
    Adjudicator,
}

/// One adjudicated parameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjudicatedValue {
    /// The value.
    pub value: f64,
    /// Its unit symbol (`cm2`).
    pub unit: String,
    /// Where it comes from.
    pub origin: ValueOrigin,
    /// Why.
    pub reason: String,
}

/// The adjudicated grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjudicatedGrade {
    /// The grade.
    pub grade: Grade,
    /// Why.
    pub reason: String,
}

/// The adjudicator's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Decision {
    /// One read is adopted as the final read.
    ChooseRead {
        /// Which read.
        side: Side,
        /// Its report id.
        report_id: String,
        /// Its version.
        version: u32,
    },
    /// A value per disputed parameter (and the grade when disputed).
    PerParameter {
        /// Adjudicated values by catalog id.
        values: BTreeMap<String, AdjudicatedValue>,
        /// The adjudicated grade (required when the grades are discordant).
        grade: Option<AdjudicatedGrade>,
    },
}

/// Draft or signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjudicationStatus {
    /// Editable.
    Draft,
    /// Signed and locked.
    Signed,
}

/// An adjudication of two discordant reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjudicationRecord {
    /// [`ADJUDICATION_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `adjudication` (tells the file apart from a reading report).
    pub record_type: String,
    /// Record id.
    pub record_id: String,
    /// When the record was created, RFC 3339 UTC.
    pub created_utc: String,
    /// Reader id of the adjudicator.
    pub adjudicator_id: String,
    /// Study Instance UID of the reads.
    pub study_instance_uid: Option<String>,
    /// Subject id (from the reads).
    pub subject_id: Option<String>,
    /// Visit (from the reads).
    pub visit: Option<Visit>,
    /// The two reads.
    pub read_a: ReadRef,
    /// The second read.
    pub read_b: ReadRef,
    /// The discordance result that sent the pair to adjudication.
    pub discordance: Discordance,
    /// The decision.
    pub decision: Decision,
    /// The final grade.
    pub final_grade: Option<Grade>,
    /// Overall reason / comment.
    pub reason: String,
    /// Draft or signed.
    pub status: AdjudicationStatus,
    /// Signature (meaning `adjudication`), when signed.
    pub signature: Option<SignatureBlock>,
}

fn check_pair(
    a: &ReadingReport,
    b: &ReadingReport,
    d: &Discordance,
) -> Result<(), AdjudicationError> {
    let same =
        |r: &ReadingReport, x: &ReadRef| r.report_id == x.report_id && r.version == x.version;
    if same(a, &d.read_a) && same(b, &d.read_b) {
        Ok(())
    } else {
        Err(AdjudicationError::WrongPair(format!(
            "{} v{} and {} v{}",
            d.read_a.report_id, d.read_a.version, d.read_b.report_id, d.read_b.version
        )))
    }
}

/// Who decided, when and why (shared by both decision kinds).
struct Meta<'a> {
    reason: &'a str,
    adjudicator_id: &'a str,
    created_utc: &'a str,
}

fn new_record(
    a: &ReadingReport,
    b: &ReadingReport,
    discordance: &Discordance,
    decision: Decision,
    final_grade: Option<Grade>,
    meta: Meta<'_>,
) -> AdjudicationRecord {
    let Meta {
        reason,
        adjudicator_id,
        created_utc,
    } = meta;
    AdjudicationRecord {
        schema_version: ADJUDICATION_SCHEMA_VERSION,
        record_type: "adjudication".to_owned(),
        record_id: crate::report::new_id(),
        created_utc: created_utc.to_owned(),
        adjudicator_id: adjudicator_id.to_owned(),
        study_instance_uid: a
            .study
            .as_ref()
            .or(b.study.as_ref())
            .map(|s| s.study_instance_uid.clone()),
        subject_id: a.subject_id.clone().or_else(|| b.subject_id.clone()),
        visit: a.visit.or(b.visit),
        read_a: ReadRef::of(a),
        read_b: ReadRef::of(b),
        discordance: discordance.clone(),
        decision,
        final_grade,
        reason: reason.to_owned(),
        status: AdjudicationStatus::Draft,
        signature: None,
    }
}

impl AdjudicationRecord {
    /// A draft that adopts read `side` as the final read.
    pub fn choose_read(
        read_a: &ReadingReport,
        read_b: &ReadingReport,
        discordance: &Discordance,
        side: Side,
        reason: &str,
        adjudicator_id: &str,
        created_utc: &str,
    ) -> Result<AdjudicationRecord, AdjudicationError> {
        check_pair(read_a, read_b, discordance)?;
        if reason.trim().is_empty() {
            return Err(AdjudicationError::MissingReason(
                "choosing a read".to_owned(),
            ));
        }
        let chosen = match side {
            Side::A => read_a,
            Side::B => read_b,
        };
        let decision = Decision::ChooseRead {
            side,
            report_id: chosen.report_id.clone(),
            version: chosen.version,
        };
        Ok(new_record(
            read_a,
            read_b,
            discordance,
            decision,
            report_grade(chosen),
            Meta {
                reason,
                adjudicator_id,
                created_utc,
            },
        ))
    }

    /// A draft with an adjudicated value per parameter. Every discordant numeric rule's
    /// parameter needs a value, and a discordant grade needs an adjudicated grade; every value
    /// needs a reason. When the grades agree and no grade is given, the common grade is final.
    #[allow(clippy::too_many_arguments)]
    pub fn per_parameter(
        read_a: &ReadingReport,
        read_b: &ReadingReport,
        discordance: &Discordance,
        values: BTreeMap<String, AdjudicatedValue>,
        grade: Option<AdjudicatedGrade>,
        reason: &str,
        adjudicator_id: &str,
        created_utc: &str,
    ) -> Result<AdjudicationRecord, AdjudicationError> {
        check_pair(read_a, read_b, discordance)?;
        for (id, v) in &values {
            let bad = |message: String| AdjudicationError::BadValue {
                id: id.clone(),
                message,
            };
            if !v.value.is_finite() {
                return Err(bad("not a finite number".to_owned()));
            }
            let unit = Unit::parse(&v.unit).map_err(|_| bad(format!("unknown unit {}", v.unit)))?;
            if let Some(cat) = crate::catalog::Catalog::builtin().unit(id)
                && cat.dimension() != unit.dimension()
            {
                return Err(bad(format!(
                    "unit {} does not fit {}",
                    v.unit,
                    cat.symbol()
                )));
            }
            if v.reason.trim().is_empty() {
                return Err(AdjudicationError::MissingReason(id.clone()));
            }
        }
        for r in discordance.fired() {
            if let Some(p) = &r.parameter
                && !values.contains_key(p)
            {
                return Err(AdjudicationError::Undecided(p.clone()));
            }
        }
        let grades = (report_grade(read_a), report_grade(read_b));
        let grade_disputed = discordance
            .results
            .iter()
            .any(|r| r.status == RuleStatus::Discordant && r.kind == "grade_differs");
        let final_grade = match (&grade, grades) {
            (Some(g), _) => {
                if g.reason.trim().is_empty() {
                    return Err(AdjudicationError::MissingReason("the grade".to_owned()));
                }
                Some(g.grade)
            }
            (None, _) if grade_disputed => {
                return Err(AdjudicationError::Undecided("grade".to_owned()));
            }
            (None, (a, b)) if a == b => a,
            (None, _) => return Err(AdjudicationError::Undecided("grade".to_owned())),
        };
        Ok(new_record(
            read_a,
            read_b,
            discordance,
            Decision::PerParameter { values, grade },
            final_grade,
            Meta {
                reason,
                adjudicator_id,
                created_utc,
            },
        ))
    }

    /// The final value of parameter `id`: the chosen read's value, or the adjudicated value, or
    /// (per-parameter decisions, undisputed parameters) the mean of the two reads' values
    /// (or the one available).
    pub fn final_value(
        &self,
        read_a: &ReadingReport,
        read_b: &ReadingReport,
        id: &str,
    ) -> Option<ParamValue> {
        match &self.decision {
            Decision::ChooseRead { side, .. } => match side {
                Side::A => param_value(read_a, id),
                Side::B => param_value(read_b, id),
            },
            Decision::PerParameter { values, .. } => {
                if let Some(v) = values.get(id) {
                    let unit = Unit::parse(&v.unit).ok()?;
                    return Some(ParamValue {
                        value: v.value,
                        unit,
                        source: crate::compare::ValueSource::Derived {
                            method: Some("adjudicated".to_owned()),
                        },
                    });
                }
                match (param_value(read_a, id), param_value(read_b, id)) {
                    (Some(a), Some(b)) => {
                        let bv = b.unit.convert(b.value, a.unit).ok()?;
                        Some(ParamValue {
                            value: (a.value + bv) / 2.0,
                            unit: a.unit,
                            source: crate::compare::ValueSource::Derived {
                                method: Some("mean_of_reads".to_owned()),
                            },
                        })
                    }
                    (a, b) => a.or(b),
                }
            }
        }
    }
}
