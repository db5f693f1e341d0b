//! The measurement catalog: every measurement and finding a reader can record, as data.
//!
//! The built-in catalog is `assets/measurements.toml`, embedded in the binary
//! ([`Catalog::builtin`]). Each [`CatalogEntry`] has a stable id, a label, its canonical unit,
//! the image region type it is drawn in and how it is drawn; findings carry their choices.
//! [`DerivedEntry`] lists computed quantities (labels and units for reports) and
//! [`Catalog::guided_mr_protocol`] the order of a guided MR reading.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::measure::{DrawKind, FindingValue, RegionType, Unit};

/// The embedded catalog text.
pub const BUILTIN_TOML: &str = include_str!("../../assets/measurements.toml");

/// The catalog could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    /// The TOML did not parse or did not match the schema.
    #[error("measurement catalog: {0}")]
    Parse(String),
    /// The content is inconsistent.
    #[error("measurement catalog: {0}")]
    Invalid(String),
}

/// What kind of answer a finding takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// One of a list of choices.
    Choice(Vec<String>),
    /// Yes / no.
    Boolean,
}

/// One measurement or finding a reader can record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Stable id (`mr_vc_width`).
    pub id: String,
    /// Human label.
    pub label: String,
    /// Group for menus (`mr`, `lvot`, `ma`, `lv`, `la`, `mitral_inflow`, `clinical`, `protocol`).
    #[serde(default)]
    pub group: String,
    /// How it is drawn or entered.
    pub kind: DrawKind,
    /// The image region type it is drawn in.
    pub region: RegionType,
    /// Canonical unit (None for findings).
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Valid range in `unit`, bounds included: a value outside cannot exist and is refused.
    #[serde(default)]
    pub valid: Option<[f64; 2]>,
    /// Plausible range in `unit`, bounds included: a value outside is graded with a warning.
    #[serde(default)]
    pub plausible: Option<[f64; 2]>,
    /// True for a velocity that is a magnitude (speed): a signed Doppler value is stored as its
    /// absolute value, its direction kept beside it.
    #[serde(default)]
    pub magnitude: bool,
    /// Value assumed when not measured (e.g. α = 180°).
    #[serde(default)]
    pub default: Option<f64>,
    /// Choices of a choice finding.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Other spellings accepted for choices on input (alias → choice).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
    /// True for a yes/no finding.
    #[serde(default)]
    pub boolean: bool,
    /// Where / when to acquire it.
    #[serde(default)]
    pub view: Option<String>,
    /// DICOM SR concept hint.
    #[serde(default)]
    pub dicom: Option<String>,
    /// Formula text for values that are usually computed but may be entered.
    #[serde(default)]
    pub formula: Option<String>,
}

impl CatalogEntry {
    /// True for qualitative findings (choices or yes/no).
    pub fn is_finding(&self) -> bool {
        self.kind == DrawKind::Finding
    }

    /// The catalog choice an answer stands for: a choice (case-insensitive) or an alias.
    pub fn resolve_choice(&self, answer: &str) -> Option<&str> {
        let a = answer.trim();
        self.choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(a))
            .or_else(|| {
                self.aliases
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(a))
                    .map(|(_, v)| v)
            })
            .map(String::as_str)
    }

    /// The finding's answer type, or None for numeric measurements.
    pub fn finding_kind(&self) -> Option<FindingKind> {
        if !self.is_finding() {
            None
        } else if self.boolean {
            Some(FindingKind::Boolean)
        } else {
            Some(FindingKind::Choice(self.choices.clone()))
        }
    }
}

/// A computed quantity (for labels and units in reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivedEntry {
    /// Stable id (`mr_eroa_pisa`).
    pub id: String,
    /// Human label.
    pub label: String,
    /// Unit of the computed value.
    pub unit: Unit,
    /// Formula text.
    pub formula: String,
    /// Plausible range in `unit`: a computed value outside is graded with a warning.
    #[serde(default)]
    pub plausible: Option<[f64; 2]>,
}

/// Where a value stands against its catalog ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeCheck {
    /// Inside the plausible range (or the id has none).
    Plausible,
    /// Valid but outside the plausible range `[lo, hi]`.
    Implausible {
        /// Lower plausible bound.
        lo: f64,
        /// Upper plausible bound.
        hi: f64,
    },
    /// Outside the valid range: the value cannot exist.
    Invalid {
        /// The bound it crosses.
        bound: Bound,
    },
}

