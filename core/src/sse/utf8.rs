//! Lossy UTF-8 decoding of a value that arrives in pieces.
//!
//! The result is exactly `String::from_utf8_lossy` of the concatenated pieces: every maximal
//! invalid subpart becomes one U+FFFD. A character split across pieces is completed from the
//! next piece (at most 3 bytes are held). Valid input takes the `simdutf8` fast path.

/// The replacement character, as pushed for each maximal invalid subpart.
const REPLACEMENT: &str = "\u{FFFD}";

/// Up to three bytes of an incomplete (but so far valid) UTF-8 sequence held between pieces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Utf8Tail {
    bytes: [u8; 3],
    len: u8,
}

impl Utf8Tail {
    /// Forgets any held bytes.
    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    /// Nothing held.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Decodes `input` (the next piece of a value) into `push`. With `last`, the value ends
    /// here: a sequence still incomplete becomes U+FFFD.
    #[inline]
    pub(super) fn decode<E>(
        &mut self,
        mut input: &[u8],
        last: bool,
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        if let [byte] = *input
            && !last
            && self.take_byte(byte, push)?
        {
            return Ok(());
        }
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

    /// A piece of one byte (values arriving byte by byte): holds a valid lead byte, or
    /// extends the held sequence with a valid next byte (pushing it when complete). Returns
    /// false, having done nothing, for any other byte (left to the general path).
    #[inline]
    fn take_byte<E>(
        &mut self,
        byte: u8,
        push: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<bool, E> {
        let held = usize::from(self.len);
        let Some(&lead) = self.bytes.first().filter(|_| held > 0) else {
            // A lead byte alone is always the valid beginning of a longer character.
            if (0xC2..=0xF4).contains(&byte) {
                self.bytes[0] = byte;
                self.len = 1;
                return Ok(true);
            }
            return Ok(false);
        };
        let needed = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        // The ranges of the second byte are narrower after E0, ED, F0 and F4 (RFC 3629).
        let range = match (held, lead) {
            (1, 0xE0) => 0xA0..=0xBF,
            (1, 0xED) => 0x80..=0x9F,
            (1, 0xF0) => 0x90..=0xBF,
            (1, 0xF4) => 0x80..=0x8F,
            _ => 0x80..=0xBF,
        };
        if !range.contains(&byte) || held >= needed {
            return Ok(false);
        }
        if held + 1 < needed {
            if let Some(slot) = self.bytes.get_mut(held) {
                *slot = byte;
                self.len += 1;
                return Ok(true);
            }
            return Ok(false);
        }
        let mut joined = [0u8; 4];
        joined[..held].copy_from_slice(&self.bytes[..held]);
        joined[held] = byte;
        match std::str::from_utf8(&joined[..needed]) {
            Ok(text) => {
                self.len = 0;
                push(text)?;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
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
        if let Ok(text) = simdutf8::basic::from_utf8(input) {
            return push(text);
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

/// True when `bytes` is the valid beginning of a character that needs more bytes.
fn is_incomplete_prefix(bytes: &[u8]) -> bool {
    matches!(std::str::from_utf8(bytes), Err(error) if error.error_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::Utf8Tail;

    fn decode_split(input: &[u8], splits: &[usize]) -> String {
        let mut tail = Utf8Tail::default();
        let mut out = String::new();
        let mut push = |text: &str| -> Result<(), ()> {
            out.push_str(text);
            Ok(())
        };
        let mut start = 0;
        for &split in splits {
            tail.decode(&input[start..split], false, &mut push).unwrap();
            start = split;
        }
        tail.decode(&input[start..], true, &mut push).unwrap();
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
            assert_eq!(decode_split(sample, &splits), expected, "{sample:x?}");
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
                    let got = decode_split(sample, &[first, second]);
                    assert_eq!(got, expected, "{sample:x?} split at {first},{second}");
                }
            }
        }
    }
}
