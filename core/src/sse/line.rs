//! What one line does: field parsing and the per-field rules, applied to a line that may
//! arrive in several segments (a line split across chunks is never copied whole; each value
//! streams straight into the buffer it belongs to).

use memchr::memchr;

use super::budget::{OverBudget, Slot};
use super::decoder::SseDecoder;
use super::utf8::Utf8Tail;

/// The longest field name that means something (`event`, `retry`).
const MAX_KNOWN_NAME: usize = 5;

/// A field with an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    /// `data`: appends the value and a LF to the data buffer.
    Data,
    /// `event`: sets the event-type buffer.
    Event,
    /// `id`: sets the last event id, unless the value contains NUL.
    Id,
    /// `retry`: sets the reconnection time, when the value is all ASCII digits.
    Retry,
}

impl Field {
    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"data" => Some(Self::Data),
            b"event" => Some(Self::Event),
            b"id" => Some(Self::Id),
            b"retry" => Some(Self::Retry),
            _ => None,
        }
    }
}

/// Where the decoder stands within the current line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LineState {
    /// No byte of the current line seen yet.
    Start,
    /// Reading the field name (no colon yet); only names that could still be known are kept.
    Name {
        /// The name so far.
        name: [u8; MAX_KNOWN_NAME],
        /// Bytes used in `name`.
        len: u8,
    },
    /// A comment, an unknown field, or a line of a discarded block: skipped to its end.
    Ignore,
    /// Reading the value of a known field.
    Value {
        /// The field.
        field: Field,
        /// No value byte seen yet (a first space is still to be removed).
        at_value_start: bool,
    },
}

/// Per-line state of the value being received.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ValueState {
    /// Incomplete UTF-8 sequence carried between segments.
    pub(super) utf8: Utf8Tail,
    /// `id` value contains NUL (the line will be ignored).
    id_has_nul: bool,
    /// `id` value outgrew the size limit. Whether that is an error is known only at the end of
    /// the line: if a NUL follows, the line is ignored anyway (as it is when the whole line
    /// arrives in one chunk), so storing stops and the verdict waits for the line's end.
    id_over_budget: bool,
    /// `retry` value so far, saturating.
    retry: u64,
    /// `retry` value has only ASCII digits so far.
    retry_digits_only: bool,
    /// `retry` value is non-empty.
    retry_nonempty: bool,
}

/// Outcome of one line segment.
pub(super) enum LineOutcome {
    /// Nothing to report.
    Nothing,
    /// A blank line dispatched a frame (now in the data/event buffers).
    Dispatched,
}

