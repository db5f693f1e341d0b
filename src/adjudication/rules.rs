//! Discordance rules as data: a `[discordance]` table in a TOML file.
//!
//! The built-in default is `assets/discordance/default.toml` (the layout is documented there).
//! A trial protocol file may carry its own `[discordance]` table; [`DiscordanceRules::from_toml`]
//! reads that table out of any TOML text (other keys are ignored here), so the protocol file and
//! this loader share one file without the protocol loader knowing the table.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::calc::{Hundredths, Op};
use crate::catalog::Catalog;
use crate::measure::Unit;

/// The embedded default rules.
pub const DEFAULT_TOML: &str = include_str!("../../assets/discordance/default.toml");

/// Discordance rules could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("discordance rules in {origin}: {message}")]
pub struct RulesError {
    /// File or text the rules came from.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// What to do when a value is present on one side only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// The rule is not evaluable (does not fire).
    #[default]
    Ignore,
    /// A value on one side only makes the rule fire.
    Discordant,
}

/// What a rule tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RuleKind {
    /// The MR grades differ (by at least `min_steps` grades when given).
    GradeDiffers {
        /// Minimum rank difference; None: any difference (indeterminate included).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_steps: Option<u8>,
    },
    /// `|A − B| op threshold` on a numeric parameter, in `unit`.
    AbsDifference {
        /// Catalog id (`mr_eroa`).
        parameter: String,
        /// Comparison (`>` or `>=`).
        op: Op,
        /// Threshold in `unit`.
        threshold: f64,
        /// Unit of the threshold (values are converted to it).
        unit: Unit,
    },
    /// The protocol eligibility outcomes differ.
    EligibilityDiffers,
    /// The answers to a finding differ.
    FindingDiffers {
        /// Finding catalog id (`mr_etiology`).
        finding: String,
    },
}

impl RuleKind {
    /// The kind as written in the TOML (`grade_differs`, …).
    pub fn code(&self) -> &'static str {
        match self {
            RuleKind::GradeDiffers { .. } => "grade_differs",
            RuleKind::AbsDifference { .. } => "abs_difference",
            RuleKind::EligibilityDiffers => "eligibility_differs",
            RuleKind::FindingDiffers { .. } => "finding_differs",
        }
    }
}

/// One discordance rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Rule id (`eroa`).
    pub id: String,
    /// Label (`|ΔEROA| > 0.10 cm²`).
    pub label: String,
    /// What it tests.
    #[serde(flatten)]
    pub kind: RuleKind,
}

/// A validated rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscordanceRules {
    /// Rule-set id.
    pub id: String,
    /// Version string.
    pub version: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Missing-value policy.
    #[serde(default)]
    pub on_missing: OnMissing,
    /// The rules, in order.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Wrapper {
    discordance: Option<RawRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    id: String,
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    on_missing: OnMissing,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    label: String,
    kind: String,
    #[serde(default)]
    parameter: Option<String>,
    #[serde(default)]
    op: Option<Op>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    min_steps: Option<u8>,
    #[serde(default)]
    finding: Option<String>,
}

