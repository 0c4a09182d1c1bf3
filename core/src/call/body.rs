//! A response body read up to a cap.

use bytes::{Bytes, BytesMut};

/// What a [`CappedBody`] wants after a chunk was pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    /// Below the cap: keep reading.
    More,
    /// The cap is reached: stop reading. For an error body the kept prefix is enough to
    /// classify; for a success body it means the body is too large.
    Full,
}

/// Bytes of one response body, never more than `cap` of them.
#[derive(Debug)]
pub(crate) struct CappedBody {
    bytes: BytesMut,
    cap: usize,
    /// Bytes offered beyond the cap (dropped).
    overflow: bool,
}

impl CappedBody {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            bytes: BytesMut::new(),
            cap,
            overflow: false,
        }
    }

    /// Keeps as much of `chunk` as fits under the cap.
    ///
    /// Reaching the cap exactly is not yet [`Fill::Full`]: only a byte beyond it is, so a
    /// body of exactly `cap` bytes is still accepted whole.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Fill {
        let room = self.cap.saturating_sub(self.bytes.len());
        let take = room.min(chunk.len());
        self.bytes
            .extend_from_slice(chunk.get(..take).unwrap_or_default());
        if take < chunk.len() {
            self.overflow = true;
            Fill::Full
        } else {
            Fill::More
        }
    }

    /// Whether bytes beyond the cap were offered.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflow
    }

    /// The kept bytes, frozen.
    pub(crate) fn into_bytes(self) -> Bytes {
        self.bytes.freeze()
    }

    /// The cap.
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_up_to_the_cap_and_reports_overflow() {
        let mut body = CappedBody::new(5);
        assert_eq!(body.push(b"abc"), Fill::More);
        assert_eq!(body.push(b"de"), Fill::More);
        assert!(!body.overflowed());
        assert_eq!(body.push(b"f"), Fill::Full);
        assert!(body.overflowed());
        assert_eq!(&body.into_bytes()[..], b"abcde");
    }

    #[test]
    fn a_zero_cap_overflows_on_the_first_byte() {
        let mut body = CappedBody::new(0);
        assert_eq!(body.push(b""), Fill::More);
        assert_eq!(body.push(b"x"), Fill::Full);
        assert!(body.into_bytes().is_empty());
    }
}
