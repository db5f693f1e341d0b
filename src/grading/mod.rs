//! The MR grading engine, driven entirely by guideline rule sets written as TOML data.
//!
//! # Public API
//!
//! * [`GradeInput`]: the JSON input format (serde):
//!   `{"values": {"<catalog id>": {"value": 1.0, "unit": "cm"}, …},
//!     "findings": {"<catalog id>": "<choice>" | true | false, …},
//!     "contours": {"lv_a4c_ed": {"unit": "cm", "points": [[x, y], …]}, …},   // optional
//!     "options": {"secondary_mr": true}}`                                     // optional
//!   Units are converted to the catalog unit (m/s, mm, mm², L, … accepted); an unknown id, unit or
//!   choice is a [`GradeError`] naming it.
//! * [`grade`]`(&GradeInput, guideline_id, protocol_id) -> Result<GradeReport, GradeError>` with
//!   the built-in rule sets; [`Rules::grade`] with rule sets loaded from extra TOML files
//!   ([`Rules::load_path`]): a new guideline is a new TOML file, not new Rust.
//! * [`GradeReport`]: exactly what `echolab grade --json` prints: `grade`, `discordant`,
//!   `derived` (id → value, unit, 2-dp display, formula, inputs), `criteria`, `warnings`,
//!   `guideline` {id, version}, optional `acc_aha_stage` / `esc_severe`, and with a protocol
//!   `eligibility`.
//! * [`grade_input_from_measurements`]: a calibrated [`MeasurementSet`](crate::measure::MeasurementSet)
//!   → [`GradeInput`] (values averaged per id, LV contours kept for the method of disks, Doppler
//!   envelopes reduced to VTI or peak).
//! * [`GUIDELINE_IDS`] and [`DEFAULT_GUIDELINE`].
//!
//! # Policy (reference §9, engine policy)
//!
//! Every threshold is compared on the value rounded half away from zero to 2 decimals, in integer
//! hundredths, with the bound's strictness taken from the rule set. Each quantitative parameter
//! (EROA, RVol, RF; one value each, chosen per §9 item 7 by [`crate::calc`]) falls in the most
//! severe category whose band it meets. Integration (§9 item 5):
//!
//! * ≥ 2 quantitative parameters: the category shared by a majority (rule set `majority`, 2);
//!   no majority → `indeterminate`.
//! * exactly 1: its category, unless a specific sign of the opposite extreme contradicts it
//!   (severe-specific sign with a mild category, or mild-specific with severe) → `indeterminate`.
//! * none: ≥ `specific_signs_required` (4) severe-specific signs and no mild-specific → `severe`;
//!   ≥ 4 mild-specific and no severe-specific → `mild`; otherwise `indeterminate`.
//! * `discordant` = the quantitative categories differ, or a specific sign of the opposite
//!   extreme is present (mild-specific sign with a severe quantitative result, severe-specific
//!   sign with a mild one; with one parameter, its category is the quantitative result).

mod condition;
mod engine;
mod from_set;
mod input;
mod registry;
mod report;
mod rules;

use serde::{Deserialize, Serialize};

pub use condition::{Condition, ConditionError, ConditionSpec, Fact, Facts, Status, Term};
pub use from_set::{grade_input_from_measurements, invalid_measurements};
pub use input::{ContourInput, GradeInput, InputValue};
pub use registry::{DEFAULT_GUIDELINE, GUIDELINE_IDS, Rules};
pub use report::{
    Criterion, CriterionKind, GradeReport, GuidelineRef, ParameterResult, SignCounts,
};
pub use rules::{Band, Guideline, Quantitative, RuleOption, RulesError, Sign, When};

/// An MR grade (also used as the category of one parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Mild.
    Mild,
    /// Moderate, mild-to-moderate (grade II).
    MildToModerate,
    /// Moderate, moderate-to-severe (grade III).
    ModerateToSevere,
    /// Severe.
    Severe,
    /// Cannot be graded from the data (recommend TEE/CMR or quantitation).
    Indeterminate,
}

