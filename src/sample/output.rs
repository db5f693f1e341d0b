//! Writing the generated files to disk atomically (temporary file in the same folder, fsync,
//! rename), so an interrupted run never leaves a half-written sample file.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::error::SampleError;
use super::study::{SampleFile, build_study_with};

/// Writes `file` into `dir` atomically and returns its path.
pub fn write_atomic(dir: &Path, file: &SampleFile) -> Result<PathBuf, SampleError> {
    let path = dir.join(&file.name);
    let tmp = dir.join(format!(".{}.tmp", file.name));
    let io = |source| SampleError::Io {
        path: path.clone(),
        source,
    };
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(&file.bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

/// Generates the whole sample study into `dir` (created if missing). Returns each written path
/// with its size in bytes, in generation order.
pub fn write_study(dir: &Path) -> Result<Vec<(PathBuf, usize)>, SampleError> {
    write_study_with(dir, false)
}

/// [`write_study`], optionally with a burned-in patient banner (see [`super::banner`]).
pub fn write_study_with(dir: &Path, banner: bool) -> Result<Vec<(PathBuf, usize)>, SampleError> {
    fs::create_dir_all(dir).map_err(|source| SampleError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let files = build_study_with(banner)?;
    let mut written = Vec::with_capacity(files.len());
    for f in &files {
        written.push((write_atomic(dir, f)?, f.bytes.len()));
    }
    // Make the renames durable.
    if let Ok(d) = File::open(dir) {
        d.sync_all().ok();
    }
    Ok(written)
}
