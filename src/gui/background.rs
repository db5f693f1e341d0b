//! Work off the GUI thread: opening files and decoding frames ahead of playback.
//!
//! Two named threads, each fed by a request channel and answering on a **bounded** channel (a
//! slow GUI applies back-pressure instead of letting decoded frames pile up). After every answer
//! the thread calls `ctx.request_repaint()` so the GUI drains it promptly.
//!
//! * `dicom-load` ([`Loader`]): expands folders, opens each file (header only, lazily), makes a
//!   thumbnail, and reports progress; a broken file is reported and the others go on.
//! * `frame-decode` ([`Decoder`]): decodes the frames of the file being shown, starting at the
//!   playhead and going forward (wrapping) up to `ahead` frames, skipping frames already
//!   delivered. A new target (another file, a seek, or the playhead moving on) restarts the
//!   order at once; frames the GUI evicted from its bounded texture set
//!   ([`crate::gui::frame_textures`]) are decoded again when they come into the window.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use egui::{Color32, ColorImage};

use crate::gui::document::FileId;

/// How many answers may wait in a bounded channel.
pub const RESULT_CHANNEL_BOUND: usize = 8;

/// Width of study-list thumbnails, in pixels.
pub const THUMBNAIL_WIDTH: usize = 96;

/// Something that can decode frames to RGB (a DICOM file; a fake in tests).
pub trait FrameSource: Send + Sync + 'static {
    /// Number of frames.
    fn frame_count(&self) -> usize;
    /// Decodes frame `index` to an image ready for a texture.
    fn decode_image(&self, index: usize) -> Result<ColorImage, String>;
}

/// An RGB frame as an egui image; checks the buffer length instead of panicking.
pub fn color_image(size: [usize; 2], rgb: &[u8]) -> Result<ColorImage, String> {
    let expected = size[0].checked_mul(size[1]).and_then(|n| n.checked_mul(3));
    if expected != Some(rgb.len()) {
        return Err(format!(
            "frame buffer has {} bytes, expected {}×{}×3",
            rgb.len(),
            size[0],
            size[1]
        ));
    }
    Ok(ColorImage::from_rgb(size, rgb))
}

/// A small thumbnail (nearest neighbour, `THUMBNAIL_WIDTH` wide).
pub fn thumbnail(image: &ColorImage) -> Option<ColorImage> {
    let [w, h] = image.size;
    if w == 0 || h == 0 || image.pixels.len() < w * h {
        return None;
    }
    let tw = THUMBNAIL_WIDTH.min(w);
    let th = (h * tw / w).max(1);
    let mut pixels = Vec::with_capacity(tw * th);
    for ty in 0..th {
        let y = ty * h / th;
        for tx in 0..tw {
            let x = tx * w / tw;
            pixels.push(
                image
                    .pixels
                    .get(y * w + x)
                    .copied()
                    .unwrap_or(Color32::BLACK),
            );
        }
    }
    Some(ColorImage::new([tw, th], pixels))
}

// ---------------------------------------------------------------------------------- decoder

/// What the decoder should work on.
pub struct DecodeTarget {
    /// File being shown.
    pub file: FileId,
    /// Its frames.
    pub source: Arc<dyn FrameSource>,
    /// Where playback is; decoding starts here.
    pub playhead: usize,
    /// Frames to decode from the playhead on (`usize::MAX`: the whole loop).
    pub ahead: usize,
}

enum DecodeRequest {
    Target(DecodeTarget),
    Forget(FileId),
    Evicted(FileId, Vec<usize>),
}

/// One decoded frame.
pub struct DecodedFrame {
    /// The file.
    pub file: FileId,
    /// Frame index.
    pub frame: usize,
    /// The image, or the decode error.
    pub image: Result<ColorImage, String>,
    /// Time spent decoding and converting it.
    pub decode_time: Duration,
}

/// The decode-ahead thread.
pub struct Decoder {
    requests: Sender<DecodeRequest>,
    results: Receiver<DecodedFrame>,
    _thread: JoinHandle<()>,
}

impl Decoder {
    /// Starts the `frame-decode` thread; `repaint` is called after every decoded frame.
    pub fn spawn(repaint: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let (req_tx, req_rx) = mpsc::channel::<DecodeRequest>();
        let (res_tx, res_rx) = mpsc::sync_channel::<DecodedFrame>(RESULT_CHANNEL_BOUND);
        let thread = std::thread::Builder::new()
            .name("frame-decode".to_owned())
            .spawn(move || decode_loop(&req_rx, &res_tx, &repaint))?;
        Ok(Self {
            requests: req_tx,
            results: res_rx,
            _thread: thread,
        })
    }

