//! Trial visits: screening/baseline and the 1, 6, 12, 18 and 24-month follow-ups.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A protocol visit (time point) of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visit {
    /// Screening / baseline echo.
    Baseline,
    /// 1-month follow-up.
    Month1,
    /// 6-month follow-up.
    Month6,
    /// 12-month follow-up.
    Month12,
    /// 18-month follow-up.
    Month18,
    /// 24-month follow-up.
    Month24,
}

impl Visit {
    /// Every visit in protocol order.
    pub const ALL: [Visit; 6] = [
        Visit::Baseline,
        Visit::Month1,
        Visit::Month6,
        Visit::Month12,
        Visit::Month18,
        Visit::Month24,
    ];

    /// Stable code stored in the database and in reports (`baseline`, `month6`, …).
    pub fn code(self) -> &'static str {
        match self {
            Visit::Baseline => "baseline",
            Visit::Month1 => "month1",
            Visit::Month6 => "month6",
            Visit::Month12 => "month12",
            Visit::Month18 => "month18",
            Visit::Month24 => "month24",
        }
    }

    /// Months after baseline.
    pub fn months(self) -> u32 {
        match self {
            Visit::Baseline => 0,
            Visit::Month1 => 1,
            Visit::Month6 => 6,
            Visit::Month12 => 12,
            Visit::Month18 => 18,
            Visit::Month24 => 24,
        }
    }

    /// The visit `months` after baseline, if it is a protocol visit.
    pub fn from_months(months: u32) -> Option<Visit> {
        Visit::ALL.into_iter().find(|v| v.months() == months)
    }
}

impl fmt::Display for Visit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Visit::Baseline => f.write_str("screening/baseline"),
            v => write!(f, "{} months", v.months()),
        }
    }
}

/// Error for a visit label that names no protocol visit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown visit {0:?}: use screening/baseline, 1, 6, 12, 18 or 24 (months), e.g. `baseline`, `M6`, `month12`"
)]
pub struct UnknownVisit(pub String);

impl FromStr for Visit {
    type Err = UnknownVisit;

    /// Accepts `baseline`, `screening`, `screening/baseline`, `BL`, `0`, and for follow-ups
    /// forms like `6`, `M6`, `month6`, `month_6`, `6m`, `6 months`, `Month 6` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .collect();
        match norm.as_str() {
            "baseline" | "screening" | "screening/baseline" | "bl" | "scr" | "0" | "m0"
            | "month0" => return Ok(Visit::Baseline),
            _ => {}
        }
        let digits = norm
            .trim_start_matches("months")
            .trim_start_matches("month")
            .trim_start_matches("mo")
            .trim_start_matches('m')
            .trim_end_matches("months")
            .trim_end_matches("month")
            .trim_end_matches("mo")
            .trim_end_matches('m');
        digits
            .parse::<u32>()
            .ok()
            .and_then(Visit::from_months)
            .ok_or_else(|| UnknownVisit(s.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_labels() {
        for (s, v) in [
            ("Baseline", Visit::Baseline),
            ("screening", Visit::Baseline),
            ("M6", Visit::Month6),
            ("month_12", Visit::Month12),
            ("18 months", Visit::Month18),
            ("24m", Visit::Month24),
            ("1", Visit::Month1),
            ("Month 1", Visit::Month1),
        ] {
            assert_eq!(s.parse::<Visit>(), Ok(v), "{s}");
        }
        assert!("M7".parse::<Visit>().is_err());
        assert!("week 6".parse::<Visit>().is_err());
    }

    #[test]
    fn code_round_trips_through_serde() {
        for v in Visit::ALL {
            let j = serde_json::to_string(&v).unwrap();
            assert_eq!(j, format!("\"{}\"", v.code()));
            assert_eq!(v.code().parse::<Visit>(), Ok(v));
        }
    }
}