impl Grade {
    /// The snake_case id (`mild_to_moderate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Mild => "mild",
            Grade::MildToModerate => "mild_to_moderate",
            Grade::ModerateToSevere => "moderate_to_severe",
            Grade::Severe => "severe",
            Grade::Indeterminate => "indeterminate",
        }
    }

    /// Parses the snake_case id.
    pub fn parse(text: &str) -> Option<Grade> {
        Some(match text {
            "mild" => Grade::Mild,
            "mild_to_moderate" => Grade::MildToModerate,
            "moderate_to_severe" => Grade::ModerateToSevere,
            "severe" => Grade::Severe,
            "indeterminate" => Grade::Indeterminate,
            _ => return None,
        })
    }

    /// The report label (`Moderate (mild-to-moderate, grade II)`).
    pub fn label(self) -> &'static str {
        match self {
            Grade::Mild => "Mild",
            Grade::MildToModerate => "Moderate (mild-to-moderate, grade II)",
            Grade::ModerateToSevere => "Moderate (moderate-to-severe, grade III)",
            Grade::Severe => "Severe",
            Grade::Indeterminate => "Indeterminate",
        }
    }

    /// Severity rank 0–3 for graded categories; None for indeterminate.
    pub fn rank(self) -> Option<u8> {
        match self {
            Grade::Mild => Some(0),
            Grade::MildToModerate => Some(1),
            Grade::ModerateToSevere => Some(2),
            Grade::Severe => Some(3),
            Grade::Indeterminate => None,
        }
    }
}

/// Why grading failed. Every message names the offending id, unit, choice or rule set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GradeError {
    /// An input id is not in the catalog.
    #[error("unknown measurement id `{id}` in {section}")]
    UnknownId {
        /// The id.
        id: String,
        /// `values`, `findings` or `contours`.
        section: &'static str,
    },
    /// A unit string is not known.
    #[error("unknown unit `{unit}` for `{id}`")]
    UnknownUnit {
        /// The measurement id.
        id: String,
        /// The unit as given.
        unit: String,
    },
    /// A unit of the wrong dimension.
    #[error("unit `{unit}` does not fit `{id}` (expected a unit convertible to {expected})")]
    WrongUnit {
        /// The measurement id.
        id: String,
        /// The unit as given.
        unit: String,
        /// The catalog unit.
        expected: String,
    },
    /// A value is NaN or infinite.
    #[error("value of `{id}` is not a finite number")]
    NotFinite {
        /// The measurement id.
        id: String,
    },
    /// A value lies outside the id's valid range: it cannot exist.
    #[error("`{id}` = {value} is refused: {bound} of its valid range")]
    OutOfValidRange {
        /// The measurement id.
        id: String,
        /// The value with its unit.
        value: String,
        /// The bound it crosses, with its unit (`below the minimum 0 cm2`).
        bound: String,
    },
    /// The id exists but is given in the wrong section (e.g. a finding under `values`).
    #[error("`{id}` {problem}")]
    WrongSection {
        /// The id.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// A finding answer is not one of its choices.
    #[error("`{value}` is not a valid answer for `{id}` (expected {expected})")]
    BadFinding {
        /// The finding id.
        id: String,
        /// The answer given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// Two answers of one fact disagree (e.g. `mr_etiology = primary` and `organic_mr = no`).
    #[error("`{from}` = {from_answer} and `{finding}` = {answer} contradict each other (one fact)")]
    ConflictingFindings {
        /// The deciding finding.
        from: String,
        /// Its answer.
        from_answer: String,
        /// The decided finding.
        finding: String,
        /// Its disagreeing answer.
        answer: String,
    },
    /// A drawn measurement could not be measured.
    #[error("measurement `{uid}` ({id}): {message}")]
    Geometry {
        /// The catalog id.
        id: String,
        /// The measurement uid.
        uid: String,
        /// What is wrong.
        message: String,
    },
    /// The guideline id is not loaded.
    #[error("unknown guideline `{0}` (known: {1})")]
    UnknownGuideline(String, String),
    /// The protocol id is not loaded.
    #[error("unknown protocol `{0}` (known: {1})")]
    UnknownProtocol(String, String),
    /// A rule file failed to load.
    #[error(transparent)]
    Rules(#[from] RulesError),
}

/// Grades `input` with the built-in rule set `guideline_id` and, if given, evaluates the built-in
/// trial protocol `protocol_id`.
pub fn grade(
    input: &GradeInput,
    guideline_id: &str,
    protocol_id: Option<&str>,
) -> Result<GradeReport, GradeError> {
    Rules::builtin().grade(input, guideline_id, protocol_id)
}
