//! Writing the generated files to disk atomically ([`crate::files`]), so an interrupted run
//! never leaves a half-written sample file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::error::SampleError;
use super::study::{SampleFile, build_study_with};

/// Writes `file` into `dir` atomically (through [`crate::files::write_inside`]) and returns its
/// path.
pub fn write_atomic(dir: &Path, file: &SampleFile) -> Result<PathBuf, SampleError> {
    crate::files::write_inside(dir, Path::new(&file.name), &file.bytes).map_err(|source| {
        SampleError::Io {
            path: dir.join(&file.name),
            source,
        }
    })
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

/// Writes the long cine of `frames` frames ([`super::long_cine`]) into `dir` (created if
/// missing). Returns its path and size in bytes.
pub fn write_long_cine(dir: &Path, frames: usize) -> Result<(PathBuf, usize), SampleError> {
    fs::create_dir_all(dir).map_err(|source| SampleError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = super::long_cine::build(frames)?;
    Ok((write_atomic(dir, &file)?, file.bytes.len()))
}
