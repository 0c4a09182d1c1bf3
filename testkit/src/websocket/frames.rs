//! RFC 6455 frames, server side: masked client frames in, unmasked server frames out.

use crate::wire::{Ended, Wire};

/// Continuation frame.
pub(crate) const CONTINUATION: u8 = 0x0;
/// Text frame.
pub(crate) const TEXT: u8 = 0x1;
/// Binary frame.
pub(crate) const BINARY: u8 = 0x2;
/// Close frame.
pub(crate) const CLOSE: u8 = 0x8;
/// Ping frame.
pub(crate) const PING: u8 = 0x9;
/// Pong frame.
pub(crate) const PONG: u8 = 0xA;

/// Close code: protocol error.
pub(crate) const PROTOCOL_ERROR: u16 = 1002;
/// Close code: a text message that is not UTF-8.
pub(crate) const INVALID_PAYLOAD: u16 = 1007;
/// Close code: a message too big to process.
pub(crate) const TOO_BIG: u16 = 1009;

/// One frame as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) fin: bool,
    pub(crate) rsv1: bool,
    pub(crate) opcode: u8,
    /// Unmasked.
    pub(crate) payload: Vec<u8>,
}

/// Why no frame could be read.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The server stopped, or the socket broke or ended.
    Ended,
    /// The peer broke the protocol: close with `code`.
    Protocol { code: u16, reason: String },
}

impl From<Ended> for ReadFailure {
    fn from(_: Ended) -> ReadFailure {
        ReadFailure::Ended
    }
}

/// A protocol failure with close code 1002.
pub(crate) fn protocol(reason: impl Into<String>) -> ReadFailure {
    ReadFailure::Protocol {
        code: PROTOCOL_ERROR,
        reason: reason.into(),
    }
}

/// Encodes one server frame (never masked).
pub(crate) fn encode(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    encode_into(&mut out, fin, rsv1, opcode, payload);
    out
}

/// Appends one server frame (never masked) to `out`, so that a session can gather several
/// frames into one buffer and one write.
pub(crate) fn encode_into(out: &mut Vec<u8>, fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) {
    out.reserve(payload.len() + 10);
    out.push(u8::from(fin) << 7 | u8::from(rsv1) << 6 | (opcode & 0x0f));
    match payload.len() {
        len @ 0..=125 => out.push(len as u8),
        len @ 126..=0xffff => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

/// Unmasks `payload` in place (the mask's phase starts at the payload's first byte), eight
/// bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut words = payload.chunks_exact_mut(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(eight) ^ wide).to_ne_bytes());
    }
    for (i, byte) in words.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
}

/// A close frame's payload: the code and the UTF-8 reason (cut to fit 123 bytes).
pub(crate) fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.get(..end).unwrap_or_default().as_bytes());
    payload
}

/// How much a read asks the socket for at least.
const READ_SIZE: usize = 16 * 1024;

/// Reads frames off a connection, keeping bytes that arrive early (including any the client
/// sent right behind its handshake request).
///
/// `buf[start..end]` holds the bytes not yet parsed; the rest of `buf` is initialised room that
/// the next read fills in place (no per-read buffer to zero and copy, no shift of the buffer
/// after every frame: the unread bytes move to the front only when the room runs out).
#[derive(Debug)]
pub(crate) struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_payload: u64,
}

impl FrameReader {
    /// A reader that starts with `buffered` bytes and refuses frames over `max_payload` bytes.
    pub(crate) fn new(buffered: Vec<u8>, max_payload: u64) -> FrameReader {
        let end = buffered.len();
        FrameReader {
            buf: buffered,
            start: 0,
            end,
            max_payload,
        }
    }

