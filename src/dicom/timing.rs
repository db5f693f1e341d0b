//! Cine timing (PS3.3 C.7.6.5 Cine module, reference §6.2): per-frame times in ms from
//! Frame Time Vector, else Frame Time, else Cine Rate or Recommended Display Frame Rate,
//! else an explicit "unknown, assumed N fps" marker. Heart rate and R-wave frames.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use super::attrs;

/// Frame rate assumed when a file states no timing at all.
pub const ASSUMED_FPS: f64 = 30.0;

/// Where the frame times came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimingSource {
    /// Frame Time Vector (0018,1065): per-frame increments.
    FrameTimeVector,
    /// Frame Time (0018,1063): constant interval.
    FrameTime,
    /// Cine Rate (0018,0040), frames per second.
    CineRate,
    /// Recommended Display Frame Rate (0008,2144), frames per second.
    RecommendedDisplayFrameRate,
    /// Nothing usable in the file; times assume this rate.
    Assumed {
        /// The assumed frames per second.
        fps: f64,
    },
}

/// Frame times and cardiac timing of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Time of each frame in ms, first frame 0, one per frame.
    pub frame_times_ms: Vec<f64>,
    /// Where the times came from.
    pub source: TimingSource,
    /// Nominal interval between frames in ms (mean for a vector).
    pub frame_interval_ms: f64,
    /// Heart Rate (0018,1088) in beats per minute, when a positive value is present.
    pub heart_rate_bpm: Option<f64>,
    /// R-wave frames (0-based) from R Wave Pointer (0028,6040), within the loop.
    pub r_wave_frames: Vec<u32>,
}

impl Timing {
    /// True when the times are a guess (no timing attribute in the file).
    pub fn is_assumed(&self) -> bool {
        matches!(self.source, TimingSource::Assumed { .. })
    }

    /// Frames per second implied by the nominal interval.
    pub fn fps(&self) -> f64 {
        if self.frame_interval_ms > 0.0 {
            1000.0 / self.frame_interval_ms
        } else {
            ASSUMED_FPS
        }
    }

    /// Duration of the loop (time of the last frame plus one interval), in ms.
    pub fn loop_duration_ms(&self) -> f64 {
        self.frame_times_ms.last().copied().unwrap_or(0.0) + self.frame_interval_ms
    }

    /// The frame shown at `time_ms` from the start (the last frame whose time is ≤ it).
    pub fn frame_at(&self, time_ms: f64) -> u32 {
        let count = self.frame_times_ms.partition_point(|&t| t <= time_ms);
        u32::try_from(count.saturating_sub(1)).unwrap_or(0)
    }

    /// Reads timing attributes for a loop of `frames` frames.
    pub(crate) fn from_dataset(obj: &InMemDicomObject, frames: u32) -> Self {
        let n = frames.max(1) as usize;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let from_vector = attrs::floats(obj, tags::FRAME_TIME_VECTOR).and_then(|v| {
            // One increment per frame, the first being 0 (ignored whatever it says).
            (v.len() == n && v.iter().skip(1).all(|&d| positive(d))).then(|| {
                let mut t = 0.0;
                let times: Vec<f64> = v
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| {
                        if i > 0 {
                            t += d;
                        }
                        t
                    })
                    .collect();
                times
            })
        });
        let (frame_times_ms, source, interval) = if let Some(times) = from_vector.filter(|_| n > 1)
        {
            let interval = times.last().copied().unwrap_or(0.0) / (n - 1) as f64;
            (times, TimingSource::FrameTimeVector, interval)
        } else if let Some(ft) = attrs::float(obj, tags::FRAME_TIME).filter(|&v| positive(v)) {
            (uniform(n, ft), TimingSource::FrameTime, ft)
        } else if let Some(rate) = attrs::float(obj, tags::CINE_RATE).filter(|&v| positive(v)) {
            (
                uniform(n, 1000.0 / rate),
                TimingSource::CineRate,
                1000.0 / rate,
            )
        } else if let Some(rate) =
            attrs::float(obj, tags::RECOMMENDED_DISPLAY_FRAME_RATE).filter(|&v| positive(v))
        {
            let ft = 1000.0 / rate;
            (
                uniform(n, ft),
                TimingSource::RecommendedDisplayFrameRate,
                ft,
            )
        } else {
            let ft = 1000.0 / ASSUMED_FPS;
            (
                uniform(n, ft),
                TimingSource::Assumed { fps: ASSUMED_FPS },
                ft,
            )
        };
        let heart_rate_bpm = attrs::float(obj, tags::HEART_RATE).filter(|&v| positive(v));
        let r_wave_frames = attrs::ints(obj, tags::R_WAVE_POINTER)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| u32::try_from(f - 1).ok())
            .filter(|&f| f < frames)
            .collect();
        Self {
            frame_times_ms,
            source,
            frame_interval_ms: interval,
            heart_rate_bpm,
            r_wave_frames,
        }
    }
}

