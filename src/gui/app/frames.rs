//! Frame textures of the file being shown, and draining the background threads into the app.

use std::collections::BTreeMap;
use std::time::Duration;

use egui::{TextureHandle, TextureOptions};

use super::App;
use crate::gui::background::{DecodeTarget, LoadEvent};
use crate::gui::document::FileId;
use crate::gui::frame_textures::{FrameTextures, VIEWER_TEXTURE_BYTES};
use crate::gui::library::{FileEntry, FileState};

/// Decoded frames (as textures, a bounded LRU) of the current file.
pub struct Frames {
    /// The file these frames belong to.
    file: Option<FileId>,
    textures: FrameTextures<TextureHandle>,
    errors: BTreeMap<usize, String>,
    /// Total decode time and count, for the instrumented run.
    pub decode_time: Duration,
}

impl Default for Frames {
    fn default() -> Self {
        Self {
            file: None,
            textures: FrameTextures::new(VIEWER_TEXTURE_BYTES),
            errors: BTreeMap::new(),
            decode_time: Duration::ZERO,
        }
    }
}

impl Frames {
    /// Whether frame `i` can be shown (decoded, or failed: nothing to wait for).
    pub fn is_ready(&self, i: usize) -> bool {
        self.textures.contains(i) || self.errors.contains_key(&i)
    }

    /// Frames held as textures now (at most the LRU's capacity).
    pub fn decoded_count(&self) -> usize {
        self.textures.len()
    }

    /// The texture of frame `i`.
    pub fn texture(&self, i: usize) -> Option<&TextureHandle> {
        self.textures.get(i)
    }

    /// The decode error of frame `i`.
    pub fn error(&self, i: usize) -> Option<&str> {
        self.errors.get(&i).map(String::as_str)
    }

    /// Marks frame `i` (the one on screen) as just used in the texture LRU.
    pub fn touch(&mut self, i: usize) {
        self.textures.touch(i);
    }

    /// Which frames are decoded (for the scrubber).
    pub fn decoded(&self) -> impl Iterator<Item = usize> + '_ {
        self.textures.frames()
    }
}

impl App {
    /// The frame cache (read-only, for the UI).
    pub(crate) fn frames(&self) -> &Frames {
        &self.frames
    }

    pub(super) fn drain_loader(&mut self, ctx: &egui::Context) {
        let mut opened_first = None;
        while let Some(event) = self.loader.as_ref().and_then(|l| l.try_recv()) {
            match event {
                LoadEvent::Found { id, path } => self.library.entries.push(FileEntry {
                    id,
                    path,
                    state: FileState::Loading,
                    thumbnail: None,
                }),
                LoadEvent::Opened {
                    id,
                    file,
                    thumbnail,
                } => {
                    let texture = thumbnail.map(|image| {
                        ctx.load_texture(format!("thumb-{}", id.0), image, TextureOptions::LINEAR)
                    });
                    if let Some(entry) = self.library.get_mut(id) {
                        entry.state = FileState::Ready(file);
                        entry.thumbnail = texture;
                    }
                    self.library_revision += 1;
                    opened_first.get_or_insert(id);
                }
                LoadEvent::Failed { id, error } => {
                    if let Some(entry) = self.library.get_mut(id) {
                        entry.state = FileState::Failed(error);
                    }
                }
                LoadEvent::BadPath { path, error } => {
                    self.status = Some(error.clone());
                    self.library.bad_paths.push((path, error));
                }
                LoadEvent::Done => {
                    self.library.pending_loads = self.library.pending_loads.saturating_sub(1);
                }
            }
        }
        if self.current_file.is_none()
            && let Some(id) = opened_first
        {
            self.show_file(id);
        }
    }

    pub(super) fn drain_decoder(&mut self, ctx: &egui::Context) {
        let mut budget = 64;
        while budget > 0
            && let Some(decoded) = self.decoder.as_ref().and_then(|d| d.try_recv())
        {
            budget -= 1;
            if Some(decoded.file) != self.frames.file {
                continue;
            }
            self.frames.decode_time += decoded.decode_time;
            match decoded.image {
                Ok(image) => {
                    let size = image.size;
                    let texture = ctx.load_texture(
                        format!("frame-{}-{}", decoded.file.0, decoded.frame),
                        image,
                        TextureOptions::LINEAR,
                    );
                    let evicted = self.frames.textures.insert(decoded.frame, size, texture);
                    if let Some(decoder) = &self.decoder {
                        decoder.evicted(decoded.file, evicted);
                    }
                    // The frame on screen stays the most recently used.
                    self.frames.touch(self.cine.frame);
                }
                Err(error) => {
                    self.frames.errors.insert(decoded.frame, error);
                }
            }
        }
        if budget == 0 {
            ctx.request_repaint();
        }
    }

    /// Shows file `id`: resets the cine, drops the old file's frames, starts decoding.
    pub(super) fn show_file(&mut self, id: FileId) {
        if self.current_file == Some(id) {
            return;
        }
        if let (Some(old), Some(decoder)) = (self.frames.file, &self.decoder) {
            decoder.forget(old);
        }
        self.current_file = Some(id);
        self.frames = Frames {
            file: Some(id),
            ..Frames::default()
        };
        if let Some(file) = self.library.file(id) {
            self.frames.textures.set_frame_size(file.info().size);
        }
        self.cine.seek(0, usize::MAX);
        self.cine.set_playing(false);
        self.tool.pending = Default::default();
        self.retarget_decoder();
    }

    /// Points the decoder at the current file and playhead.
    pub(super) fn retarget_decoder(&self) {
        let (Some(id), Some(decoder)) = (self.current_file, &self.decoder) else {
            return;
        };
        let Some(file) = self.library.file(id) else {
            return;
        };
        if self.frames.is_ready(self.cine.frame)
            && (0..file.info().frame_count).all(|i| self.frames.is_ready(i))
        {
            return;
        }
        decoder.set_target(DecodeTarget {
            file: id,
            source: file.clone(),
            playhead: self.cine.frame,
            ahead: self.frames.textures.decode_ahead(),
        });
    }
}
