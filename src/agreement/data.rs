//! The observations agreement is computed from: one value of one parameter in one read.

use serde::Serialize;

use crate::grading::Grade;

/// The parameter id of the MR grade (an ordinal value).
pub const GRADE_PARAMETER: &str = "mr_grade";

/// The ordered grades of the agreement scale (the engine's order; `indeterminate` is not on it).
pub const GRADE_SCALE: [Grade; 4] = [
    Grade::Mild,
    Grade::MildToModerate,
    Grade::ModerateToSevere,
    Grade::Severe,
];

/// One observed value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ObservedValue {
    /// A number in the parameter's catalog unit.
    Number(f64),
    /// An MR grade.
    Grade(Grade),
}

impl ObservedValue {
    /// The number, if this is one.
    pub fn number(self) -> Option<f64> {
        match self {
            ObservedValue::Number(v) if v.is_finite() => Some(v),
            _ => None,
        }
    }

    /// The grade's position on [`GRADE_SCALE`] (None for numbers and `indeterminate`).
    pub fn grade_rank(self) -> Option<usize> {
        match self {
            ObservedValue::Grade(g) => GRADE_SCALE.iter().position(|s| *s == g),
            ObservedValue::Number(_) => None,
        }
    }
}

/// One value of one parameter in one read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// Trial subject.
    pub subject: String,
    /// Visit code (`baseline`, `month6`, …; empty when unknown).
    pub visit: String,
    /// Trial (None when unknown).
    pub trial: Option<String>,
    /// Reader id.
    pub reader: String,
    /// Read number: 1 for the first read, 2 for a blinded re-read by the same reader.
    pub read: u32,
    /// Parameter id (catalog id, or [`GRADE_PARAMETER`]).
    pub parameter: String,
    /// The value.
    pub value: ObservedValue,
}

/// Which observations to analyse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Parameters to report (empty: every parameter present, grade last).
    pub parameters: Vec<String>,
    /// Only this trial.
    pub trial: Option<String>,
    /// Only this visit code.
    pub visit: Option<String>,
}

impl Filter {
    /// True when `o` passes the trial and visit filters.
    pub fn admits(&self, o: &Observation) -> bool {
        self.trial
            .as_deref()
            .is_none_or(|t| o.trial.as_deref() == Some(t))
            && self.visit.as_deref().is_none_or(|v| o.visit == v)
    }
}