    /// Reads one frame; client frames must be masked.
    pub(crate) fn read(&mut self, wire: &mut Wire) -> Result<Frame, ReadFailure> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(frame);
            }
            if self.buf.len() - self.end < READ_SIZE {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.buf.len() - self.end < READ_SIZE {
                    self.buf.resize(self.end + READ_SIZE.max(self.end), 0);
                }
            }
            let n = wire.read(self.buf.get_mut(self.end..).unwrap_or_default())?;
            if n == 0 {
                return Err(ReadFailure::Ended);
            }
            self.end += n;
        }
    }

    /// A frame from the buffer, if a whole one is there.
    fn parse(&mut self) -> Result<Option<Frame>, ReadFailure> {
        let unread = self.buf.get(self.start..self.end).unwrap_or_default();
        let [first, second, ..] = unread[..] else {
            return Ok(None);
        };
        let fin = first & 0x80 != 0;
        let rsv1 = first & 0x40 != 0;
        if first & 0x30 != 0 {
            return Err(protocol("RSV2 or RSV3 set"));
        }
        let opcode = first & 0x0f;
        if second & 0x80 == 0 {
            return Err(protocol("an unmasked client frame"));
        }
        let (len, mut at) = match second & 0x7f {
            126 => match unread.get(2..4) {
                Some(bytes) => (u64::from(u16::from_be_bytes([bytes[0], bytes[1]])), 4),
                None => return Ok(None),
            },
            127 => match unread.get(2..10) {
                Some(bytes) => {
                    let mut eight = [0u8; 8];
                    eight.copy_from_slice(bytes);
                    (u64::from_be_bytes(eight), 10)
                }
                None => return Ok(None),
            },
            len => (u64::from(len), 2),
        };
        if opcode >= CLOSE && (len > 125 || !fin) {
            return Err(protocol("a control frame fragmented or over 125 bytes"));
        }
        if len > self.max_payload {
            return Err(ReadFailure::Protocol {
                code: TOO_BIG,
                reason: "frame too large".into(),
            });
        }
        let Some(mask) = unread.get(at..at + 4) else {
            return Ok(None);
        };
        let mask = [mask[0], mask[1], mask[2], mask[3]];
        at += 4;
        let end = at + len as usize;
        let Some(masked) = unread.get(at..end) else {
            return Ok(None);
        };
        let mut payload = masked.to_vec();
        unmask(&mut payload, mask);
        self.start += end;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        Ok(Some(Frame {
            fin,
            rsv1,
            opcode,
            payload,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [1, 2, 3, 4];
        let mut out = vec![first];
        match payload.len() {
            len @ 0..=125 => out.push(0x80 | len as u8),
            len @ 126..=0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn server_frames_use_the_shortest_length_encoding() {
        assert_eq!(encode(true, false, TEXT, b"hi"), [0x81, 2, b'h', b'i']);
        let medium = encode(false, true, TEXT, &[0; 300]);
        assert_eq!(medium[..4], [0x41, 126, 0x01, 0x2c]);
        let large = encode(true, false, BINARY, &[0; 70_000]);
        assert_eq!(large[..2], [0x82, 127]);
        assert_eq!(large[2..10], 70_000u64.to_be_bytes());
        assert_eq!(close_payload(1000, "bye"), [0x03, 0xe8, b'b', b'y', b'e']);
        assert_eq!(close_payload(1000, &"é".repeat(100)).len(), 2 + 122);
    }

    #[test]
    fn masked_frames_parse_whole_or_wait_for_more() {
        let mut bytes = masked(0x81, b"hello");
        bytes.extend(masked(0x80, &[7; 200]));
        bytes.extend(masked(0x82, &[9; 70_000]));
        let mut reader = FrameReader::new(bytes[..3].to_vec(), 1 << 20);
        assert!(reader.parse().unwrap().is_none());
        reader.end = bytes.len();
        reader.buf = bytes;
        let first = reader.parse().unwrap().unwrap();
        assert_eq!(
            (first.fin, first.opcode, &first.payload[..]),
            (true, TEXT, &b"hello"[..])
        );
        let second = reader.parse().unwrap().unwrap();
        assert_eq!((second.fin, second.opcode), (true, CONTINUATION));
        assert_eq!(second.payload, [7; 200]);
        let third = reader.parse().unwrap().unwrap();
        assert_eq!(third.payload.len(), 70_000);
        assert!(reader.parse().unwrap().is_none());
    }

    #[test]
    fn unmasking_by_words_matches_byte_by_byte() {
        let mask = [0x12, 0x34, 0x56, 0x78];
        for len in 0..40 {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut bytes: Vec<u8> = plain
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            unmask(&mut bytes, mask);
            assert_eq!(bytes, plain, "{len} bytes");
        }
    }

    #[test]
    fn frames_split_across_reads_and_many_in_one_buffer() {
        let mut bytes = Vec::new();
        for n in 0..50usize {
            bytes.extend(masked(0x81, &vec![b'a' + (n % 26) as u8; n * 37]));
        }
        let mut reader = FrameReader::new(Vec::new(), 1 << 20);
        let mut seen = 0;
        for piece in bytes.chunks(333) {
            reader.buf.truncate(reader.end);
            reader.buf.extend_from_slice(piece);
            reader.end = reader.buf.len();
            while let Some(frame) = reader.parse().unwrap() {
                assert_eq!(frame.payload, vec![b'a' + (seen % 26) as u8; seen * 37]);
                seen += 1;
            }
        }
        assert_eq!(seen, 50);
        assert_eq!((reader.start, reader.end), (0, 0));
    }

    #[test]
    fn protocol_violations_are_refused() {
        let unmasked = encode(true, false, TEXT, b"x");
        let mut reader = FrameReader::new(unmasked, 1 << 20);
        assert!(matches!(
            reader.parse(),
            Err(ReadFailure::Protocol { code: 1002, .. })
        ));
        let mut reader = FrameReader::new(masked(0x09, b"ping"), 1 << 20);
        assert!(matches!(
            reader.parse(),
            Err(ReadFailure::Protocol { code: 1002, .. })
        ));
        let mut reader = FrameReader::new(masked(0xA1, b"x"), 1 << 20);
        assert!(matches!(
            reader.parse(),
            Err(ReadFailure::Protocol { code: 1002, .. })
        ));
        let mut reader = FrameReader::new(masked(0x81, &[0; 200]), 100);
        assert!(matches!(
            reader.parse(),
            Err(ReadFailure::Protocol { code: 1009, .. })
        ));
    }
}
