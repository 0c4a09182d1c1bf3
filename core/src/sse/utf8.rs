//! Lossy UTF-8 decoding of a value that arrives in pieces.
//!
//! The result is exactly `String::from_utf8_lossy` of the concatenated pieces: every maximal
//! invalid subpart becomes one U+FFFD. Short pieces (values arriving a byte or a few bytes at
//! a time) are staged raw, up to [`STAGE`] bytes, and decoded together when the stage fills,
//! a longer piece comes or the value ends, so a value that trickles in costs a byte copy per
//! byte and one validation per [`STAGE`] bytes rather than a decoding step per byte. Bytes
//! are staged only while their decoded text is sure to fit the room its buffer has without
//! growing (at most 3 bytes of text per byte: U+FFFD for an invalid one), so staging never
//! delays a size-limit error. A character split across pieces is completed from the next
//! piece (at most 3 bytes are held). Valid input takes the `simdutf8` fast path.

/// The replacement character, as pushed for each maximal invalid subpart.
const REPLACEMENT: &str = "\u{FFFD}";

/// Bytes of short pieces held raw before they are decoded together.
pub(super) const STAGE: usize = 255;

/// Undecoded bytes of a value: short pieces staged raw, and up to three bytes of an incomplete
/// (but so far valid) UTF-8 sequence held between pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Utf8Tail {
    staged: [u8; STAGE],
    staged_len: u8,
    bytes: [u8; 3],
    len: u8,
}

impl Default for Utf8Tail {
    fn default() -> Self {
        Self {
            staged: [0; STAGE],
            staged_len: 0,
            bytes: [0; 3],
            len: 0,
        }
    }
}

impl Utf8Tail {
    /// Forgets any held bytes.
    pub(super) fn clear(&mut self) {
        self.staged_len = 0;
        self.len = 0;
    }

    /// Stages `input` raw when it fits the stage and everything undecoded is sure to fit
    /// `room` bytes of text once decoded (it is then decoded with what follows); false, having
    /// done nothing, otherwise.
    #[inline]
    pub(super) fn stage(&mut self, input: &[u8], room: usize) -> bool {
        let staged = usize::from(self.staged_len);
        let undecoded = usize::from(self.len) + staged + input.len();
        if undecoded * 3 > room {
            return false;
        }
        if let [byte] = *input
            && let Some(slot) = self.staged.get_mut(staged)
        {
            *slot = byte;
            self.staged_len += 1;
            return true;
        }
        match self.staged.get_mut(staged..staged + input.len()) {
            Some(room) => {
                room.copy_from_slice(input);
                self.staged_len = (staged + input.len()) as u8;
                true
            }
            None => false,
        }
    }

    /// Decodes `input` (the next piece of a value) into `push`, or stages it for later when
    /// it fits (see [`stage`](Self::stage); `room` is what `push` takes without growing).
    /// With `last`, the value ends here: everything staged is decoded, and a sequence still
    /// incomplete becomes U+FFFD.
    #[inline]
    pub(super) fn decode<E>(
        &mut self,
        input: &[u8],
        last: bool,
        room: usize,
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        if !last && self.stage(input, room) {
            return Ok(());
        }
        if self.staged_len > 0 {
            let staged = self.staged;
            let count = usize::from(self.staged_len);
            self.staged_len = 0;
            self.decode_now(staged.get(..count).unwrap_or_default(), false, push)?;
        }
        self.decode_now(input, last, push)
    }

    /// Decodes `input` at once, after the held bytes of an incomplete sequence.
    fn decode_now<E>(
        &mut self,
        mut input: &[u8],
        last: bool,
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.len > 0 {
            input = self.complete_held(input, push)?;
        }
        if !input.is_empty() {
            self.decode_fresh(input, last, push)?;
        }
        if last && self.len > 0 {
            self.len = 0;
            push(REPLACEMENT)?;
        }
        Ok(())
    }

    /// Resolves the held sequence with the first bytes of `input`; returns the unread rest.
    fn complete_held<'i, E>(
        &mut self,
        input: &'i [u8],
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<&'i [u8], E> {
        let held = usize::from(self.len);
        let taken = input.len().min(4 - held);
        let mut joined = [0u8; 4];
        joined[..held].copy_from_slice(&self.bytes[..held]);
        joined[held..held + taken].copy_from_slice(&input[..taken]);
        let joined = &joined[..held + taken];
        self.len = 0;
        let used = match std::str::from_utf8(joined) {
            Ok(text) => {
                push(text)?;
                taken
            }
            Err(error) if error.valid_up_to() > 0 => {
                let valid = error.valid_up_to();
                if let Ok(text) = std::str::from_utf8(&joined[..valid]) {
                    push(text)?;
                }
                valid.saturating_sub(held)
            }
            Err(error) => match error.error_len() {
                Some(invalid) => {
                    push(REPLACEMENT)?;
                    invalid.saturating_sub(held)
                }
                None if joined.len() <= self.bytes.len() => {
                    // Still a prefix of one character: `input` was too short to finish it.
                    self.bytes[..joined.len()].copy_from_slice(joined);
                    self.len = joined.len() as u8;
                    taken
                }
                None => {
                    // Four bytes cannot be an incomplete character; kept for robustness.
                    push(REPLACEMENT)?;
                    taken
                }
            },
        };
        Ok(input.get(used..).unwrap_or_default())
    }

    /// Decodes `input` with nothing held before it.
    fn decode_fresh<E>(
        &mut self,
        input: &[u8],
        last: bool,
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        // Valid but for a character cut off at the end (a stage or a chunk ending inside
        // one): the head is pushed and the cut character held, without the general path.
        let cut = if last {
            input.len()
        } else {
            incomplete_tail_start(input)
        };
        let (head, tail) = input.split_at(cut);
        if let Ok(text) = simdutf8::basic::from_utf8(head)
            && (tail.is_empty() || is_incomplete_prefix(tail))
        {
            push(text)?;
            self.bytes[..tail.len()].copy_from_slice(tail);
            self.len = tail.len() as u8;
            return Ok(());
        }
        let total = input.len();
        let mut offset = 0;
        for chunk in input.utf8_chunks() {
            let valid = chunk.valid();
            if !valid.is_empty() {
                push(valid)?;
            }
            let invalid = chunk.invalid();
            offset += valid.len() + invalid.len();
            if invalid.is_empty() {
                continue;
            }
            let at_end = offset == total;
            if at_end && !last && is_incomplete_prefix(invalid) && invalid.len() <= 3 {
                self.bytes[..invalid.len()].copy_from_slice(invalid);
                self.len = invalid.len() as u8;
            } else {
                push(REPLACEMENT)?;
            }
        }
        Ok(())
    }
}

