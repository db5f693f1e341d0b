//! Cardiac-phase alignment of two cine loops (baseline vs follow-up).
//!
//! Each loop gets a [`CardiacCycles`]: its frame times and its end-diastolic (ED) times. The ED
//! frames come, in this order of preference, from the ED marks of the reading (the frames of
//! end-diastolic measurements, see [`ed_frames_in_report`]), from the R waves of the file
//! (R Wave Pointer), or else frame 0 with a warning ([`EdSource`]). A frame's cardiac phase is
//! the time since the ED before it as a fraction of that ED-to-ED interval
//! ([`PhasePosition`]); [`align_frame`] maps a frame of one loop to the frame of the other loop
//! at the same phase. Different frame rates and heart rates are handled because phases are
//! fractions of each loop's own cycle.
//!
//! Cycle length of a cycle that does not end inside the loop: the mean of the loop's complete
//! ED-to-ED intervals, else 60000 / Heart Rate, else the loop duration (the loop is assumed to
//! hold one beat).

use serde::Serialize;

use crate::dicom::Timing;
use crate::report::ReadingReport;

/// Catalog ids whose drawings are made on an end-diastolic frame.
pub const ED_MEASUREMENTS: [&str; 2] = ["lv_a4c_ed", "lv_a2c_ed"];

/// Where a loop's ED frames came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdSource {
    /// ED marks of the reading (frames of end-diastolic measurements).
    Marks,
    /// R waves of the file (R Wave Pointer).
    RWaves,
    /// Neither: frame 0 is taken as ED.
    FirstFrame,
}

impl EdSource {
    /// Short text for the viewer (`ED from reading marks`).
    pub fn describe(self) -> &'static str {
        match self {
            EdSource::Marks => "ED from reading marks",
            EdSource::RWaves => "ED from R waves",
            EdSource::FirstFrame => "ED assumed at frame 0 (no marks, no R waves)",
        }
    }
}

/// Where the cycle length of the last (open) cycle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleSource {
    /// Mean of the loop's complete ED-to-ED intervals.
    EdIntervals,
    /// 60000 / Heart Rate (0018,1088).
    HeartRate,
    /// The loop duration (one beat per loop assumed).
    LoopDuration,
}

/// Why a loop cannot be aligned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhaseError {
    /// No frames.
    #[error("the loop has no frames")]
    NoFrames,
    /// Frame times are missing, not finite or decreasing.
    #[error("the frame times are not increasing finite numbers")]
    BadTimes,
}

/// Per-frame times of a loop and the cardiac facts of its file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopTiming {
    /// Time of each frame in ms, one per frame, non-decreasing.
    pub frame_times_ms: Vec<f64>,
    /// Nominal interval between frames (ms), used for the loop duration.
    pub frame_interval_ms: f64,
    /// Heart rate (bpm), when the file gives one.
    pub heart_rate_bpm: Option<f64>,
    /// R-wave frames (0-based) of the file.
    pub r_wave_frames: Vec<usize>,
}

impl From<&Timing> for LoopTiming {
    fn from(t: &Timing) -> Self {
        LoopTiming {
            frame_times_ms: t.frame_times_ms.clone(),
            frame_interval_ms: t.frame_interval_ms,
            heart_rate_bpm: t.heart_rate_bpm,
            r_wave_frames: t.r_wave_frames.iter().map(|&f| f as usize).collect(),
        }
    }
}

impl LoopTiming {
    /// Uniform timing: `frames` frames every `interval_ms`.
    pub fn uniform(frames: usize, interval_ms: f64) -> Self {
        LoopTiming {
            frame_times_ms: (0..frames).map(|i| i as f64 * interval_ms).collect(),
            frame_interval_ms: interval_ms,
            heart_rate_bpm: None,
            r_wave_frames: Vec::new(),
        }
    }
}

/// A position in the cardiac cycle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhasePosition {
    /// Which cycle of the loop (0 = the one starting at the first ED; frames before the first
    /// ED belong to cycle 0 too, at the end of the preceding beat).
    pub cycle: usize,
    /// Time since ED as a fraction of the ED-to-ED interval, in `[0, 1)`.
    pub fraction: f64,
}

/// The cardiac cycles of one loop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardiacCycles {
    frame_times_ms: Vec<f64>,
    ed_frames: Vec<usize>,
    /// Length of each cycle, one per ED (the last from `open_cycle_ms`).
    cycle_ms: Vec<f64>,
    source: EdSource,
    cycle_source: CycleSource,
}

