//! The loaded rule sets: built-in guidelines and protocols (embedded) plus extra TOML files.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use super::rules::{Guideline, RulesError};
use super::{GradeError, GradeInput, GradeReport, engine};
use crate::catalog::Catalog;
use crate::protocol::Protocol;

/// The default guideline id.
pub const DEFAULT_GUIDELINE: &str = "ase2017";

/// The built-in guideline ids.
pub const GUIDELINE_IDS: [&str; 5] = [
    "ase2017",
    "acc_aha_2020",
    "acc_aha_2014",
    "esc_2021",
    "esc_2025",
];

/// The embedded guideline files: (file name, text).
pub const BUILTIN_GUIDELINES: [(&str, &str); 5] = [
    (
        "ase2017.toml",
        include_str!("../../assets/guidelines/ase2017.toml"),
    ),
    (
        "acc_aha_2020.toml",
        include_str!("../../assets/guidelines/acc_aha_2020.toml"),
    ),
    (
        "acc_aha_2014.toml",
        include_str!("../../assets/guidelines/acc_aha_2014.toml"),
    ),
    (
        "esc_2021.toml",
        include_str!("../../assets/guidelines/esc_2021.toml"),
    ),
    (
        "esc_2025.toml",
        include_str!("../../assets/guidelines/esc_2025.toml"),
    ),
];

fn normalize_id(id: &str) -> String {
    id.trim().to_ascii_lowercase().replace('-', "_")
}

/// A set of rule sets (guidelines and protocols) over one catalog.
#[derive(Debug, Clone)]
pub struct Rules {
    catalog: Catalog,
    guidelines: BTreeMap<String, Guideline>,
    protocols: BTreeMap<String, Protocol>,
}

impl Rules {
    /// The built-in rule sets (parsed once; tests prove every embedded file is valid).
    pub fn builtin() -> &'static Rules {
        static BUILTIN: OnceLock<Rules> = OnceLock::new();
        BUILTIN.get_or_init(|| match Rules::try_builtin() {
            Ok(r) => r,
            Err(e) => panic!("embedded rule set is invalid: {e}"),
        })
    }

    /// Parses the embedded catalog, guidelines and protocols.
    pub fn try_builtin() -> Result<Rules, RulesError> {
        let mut rules = Rules {
            catalog: Catalog::builtin().clone(),
            guidelines: BTreeMap::new(),
            protocols: BTreeMap::new(),
        };
        for (name, text) in BUILTIN_GUIDELINES {
            rules.add_toml(text, name)?;
        }
        for (name, text) in crate::protocol::BUILTIN_TOML {
            rules.add_toml(text, name)?;
        }
        Ok(rules)
    }

    /// Adds one guideline or protocol from TOML text (its `kind` decides); replaces an earlier
    /// rule set with the same id. Returns the id.
    pub fn add_toml(&mut self, text: &str, origin: &str) -> Result<String, RulesError> {
        let kind = toml::from_str::<toml::Table>(text)
            .map_err(|e| RulesError {
                origin: origin.to_owned(),
                message: e.to_string(),
            })?
            .get("kind")
            .and_then(|k| k.as_str().map(str::to_owned));
        match kind.as_deref() {
            Some("guideline") => {
                let g = Guideline::from_toml(text, origin, &self.catalog)?;
                let id = g.id.clone();
                self.guidelines.insert(id.clone(), g);
                Ok(id)
            }
            Some("protocol") => {
                let p = Protocol::from_toml(text, origin, &self.catalog)?;
                let id = p.id.clone();
                self.protocols.insert(id.clone(), p);
                Ok(id)
            }
            other => Err(RulesError {
                origin: origin.to_owned(),
                message: format!(
                    "`kind` must be \"guideline\" or \"protocol\", found {}",
                    other.map_or_else(|| "nothing".to_owned(), |k| format!("\"{k}\""))
                ),
            }),
        }
    }

    /// Loads a rule-set TOML file, or every `*.toml` file in a directory (sorted by name).
    /// Returns the ids loaded.
    pub fn load_path(&mut self, path: &Path) -> Result<Vec<String>, RulesError> {
        let io_err = |p: &Path, e: std::io::Error| RulesError {
            origin: p.display().to_string(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        if path.is_dir() {
            for entry in std::fs::read_dir(path).map_err(|e| io_err(path, e))? {
                let p = entry.map_err(|e| io_err(path, e))?.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    files.push(p);
                }
            }
            files.sort();
        } else {
            files.push(path.to_path_buf());
        }
        let mut ids = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| io_err(&file, e))?;
            ids.push(self.add_toml(&text, &file.display().to_string())?);
        }
        Ok(ids)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The guideline with `id` (exact, else case-insensitive with `-` read as `_`).
    pub fn guideline(&self, id: &str) -> Option<&Guideline> {
        self.guidelines.get(id).or_else(|| {
            let norm = normalize_id(id);
            self.guidelines
                .iter()
                .find(|(k, _)| normalize_id(k) == norm)
                .map(|(_, g)| g)
        })
    }

    /// Ids of every loaded guideline.
    pub fn guideline_ids(&self) -> Vec<&str> {
        self.guidelines.keys().map(String::as_str).collect()
    }

    /// The protocol with `id` (exact, else case-insensitive with `-` read as `_`).
    pub fn protocol(&self, id: &str) -> Option<&Protocol> {
        self.protocols.get(id).or_else(|| {
            let norm = normalize_id(id);
            self.protocols
                .iter()
                .find(|(k, _)| normalize_id(k) == norm)
                .map(|(_, p)| p)
        })
    }

    /// Ids of every loaded protocol.
    pub fn protocol_ids(&self) -> Vec<&str> {
        self.protocols.keys().map(String::as_str).collect()
    }

    /// Grades `input` with guideline `guideline_id` and optionally protocol `protocol_id`.
    pub fn grade(
        &self,
        input: &GradeInput,
        guideline_id: &str,
        protocol_id: Option<&str>,
    ) -> Result<GradeReport, GradeError> {
        let guideline = self.guideline(guideline_id).ok_or_else(|| {
            GradeError::UnknownGuideline(guideline_id.to_owned(), self.guideline_ids().join(", "))
        })?;
        let protocol = protocol_id
            .map(|id| {
                self.protocol(id).ok_or_else(|| {
                    GradeError::UnknownProtocol(id.to_owned(), self.protocol_ids().join(", "))
                })
            })
            .transpose()?;
        engine::run(&self.catalog, guideline, input, protocol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_set_loads() {
        let rules = Rules::try_builtin().expect("built-in rule sets are valid");
        for id in GUIDELINE_IDS {
            let g = rules.guideline(id).expect(id);
            assert_eq!(g.id, id);
            assert!(!g.version.is_empty());
        }
        assert!(rules.guideline("ACC-AHA-2020").is_some());
        assert!(rules.protocol("ptma").is_some());
        assert!(rules.protocol("cs_annuloplasty_rct").is_some());
        assert_eq!(rules.guideline_ids().len(), GUIDELINE_IDS.len());
    }
}
