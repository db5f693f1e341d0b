//! Long-loop playback, run in a child process so its peak resident memory (`VmHWM` of
//! `/proc/self/status`) is its own: the viewer's pieces — `frame-decode` thread, bounded texture
//! LRU ([`FrameTextures`]) holding real egui textures, the cine clock — open a loop, play it
//! through once at its native rate, then (one loop) scrub it end to end, frame by frame.
//! Four loops play at once as in the compare layout (one decode thread and one texture budget
//! per pane). egui's texture deltas are taken every tick, as the renderer does.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use echolab::gui::background::{DecodeTarget, Decoder, FrameSource};
use echolab::gui::dicom_file;
use echolab::gui::document::FileId;
use echolab::gui::frame_textures::FrameTextures;
use echolab::gui::library::ImageFile;
use echolab::gui::viewer::cine::Cine;

/// What one child run measured, printed as one JSON line.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Loops played at once.
    pub loops: usize,
    /// Frames per loop.
    pub frames: usize,
    /// Native frame rate, fps.
    pub native_fps: f64,
    /// Header read and frames indexed (open), ms, worst loop.
    pub open_ms: f64,
    /// From the end of the open to frame 0 ready as a texture, ms, worst loop.
    pub first_frame_ms: f64,
    /// Frames advanced by playback, all loops.
    pub frames_played: u64,
    /// Times playback had to wait for a frame (dropped frames), all loops.
    pub stalls: u64,
    /// Wall time of the play-through, s.
    pub play_s: f64,
    /// Wall time of the end-to-end scrub (every frame shown once), s; 0 when not scrubbed.
    pub scrub_s: f64,
    /// Textures kept at most per loop (the LRU capacity).
    pub texture_capacity: usize,
    /// Most textures held at once, all loops.
    pub max_textures: usize,
    /// Their size as RGBA8 (GPU memory; in process memory too under software rendering), MB.
    pub texture_mb: f64,
    /// Decode errors.
    pub errors: usize,
    /// Peak resident memory of the process, MB.
    pub peak_rss_mb: f64,
}

struct Loop {
    id: FileId,
    file: Arc<dyn ImageFile>,
    decoder: Decoder,
    textures: FrameTextures<egui::TextureHandle>,
    cine: Cine,
    durations: Vec<f64>,
    opened_at: f64,
    first_at: Option<f64>,
    errors: usize,
}

impl Loop {
    fn retarget(&self) {
        self.decoder.set_target(DecodeTarget {
            file: self.id,
            source: Arc::clone(&self.file) as Arc<dyn FrameSource>,
            playhead: self.cine.frame,
            ahead: self.textures.decode_ahead(),
        });
    }

    fn drain(&mut self, ctx: &egui::Context, now: f64) {
        while let Some(d) = self.decoder.try_recv() {
            match d.image {
                Ok(image) => {
                    let size = image.size;
                    let name = format!("frame-{}-{}", self.id.0, d.frame);
                    let texture = ctx.load_texture(name, image, egui::TextureOptions::LINEAR);
                    let evicted = self.textures.insert(d.frame, size, texture);
                    self.decoder.evicted(self.id, evicted);
                    self.textures.touch(self.cine.frame);
                    if d.frame == 0 && self.first_at.is_none() {
                        self.first_at = Some(now);
                    }
                }
                Err(_) => self.errors += 1,
            }
        }
    }