impl CardiacCycles {
    /// The cycles of a loop with `timing`, using `ed_marks` (frames) when given, else the
    /// R waves, else frame 0.
    pub fn new(timing: &LoopTiming, ed_marks: &[usize]) -> Result<Self, PhaseError> {
        let times = &timing.frame_times_ms;
        let n = times.len();
        if n == 0 {
            return Err(PhaseError::NoFrames);
        }
        if times.iter().any(|t| !t.is_finite()) || times.windows(2).any(|w| w[1] < w[0]) {
            return Err(PhaseError::BadTimes);
        }
        let valid = |frames: &[usize]| -> Vec<usize> {
            let mut v: Vec<usize> = frames.iter().copied().filter(|&f| f < n).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let marks = valid(ed_marks);
        let waves = valid(&timing.r_wave_frames);
        let (ed_frames, source) = if !marks.is_empty() {
            (marks, EdSource::Marks)
        } else if !waves.is_empty() {
            (waves, EdSource::RWaves)
        } else {
            (vec![0], EdSource::FirstFrame)
        };
        let ed_times: Vec<f64> = ed_frames
            .iter()
            .filter_map(|&f| times.get(f))
            .copied()
            .collect();
        let intervals: Vec<f64> = ed_times
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.0)
            .collect();
        let interval = if timing.frame_interval_ms.is_finite() && timing.frame_interval_ms > 0.0 {
            timing.frame_interval_ms
        } else {
            0.0
        };
        let loop_ms =
            times.last().copied().unwrap_or(0.0) - times.first().copied().unwrap_or(0.0) + interval;
        let (open_ms, cycle_source) = if !intervals.is_empty() {
            (
                intervals.iter().sum::<f64>() / intervals.len() as f64,
                CycleSource::EdIntervals,
            )
        } else if let Some(hr) = timing.heart_rate_bpm.filter(|h| h.is_finite() && *h > 0.0) {
            (60_000.0 / hr, CycleSource::HeartRate)
        } else {
            (loop_ms, CycleSource::LoopDuration)
        };
        // Guard against zero-length loops (one frame, no interval): any positive length works.
        let open_ms = if open_ms > 0.0 { open_ms } else { 1.0 };
        let cycle_ms = ed_times
            .iter()
            .enumerate()
            .map(|(i, t)| match ed_times.get(i + 1) {
                Some(next) if next > t => next - t,
                _ => open_ms,
            })
            .collect();
        Ok(CardiacCycles {
            frame_times_ms: times.clone(),
            ed_frames,
            cycle_ms,
            source,
            cycle_source,
        })
    }

    /// Number of frames.
    pub fn frame_count(&self) -> usize {
        self.frame_times_ms.len()
    }

    /// The ED frames used, sorted.
    pub fn ed_frames(&self) -> &[usize] {
        &self.ed_frames
    }

    /// Where the ED frames came from.
    pub fn source(&self) -> EdSource {
        self.source
    }

    /// Where the length of the last cycle came from.
    pub fn cycle_source(&self) -> CycleSource {
        self.cycle_source
    }

    /// Length of cycle `cycle` in ms.
    pub fn cycle_ms(&self, cycle: usize) -> Option<f64> {
        self.cycle_ms.get(cycle).copied()
    }

    /// Time of `frame` in ms.
    pub fn time_ms(&self, frame: usize) -> Option<f64> {
        self.frame_times_ms.get(frame).copied()
    }

    /// A warning for the viewer when the alignment rests on an assumption.
    pub fn warning(&self) -> Option<String> {
        match (self.source, self.cycle_source) {
            (EdSource::FirstFrame, CycleSource::LoopDuration) => Some(
                "no ED marks, R waves or heart rate: frame 0 taken as ED and the loop as one beat"
                    .to_owned(),
            ),
            (EdSource::FirstFrame, _) => {
                Some("no ED marks or R waves: frame 0 taken as ED".to_owned())
            }
            (_, CycleSource::LoopDuration) if self.ed_frames.len() < 2 => {
                Some("one ED and no heart rate: the loop is taken as one beat".to_owned())
            }
            _ => None,
        }
    }

    fn ed_time(&self, cycle: usize) -> Option<f64> {
        self.ed_frames
            .get(cycle)
            .and_then(|&f| self.frame_times_ms.get(f))
            .copied()
    }

    /// The cardiac phase of `frame`, or None when the frame does not exist.
    pub fn phase_of(&self, frame: usize) -> Option<PhasePosition> {
        let t = self.time_ms(frame)?;
        let first = self.ed_time(0)?;
        if t < first {
            // Before the first ED: the end of the preceding beat (same length as cycle 0).
            let len = self.cycle_ms(0)?;
            let fraction = (1.0 - (first - t) / len).rem_euclid(1.0);
            return Some(PhasePosition { cycle: 0, fraction });
        }
        let cycle = self
            .ed_frames
            .iter()
            .rposition(|&f| self.frame_times_ms.get(f).is_some_and(|&e| e <= t))
            .unwrap_or(0);
        let start = self.ed_time(cycle)?;
        let len = self.cycle_ms(cycle)?;
        Some(PhasePosition {
            cycle,
            fraction: ((t - start) / len).rem_euclid(1.0),
        })
    }

