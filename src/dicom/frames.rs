//! Decoded frame types: display RGB8 frames and the "reference samples" form with its
//! SHA-256, mean and 16×16 thumbnail (defined like `reference.json`).

use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// A frame ready to display: `width × height` pixels, RGB8, row-major, interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbFrame {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
}

impl RgbFrame {
    /// The RGB triple at column `x`, row `y`, if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (y as usize * self.width as usize + x as usize) * 3;
        let p = self.rgb.get(at..at + 3)?;
        Some([p[0], p[1], p[2]])
    }
}

/// A frame's 8-bit samples as reference.json defines them: `rows × columns × channels`,
/// row-major, interleaved; 1 channel for MONOCHROME (as stored), 3 (RGB) for every colour
/// interpretation; palette entries reduced to their high byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSamples {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// 1 or 3.
    pub channels: u8,
    /// The samples.
    pub data: Vec<u8>,
}

/// Summary of one frame for `echolab frames`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameDigest {
    /// 0-based frame index.
    pub index: u32,
    /// SHA-256 of the reference samples, lowercase hex.
    pub sha256: String,
    /// Mean of all reference samples.
    pub mean: f64,
}

impl FrameSamples {
    /// SHA-256 of the samples, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(&self.data))
    }

    /// Mean over all samples.
    pub fn mean(&self) -> f64 {
        if self.data.is_empty() {
            return 0.0;
        }
        let sum: u64 = self.data.iter().map(|&v| u64::from(v)).sum();
        sum as f64 / self.data.len() as f64
    }

    /// Mean of each channel.
    pub fn channel_means(&self) -> Vec<f64> {
        let channels = usize::from(self.channels.max(1));
        let mut sums = vec![0u64; channels];
        for px in self.data.chunks_exact(channels) {
            for (sum, &v) in sums.iter_mut().zip(px) {
                *sum += u64::from(v);
            }
        }
        let pixels = (self.data.len() / channels).max(1) as f64;
        sums.into_iter().map(|s| s as f64 / pixels).collect()
    }

    /// 16×16 block means per channel: block `i` spans `[floor(i·n/16), floor((i+1)·n/16))`
    /// on each axis (`thumb[row][col][channel]`), not rounded.
    pub fn thumb16(&self) -> Vec<Vec<Vec<f64>>> {
        let channels = usize::from(self.channels.max(1));
        let (w, h) = (self.width as usize, self.height as usize);
        let bounds = |i: usize, n: usize| (i * n / 16, (i + 1) * n / 16);
        (0..16)
            .map(|bi| {
                let (r0, r1) = bounds(bi, h);
                (0..16)
                    .map(|bj| {
                        let (c0, c1) = bounds(bj, w);
                        let mut sums = vec![0u64; channels];
                        for r in r0..r1 {
                            let row = self
                                .data
                                .get((r * w + c0) * channels..(r * w + c1) * channels);
                            for px in row.unwrap_or_default().chunks_exact(channels) {
                                for (sum, &v) in sums.iter_mut().zip(px) {
                                    *sum += u64::from(v);
                                }
                            }
                        }
                        let count = ((r1 - r0) * (c1 - c0)).max(1) as f64;
                        sums.into_iter().map(|s| s as f64 / count).collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// The digest printed by `echolab frames`.
    pub fn digest(&self, index: u32) -> FrameDigest {
        FrameDigest {
            index,
            sha256: self.sha256_hex(),
            mean: self.mean(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn digest_and_thumb() {
        let samples = FrameSamples {
            width: 32,
            height: 16,
            channels: 1,
            data: (0..512).map(|i| (i % 32) as u8).collect(),
        };
        assert!((samples.mean() - 15.5).abs() < 1e-12);
        let thumb = samples.thumb16();
        assert_eq!(thumb.len(), 16);
        // Block column 1 spans columns 2..4 -> mean 2.5.
        assert!((thumb[0][1][0] - 2.5).abs() < 1e-12);
        assert_eq!(
            FrameSamples {
                width: 0,
                height: 0,
                channels: 1,
                data: vec![]
            }
            .sha256_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
