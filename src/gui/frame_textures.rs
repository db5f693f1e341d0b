//! The decoded frames of one loop as textures, bounded: a least-recently-used set sized from a
//! byte budget and the frame size (RGBA8 textures, 4 bytes a pixel), so a 1000-frame loop holds
//! no more textures than a short one. Frames are marked used when inserted and when shown; the
//! decode-ahead window ([`FrameTextures::decode_ahead`]) is half the capacity, so frames
//! decoded ahead of the playhead never push out the frame on screen.
//!
//! Generic over the texture type so the policy is tested without a GPU.

use std::collections::BTreeMap;

/// Texture budget of the main viewer: 192 MiB (≈ 66 frames of 1016×708, 160 of 640×480).
pub const VIEWER_TEXTURE_BYTES: usize = 192 * 1024 * 1024;
/// Texture budget of each compare pane: 96 MiB.
pub const PANE_TEXTURE_BYTES: usize = 96 * 1024 * 1024;
/// Fewest textures kept, whatever the frame size.
pub const MIN_TEXTURES: usize = 8;

/// A bounded LRU of frame textures keyed by frame index.
#[derive(Debug)]
pub struct FrameTextures<T> {
    budget_bytes: usize,
    capacity: usize,
    entries: BTreeMap<usize, (T, u64)>,
    tick: u64,
}

impl<T> FrameTextures<T> {
    /// An empty set holding at most `budget_bytes` of RGBA8 textures (at least
    /// [`MIN_TEXTURES`]); the frame count follows from the first frame's size.
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget_bytes,
            capacity: MIN_TEXTURES,
            entries: BTreeMap::new(),
            tick: 0,
        }
    }

    /// Textures kept at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many frames ahead of the playhead to decode: half the capacity.
    pub fn decode_ahead(&self) -> usize {
        (self.capacity / 2).max(1)
    }

    /// Textures held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no texture is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether frame `i` has a texture.
    pub fn contains(&self, i: usize) -> bool {
        self.entries.contains_key(&i)
    }

    /// The texture of frame `i`.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.entries.get(&i).map(|(t, _)| t)
    }

    /// Frame indices with a texture, ascending.
    pub fn frames(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.keys().copied()
    }

    /// Marks frame `i` as just used (the frame on screen).
    pub fn touch(&mut self, i: usize) {
        self.tick += 1;
        let tick = self.tick;
        if let Some((_, used)) = self.entries.get_mut(&i) {
            *used = tick;
        }
    }

    /// Sizes the capacity for frames of `size = [width, height]` (done by every insert too).
    pub fn set_frame_size(&mut self, size: [usize; 2]) {
        let frame_bytes = size[0].saturating_mul(size[1]).saturating_mul(4).max(1);
        self.capacity = (self.budget_bytes / frame_bytes).max(MIN_TEXTURES);
    }

    /// Adds frame `i` of `size = [width, height]` and returns the frames evicted to stay within
    /// the capacity (least recently used first).
    pub fn insert(&mut self, i: usize, size: [usize; 2], texture: T) -> Vec<usize> {
        self.set_frame_size(size);
        self.tick += 1;
        self.entries.insert(i, (texture, self.tick));
        let mut evicted = Vec::new();
        while self.entries.len() > self.capacity {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(&k, _)| k)
            else {
                break;
            };
            self.entries.remove(&oldest);
            evicted.push(oldest);
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_follows_the_budget_and_least_recent_goes_first() {
        // 10×10 RGBA = 400 bytes a frame: 4000 bytes hold 10, but never fewer than 8.
        let mut t = FrameTextures::new(4000);
        assert!(t.is_empty());
        for i in 0..10 {
            assert!(t.insert(i, [10, 10], i).is_empty());
        }
        assert_eq!((t.capacity(), t.len(), t.decode_ahead()), (10, 10, 5));
        t.touch(0);
        assert_eq!(t.insert(10, [10, 10], 10), vec![1]);
        assert!(t.contains(0) && !t.contains(1));
        assert_eq!(t.get(10), Some(&10));
        let mut sized = FrameTextures::<u8>::new(4000);
        sized.set_frame_size([5, 10]);
        assert_eq!((sized.capacity(), sized.decode_ahead()), (20, 10));
        let mut small = FrameTextures::new(1);
        for i in 0..20 {
            small.insert(i, [1000, 1000], i);
        }
        assert_eq!(small.len(), MIN_TEXTURES);
        assert_eq!(small.frames().next(), Some(12));
    }
}
