//! The decoder's text buffers and the one byte budget they share.
//!
//! Every byte the decoder keeps lives in one of five reused `String`s, or is a value lent from
//! the chunk being scanned (`super::lend`), which counts as if copied and has room reserved
//! in its (then empty) buffer. The combined *length* (lent values included) may never exceed
//! the limit (pushing past it is [`OverBudget`]), and the combined *capacity* never exceeds it
//! either: growth is amortised (doubling) but clamped to the room left, and when a buffer must
//! grow while stale capacity sits in the others, those are shrunk to their contents (and
//! reserved room) first. In steady state (events of similar sizes) nothing is reallocated.
//! Hence text that fits a buffer's spare capacity is within the limit: no sum is needed then.

/// Which buffer a piece of text goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// The pending block's data buffer (values joined by LF).
    Data,
    /// The pending block's event-type buffer.
    Event,
    /// The value of the `id` line being received.
    IdIncoming,
}

/// A push would make the buffers hold more than the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct OverBudget;

/// Smallest capacity a buffer grows to (when the limit leaves room for it).
const MIN_CAPACITY: usize = 64;

/// The five reused buffers and their shared limit.
#[derive(Clone, Default)]
pub(super) struct Buffers {
    /// Data buffer of the pending block.
    pub(super) data: String,
    /// Event-type buffer of the pending block.
    pub(super) event: String,
    /// Value of the `id` line being received.
    pub(super) id_incoming: String,
    /// Last event id set by an `id` line of the pending block (meaningful when flagged).
    pub(super) id_pending: String,
    /// Last event id as of the last blank line: what frames carry and reconnects send.
    pub(super) id_committed: String,
    /// Bytes of the data value lent from the chunk being scanned rather than copied into
    /// `data` (see `super::lend`): counted as held, and backed by spare capacity of `data`.
    pub(super) lent_data: usize,
    /// The same for the event type and `event`.
    pub(super) lent_event: usize,
    /// Maximum combined length and capacity, in bytes.
    pub(super) limit: usize,
}

impl Buffers {
    /// Creates empty buffers with the given limit.
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Bytes currently held (combined length, plus the values lent from the chunk).
    pub(super) fn held(&self) -> usize {
        self.lent_data
            + self.lent_event
            + self.all().iter().map(|buffer| buffer.len()).sum::<usize>()
    }

    /// Bytes currently allocated (combined capacity).
    pub(super) fn capacity(&self) -> usize {
        self.all().iter().map(|buffer| buffer.capacity()).sum()
    }

    /// Appends `text` to `slot`, within the budget.
    #[inline]
    pub(super) fn push(&mut self, slot: Slot, text: &str) -> Result<(), OverBudget> {
        let buffer = self.slot_mut(slot);
        // Fast path, exact: the buffers' combined capacity never exceeds the limit and lent
        // values are backed by spare capacity of their (otherwise empty) buffers, so text that
        // fits in the spare capacity of its buffer keeps the bytes held within the limit too.
        // (Nothing is pushed to a buffer while its own value is lent.)
        if text.len() <= buffer.capacity() - buffer.len() {
            buffer.push_str(text);
            return Ok(());
        }
        self.push_slow(slot, text)
    }

    /// Bytes `slot` can take without growing: text up to this long is within the limit (see
    /// [`push`](Self::push)).
    #[inline]
    pub(super) fn spare(&mut self, slot: Slot) -> usize {
        let buffer = self.slot_mut(slot);
        buffer.capacity() - buffer.len()
    }

    /// [`push`](Self::push) when the buffer may have to grow.
    #[inline(never)]
    fn push_slow(&mut self, slot: Slot, text: &str) -> Result<(), OverBudget> {
        self.reserve(slot, text.len())?;
        self.slot_mut(slot).push_str(text);
        Ok(())
    }

    /// Ensures `slot` has room for `additional` more bytes, within the limit, without
    /// pushing them (for a value about to be lent; the caller then counts it as lent).
    #[inline]
    pub(super) fn make_room(&mut self, slot: Slot, additional: usize) -> Result<(), OverBudget> {
        let buffer = self.slot_mut(slot);
        if additional <= buffer.capacity() - buffer.len() {
            return Ok(());
        }
        self.reserve(slot, additional)
    }

    /// Ensures `slot` can take `additional` more bytes without exceeding the limit.
    #[inline(never)]
    fn reserve(&mut self, slot: Slot, additional: usize) -> Result<(), OverBudget> {
        if additional > self.limit.saturating_sub(self.held()) {
            return Err(OverBudget);
        }
        let (len, capacity) = {
            let buffer = self.slot_mut(slot);
            (buffer.len(), buffer.capacity())
        };
        let needed = len + additional;
        if needed <= capacity {
            return Ok(());
        }
        let mut others = self.capacity() - capacity;
        if others + needed > self.limit {
            self.shrink_all_but(slot);
            others = self.capacity() - capacity;
        }
        // `others` now equals the other buffers' held bytes (lengths and lent values), so the
        // held check above leaves room.
        let room = self.limit.saturating_sub(others);
        let target = capacity
            .saturating_mul(2)
            .max(MIN_CAPACITY)
            .min(room)
            .max(needed);
        self.slot_mut(slot).reserve_exact(target - len);
        Ok(())
    }

    /// Releases the spare capacity of every buffer except `slot` (keeping what backs a lent
    /// value).
    fn shrink_all_but(&mut self, slot: Slot) {
        let keep = match slot {
            Slot::Data => 0,
            Slot::Event => 1,
            Slot::IdIncoming => 2,
        };
        let backing = [self.lent_data, self.lent_event, 0, 0, 0];
        for (index, buffer) in self.all_mut().into_iter().enumerate() {
            if index != keep {
                let backed = backing.get(index).copied().unwrap_or(0);
                buffer.shrink_to(buffer.len() + backed);
            }
        }
    }

    #[inline]
    fn slot_mut(&mut self, slot: Slot) -> &mut String {
        match slot {
            Slot::Data => &mut self.data,
            Slot::Event => &mut self.event,
            Slot::IdIncoming => &mut self.id_incoming,
        }
    }

    fn all(&self) -> [&String; 5] {
        [
            &self.data,
            &self.event,
            &self.id_incoming,
            &self.id_pending,
            &self.id_committed,
        ]
    }

    fn all_mut(&mut self) -> [&mut String; 5] {
        [
            &mut self.data,
            &mut self.event,
            &mut self.id_incoming,
            &mut self.id_pending,
            &mut self.id_committed,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::{Buffers, OverBudget, Slot};

    #[test]
    fn refuses_past_the_limit_and_keeps_capacity_within_it() {
        let mut buffers = Buffers::new(100);
        buffers.push(Slot::Data, &"a".repeat(60)).unwrap();
        assert_eq!(buffers.push(Slot::Event, &"b".repeat(41)), Err(OverBudget));
        buffers.push(Slot::Event, &"b".repeat(40)).unwrap();
        assert!(buffers.capacity() <= 100);
        buffers.data.clear();
        buffers.event.clear();
        // Stale capacity in `data` is released so that `id_incoming` may use the room.
        buffers.push(Slot::IdIncoming, &"c".repeat(100)).unwrap();
        assert!(buffers.capacity() <= 100, "{}", buffers.capacity());
    }
}
