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
    /// Applied: nothing more to do for this line.
    Applied,
    /// A blank line dispatched a frame.
    Dispatched,
    /// Not a line this path handles (nothing was changed): use the general path.
    General,
}

/// The value of the field line `line` (starting at byte `at` of the input whose valid UTF-8
/// prefix is `text`) as text: what follows the colon (`after_colon`), minus one leading space.
/// `None` when it is not valid UTF-8 (left to the general, lossy path).
#[inline]
fn value_text<'i>(
    line: &'i [u8],
    after_colon: &'i [u8],
    at: usize,
    text: &'i str,
) -> Option<&'i str> {
    let value = match after_colon {
        [b' ', value @ ..] => value,
        value => value,
    };
    let start = at + (line.len() - value.len());
    match text.get(start..start + value.len()) {
        Some(valid) => Some(valid),
        None => simdutf8::basic::from_utf8(value).ok(),
    }
}

impl SseDecoder {
    /// Applies a whole line (no terminator) at the start of a line, outside a discarded
    /// block, when it is blank, a comment, or a `data` or `event` line with valid UTF-8.
    ///
    /// The line starts at byte `at` of the input, of which `text` is a valid UTF-8 prefix.
    #[inline]
    pub(super) fn whole_line<'i>(
        &mut self,
        line: &'i [u8],
        at: usize,
        text: &'i str,
        lent: &mut Lent<'i>,
    ) -> Result<Whole, OverBudget> {
        match line {
            [] => Ok(if self.dispatch_lent(lent) {
                Whole::Dispatched
            } else {
                Whole::Applied
            }),
            [b':', ..] => Ok(Whole::Applied),
            [b'd', b'a', b't', b'a', b':', rest @ ..] => {
                let Some(value) = value_text(line, rest, at, text) else {
                    return Ok(Whole::General);
                };
                self.lend_data(value, lent)
            }
            [b'e', b'v', b'e', b'n', b't', b':', rest @ ..] => {
                let Some(value) = value_text(line, rest, at, text) else {
                    return Ok(Whole::General);
                };
                self.lend_event(value, lent)
            }
            _ => Ok(Whole::General),
        }
    }

    /// A `data` value: lent when it is the block's first, appended to the buffer otherwise.
    fn lend_data<'i>(&mut self, text: &'i str, lent: &mut Lent<'i>) -> Result<Whole, OverBudget> {
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
    fn lend_event<'i>(&mut self, text: &'i str, lent: &mut Lent<'i>) -> Result<Whole, OverBudget> {
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
