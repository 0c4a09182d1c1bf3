//! The `permessage-deflate` engine (RFC 7692 §7.2): raw DEFLATE with a sync flush per
//! message, the `00 00 ff ff` tail stripped on the way out and appended on the way in, and
//! inflation bounded by the message size limit.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The tail of a sync flush: an empty stored block, stripped from every compressed message.
pub(crate) const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compresses outgoing messages. The compressor (about 300 KiB of state) is made by the
/// first message compressed, so a connection that sends only small messages never holds one.
pub(crate) struct Deflater {
    compress: Option<Box<Compress>>,
    no_context_takeover: bool,
}

impl Deflater {
    pub(crate) fn new(no_context_takeover: bool) -> Self {
        Self {
            compress: None,
            no_context_takeover,
        }
    }

    /// Compresses one message into `out` (cleared first), tail stripped. `false` when the
    /// compressor failed; the message must then go uncompressed (the compressor was reset).
    pub(crate) fn compress_message(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> bool {
        let compress = self
            .compress
            .get_or_insert_with(|| Box::new(Compress::new(Compression::default(), false)));
        out.clear();
        out.reserve(input.len() / 2 + 64);
        loop {
            if out.capacity() - out.len() < 16 {
                out.reserve(out.capacity().max(64));
            }
            let before = compress.total_in();
            if compress
                .compress_vec(input, out, FlushCompress::Sync)
                .is_err()
            {
                compress.reset();
                return false;
            }
            let consumed = usize::try_from(compress.total_in() - before).unwrap_or(usize::MAX);
            input = input.get(consumed..).unwrap_or_default();
            // Done when all input went in and the flush fitted with room to spare.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&SYNC_TAIL) {
            out.truncate(out.len() - SYNC_TAIL.len());
        }
        if self.no_context_takeover {
            // Without context takeover nothing carries over: the state goes until needed.
            self.compress = None;
        }
        true
    }
}

/// Why a compressed message did not inflate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// The inflated message would exceed the limit.
    TooLarge,
    /// Not valid DEFLATE data.
    Corrupt,
}

/// Inflates incoming messages.
pub(crate) struct Inflater {
    decompress: Decompress,
    no_context_takeover: bool,
}

impl Inflater {
    pub(crate) fn new(no_context_takeover: bool) -> Self {
        Self {
            decompress: Decompress::new(false),
            no_context_takeover,
        }
    }

    /// Inflates one message whose compressed payload is the concatenation of `parts` into
    /// `out` (cleared first), never holding more than `limit + 1` bytes of output.
    pub(crate) fn inflate_message(
        &mut self,
        parts: &[&[u8]],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        out.clear();
        let mut result = Ok(());
        for part in parts.iter().copied().chain([&SYNC_TAIL[..]]) {
            match self.feed(part, limit, out) {
                Ok(false) => {}
                Ok(true) => {
                    // A final block ended the stream: whatever follows is ignored, and the
                    // next message starts a new stream.
                    self.decompress.reset(false);
                    return Ok(());
                }
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if result.is_err() || self.no_context_takeover {
            self.decompress.reset(false);
        }
        result
    }

    /// Feeds one piece; `Ok(true)` when the DEFLATE stream ended.
    fn feed(
        &mut self,
        mut input: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, InflateError> {
        let cap = limit.saturating_add(1);
        loop {
            if out.len() == out.capacity() {
                let grow = out.len().max(4096).min(cap - out.len().min(cap));
                if grow == 0 {
                    return Err(InflateError::TooLarge);
                }
                out.reserve_exact(grow);
            }
            let (before_in, before_out) = (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress_vec(input, out, FlushDecompress::Sync)
                .map_err(|_| InflateError::Corrupt)?;
            if out.len() > limit {
                return Err(InflateError::TooLarge);
            }
            let consumed =
                usize::try_from(self.decompress.total_in() - before_in).unwrap_or(usize::MAX);
            let produced = self.decompress.total_out() - before_out;
            input = input.get(consumed..).unwrap_or_default();
            if status == Status::StreamEnd {
                return Ok(true);
            }
            let room = out.len() < out.capacity();
            if input.is_empty() && room {
                return Ok(false);
            }
            if consumed == 0 && produced == 0 && room {
                return Err(InflateError::Corrupt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7692_examples_inflate() {
        let mut inflater = Inflater::new(false);
        let mut out = Vec::new();
        inflater
            .inflate_message(
                &[&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]],
                100,
                &mut out,
            )
            .unwrap();
        assert_eq!(out, b"Hello");
        inflater
            .inflate_message(&[&[0xf2, 0x00, 0x11, 0x00, 0x00]], 100, &mut out)
            .unwrap();
        assert_eq!(out, b"Hello");
        // Split anywhere, and the uncompressed-block form of §7.2.3.3.
        let mut fresh = Inflater::new(true);
        fresh
            .inflate_message(
                &[&[0xf2, 0x48, 0xcd], &[0xc9, 0xc9, 0x07, 0x00]],
                100,
                &mut out,
            )
            .unwrap();
        assert_eq!(out, b"Hello");
        fresh
            .inflate_message(
                &[&[
                    0x00, 0x05, 0x00, 0xfa, 0xff, b'H', b'e', b'l', b'l', b'o', 0x00,
                ]],
                100,
                &mut out,
            )
            .unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn inflation_is_bounded() {
        let mut deflater = Deflater::new(false);
        let mut compressed = Vec::new();
        assert!(deflater.compress_message(&[b'a'; 100_000], &mut compressed));
        assert!(compressed.len() < 1000);
        let mut inflater = Inflater::new(false);
        let mut out = Vec::new();
        assert_eq!(
            inflater.inflate_message(&[&compressed], 99_999, &mut out),
            Err(InflateError::TooLarge)
        );
        assert!(out.capacity() <= 100_000);
        let mut inflater = Inflater::new(false);
        inflater
            .inflate_message(&[&compressed], 100_000, &mut out)
            .unwrap();
        assert_eq!(out.len(), 100_000);
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut inflater = Inflater::new(false);
        let mut out = Vec::new();
        assert_eq!(
            inflater.inflate_message(&[&[0xff, 0xff, 0xff]], 100, &mut out),
            Err(InflateError::Corrupt)
        );
    }

    #[test]
    fn context_takeover_round_trips() {
        for no_context_takeover in [false, true] {
            let mut deflater = Deflater::new(no_context_takeover);
            let mut inflater = Inflater::new(no_context_takeover);
            let mut compressed = Vec::new();
            let mut out = Vec::new();
            for message in [&b"Hello"[..], b"Hello", b"", b"Hello, Hello, Hello"] {
                assert!(deflater.compress_message(message, &mut compressed));
                inflater
                    .inflate_message(&[&compressed], 1000, &mut out)
                    .unwrap();
                assert_eq!(out, message);
            }
        }
    }
}
