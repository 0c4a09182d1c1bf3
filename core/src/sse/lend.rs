//! Lines that lie wholly inside the chunk being scanned: the common `event:` and `data:` lines
//! lend their value to the frame as a slice of the chunk instead of copying it into a buffer.
//!
//! A lent value counts against the size limit exactly as if it had been copied (the same
//! checks, line by line), so the outcome never depends on the chunking. Values are lent only
//! while one call of `SseDecoder::scan` lasts: when it runs out of input (or must hand the line
//! to the general path), they are copied into the buffers ([`SseDecoder::keep_lent`]).

use super::budget::{OverBudget, Slot};
use super::decoder::SseDecoder;

/// Values of the pending block lent from the input being scanned.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Lent<'i> {
    /// The block's data (one `data` value; the buffer is then empty). Counted in the budget
    /// with the LF that would follow it.
    pub(super) data: Option<&'i str>,
    /// The block's event type, non-empty (the buffer is then empty).
    pub(super) event: Option<&'i str>,
}

/// What [`SseDecoder::whole_line`] did with a line.
pub(super) enum Whole {
    /// Applied.
    Applied,
    /// A blank line dispatched a frame.
    Dispatched,
    /// Not a line this path handles (nothing was changed): use the general path.
    General,
}

/// The value of a field line: what follows the colon, minus one leading space.
fn value_of(after_colon: &[u8]) -> &[u8] {
    match after_colon {
        [b' ', value @ ..] => value,
        value => value,
    }
}

impl SseDecoder {
    /// Applies a whole line (no terminator) at the start of a line, outside a discarded
    /// block, when it is blank, a comment, or a `data` or `event` line with valid UTF-8.
    #[inline]
    pub(super) fn whole_line<'i>(
        &mut self,
        line: &'i [u8],
        lent: &mut Lent<'i>,
    ) -> Result<Whole, OverBudget> {
        match line {
            [] => Ok(if self.dispatch_lent(lent) {
                Whole::Dispatched
            } else {
                Whole::Applied
            }),
            [b':', ..] => Ok(Whole::Applied),
            [b'd', b'a', b't', b'a', b':', rest @ ..] => self.lend_data(value_of(rest), lent),
            [b'e', b'v', b'e', b'n', b't', b':', rest @ ..] => {
                self.lend_event(value_of(rest), lent)
            }
            _ => Ok(Whole::General),
        }
    }

    /// A `data` value: lent when it is the block's first, appended to the buffer otherwise.
    fn lend_data<'i>(&mut self, value: &'i [u8], lent: &mut Lent<'i>) -> Result<Whole, OverBudget> {
        let Ok(text) = simdutf8::basic::from_utf8(value) else {
            return Ok(Whole::General);
        };
        self.block_has_field = true;
        let buffers = &mut self.buffers;
        if lent.data.is_none() && buffers.data.is_empty() {
            // The value and its LF, as the copy would; the room it takes stays reserved, so
            // that copying it later (and the buffer's growth) is the same as without lending.
            buffers.make_room(Slot::Data, text.len() + 1)?;
            buffers.lent_data = text.len() + 1;
            lent.data = Some(text);
            return Ok(Whole::Applied);
        }
        if let Some(first) = lent.data.take() {
            buffers.lent_data = 0;
            buffers.push(Slot::Data, first)?;
            buffers.push(Slot::Data, "\n")?;
        }
        buffers.push(Slot::Data, text)?;
        buffers.push(Slot::Data, "\n")?;
        Ok(Whole::Applied)
    }

    /// An `event` value: replaces the event type.
    fn lend_event<'i>(
        &mut self,
        value: &'i [u8],
        lent: &mut Lent<'i>,
    ) -> Result<Whole, OverBudget> {
        let Ok(text) = simdutf8::basic::from_utf8(value) else {
            return Ok(Whole::General);
        };
        self.block_has_field = true;
        let buffers = &mut self.buffers;
        lent.event = None;
        buffers.lent_event = 0;
        buffers.event.clear();
        buffers.make_room(Slot::Event, text.len())?;
        if !text.is_empty() {
            buffers.lent_event = text.len();
            lent.event = Some(text);
        }
        Ok(Whole::Applied)
    }

    /// A blank line: dispatches the lent data, or the buffered data with a lent event type.
    fn dispatch_lent(&mut self, lent: &mut Lent<'_>) -> bool {
        self.buffers.lent_data = 0;
        self.buffers.lent_event = 0;
        if lent.data.is_none() {
            let dispatched = self.blank_line();
            if !dispatched {
                lent.event = None;
            }
            return dispatched;
        }
        // `blank_line` for data held in the chunk (the data buffer is empty).
        self.commit_id();
        self.block_has_field = false;
        self.stats.frames += 1;
        self.frame_out = true;
        true
    }

    /// Copies the lent values into the buffers (the input they borrow from is going away, or
    /// the general path is about to take over the block).
    #[inline]
    pub(super) fn keep_lent(&mut self, lent: &mut Lent<'_>) {
        if lent.data.is_none() && lent.event.is_none() {
            return;
        }
        let buffers = &mut self.buffers;
        buffers.lent_data = 0;
        buffers.lent_event = 0;
        // Cannot fail (nor allocate): room for the lent bytes is reserved in their buffers.
        if let Some(event) = lent.event.take() {
            let _ = buffers.push(Slot::Event, event);
        }
        if let Some(data) = lent.data.take() {
            let _ = buffers
                .push(Slot::Data, data)
                .and_then(|()| buffers.push(Slot::Data, "\n"));
        }
    }
}