/// A crossed valid bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Below the minimum.
    Below(f64),
    /// Above the maximum.
    Above(f64),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Below(lo) => write!(f, "below the minimum {lo}"),
            Bound::Above(hi) => write!(f, "above the maximum {hi}"),
        }
    }
}

/// One step of the guided MR reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidedStep {
    /// Catalog id to record.
    pub id: String,
    /// True when the default grading needs it for full quantitation.
    #[serde(default)]
    pub required: bool,
}

/// A finding decided by another finding's answer: one fact with two names (organic MR ⇔
/// primary etiology).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameFact {
    /// The finding that is decided.
    pub finding: String,
    /// The finding whose answer decides it.
    pub from: String,
    /// Answer of `from` → answer of `finding` (answers not listed decide nothing).
    pub map: BTreeMap<String, FindingValue>,
}

/// Two answers of one fact disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactConflict {
    /// The deciding finding and its answer.
    pub from: (String, String),
    /// The decided finding and its (disagreeing) answer.
    pub finding: (String, String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: String,
    #[serde(default)]
    entry: Vec<CatalogEntry>,
    #[serde(default)]
    derived: Vec<DerivedEntry>,
    #[serde(default)]
    guided_mr_protocol: Vec<GuidedStep>,
    #[serde(default)]
    same_fact: Vec<SameFact>,
}

/// The measurement catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    /// Catalog version string.
    pub version: String,
    entries: Vec<CatalogEntry>,
    derived: Vec<DerivedEntry>,
    guided: Vec<GuidedStep>,
    same_facts: Vec<SameFact>,
    #[serde(skip)]
    index: BTreeMap<String, usize>,
    #[serde(skip)]
    derived_index: BTreeMap<String, usize>,
}

