//! Cine playback: the frame clock. Frames advance at the file's own frame durations (Frame Time
//! Vector honoured) times the chosen speed. Playback waits on a frame that is not decoded yet
//! instead of skipping it, and counts such waits as stalls.

/// Playback speeds offered (¼× … 2×).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Speed {
    /// ¼×.
    Quarter,
    /// ½×.
    Half,
    /// 1× (native).
    Native,
    /// 2×.
    Double,
}

impl Speed {
    /// All speeds, slowest first.
    pub const ALL: [Speed; 4] = [Speed::Quarter, Speed::Half, Speed::Native, Speed::Double];

    /// The factor applied to the native frame rate.
    pub fn factor(self) -> f64 {
        match self {
            Speed::Quarter => 0.25,
            Speed::Half => 0.5,
            Speed::Native => 1.0,
            Speed::Double => 2.0,
        }
    }

    /// Label for buttons.
    pub fn label(self) -> &'static str {
        match self {
            Speed::Quarter => "¼×",
            Speed::Half => "½×",
            Speed::Native => "1×",
            Speed::Double => "2×",
        }
    }

    /// The next speed in direction `step` (−1 slower, +1 faster), clamped.
    pub fn nudged(self, step: i32) -> Speed {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(2) as i64;
        let j = (i + i64::from(step)).clamp(0, Self::ALL.len() as i64 - 1);
        Self::ALL.get(j as usize).copied().unwrap_or(Speed::Native)
    }
}

/// Longest wall-clock step taken in one tick (after a hidden window, a debugger pause …).
const MAX_TICK_S: f64 = 0.5;

/// The cine state of the file being shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Cine {
    /// Current frame index.
    pub frame: usize,
    /// Whether playback runs.
    pub playing: bool,
    /// Playback speed.
    pub speed: Speed,
    /// Whether playback wraps to the first frame at the end.
    pub looping: bool,
    /// Seconds of native time spent on the current frame.
    elapsed_in_frame_s: f64,
    /// The clock at the previous tick.
    last_tick_s: Option<f64>,
    /// Times playback had to wait for a frame that was not decoded yet.
    pub stalls: u64,
    /// Frames advanced by playback.
    pub frames_played: u64,
}

impl Default for Cine {
    fn default() -> Self {
        Self {
            frame: 0,
            playing: false,
            speed: Speed::Native,
            looping: true,
            elapsed_in_frame_s: 0.0,
            last_tick_s: None,
            stalls: 0,
            frames_played: 0,
        }
    }
}

impl Cine {
    /// Starts or pauses playback.
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
        self.last_tick_s = None;
    }

    /// Jumps to `frame` (clamped to `frame_count`), pausing nothing.
    pub fn seek(&mut self, frame: usize, frame_count: usize) {
        self.frame = frame.min(frame_count.saturating_sub(1));
        self.elapsed_in_frame_s = 0.0;
    }

    /// Steps by `delta` frames, wrapping around when looping, and pauses playback.
    pub fn step(&mut self, delta: i64, frame_count: usize) {
        self.set_playing(false);
        if frame_count == 0 {
            return;
        }
        let n = frame_count as i64;
        let target = self.frame as i64 + delta;
        let target = if self.looping {
            target.rem_euclid(n)
        } else {
            target.clamp(0, n - 1)
        };
        self.seek(target as usize, frame_count);
    }

    /// Advances the clock to `now_s` (seconds). `durations_s[i]` is frame `i`'s native duration;
    /// `ready(i)` says whether frame `i` is decoded. Returns the seconds until the next frame
    /// change, for scheduling a repaint, or None when not playing.
    pub fn tick(
        &mut self,
        now_s: f64,
        durations_s: &[f64],
        ready: impl Fn(usize) -> bool,
    ) -> Option<f64> {
        let n = durations_s.len();
        if !self.playing || n < 2 {
            self.last_tick_s = Some(now_s);
            return None;
        }
        let dt = match self.last_tick_s {
            Some(last) => (now_s - last).clamp(0.0, MAX_TICK_S),
            None => 0.0,
        };
        self.last_tick_s = Some(now_s);
        self.elapsed_in_frame_s += dt * self.speed.factor();
        loop {
            let duration = frame_duration(durations_s, self.frame);
            if self.elapsed_in_frame_s < duration {
                return Some((duration - self.elapsed_in_frame_s) / self.speed.factor());
            }
            let next = if self.frame + 1 < n {
                self.frame + 1
            } else if self.looping {
                0
            } else {
                self.playing = false;
                self.elapsed_in_frame_s = 0.0;
                return None;
            };
            if !ready(next) {
                // Hold the current frame until the next one is decoded.
                self.stalls += 1;
                self.elapsed_in_frame_s = duration;
                return Some(0.005);
            }
            self.elapsed_in_frame_s -= duration;
            self.frame = next;
            self.frames_played += 1;
        }
    }
}

