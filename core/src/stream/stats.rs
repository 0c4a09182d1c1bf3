//! Deterministic counters of one stream: what was received, skipped and out of sequence.

/// Counters kept by a [`ResponseStream`](super::ResponseStream); none of them is fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamStats {
    /// Body bytes received (including bytes ignored after the terminal outcome).
    pub bytes_received: u64,
    /// SSE events dispatched by the decoder and interpreted (up to the terminal outcome).
    pub events: u64,
    /// Events of a type this crate does not know (kept as raw events).
    pub unknown_events: u64,
    /// Non-terminal events whose payload failed to parse; they were skipped.
    pub malformed_events: u64,
    /// Events skipped because they exceeded the configured size cap.
    pub oversized_events: u64,
    /// Events whose `sequence_number` was not one more than the previous one.
    pub sequence_gaps: u64,
    /// Times the stream was resumed after a cut (background responses).
    pub resumes: u64,
    /// Events of a resumed stream dropped because they had been delivered before the cut.
    pub resume_duplicates: u64,
}

/// Tracks `sequence_number`s: the last one seen and how often the sequence jumped.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SequenceTracker {
    last: Option<u64>,
}

impl SequenceTracker {
    /// Records a sequence number; returns true when it does not follow the previous one.
    pub(crate) fn observe(&mut self, sequence_number: u64) -> bool {
        let gap = match self.last {
            Some(last) => last.checked_add(1) != Some(sequence_number),
            None => false,
        };
        self.last = Some(sequence_number);
        gap
    }

    /// The last sequence number seen.
    pub(crate) fn last(&self) -> Option<u64> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_jumps_and_repeats_but_not_the_first_number() {
        let mut tracker = SequenceTracker::default();
        assert!(!tracker.observe(5));
        assert!(!tracker.observe(6));
        assert!(tracker.observe(9));
        assert!(tracker.observe(9));
        assert!(tracker.observe(3));
        assert_eq!(tracker.last(), Some(3));
    }
}