impl Catalog {
    /// The built-in catalog (parsed once; the embedded file is checked by tests).
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| match Catalog::from_toml(BUILTIN_TOML) {
            Ok(c) => c,
            // The embedded asset is part of the program; tests prove it parses.
            Err(e) => panic!("embedded measurement catalog is invalid: {e}"),
        })
    }

    /// Parses and validates a catalog from TOML text.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| CatalogError::Parse(e.to_string()))?;
        let mut index = BTreeMap::new();
        for (i, e) in file.entry.iter().enumerate() {
            if index.insert(e.id.clone(), i).is_some() {
                return Err(CatalogError::Invalid(format!("duplicate id `{}`", e.id)));
            }
            if e.is_finding() {
                if e.boolean != e.choices.is_empty() {
                    return Err(CatalogError::Invalid(format!(
                        "finding `{}` needs either `boolean = true` or `choices`",
                        e.id
                    )));
                }
            } else if e.unit.is_none() {
                return Err(CatalogError::Invalid(format!("`{}` has no unit", e.id)));
            } else {
                check_ranges(e)?;
            }
        }
        let mut derived_index = BTreeMap::new();
        for (i, d) in file.derived.iter().enumerate() {
            if index.contains_key(&d.id) || derived_index.insert(d.id.clone(), i).is_some() {
                return Err(CatalogError::Invalid(format!(
                    "duplicate derived id `{}`",
                    d.id
                )));
            }
        }
        for e in &file.entry {
            if let Some((alias, target)) = e.aliases.iter().find(|(_, t)| !e.choices.contains(t)) {
                return Err(CatalogError::Invalid(format!(
                    "`{}`: alias `{alias}` points to `{target}`, which is not a choice",
                    e.id
                )));
            }
        }
        for step in &file.guided_mr_protocol {
            if !index.contains_key(&step.id) {
                return Err(CatalogError::Invalid(format!(
                    "guided_mr_protocol names unknown id `{}`",
                    step.id
                )));
            }
        }
        for s in &file.same_fact {
            check_same_fact(s, &file.entry, &index)?;
        }
        Ok(Catalog {
            same_facts: file.same_fact,
            version: file.version,
            entries: file.entry,
            derived: file.derived,
            guided: file.guided_mr_protocol,
            index,
            derived_index,
        })
    }

    /// All entries, in catalog order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// The entry with `id` (measurements and findings; not derived quantities).
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.index.get(id).and_then(|&i| self.entries.get(i))
    }

    /// All derived quantities.
    pub fn derived(&self) -> &[DerivedEntry] {
        &self.derived
    }

    /// The derived quantity with `id`.
    pub fn get_derived(&self, id: &str) -> Option<&DerivedEntry> {
        self.derived_index
            .get(id)
            .and_then(|&i| self.derived.get(i))
    }

    /// The label of any id (entry or derived), or the id itself.
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id)
            .map(|e| e.label.as_str())
            .or_else(|| self.get_derived(id).map(|d| d.label.as_str()))
            .unwrap_or(id)
    }

    /// The unit of any numeric id (entry or derived).
    pub fn unit(&self, id: &str) -> Option<Unit> {
        self.get(id)
            .and_then(|e| e.unit)
            .or_else(|| self.get_derived(id).map(|d| d.unit))
    }

    /// Where `value` (in the catalog unit of `id`) stands against the id's valid and plausible
    /// ranges; ids without ranges (or unknown ids) are [`RangeCheck::Plausible`].
    pub fn check_range(&self, id: &str, value: f64) -> RangeCheck {
        let (valid, plausible) = match (self.get(id), self.get_derived(id)) {
            (Some(e), _) => (e.valid, e.plausible),
            (None, Some(d)) => (None, d.plausible),
            (None, None) => (None, None),
        };
        if let Some([lo, hi]) = valid {
            if value.is_nan() || value < lo {
                return RangeCheck::Invalid {
                    bound: Bound::Below(lo),
                };
            }
            if value > hi {
                return RangeCheck::Invalid {
                    bound: Bound::Above(hi),
                };
            }
        }
        match plausible {
            Some([lo, hi]) if !(lo..=hi).contains(&value) => RangeCheck::Implausible { lo, hi },
            _ => RangeCheck::Plausible,
        }
    }

    /// The findings declared as one fact with two names.
    pub fn same_facts(&self) -> &[SameFact] {
        &self.same_facts
    }

    /// Fills in the findings that another answer decides ([`SameFact`], both ways); returns
    /// each filled-in id with the id it came from, or the first pair of disagreeing answers.
    /// `findings` must hold normalized answers (catalog choices, yes/no).
    pub fn complete_findings(
        &self,
        findings: &mut BTreeMap<String, FindingValue>,
    ) -> Result<Vec<(String, String)>, FactConflict> {
        let mut filled = Vec::new();
        for s in &self.same_facts {
            let from = findings.get(&s.from).cloned();
            let decided = findings.get(&s.finding).cloned();
            let mapped = from.as_ref().and_then(|a| s.map.get(&a.to_string()));
            match (&from, &decided, mapped) {
                (Some(a), Some(b), Some(m)) if m != b => {
                    return Err(FactConflict {
                        from: (s.from.clone(), a.to_string()),
                        finding: (s.finding.clone(), b.to_string()),
                    });
                }
                (Some(_), None, Some(m)) => {
                    findings.insert(s.finding.clone(), m.clone());
                    filled.push((s.finding.clone(), s.from.clone()));
                }
                (None, Some(b), _) => {
                    let mut keys = s.map.iter().filter(|(_, v)| *v == b).map(|(k, _)| k);
                    if let (Some(k), None) = (keys.next(), keys.next()) {
                        findings.insert(s.from.clone(), FindingValue::Choice(k.clone()));
                        filled.push((s.from.clone(), s.finding.clone()));
                    }
                }
                _ => {}
            }
        }
        Ok(filled)
    }

    /// The steps of a guided MR reading, in order.
    pub fn guided_mr_protocol(&self) -> &[GuidedStep] {
        &self.guided
    }

    /// Entries drawn in a given region type (for tool menus).
    pub fn entries_for_region(&self, region: RegionType) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.iter().filter(move |e| e.region == region)
    }
}

