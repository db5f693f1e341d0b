//! A thread-safe least-recently-used cache of decoded frames, bounded by bytes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::RgbFrame;

/// Default capacity: 256 MiB of RGB frames (≈ 180 frames of 800×600).
pub const DEFAULT_CACHE_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, Default)]
struct Inner {
    /// frame index -> (frame, last use tick)
    entries: BTreeMap<u32, (Arc<RgbFrame>, u64)>,
    bytes: usize,
    tick: u64,
    capacity: usize,
}

impl Inner {
    /// Drops least recently used frames until the held bytes fit the capacity.
    fn evict(&mut self) {
        while self.bytes > self.capacity {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(&i, _)| i)
            else {
                break;
            };
            if let Some((old, _)) = self.entries.remove(&oldest) {
                self.bytes -= old.rgb.len();
            }
        }
    }
}

/// LRU cache of display frames keyed by frame index.
#[derive(Debug)]
pub(crate) struct FrameCache {
    inner: Mutex<Inner>,
}

impl FrameCache {
    /// A cache holding at most `capacity_bytes` of pixel data.
    pub(crate) fn new(capacity_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                capacity: capacity_bytes,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent in a harmful way.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached frame, marking it recently used.
    pub(crate) fn get(&self, index: u32) -> Option<Arc<RgbFrame>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (frame, used) = inner.entries.get_mut(&index)?;
        *used = tick;
        Some(Arc::clone(frame))
    }

    /// Inserts a frame, evicting the least recently used ones beyond capacity.
    /// A frame larger than the whole capacity is not kept.
    pub(crate) fn insert(&self, index: u32, frame: Arc<RgbFrame>) {
        let size = frame.rgb.len();
        let mut inner = self.lock();
        if size > inner.capacity {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((old, _)) = inner.entries.insert(index, (frame, tick)) {
            inner.bytes -= old.rgb.len();
        }
        inner.bytes += size;
        inner.evict();
    }

    /// Changes the capacity, evicting as needed.
    pub(crate) fn set_capacity(&self, capacity_bytes: usize) {
        let mut inner = self.lock();
        inner.capacity = capacity_bytes;
        inner.evict();
    }

    /// Bytes currently held and number of frames.
    pub(crate) fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.bytes, inner.entries.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn frame(bytes: usize) -> Arc<RgbFrame> {
        Arc::new(RgbFrame {
            width: 1,
            height: 1,
            rgb: vec![0; bytes],
        })
    }

    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let cache = FrameCache::new(300);
        cache.insert(0, frame(100));
        cache.insert(1, frame(100));
        cache.insert(2, frame(100));
        assert!(cache.get(0).is_some()); // 0 is now the most recent
        cache.insert(3, frame(100)); // evicts 1
        assert!(cache.get(1).is_none());
        assert!(cache.get(0).is_some());
        assert!(cache.get(2).is_some());
        assert_eq!(cache.usage(), (300, 3));
        cache.insert(4, frame(1000)); // too big to keep
        assert!(cache.get(4).is_none());
        cache.set_capacity(100);
        assert_eq!(cache.usage().1, 1);
    }
}