    fn show(&mut self, frame: usize) {
        let n = self.durations.len();
        self.cine.seek(frame, n);
        self.textures.touch(frame);
        self.retarget();
    }
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One frame of the "GUI": hand the texture uploads and frees to nobody, as a renderer would.
fn end_frame(ctx: &egui::Context) {
    let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
    output.textures_delta.clear();
}

/// Plays `loops` copies of `path` at once (budget bytes of textures each), then scrubs when
/// `scrub`. Runs in the child process.
pub fn run(path: &Path, loops: usize, budget: usize, scrub: bool) -> Result<Report, String> {
    let ctx = egui::Context::default();
    let clock = Instant::now();
    let now = || clock.elapsed().as_secs_f64();
    let mut all = Vec::new();
    let mut open_ms = 0.0f64;
    for k in 0..loops {
        let started = now();
        let file = dicom_file::open(path)?;
        let opened_at = now();
        open_ms = open_ms.max((opened_at - started) * 1000.0);
        let durations = file.info().frame_durations_s.clone();
        let mut textures = FrameTextures::new(budget);
        textures.set_frame_size(file.info().size);
        let decoder = Decoder::spawn(|| {}).map_err(|e| e.to_string())?;
        let l = Loop {
            id: FileId(k as u32),
            file,
            decoder,
            textures,
            cine: Cine::default(),
            durations,
            opened_at,
            first_at: None,
            errors: 0,
        };
        l.retarget();
        all.push(l);
        // The app opens each file on a background thread and keeps drawing; this harness
        // opens on its own thread, so it waits here for each loop's first frame rather than
        // counting the next loops' opening as that loop's latency.
        while let Some(l) = all.last_mut()
            && l.first_at.is_none()
            && l.errors == 0
        {
            if now() - opened_at > 30.0 {
                return Err("no first frame within 30 s".to_owned());
            }
            l.drain(&ctx, now());
            end_frame(&ctx);
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    let frames = all.first().map_or(0, |l| l.durations.len());
    let play_start = now();
    // Most textures held at once, summed over the loops.
    let mut max_textures = 0;
    // Play: each loop starts when its frame 0 is on screen and stops after one pass.
    loop {
        let t = now();
        let mut done = true;
        for l in &mut all {
            l.drain(&ctx, t);
            if l.first_at.is_some() && !l.cine.playing && l.cine.frames_played == 0 {
                l.cine.set_playing(true);
            }
            let before = l.cine.frame;
            let textures = &l.textures;
            l.cine.tick(t, &l.durations, |i| textures.contains(i));
            if l.cine.frame != before {
                l.textures.touch(l.cine.frame);
                l.retarget();
            }
            if l.cine.frames_played + 1 >= frames as u64 {
                l.cine.set_playing(false);
            } else {
                done = false;
            }
        }
        max_textures = max_textures.max(all.iter().map(|l| l.textures.len()).sum());
        end_frame(&ctx);
        if done {
            break;
        }
        if t - play_start > frames as f64 * 0.2 + 60.0 {
            return Err("playback did not finish".to_owned());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let play_s = now() - play_start;
    let mut scrub_s = 0.0;
    if scrub && let Some(l) = all.first_mut() {
        let started = now();
        for frame in 0..frames {
            l.show(frame);
            while !l.textures.contains(frame) {
                l.drain(&ctx, now());
                end_frame(&ctx);
                if now() - started > 600.0 {
                    return Err(format!("scrubbing stuck at frame {frame}"));
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            max_textures = max_textures.max(l.textures.len());
            end_frame(&ctx);
        }
        scrub_s = now() - started;
    }
    let first_frame_ms = all
        .iter()
        .map(|l| (l.first_at.unwrap_or(f64::INFINITY) - l.opened_at) * 1000.0)
        .fold(0.0, f64::max);
    Ok(Report {
        loops,
        frames,
        native_fps: all
            .first()
            .and_then(|l| l.file.info().frame_rate())
            .unwrap_or(f64::NAN),
        open_ms,
        first_frame_ms,
        frames_played: all.iter().map(|l| l.cine.frames_played).sum(),
        stalls: all.iter().map(|l| l.cine.stalls).sum(),
        play_s,
        scrub_s,
        texture_capacity: all.first().map_or(0, |l| l.textures.capacity()),
        max_textures,
        texture_mb: all.first().map_or(0.0, |l| {
            let [w, h] = l.file.info().size;
            (max_textures * w * h * 4) as f64 / (1024.0 * 1024.0)
        }),
        errors: all.iter().map(|l| l.errors).sum(),
        peak_rss_mb: peak_rss_mb(),
    })
}
