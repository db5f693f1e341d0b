//! Undo/redo as a snapshot history of the reading document.
//!
//! The document is small (a few dozen drawings), so a snapshot stack is the simplest robust
//! history. Edits change the live document freely; a *checkpoint* records it as one undo step.
//! A drag therefore becomes one step: points move every frame, the checkpoint comes on
//! `drag_stopped`. The history is never persisted.

/// Most undo steps kept; older ones are dropped.
pub const MAX_UNDO: usize = 200;

/// Snapshot history over a document type `S`.
#[derive(Debug)]
pub struct History<S> {
    /// The state at the last checkpoint.
    committed: S,
    undo: Vec<S>,
    redo: Vec<S>,
}

impl<S: Clone + PartialEq> History<S> {
    /// A history whose first checkpoint is `initial`.
    pub fn new(initial: S) -> Self {
        Self {
            committed: initial,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    /// Records `current` as an undo step if it differs from the last checkpoint.
    /// Returns whether a step was recorded.
    pub fn checkpoint(&mut self, current: &S) -> bool {
        if *current == self.committed {
            return false;
        }
        let previous = std::mem::replace(&mut self.committed, current.clone());
        self.undo.push(previous);
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
        true
    }

    /// The state to restore for an undo, given the live `current` state.
    ///
    /// Uncommitted changes (a drag still in progress) are discarded first; otherwise the last
    /// checkpoint is undone.
    pub fn undo(&mut self, current: &S) -> Option<S> {
        if *current != self.committed {
            return Some(self.committed.clone());
        }
        let previous = self.undo.pop()?;
        let undone = std::mem::replace(&mut self.committed, previous.clone());
        self.redo.push(undone);
        Some(previous)
    }

    /// The state to restore for a redo, if any.
    pub fn redo(&mut self, current: &S) -> Option<S> {
        if *current != self.committed {
            // Live edits since the checkpoint: commit them; nothing to redo after a new edit.
            self.checkpoint(current);
            return None;
        }
        let next = self.redo.pop()?;
        let previous = std::mem::replace(&mut self.committed, next.clone());
        self.undo.push(previous);
        Some(next)
    }

    /// Whether an undo would change anything.
    pub fn can_undo(&self, current: &S) -> bool {
        *current != self.committed || !self.undo.is_empty()
    }

    /// Whether a redo is available.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything and starts again from `state`.
    pub fn reset(&mut self, state: S) {
        self.committed = state;
        self.undo.clear();
        self.redo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_round_trip() {
        let mut doc = vec![1];
        let mut h = History::new(doc.clone());
        doc.push(2);
        assert!(h.checkpoint(&doc));
        doc.push(3);
        assert!(h.checkpoint(&doc));
        assert!(!h.checkpoint(&doc), "no change, no step");
        doc = h.undo(&doc).expect("test value");
        assert_eq!(doc, vec![1, 2]);
        doc = h.undo(&doc).expect("test value");
        assert_eq!(doc, vec![1]);
        assert!(h.undo(&doc).is_none());
        doc = h.redo(&doc).expect("test value");
        assert_eq!(doc, vec![1, 2]);
        doc = h.redo(&doc).expect("test value");
        assert_eq!(doc, vec![1, 2, 3]);
        assert!(h.redo(&doc).is_none());
    }

    #[test]
    fn a_drag_is_one_step_and_undo_mid_drag_reverts_it() {
        let mut doc = vec![0];
        let mut h = History::new(doc.clone());
        // Many frames of a drag mutate the live doc without checkpoints.
        for x in 1..10 {
            doc[0] = x;
        }
        assert!(h.can_undo(&doc));
        // Undo mid-drag restores the checkpoint.
        doc = h.undo(&doc).expect("test value");
        assert_eq!(doc, vec![0]);
        for x in 1..10 {
            doc[0] = x;
        }
        assert!(h.checkpoint(&doc));
        doc = h.undo(&doc).expect("test value");
        assert_eq!(doc, vec![0]);
        assert!(!h.can_undo(&doc));
    }

    #[test]
    fn a_new_edit_clears_redo_and_history_is_capped() {
        let mut doc = 0;
        let mut h = History::new(doc);
        doc = 1;
        h.checkpoint(&doc);
        assert_eq!(h.undo(&doc), Some(0));
        assert!(h.can_redo());
        doc = 5;
        h.checkpoint(&doc);
        assert!(!h.can_redo());
        for i in 0..(MAX_UNDO + 50) {
            doc = 100 + i;
            h.checkpoint(&doc);
        }
        let mut steps = 0;
        while let Some(d) = h.undo(&doc) {
            doc = d;
            steps += 1;
        }
        assert_eq!(steps, MAX_UNDO);
    }
}