impl DiscordanceRules {
    /// The built-in default rules (grade, EROA 0.10 cm², RVol 15 mL, RF 10 points, LVEF 10
    /// points, eligibility).
    pub fn builtin() -> &'static DiscordanceRules {
        static RULES: OnceLock<DiscordanceRules> = OnceLock::new();
        RULES.get_or_init(
            || match DiscordanceRules::from_toml(DEFAULT_TOML, "default.toml") {
                Ok(Some(r)) => r,
                // The embedded asset is part of the program; a unit test proves it loads.
                Ok(None) => panic!("embedded discordance rules have no [discordance] table"),
                Err(e) => panic!("embedded discordance rules are invalid: {e}"),
            },
        )
    }

    /// Reads the `[discordance]` table of a TOML text (a protocol file or a rules file);
    /// `Ok(None)` when the text has no such table.
    pub fn from_toml(text: &str, origin: &str) -> Result<Option<DiscordanceRules>, RulesError> {
        let err = |message: String| RulesError {
            origin: origin.to_owned(),
            message,
        };
        let wrapper: Wrapper = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let Some(raw) = wrapper.discordance else {
            return Ok(None);
        };
        let catalog = Catalog::builtin();
        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rule {
            if rules.iter().any(|x| x.id == r.id) {
                return Err(err(format!("duplicate rule id `{}`", r.id)));
            }
            let rule_err = |m: &str| err(format!("rule `{}`: {m}", r.id));
            let kind = match r.kind.as_str() {
                "grade_differs" => RuleKind::GradeDiffers {
                    min_steps: r.min_steps,
                },
                "eligibility_differs" => RuleKind::EligibilityDiffers,
                "finding_differs" => {
                    let finding = r.finding.ok_or_else(|| rule_err("`finding` is required"))?;
                    if !catalog.get(&finding).is_some_and(|e| e.is_finding()) {
                        return Err(rule_err(&format!(
                            "`{finding}` is not a finding of the catalog"
                        )));
                    }
                    RuleKind::FindingDiffers { finding }
                }
                "abs_difference" => {
                    let parameter = r
                        .parameter
                        .ok_or_else(|| rule_err("`parameter` is required"))?;
                    let threshold = r
                        .threshold
                        .filter(|t| t.is_finite() && *t >= 0.0)
                        .ok_or_else(|| rule_err("`threshold` must be a number ≥ 0"))?;
                    let unit_text = r.unit.ok_or_else(|| rule_err("`unit` is required"))?;
                    let unit = Unit::parse(&unit_text)
                        .map_err(|_| rule_err(&format!("unknown unit `{unit_text}`")))?;
                    let catalog_unit = catalog.unit(&parameter).ok_or_else(|| {
                        rule_err(&format!("`{parameter}` is not a numeric catalog id"))
                    })?;
                    if catalog_unit.dimension() != unit.dimension() {
                        return Err(rule_err(&format!(
                            "unit `{unit_text}` does not fit `{parameter}` ({})",
                            catalog_unit.symbol()
                        )));
                    }
                    let op = r.op.unwrap_or(Op::Gt);
                    if !matches!(op, Op::Gt | Op::Ge) {
                        return Err(rule_err("`op` must be `>` or `>=`"));
                    }
                    Hundredths::round(threshold)
                        .ok_or_else(|| rule_err("threshold out of range"))?;
                    RuleKind::AbsDifference {
                        parameter,
                        op,
                        threshold,
                        unit,
                    }
                }
                other => return Err(rule_err(&format!("unknown kind `{other}`"))),
            };
            rules.push(Rule {
                id: r.id,
                label: r.label,
                kind,
            });
        }
        if rules.is_empty() {
            return Err(err("no [[discordance.rule]]".to_owned()));
        }
        Ok(Some(DiscordanceRules {
            id: raw.id,
            version: raw.version,
            title: raw.title,
            on_missing: raw.on_missing,
            rules,
        }))
    }

    /// Loads rules from a file: its `[discordance]` table, or the built-in default when a
    /// protocol file has none.
    pub fn load(path: &Path) -> Result<DiscordanceRules, RulesError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RulesError {
            origin: origin.clone(),
            message: e.to_string(),
        })?;
        Ok(DiscordanceRules::from_toml(&text, &origin)?
            .unwrap_or_else(|| DiscordanceRules::builtin().clone()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let r = DiscordanceRules::builtin();
        let ids: Vec<&str> = r.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["grade", "eroa", "rvol", "rf", "lvef", "eligibility"]);
    }

    #[test]
    fn bad_rules_are_named() {
        let text = r#"
[discordance]
id = "x"
version = "1"
[[discordance.rule]]
id = "vc"
label = "VC"
kind = "abs_difference"
parameter = "mr_vc_width"
threshold = 0.1
unit = "ml"
"#;
        let e = DiscordanceRules::from_toml(text, "p.toml").unwrap_err();
        assert!(e.to_string().contains("rule `vc`"), "{e}");
        assert!(
            DiscordanceRules::from_toml("kind = \"protocol\"", "p.toml")
                .unwrap()
                .is_none()
        );
    }
}
