//! Writing files: every file echolab writes is written atomically (temporary file in the same
//! folder, `fsync`, rename, `fsync` of the folder), and every file written into a destination
//! folder goes through [`write_inside`], which keeps it inside that folder. This module is at
//! the bottom of the module graph so every layer can use it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

/// Writes `bytes` atomically to `dest_dir/relative`, creating the folders between, and refuses
/// (`InvalidInput`) a `relative` path that could leave `dest_dir`: absolute, with a root or
/// drive prefix, or with `..` or `.` components. Every file echolab writes into a destination
/// folder goes through here. Returns the path written.
pub fn write_inside(dest_dir: &Path, relative: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::path::Component;
    let inside = relative.components().count() > 0
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(n) if !n.is_empty()));
    if !inside {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} would be written outside {}",
                relative.display(),
                dest_dir.display()
            ),
        ));
    }
    let path = dest_dir.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    write_atomic(&path, bytes)?;
    Ok(path)
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, `fsync`, rename,
/// then `fsync` of the folder (on Unix).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Files written under temporary names and made durable together, for many small files where an
/// `fsync` per file would dominate: [`StagedWrites::stage`] writes the bytes to a temporary file
/// beside the final name (no `fsync`); [`StagedWrites::commit`] `fsync`s every staged file,
/// renames each to its final name and `fsync`s each folder once. A final name therefore only ever
/// holds complete, durable bytes. Dropping a batch that was not committed removes its
/// temporary files.
#[derive(Debug, Default)]
pub struct StagedWrites {
    staged: Vec<(PathBuf, PathBuf)>,
}

impl StagedWrites {
    /// Writes `bytes` for `path` under a temporary name in the same folder.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = temp_name(path);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.staged.push((tmp, path.to_owned()));
        Ok(())
    }

    /// Number of files staged and not yet committed.
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    /// True when nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Makes every staged file durable under its final name.
    pub fn commit(&mut self) -> std::io::Result<()> {
        for (tmp, _) in &self.staged {
            File::open(tmp)?.sync_all()?;
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        while let Some((tmp, path)) = self.staged.pop() {
            if let Err(e) = fs::rename(&tmp, &path) {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
            let dir = parent_dir(&path);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        for d in dirs {
            sync_dir(&d)?;
        }
        Ok(())
    }
}

impl Drop for StagedWrites {
    fn drop(&mut self) {
        for (tmp, _) in self.staged.drain(..) {
            let _ = fs::remove_file(tmp);
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A temporary name beside `path`: hidden, unique per process and call.
fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_owned());
    parent_dir(path).join(format!(
        ".{name}.tmp-{}-{:016x}",
        std::process::id(),
        OsRng.next_u64()
    ))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn write_inside_refuses_paths_that_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a").join("out");
        for bad in ["../read-a.json", "x/../../y", "/etc/passwd", "./x", ""] {
            let e = write_inside(&dest, Path::new(bad), b"x").unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
        assert!(!dir.path().join("a").join("read-a.json").exists());
        let p = write_inside(&dest, Path::new("1.2.3/read-a.json"), b"ok").unwrap();
        assert_eq!(p, dest.join("1.2.3").join("read-a.json"));
        assert_eq!(fs::read(p).unwrap(), b"ok");
    }

    #[test]
    fn staged_writes_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.dcm"), dir.path().join("b.dcm"));
        let mut batch = StagedWrites::default();
        batch.stage(&a, b"A").unwrap();
        batch.stage(&b, b"B").unwrap();
        assert!(!a.exists() && !b.exists());
        batch.commit().unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"A");
        assert!(batch.is_empty());
        let c = dir.path().join("c.dcm");
        let mut dropped = StagedWrites::default();
        dropped.stage(&c, b"C").unwrap();
        drop(dropped);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
    }
}