/// Both ids are findings, every key is a choice of `from` and every answer fits `finding`.
fn check_same_fact(
    s: &SameFact,
    entries: &[CatalogEntry],
    index: &BTreeMap<String, usize>,
) -> Result<(), CatalogError> {
    let bad = |what: String| {
        Err(CatalogError::Invalid(format!(
            "same_fact `{}`: {what}",
            s.finding
        )))
    };
    let finding = |id: &str| {
        index
            .get(id)
            .and_then(|&i| entries.get(i))
            .filter(|e| e.is_finding())
    };
    let (Some(from), Some(target)) = (finding(&s.from), finding(&s.finding)) else {
        return bad("both ids must be findings of the catalog".to_owned());
    };
    if from.boolean {
        return bad(format!("`{}` must be a choice finding", s.from));
    }
    for (k, v) in &s.map {
        if !from.choices.contains(k) {
            return bad(format!("`{k}` is not a choice of `{}`", s.from));
        }
        let fits = match v {
            FindingValue::Bool(_) => target.boolean,
            FindingValue::Choice(c) => target.choices.contains(c),
            FindingValue::Number(_) => false,
        };
        if !fits {
            return bad(format!("`{v}` is not an answer of `{}`", s.finding));
        }
    }
    Ok(())
}

/// A numeric entry must state both ranges, with `lo ≤ hi` and the plausible range inside the
/// valid one; a magnitude is never negative.
fn check_ranges(e: &CatalogEntry) -> Result<(), CatalogError> {
    let bad = |what: &str| Err(CatalogError::Invalid(format!("`{}`: {what}", e.id)));
    let (Some(valid), Some(plausible)) = (e.valid, e.plausible) else {
        return bad("a numeric entry needs `valid` and `plausible` ranges");
    };
    if valid.iter().chain(&plausible).any(|b| !b.is_finite())
        || valid[0] > valid[1]
        || plausible[0] > plausible[1]
    {
        return bad("ranges need finite bounds with lo <= hi");
    }
    if plausible[0] < valid[0] || plausible[1] > valid[1] {
        return bad("the plausible range must lie inside the valid range");
    }
    if e.magnitude && valid[0] < 0.0 {
        return bad("a magnitude cannot be negative");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_every_issue_id() {
        let c = Catalog::builtin();
        for id in [
            "mr_vc_width",
            "mr_pisa_radius",
            "mr_alias_velocity",
            "mr_pisa_angle",
            "mr_vmax",
            "mr_vti",
            "mr_jet_area",
            "la_area",
            "lvot_diameter",
            "lvot_vti",
            "ma_diameter",
            "ma_vti",
            "mv_e_velocity",
            "lv_a4c_ed",
            "lv_a4c_es",
            "lv_a2c_ed",
            "lv_a2c_es",
            "lv_edv",
            "lv_esv",
            "lv_ef",
            "mr_eroa",
            "mr_rvol",
            "mr_rf",
            "mr_etiology",
            "nyha_class",
            "mr_jet_direction",
            "mr_flow_convergence",
            "mr_cw_density",
            "pv_flow",
            "mv_morphology",
            "orifice_elliptical",
            "low_flow",
        ] {
            assert!(c.get(id).is_some(), "missing {id}");
        }
        assert_eq!(
            c.get("mr_etiology").and_then(|e| e.finding_kind()),
            Some(FindingKind::Choice(vec![
                "primary".to_owned(),
                "secondary".to_owned(),
                "mixed".to_owned()
            ]))
        );
        assert_eq!(
            c.get("low_flow").and_then(|e| e.finding_kind()),
            Some(FindingKind::Boolean)
        );
        assert_eq!(c.unit("mr_vmax"), Some(Unit::CmPerS));
        assert_eq!(c.unit("mr_eroa_pisa"), Some(Unit::Cm2));
        assert_eq!(
            c.get("lv_a4c_ed").map(|e| e.kind),
            Some(DrawKind::LvContour)
        );
        assert_eq!(c.get("mr_vti").map(|e| e.region), Some(RegionType::Cw));
        assert!(c.guided_mr_protocol().len() > 10);
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = r#"
version = "x"
[[entry]]
id = "a"
label = "A"
kind = "caliper"
region = "tissue2d"
unit = "cm"
[[entry]]
id = "a"
label = "A again"
kind = "caliper"
region = "tissue2d"
unit = "cm"
"#;
        assert!(matches!(
            Catalog::from_toml(text),
            Err(CatalogError::Invalid(_))
        ));
    }
}
