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

use crate::measure::{DrawKind, RegionType, Unit};

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
    /// Plausible range in `unit` (values outside raise a warning).
    #[serde(default)]
    pub range: Option<[f64; 2]>,
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
}

/// The measurement catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    /// Catalog version string.
    pub version: String,
    entries: Vec<CatalogEntry>,
    derived: Vec<DerivedEntry>,
    guided: Vec<GuidedStep>,
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
        Ok(Catalog {
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

    /// The steps of a guided MR reading, in order.
    pub fn guided_mr_protocol(&self) -> &[GuidedStep] {
        &self.guided
    }

    /// Entries drawn in a given region type (for tool menus).
    pub fn entries_for_region(&self, region: RegionType) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.iter().filter(move |e| e.region == region)
    }
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