    /// Decode `target.file` starting at `target.playhead`.
    pub fn set_target(&self, target: DecodeTarget) {
        // The thread only ends when this struct is dropped, so a send error cannot happen while
        // we hold `self`; if it ever did, frames would simply stop arriving.
        self.requests.send(DecodeRequest::Target(target)).ok();
    }

    /// The GUI dropped this file's frames: deliver them again if asked.
    pub fn forget(&self, file: FileId) {
        self.requests.send(DecodeRequest::Forget(file)).ok();
    }

    /// The GUI dropped these frames of `file`: decode them again when they are in the window.
    pub fn evicted(&self, file: FileId, frames: Vec<usize>) {
        if !frames.is_empty() {
            self.requests
                .send(DecodeRequest::Evicted(file, frames))
                .ok();
        }
    }

    /// Decoded frames waiting (non-blocking).
    pub fn try_recv(&self) -> Option<DecodedFrame> {
        self.results.try_recv().ok()
    }

    /// Waits up to `timeout` for the next decoded frame (benchmarks and tests).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<DecodedFrame> {
        self.results.recv_timeout(timeout).ok()
    }
}

struct Work {
    file: FileId,
    source: Arc<dyn FrameSource>,
    next: usize,
    remaining: usize,
}

fn decode_loop(
    requests: &Receiver<DecodeRequest>,
    results: &SyncSender<DecodedFrame>,
    repaint: &dyn Fn(),
) {
    let mut delivered: std::collections::BTreeMap<FileId, BTreeSet<usize>> = Default::default();
    let mut work: Option<Work> = None;
    loop {
        // Take new requests; block only when idle.
        let request = if work.is_some() {
            match requests.try_recv() {
                Ok(r) => Some(r),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        } else {
            match requests.recv_timeout(Duration::from_secs(3600)) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        match request {
            Some(DecodeRequest::Target(t)) => {
                let count = t.source.frame_count();
                work = Some(Work {
                    file: t.file,
                    source: t.source,
                    next: t.playhead.min(count.saturating_sub(1)),
                    remaining: count.min(t.ahead),
                });
                continue;
            }
            Some(DecodeRequest::Forget(file)) => {
                delivered.remove(&file);
                continue;
            }
            Some(DecodeRequest::Evicted(file, frames)) => {
                if let Some(done) = delivered.get_mut(&file) {
                    for frame in frames {
                        done.remove(&frame);
                    }
                }
                continue;
            }
            None => {}
        }
        let Some(w) = work.as_mut() else {
            continue;
        };
        let count = w.source.frame_count();
        if w.remaining == 0 || count == 0 {
            work = None;
            continue;
        }
        let frame = w.next;
        w.next = (w.next + 1) % count;
        w.remaining -= 1;
        let done = delivered.entry(w.file).or_default();
        if done.contains(&frame) {
            continue;
        }
        let started = Instant::now();
        let image = w.source.decode_image(frame);
        let decoded = DecodedFrame {
            file: w.file,
            frame,
            image,
            decode_time: started.elapsed(),
        };
        done.insert(frame);
        if results.send(decoded).is_err() {
            return;
        }
        repaint();
    }
}

// ---------------------------------------------------------------------------------- loader

/// Opens one file (header only); implemented over the DICOM module by the app.
pub type OpenFn<F> = dyn Fn(&Path) -> Result<Arc<F>, String> + Send + Sync;

/// What the loader reports.
pub enum LoadEvent<F: ?Sized> {
    /// A file was found and will be opened.
    Found {
        /// Its id.
        id: FileId,
        /// Its path.
        path: PathBuf,
    },
    /// A file opened.
    Opened {
        /// Its id.
        id: FileId,
        /// The opened file.
        file: Arc<F>,
        /// Thumbnail of its first frame (None if that frame did not decode).
        thumbnail: Option<ColorImage>,
    },
    /// A file could not be opened.
    Failed {
        /// Its id.
        id: FileId,
        /// Why, one line.
        error: String,
    },
    /// A path given to open does not exist or a folder could not be read.
    BadPath {
        /// The path.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// All files of one request were handled.
    Done,
}

/// The file-opening thread.
pub struct Loader<F: ?Sized> {
    requests: Sender<Vec<PathBuf>>,
    results: Receiver<LoadEvent<F>>,
    _thread: JoinHandle<()>,
}

impl<F: ?Sized + FrameSource> Loader<F> {
    /// Starts the `dicom-load` thread. `open` opens one file; `next_id` hands out file ids.
    pub fn spawn(
        open: Arc<OpenFn<F>>,
        next_id: Arc<AtomicU32>,
        repaint: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (req_tx, req_rx) = mpsc::channel::<Vec<PathBuf>>();
        let (res_tx, res_rx) = mpsc::sync_channel::<LoadEvent<F>>(RESULT_CHANNEL_BOUND);
        let thread = std::thread::Builder::new()
            .name("dicom-load".to_owned())
            .spawn(move || {
                while let Ok(paths) = req_rx.recv() {
                    if load_paths(&paths, &*open, &next_id, &res_tx, &repaint).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Self {
            requests: req_tx,
            results: res_rx,
            _thread: thread,
        })
    }

    /// Queue files or folders to open.
    pub fn open(&self, paths: Vec<PathBuf>) {
        self.requests.send(paths).ok();
    }

    /// Events waiting (non-blocking).
    pub fn try_recv(&self) -> Option<LoadEvent<F>> {
        self.results.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<LoadEvent<F>> {
        self.results.recv_timeout(timeout).ok()
    }
}

/// The error type of a closed result channel (the GUI went away).
struct Closed;

fn load_paths<F: ?Sized + FrameSource>(
    paths: &[PathBuf],
    open: &OpenFn<F>,
    next_id: &AtomicU32,
    results: &SyncSender<LoadEvent<F>>,
    repaint: &dyn Fn(),
) -> Result<(), Closed> {
    let send = |event: LoadEvent<F>| -> Result<(), Closed> {
        results.send(event).map_err(|_| Closed)?;
        repaint();
        Ok(())
    };
    let mut files = Vec::new();
    for path in paths {
        match expand(path) {
            Ok(found) => files.extend(found),
            Err(error) => send(LoadEvent::BadPath {
                path: path.clone(),
                error,
            })?,
        }
    }
    let ids: Vec<(FileId, PathBuf)> = files
        .into_iter()
        .map(|p| (FileId(next_id.fetch_add(1, Ordering::Relaxed)), p))
        .collect();
    for (id, path) in &ids {
        send(LoadEvent::Found {
            id: *id,
            path: path.clone(),
        })?;
    }
    for (id, path) in ids {
        match open(&path) {
            Ok(file) => {
                let thumbnail = file.decode_image(0).ok().and_then(|i| thumbnail(&i));
                send(LoadEvent::Opened {
                    id,
                    file,
                    thumbnail,
                })?;
            }
            Err(error) => send(LoadEvent::Failed { id, error })?,
        }
    }
    send(LoadEvent::Done)
}

/// A file, or the files under a folder (recursively, sorted, hidden entries and known non-DICOM
/// companions skipped).
fn expand(path: &Path) -> Result<Vec<PathBuf>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?;
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children.into_iter().rev() {
            let name = child
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if child.is_dir() {
                stack.push(child);
            } else if !is_companion(&name) {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Files that sit beside DICOM files but are not images (ground truth, readme, licence …).
fn is_companion(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".json", ".md", ".txt", ".toml", ".csv", ".png", ".jpg", ".html", ".pdf", ".sh", ".py",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
        || lower == "license"
        || lower == "dicomdir"
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        frames: usize,
        fail_frame: Option<usize>,
    }

    impl FrameSource for Fake {
        fn frame_count(&self) -> usize {
            self.frames
        }
        fn decode_image(&self, index: usize) -> Result<ColorImage, String> {
            if Some(index) == self.fail_frame {
                return Err("bad frame".to_owned());
            }
            color_image([4, 2], &[index as u8; 24])
        }
    }

    #[test]
    fn decoder_starts_at_the_playhead_and_wraps() {
        let decoder = Decoder::spawn(|| {}).expect("test value");
        decoder.set_target(DecodeTarget {
            file: FileId(1),
            source: Arc::new(Fake {
                frames: 5,
                fail_frame: Some(4),
            }),
            playhead: 3,
            ahead: usize::MAX,
        });
        let mut order = Vec::new();
        let mut errors = 0;
        while let Some(f) = decoder.recv_timeout(Duration::from_secs(5)) {
            if f.image.is_err() {
                errors += 1;
            }
            order.push(f.frame);
            if order.len() == 5 {
                break;
            }
        }
        assert_eq!(order, vec![3, 4, 0, 1, 2]);
        assert_eq!(errors, 1);
        // Asking again delivers nothing new.
        decoder.set_target(DecodeTarget {
            file: FileId(1),
            source: Arc::new(Fake {
                frames: 5,
                fail_frame: None,
            }),
            playhead: 0,
            ahead: usize::MAX,
        });
        assert!(decoder.recv_timeout(Duration::from_millis(200)).is_none());
        // After forget, frames come again.
        decoder.forget(FileId(1));
        decoder.set_target(DecodeTarget {
            file: FileId(1),
            source: Arc::new(Fake {
                frames: 5,
                fail_frame: None,
            }),
            playhead: 0,
            ahead: usize::MAX,
        });
        assert_eq!(
            decoder
                .recv_timeout(Duration::from_secs(5))
                .expect("test value")
                .frame,
            0
        );
    }

    #[test]
    fn decoder_stays_within_the_window_and_decodes_evicted_frames_again() {
        let decoder = Decoder::spawn(|| {}).expect("test value");
        let source: Arc<dyn FrameSource> = Arc::new(Fake {
            frames: 10,
            fail_frame: None,
        });
        let target = |playhead| DecodeTarget {
            file: FileId(2),
            source: Arc::clone(&source),
            playhead,
            ahead: 3,
        };
        let next = || {
            decoder
                .recv_timeout(Duration::from_secs(5))
                .expect("test value")
                .frame
        };
        decoder.set_target(target(8));
        assert_eq!([next(), next(), next()], [8, 9, 0]);
        assert!(decoder.recv_timeout(Duration::from_millis(200)).is_none());
        decoder.evicted(FileId(2), vec![9]);
        decoder.set_target(target(9));
        // 9 was evicted and comes again, 0 is still held, 1 enters the window.
        assert_eq!([next(), next()], [9, 1]);
        assert!(decoder.recv_timeout(Duration::from_millis(200)).is_none());
    }

    #[test]
    fn loader_reports_each_file_and_keeps_going_after_errors() {
        let dir = tempfile::tempdir().expect("test value");
        std::fs::write(dir.path().join("a.dcm"), b"good").expect("test value");
        std::fs::write(dir.path().join("b.dcm"), b"bad").expect("test value");
        std::fs::write(dir.path().join("notes.md"), b"skip me").expect("test value");
        std::fs::create_dir(dir.path().join("sub")).expect("test value");
        std::fs::write(dir.path().join("sub/c.dcm"), b"good").expect("test value");
        let open: Arc<OpenFn<Fake>> = Arc::new(|p: &Path| {
            let bytes = std::fs::read(p).map_err(|e| e.to_string())?;
            if bytes == b"good" {
                Ok(Arc::new(Fake {
                    frames: 2,
                    fail_frame: None,
                }))
            } else {
                Err(format!("not DICOM: {}", p.display()))
            }
        });
        let loader = Loader::spawn(open, Arc::new(AtomicU32::new(10)), || {}).expect("test value");
        loader.open(vec![
            dir.path().to_path_buf(),
            dir.path().join("missing.dcm"),
        ]);
        let (mut found, mut opened, mut failed, mut bad) = (0, 0, 0, 0);
        loop {
            match loader.recv_timeout(Duration::from_secs(5)) {
                Some(LoadEvent::Found { id, .. }) => {
                    assert!(id.0 >= 10);
                    found += 1;
                }
                Some(LoadEvent::Opened { thumbnail, .. }) => {
                    assert_eq!(thumbnail.map(|t| t.size), Some([4, 2]));
                    opened += 1;
                }
                Some(LoadEvent::Failed { error, .. }) => {
                    assert!(error.contains("b.dcm"));
                    failed += 1;
                }
                Some(LoadEvent::BadPath { .. }) => bad += 1,
                Some(LoadEvent::Done) => break,
                None => panic!("loader timed out"),
            }
        }
        assert_eq!((found, opened, failed, bad), (3, 2, 1, 1));
    }

    #[test]
    fn color_image_checks_length_and_thumbnail_scales() {
        assert!(color_image([2, 2], &[0; 11]).is_err());
        assert_eq!(
            color_image([2, 2], &[0; 12]).expect("test value").size,
            [2, 2]
        );
        let big = color_image([400, 300], &vec![200u8; 400 * 300 * 3]).expect("test value");
        let t = thumbnail(&big).expect("test value");
        assert_eq!(t.size, [THUMBNAIL_WIDTH, 72]);
        assert_eq!(t.pixels[0], Color32::from_rgb(200, 200, 200));
        assert!(thumbnail(&ColorImage::new([0, 10], Vec::new())).is_none());
    }
}