    /// The frame of this loop nearest to `phase`: in cycle `phase.cycle` (the last cycle when
    /// the loop has fewer), or in the beat before the first ED when that cycle's point lies
    /// after the end of the loop.
    pub fn frame_at(&self, phase: PhasePosition) -> usize {
        let fraction = if phase.fraction.is_finite() {
            phase.fraction.rem_euclid(1.0)
        } else {
            0.0
        };
        let last = self.ed_frames.len().saturating_sub(1);
        let cycle = phase.cycle.min(last);
        let end = self.frame_times_ms.last().copied().unwrap_or(0.0);
        let (Some(start), Some(len)) = (self.ed_time(cycle), self.cycle_ms(cycle)) else {
            return 0;
        };
        let mut target = start + fraction * len;
        if target > end + 0.5 * len.min(self.mean_interval()) {
            // Past the end of the loop: try the same phase in an earlier cycle.
            let earlier = (0..cycle).rev().find_map(|c| {
                let t = self.ed_time(c)? + fraction * self.cycle_ms(c)?;
                (t <= end).then_some(t)
            });
            target = earlier.unwrap_or_else(|| {
                // Before the first ED (the preceding beat), if the loop starts before it.
                let first = self.ed_time(0).unwrap_or(0.0);
                let len0 = self.cycle_ms(0).unwrap_or(len);
                first - (1.0 - fraction) * len0
            });
        }
        self.nearest_frame(target)
    }

    fn mean_interval(&self) -> f64 {
        let n = self.frame_times_ms.len();
        if n < 2 {
            return f64::INFINITY;
        }
        let span = self.frame_times_ms.last().copied().unwrap_or(0.0)
            - self.frame_times_ms.first().copied().unwrap_or(0.0);
        span / (n - 1) as f64
    }

    /// The frame whose time is nearest to `t_ms` (ties: the earlier frame).
    pub fn nearest_frame(&self, t_ms: f64) -> usize {
        let times = &self.frame_times_ms;
        let after = times.partition_point(|&x| x < t_ms);
        match (after.checked_sub(1), times.get(after)) {
            (Some(before), Some(&next)) => {
                let prev = times.get(before).copied().unwrap_or(next);
                if t_ms - prev <= next - t_ms {
                    before
                } else {
                    after
                }
            }
            (Some(before), None) => before,
            (None, _) => 0,
        }
    }
}

/// The frame of loop `to` at the cardiac phase of `frame` in loop `from`.
pub fn align_frame(from: &CardiacCycles, frame: usize, to: &CardiacCycles) -> usize {
    match from.phase_of(frame) {
        Some(phase) => to.frame_at(phase),
        None => 0,
    }
}