impl SseDecoder {
    /// Applies `segment` (bytes of the current line, no terminator) to the state; `eol` says the
    /// line ends right after it.
    pub(super) fn process_segment(
        &mut self,
        mut segment: &[u8],
        eol: bool,
    ) -> Result<LineOutcome, OverBudget> {
        loop {
            match self.line {
                LineState::Start => {
                    let Some(&first) = segment.first() else {
                        if eol && self.blank_line() {
                            return Ok(LineOutcome::Dispatched);
                        }
                        return Ok(LineOutcome::Nothing);
                    };
                    if self.discarding || first == b':' {
                        self.line = LineState::Ignore;
                    } else {
                        self.line = LineState::Name {
                            name: [0; MAX_KNOWN_NAME],
                            len: 0,
                        };
                    }
                }
                LineState::Ignore => {
                    if eol {
                        self.line = LineState::Start;
                    }
                    return Ok(LineOutcome::Nothing);
                }
                LineState::Name { mut name, len } => {
                    if let [byte] = *segment
                        && !eol
                        && byte != b':'
                        && let Some(slot) = name.get_mut(usize::from(len))
                    {
                        // Names arriving byte by byte: no search, no lookup until the colon.
                        *slot = byte;
                        self.line = LineState::Name { name, len: len + 1 };
                        return Ok(LineOutcome::Nothing);
                    }
                    let colon = memchr(b':', segment);
                    let head = match colon {
                        Some(at) => segment.get(..at).unwrap_or_default(),
                        None => segment,
                    };
                    let len = usize::from(len);
                    let total = len + head.len();
                    if total > MAX_KNOWN_NAME {
                        self.line = LineState::Ignore;
                        continue;
                    }
                    name[len..total].copy_from_slice(head);
                    let field = Field::from_name(&name[..total]);
                    match colon {
                        Some(at) => {
                            segment = segment.get(at + 1..).unwrap_or_default();
                            self.line = match field {
                                Some(field) => {
                                    self.begin_value(field);
                                    LineState::Value {
                                        field,
                                        at_value_start: true,
                                    }
                                }
                                None => LineState::Ignore,
                            };
                        }
                        None if eol => {
                            // A line without a colon: the whole line is the name, the value is empty.
                            self.line = LineState::Start;
                            if let Some(field) = field {
                                self.begin_value(field);
                                self.end_value(field)?;
                            }
                            return Ok(LineOutcome::Nothing);
                        }
                        None => {
                            self.line = LineState::Name {
                                name,
                                len: total as u8,
                            };
                            return Ok(LineOutcome::Nothing);
                        }
                    }
                }
                LineState::Value {
                    field,
                    mut at_value_start,
                } => {
                    if at_value_start && let Some(&first) = segment.first() {
                        at_value_start = false;
                        if first == b' ' {
                            segment = segment.get(1..).unwrap_or_default();
                        }
                    }
                    self.line = LineState::Value {
                        field,
                        at_value_start,
                    };
                    self.append_value(field, segment)?;
                    if eol {
                        self.line = LineState::Start;
                        self.end_value(field)?;
                    }
                    return Ok(LineOutcome::Nothing);
                }
            }
        }
    }

    /// Prepares for the value of `field` (the field's line has been recognised).
    fn begin_value(&mut self, field: Field) {
        self.value.utf8.clear();
        // `data`, `event` and `id` build the pending event (what EOF would discard); `retry`
        // applies at once and unknown fields are ignored.
        self.block_has_field |= field != Field::Retry;
        match field {
            Field::Data => {}
            Field::Event => self.buffers.event.clear(),
            Field::Id => {
                self.buffers.id_incoming.clear();
                self.value.id_has_nul = false;
                self.value.id_over_budget = false;
            }
            Field::Retry => {
                self.value.retry = 0;
                self.value.retry_digits_only = true;
                self.value.retry_nonempty = false;
            }
        }
    }

    /// Takes the next piece of the value of `field`.
    #[inline]
    pub(super) fn append_value(&mut self, field: Field, bytes: &[u8]) -> Result<(), OverBudget> {
        // Values arriving a byte or a few bytes at a time: staged raw, decoded together later.
        if self.stage_value(field, bytes) {
            return Ok(());
        }
        self.append_value_general(field, bytes)
    }

    /// Stages a short piece of a `data` or `event` value raw, when it fits (see
    /// `Utf8Tail::stage`); false, having done nothing, otherwise (and for other fields).
    #[inline]
    pub(super) fn stage_value(&mut self, field: Field, bytes: &[u8]) -> bool {
        let slot = match field {
            Field::Data => Slot::Data,
            Field::Event => Slot::Event,
            Field::Id | Field::Retry => return false,
        };
        self.value.utf8.stage(bytes, self.buffers.spare(slot))
    }

    /// [`append_value`](Self::append_value) for any piece.
    #[inline(never)]
    fn append_value_general(&mut self, field: Field, bytes: &[u8]) -> Result<(), OverBudget> {
        match field {
            Field::Data => self.decode_into(Slot::Data, bytes, false),
            Field::Event => self.decode_into(Slot::Event, bytes, false),
            Field::Id => {
                if self.value.id_has_nul {
                    return Ok(());
                }
                if memchr(0, bytes).is_some() {
                    self.value.id_has_nul = true;
                    self.value.utf8.clear();
                    self.buffers.id_incoming.clear();
                    return Ok(());
                }
                if self.value.id_over_budget {
                    return Ok(());
                }
                let pushed = self.decode_into(Slot::IdIncoming, bytes, false);
                self.id_pushed(pushed)
            }
            Field::Retry => {
                let value = &mut self.value;
                value.retry_nonempty |= !bytes.is_empty();
                for &byte in bytes {
                    if byte.is_ascii_digit() {
                        value.retry = value
                            .retry
                            .saturating_mul(10)
                            .saturating_add(u64::from(byte - b'0'));
                    } else {
                        value.retry_digits_only = false;
                    }
                }
                Ok(())
            }
        }
    }