fn uniform(n: usize, interval_ms: f64) -> Vec<f64> {
    (0..n).map(|i| i as f64 * interval_ms).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, VR};

    fn obj(elements: Vec<(dicom_core::Tag, VR, PrimitiveValue)>) -> InMemDicomObject {
        InMemDicomObject::from_element_iter(
            elements
                .into_iter()
                .map(|(tag, vr, value)| DataElement::new(tag, vr, value)),
        )
    }

    #[test]
    fn frame_time_string_with_zeros() {
        let o = obj(vec![(
            tags::FRAME_TIME,
            VR::DS,
            PrimitiveValue::from("76.000000"),
        )]);
        let t = Timing::from_dataset(&o, 3);
        assert_eq!(t.frame_times_ms, vec![0.0, 76.0, 152.0]);
        assert_eq!(t.source, TimingSource::FrameTime);
        assert!(!t.is_assumed());
    }

    #[test]
    fn vector_wins_and_accumulates() {
        let o = obj(vec![
            (tags::FRAME_TIME, VR::DS, PrimitiveValue::from("50")),
            (
                tags::FRAME_TIME_VECTOR,
                VR::DS,
                PrimitiveValue::from("0\\10\\20.5"),
            ),
        ]);
        let t = Timing::from_dataset(&o, 3);
        assert_eq!(t.frame_times_ms, vec![0.0, 10.0, 30.5]);
        assert_eq!(t.source, TimingSource::FrameTimeVector);
        assert_eq!(t.frame_at(29.0), 1);
        assert_eq!(t.frame_at(31.0), 2);
    }

    #[test]
    fn rates_then_assumed() {
        let o = obj(vec![(tags::CINE_RATE, VR::IS, PrimitiveValue::from("25"))]);
        let t = Timing::from_dataset(&o, 2);
        assert_eq!(t.frame_times_ms, vec![0.0, 40.0]);
        let o = obj(vec![
            (tags::HEART_RATE, VR::IS, PrimitiveValue::from("-1")),
            (tags::FRAME_TIME, VR::DS, PrimitiveValue::from("0")),
        ]);
        let t = Timing::from_dataset(&o, 2);
        assert!(t.is_assumed());
        assert_eq!(t.heart_rate_bpm, None);
        assert!((t.frame_times_ms[1] - 1000.0 / ASSUMED_FPS).abs() < 1e-9);
    }

    #[test]
    fn heart_rate_and_r_waves() {
        let o = obj(vec![
            (tags::HEART_RATE, VR::IS, PrimitiveValue::from("72")),
            (
                tags::R_WAVE_POINTER,
                VR::US,
                PrimitiveValue::U16(dicom_core::smallvec::smallvec![1u16, 12, 99]),
            ),
        ]);
        let t = Timing::from_dataset(&o, 20);
        assert_eq!(t.heart_rate_bpm, Some(72.0));
        assert_eq!(t.r_wave_frames, vec![0, 11]);
    }
}
