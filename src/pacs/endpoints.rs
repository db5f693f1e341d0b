//! The PACS list of a workstation: name, DICOMweb URL and/or DIMSE AE title, host and port,
//! user. Saved as TOML in the user's configuration folder (`pacs.toml`); passwords are never
//! saved: they come from the user, a file, or `ECHOLAB_PACS_PASSWORD`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PacsError, PacsResult};

/// Environment variable holding the PACS password (for scripts; the GUI asks).
pub const PASSWORD_ENV: &str = "ECHOLAB_PACS_PASSWORD";

/// One PACS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacsEndpoint {
    /// Name shown to the reader.
    pub name: String,
    /// DICOMweb base URL (e.g. `https://pacs.lab.example/dicom-web`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dicomweb_url: Option<String>,
    /// User for DICOMweb (Basic authentication).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// DIMSE: the PACS's AE title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aet: Option<String>,
    /// DIMSE: host name or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// DIMSE: port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// DIMSE: Echolab's own AE title (default `ECHOLAB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_aet: Option<String>,
}

/// The saved PACS list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacsList {
    /// The PACSs, in the order the reader added them.
    #[serde(default)]
    pub pacs: Vec<PacsEndpoint>,
}

impl PacsList {
    /// Where the list is kept: `pacs.toml` in the user's configuration folder.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "echolab", "echolab")
            .map(|d| d.config_dir().join("pacs.toml"))
    }

    /// Reads the list (a missing file is an empty list).
    pub fn load(path: &Path) -> PacsResult<PacsList> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PacsList::default()),
            Err(e) => return Err(file_error(path, e)),
        };
        toml::from_str(&text).map_err(|e| file_error(path, e))
    }

    /// Writes the list atomically.
    pub fn save(&self, path: &Path) -> PacsResult<()> {
        let text = toml::to_string_pretty(self).map_err(|e| file_error(path, e))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        }
        crate::files::write_atomic(path, text.as_bytes()).map_err(|e| file_error(path, e))
    }

    /// The PACS called `name`.
    pub fn get(&self, name: &str) -> Option<&PacsEndpoint> {
        self.pacs.iter().find(|p| p.name == name)
    }

    /// Adds or replaces the PACS of the same name.
    pub fn upsert(&mut self, endpoint: PacsEndpoint) {
        match self.pacs.iter_mut().find(|p| p.name == endpoint.name) {
            Some(p) => *p = endpoint,
            None => self.pacs.push(endpoint),
        }
    }
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> PacsError {
    PacsError::File {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{PacsEndpoint, PacsList};

    #[test]
    fn list_round_trips_without_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacs.toml");
        assert_eq!(PacsList::load(&path).unwrap(), PacsList::default());
        let mut list = PacsList::default();
        list.upsert(PacsEndpoint {
            name: "lab".into(),
            dicomweb_url: Some("http://127.0.0.1:8042/dicom-web".into()),
            user: Some("reader".into()),
            ..Default::default()
        });
        list.save(&path).unwrap();
        assert_eq!(PacsList::load(&path).unwrap(), list);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("password"));
        std::fs::write(&path, "[[pacs]]\nname = \"x\"\npassword = \"p\"\n").unwrap();
        assert!(PacsList::load(&path).is_err());
    }
}