    /// The line of `field` has ended: apply the field.
    fn end_value(&mut self, field: Field) -> Result<(), OverBudget> {
        match field {
            Field::Data => {
                self.decode_into(Slot::Data, &[], true)?;
                self.buffers.push(Slot::Data, "\n")
            }
            Field::Event => self.decode_into(Slot::Event, &[], true),
            Field::Id => {
                if self.value.id_has_nul {
                    self.buffers.id_incoming.clear();
                    return Ok(());
                }
                if self.value.id_over_budget {
                    // No NUL came: the oversize id is an oversize event after all.
                    return Err(OverBudget);
                }
                self.decode_into(Slot::IdIncoming, &[], true)?;
                let buffers = &mut self.buffers;
                std::mem::swap(&mut buffers.id_pending, &mut buffers.id_incoming);
                buffers.id_incoming.clear();
                self.id_pending_set = true;
                Ok(())
            }
            Field::Retry => {
                let value = &self.value;
                if value.retry_digits_only && value.retry_nonempty {
                    self.reconnection_time_ms = Some(value.retry);
                }
                Ok(())
            }
        }
    }

    /// A piece of an `id` value did not fit the limit: stop storing it (memory stays bounded)
    /// and leave the verdict to the end of the line (see `ValueState::id_over_budget`).
    fn id_pushed(&mut self, pushed: Result<(), OverBudget>) -> Result<(), OverBudget> {
        if pushed.is_err() {
            self.value.id_over_budget = true;
            self.value.utf8.clear();
            self.buffers.id_incoming.clear();
        }
        Ok(())
    }

    /// Decodes value bytes (lossy UTF-8) into `slot`.
    fn decode_into(&mut self, slot: Slot, bytes: &[u8], last: bool) -> Result<(), OverBudget> {
        let buffers = &mut self.buffers;
        let room = buffers.spare(slot);
        self.value
            .utf8
            .decode(bytes, last, room, &mut |text| buffers.push(slot, text))
    }

    /// A blank line: dispatch. Returns true when a frame is ready in the buffers.
    pub(super) fn blank_line(&mut self) -> bool {
        if self.discarding {
            // The end of an oversize block: resynchronised, nothing dispatched or committed.
            self.discarding = false;
            self.drop_block();
            return false;
        }
        self.commit_id();
        self.block_has_field = false;
        let buffers = &mut self.buffers;
        if buffers.data.is_empty() {
            buffers.event.clear();
            return false;
        }
        buffers.data.pop();
        self.stats.frames += 1;
        self.frame_out = true;
        true
    }

    /// The block ended: the id its `id` line set (if any) becomes the last event id.
    pub(super) fn commit_id(&mut self) {
        if self.id_pending_set {
            let buffers = &mut self.buffers;
            std::mem::swap(&mut buffers.id_committed, &mut buffers.id_pending);
            buffers.id_pending.clear();
            self.id_pending_set = false;
        }
    }

    /// Forgets the pending block (data, event type, uncommitted id, partial value).
    pub(super) fn drop_block(&mut self) {
        let buffers = &mut self.buffers;
        buffers.data.clear();
        buffers.event.clear();
        buffers.id_incoming.clear();
        buffers.id_pending.clear();
        buffers.lent_data = 0;
        buffers.lent_event = 0;
        self.id_pending_set = false;
        self.block_has_field = false;
        self.value.utf8.clear();
    }
}