/// ED frames recorded by a reading on the image `sop_instance_uid`: the frames of its
/// end-diastolic measurements ([`ED_MEASUREMENTS`]), sorted.
pub fn ed_frames_in_report(report: &ReadingReport, sop_instance_uid: &str) -> Vec<usize> {
    let mut frames: Vec<usize> = report
        .measurements
        .iter()
        .filter(|m| ED_MEASUREMENTS.contains(&m.quantity.as_str()))
        .filter_map(|m| m.geometry.as_ref())
        .filter(|g| g.sop_instance_uid.as_deref() == Some(sop_instance_uid))
        .filter_map(|g| g.frame)
        .collect();
    frames.sort_unstable();
    frames.dedup();
    frames
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cycles(t: &LoopTiming, marks: &[usize]) -> CardiacCycles {
        CardiacCycles::new(t, marks).unwrap()
    }

    #[test]
    fn ed_maps_to_ed_across_frame_rates_and_heart_rates() {
        // Baseline: 30 fps (33.3 ms), R waves at frames 3 and 33 (1000 ms cycle, 60 bpm).
        let mut a = LoopTiming::uniform(60, 1000.0 / 30.0);
        a.r_wave_frames = vec![3, 33];
        // Follow-up: 50 fps (20 ms), ED marks at frames 5 and 40 (700 ms cycle, ~86 bpm).
        let b = LoopTiming::uniform(80, 20.0);
        let ca = cycles(&a, &[]);
        let cb = cycles(&b, &[5, 40]);
        assert_eq!(ca.source(), EdSource::RWaves);
        assert_eq!(cb.source(), EdSource::Marks);
        assert_eq!(align_frame(&ca, 3, &cb), 5);
        assert_eq!(align_frame(&ca, 33, &cb), 40);
        assert_eq!(align_frame(&cb, 5, &ca), 3);
        // Mid-cycle: frame 21 of A is 600 ms after ED = 0.6 of 1000 ms; B's 0.6 of 700 ms is
        // 420 ms after frame 5 (100 ms) = 520 ms = frame 26.
        let p = ca.phase_of(21).unwrap();
        assert_eq!(p.cycle, 0);
        assert!((p.fraction - 0.6).abs() < 1e-9);
        assert_eq!(align_frame(&ca, 21, &cb), 26);
        // Second cycle of A at 25 %: frame 33 + 250 ms = frame 40.5 → 40 (t = 1333.3) vs 41.
        let f = align_frame(&ca, 41, &cb);
        let want = 40.0 + (8.0 * 1000.0 / 30.0 / 1000.0) * 700.0 / 20.0;
        assert!((f as f64 - want).abs() <= 0.5, "{f} vs {want}");
    }

    #[test]
    fn frames_before_the_first_ed_belong_to_the_previous_beat() {
        let mut a = LoopTiming::uniform(40, 25.0);
        a.r_wave_frames = vec![10];
        a.heart_rate_bpm = Some(75.0); // 800 ms
        let ca = cycles(&a, &[]);
        assert_eq!(ca.cycle_source(), CycleSource::HeartRate);
        // Frame 6 is 100 ms before ED: fraction 1 − 100/800.
        let p = ca.phase_of(6).unwrap();
        assert!((p.fraction - 0.875).abs() < 1e-9);
        // Mapped onto a loop that starts at ED, 0.875 of a 640 ms cycle = 560 ms = frame 28.
        let b = LoopTiming::uniform(32, 20.0);
        let cb = cycles(&b, &[]);
        assert_eq!(cb.source(), EdSource::FirstFrame);
        assert_eq!(cb.cycle_source(), CycleSource::LoopDuration);
        assert!(cb.warning().is_some());
        assert_eq!(align_frame(&ca, 6, &cb), 28);
        // And back: frame 28 of B (0.875) lands in A's cycle 0 at 10 + 700/25 = frame 38.
        assert_eq!(align_frame(&cb, 28, &ca), 38);
    }

    #[test]
    fn a_phase_past_the_end_wraps_to_the_beat_before_the_first_ed() {
        // ED at frame 20 of 30 (20 ms), cycle 600 ms from the heart rate (100 bpm): 90 % of
        // the cycle lies after the end, so the preceding beat's 90 % (frame 17) is shown.
        let mut t = LoopTiming::uniform(30, 20.0);
        t.heart_rate_bpm = Some(100.0);
        let c = cycles(&t, &[20]);
        let f = c.frame_at(PhasePosition {
            cycle: 0,
            fraction: 0.9,
        });
        assert_eq!(f, 17);
    }

    #[test]
    fn frame_time_vectors_are_used_as_given() {
        // Alternating 20/30 ms (like the sample A2C), ED at 0, 4 frames per 100 ms.
        let mut times = vec![0.0];
        for i in 1..32 {
            let step = if i % 2 == 1 { 20.0 } else { 30.0 };
            times.push(times[i - 1] + step);
        }
        let t = LoopTiming {
            frame_times_ms: times,
            frame_interval_ms: 30.0,
            heart_rate_bpm: None,
            r_wave_frames: vec![0],
        };
        let c = cycles(&t, &[]);
        assert_eq!(c.cycle_ms(0), Some(800.0));
        let uniform = cycles(&LoopTiming::uniform(32, 25.0), &[]);
        // Frame 12 is at 300 ms in both.
        assert_eq!(align_frame(&uniform, 12, &c), 12);
        assert_eq!(align_frame(&c, 13, &uniform), 13);
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        assert_eq!(
            CardiacCycles::new(&LoopTiming::uniform(0, 20.0), &[]),
            Err(PhaseError::NoFrames)
        );
        let mut t = LoopTiming::uniform(3, 20.0);
        t.frame_times_ms[2] = f64::NAN;
        assert_eq!(CardiacCycles::new(&t, &[]), Err(PhaseError::BadTimes));
        // Out-of-range marks are ignored; a single frame still works.
        let one = cycles(&LoopTiming::uniform(1, 0.0), &[7]);
        assert_eq!(one.source(), EdSource::FirstFrame);
        assert_eq!(align_frame(&one, 0, &one), 0);
        assert_eq!(align_frame(&one, 5, &one), 0);
    }
}