/// A frame's duration, never zero or negative (a broken timing tag must not hang playback).
fn frame_duration(durations_s: &[f64], frame: usize) -> f64 {
    durations_s
        .get(frame)
        .copied()
        .filter(|d| d.is_finite() && *d > 0.001)
        .unwrap_or(1.0 / 30.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_at_the_native_frame_times() {
        let durations = [0.1, 0.2, 0.1];
        let mut cine = Cine::default();
        cine.set_playing(true);
        cine.tick(0.0, &durations, |_| true);
        cine.tick(0.05, &durations, |_| true);
        assert_eq!(cine.frame, 0);
        cine.tick(0.11, &durations, |_| true);
        assert_eq!(cine.frame, 1);
        // Frame 1 lasts 0.2 s (Frame Time Vector honoured).
        cine.tick(0.25, &durations, |_| true);
        assert_eq!(cine.frame, 1);
        let wait = cine.tick(0.31, &durations, |_| true);
        assert_eq!(cine.frame, 2);
        assert!(wait.expect("playing") > 0.0);
        // Loop wraps.
        cine.tick(0.42, &durations, |_| true);
        assert_eq!(cine.frame, 0);
        assert_eq!(cine.frames_played, 3);
    }

    #[test]
    fn speed_scales_time_and_stops_at_end_without_loop() {
        let durations = [0.1; 4];
        let mut cine = Cine {
            speed: Speed::Double,
            looping: false,
            ..Cine::default()
        };
        cine.set_playing(true);
        cine.tick(0.0, &durations, |_| true);
        cine.tick(0.1, &durations, |_| true);
        assert_eq!(cine.frame, 2);
        cine.tick(0.3, &durations, |_| true);
        assert_eq!(cine.frame, 3);
        assert!(!cine.playing);
    }

    #[test]
    fn waits_for_undecoded_frames() {
        let durations = [0.1; 4];
        let mut cine = Cine::default();
        cine.set_playing(true);
        cine.tick(0.0, &durations, |_| true);
        cine.tick(0.15, &durations, |i| i < 1);
        assert_eq!(cine.frame, 0);
        assert_eq!(cine.stalls, 1);
        cine.tick(0.16, &durations, |_| true);
        assert_eq!(cine.frame, 1);
    }

    #[test]
    fn step_wraps_when_looping_and_speed_nudges_clamp() {
        let mut cine = Cine::default();
        cine.step(-1, 10);
        assert_eq!(cine.frame, 9);
        cine.looping = false;
        cine.step(5, 10);
        assert_eq!(cine.frame, 9);
        assert_eq!(Speed::Double.nudged(1), Speed::Double);
        assert_eq!(Speed::Native.nudged(-1), Speed::Half);
        assert_eq!(Speed::Quarter.nudged(-3), Speed::Quarter);
    }

    #[test]
    fn bad_durations_do_not_hang() {
        let durations = [0.0, f64::NAN, -1.0];
        let mut cine = Cine::default();
        cine.set_playing(true);
        cine.tick(0.0, &durations, |_| true);
        cine.tick(0.2, &durations, |_| true);
        assert!(cine.frames_played > 0);
    }
}