/// Where a character that `input` ends inside of starts (at most 3 bytes from the end, judged
/// by its lead byte alone); `input.len()` when the last character looks whole.
fn incomplete_tail_start(input: &[u8]) -> usize {
    let end = input.len();
    for back in 1..=end.min(3) {
        let byte = input[end - back];
        if byte & 0xC0 != 0x80 {
            let needed = match byte {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if needed > back { end - back } else { end };
        }
    }
    end
}

/// True when `bytes` is the valid beginning of a character that needs more bytes.
fn is_incomplete_prefix(bytes: &[u8]) -> bool {
    matches!(std::str::from_utf8(bytes), Err(error) if error.error_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::Utf8Tail;

    /// Decodes `input` cut at `splits`, with `room` for staging (0: every piece decoded at
    /// once; `usize::MAX`: short pieces staged).
    fn decode_split(input: &[u8], splits: &[usize], room: usize) -> String {
        let mut tail = Utf8Tail::default();
        let mut out = String::new();
        let mut push = |text: &str| -> Result<(), ()> {
            out.push_str(text);
            Ok(())
        };
        let mut start = 0;
        for &split in splits {
            tail.decode(&input[start..split], false, room, &mut push)
                .unwrap();
            start = split;
        }
        tail.decode(&input[start..], true, room, &mut push).unwrap();
        out
    }

    #[test]
    fn byte_by_byte_matches_from_utf8_lossy() {
        // Every lead byte with second bytes at and around its range limits, then a third and
        // fourth byte, valid or not: the one-byte path must agree with the general one.
        let mut samples: Vec<Vec<u8>> = Vec::new();
        for lead in [
            0x7F, 0x80, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
        ] {
            for second in [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0] {
                for rest in [
                    &b""[..],
                    b"\x80",
                    b"\xBF\x80",
                    b"\x80A",
                    b"\xBF\xC2",
                    b"\x80\x80\x80",
                ] {
                    let mut sample = vec![lead, second];
                    sample.extend_from_slice(rest);
                    samples.push(sample);
                }
            }
        }
        for sample in &samples {
            let splits: Vec<usize> = (1..sample.len()).collect();
            let expected = String::from_utf8_lossy(sample);
            for room in [0, 12, usize::MAX] {
                let got = decode_split(sample, &splits, room);
                assert_eq!(got, expected, "{sample:x?}, room {room}");
            }
        }
    }

    #[test]
    fn long_values_in_short_pieces_fill_and_flush_the_stage() {
        // Several stages' worth of mixed text (characters straddling every stage boundary,
        // invalid bytes among them), in pieces of 1 to 5 bytes, with and without room.
        let mut sample = Vec::new();
        for round in 0..40u8 {
            sample.extend_from_slice("añ日😀".as_bytes());
            if round % 7 == 3 {
                sample.extend_from_slice(b"\xF0\x9F\x98");
            }
            if round % 11 == 5 {
                sample.push(0xFF);
            }
        }
        let expected = String::from_utf8_lossy(&sample);
        for piece in 1..=5 {
            let splits: Vec<usize> = (piece..sample.len()).step_by(piece).collect();
            for room in [0, 40, 200, usize::MAX] {
                let got = decode_split(&sample, &splits, room);
                assert_eq!(got, expected, "pieces of {piece}, room {room}");
            }
        }
    }

    #[test]
    fn every_split_matches_from_utf8_lossy() {
        let samples: &[&[u8]] = &[
            "héllo wörld €𝄞".as_bytes(),
            b"\xE2\x82",
            b"\xE2\x82A\xF0\x9F\x98",
            b"\xE0\x80\xAF\xED\xA0\x80\xF4\x90\x80\x80",
            b"\xFF\xFE\xC0\xAF\xF0\x9F\x98\x80x",
            b"\xC3",
            b"a\xF0\x9F",
        ];
        for sample in samples {
            let expected = String::from_utf8_lossy(sample);
            for first in 0..=sample.len() {
                for second in first..=sample.len() {
                    for room in [0, 12, usize::MAX] {
                        let got = decode_split(sample, &[first, second], room);
                        assert_eq!(got, expected, "{sample:x?} split at {first},{second}");
                    }
                }
            }
        }
    }
}
