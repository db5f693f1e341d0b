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
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_owned());
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:016x}",
        std::process::id(),
        OsRng.next_u64()
    ));
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
}
