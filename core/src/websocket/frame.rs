//! The RFC 6455 §5.2 base framing: header parsing, header writing and masking.

use bytes::{BufMut, BytesMut};

use super::error::WebSocketError;

/// A frame opcode (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opcode {
    Continuation,
    Text,
    Binary,
    Close,
    Ping,
    Pong,
}

impl Opcode {
    fn from_bits(bits: u8) -> Result<Self, WebSocketError> {
        Ok(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            opcode => return Err(WebSocketError::ReservedOpcode { opcode }),
        })
    }

    fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Close, ping and pong.
    pub(crate) fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// The largest control-frame payload.
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub(crate) fin: bool,
    /// RSV1..RSV3 as the three low bits (RSV1 = 0b100).
    pub(crate) rsv: u8,
    pub(crate) opcode: Opcode,
    pub(crate) mask: Option<[u8; 4]>,
    pub(crate) payload_len: u64,
}

impl FrameHeader {
    /// Parses a header from the start of `buf`: `Ok(None)` when more bytes are needed,
    /// otherwise the header and its length in bytes. Checks only what the header alone
    /// decides (opcode, control-frame rules, length encoding); the caller checks the rest.
    pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Self, usize)>, WebSocketError> {
        let [first, second, rest @ ..] = buf else {
            return Ok(None);
        };
        let fin = first & 0x80 != 0;
        let rsv = (first >> 4) & 0b111;
        let opcode = Opcode::from_bits(first & 0x0F)?;
        let masked = second & 0x80 != 0;
        let (payload_len, len_bytes) = match second & 0x7F {
            126 => match rest {
                [a, b, ..] => (u64::from(u16::from_be_bytes([*a, *b])), 2),
                _ => return Ok(None),
            },
            127 => match rest.get(..8) {
                Some(bytes) => {
                    let mut array = [0u8; 8];
                    array.copy_from_slice(bytes);
                    let len = u64::from_be_bytes(array);
                    if len >> 63 != 0 {
                        return Err(WebSocketError::InvalidPayloadLength);
                    }
                    (len, 8)
                }
                None => return Ok(None),
            },
            short => (u64::from(short), 0),
        };
        if opcode.is_control() {
            if !fin {
                return Err(WebSocketError::FragmentedControlFrame);
            }
            if payload_len > MAX_CONTROL_PAYLOAD as u64 {
                return Err(WebSocketError::ControlFrameTooLarge { len: payload_len });
            }
        }
        let mut header_len = 2 + len_bytes;
        let mask = if masked {
            let Some(key) = rest.get(len_bytes..len_bytes + 4) else {
                return Ok(None);
            };
            header_len += 4;
            Some([key[0], key[1], key[2], key[3]])
        } else {
            None
        };
        Ok(Some((
            Self {
                fin,
                rsv,
                opcode,
                mask,
                payload_len,
            },
            header_len,
        )))
    }
}

/// Writes a frame header to `out`.
pub(crate) fn write_header(
    out: &mut BytesMut,
    fin: bool,
    rsv1: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload_len: usize,
) {
    let first = (u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode.bits();
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    out.reserve(14 + payload_len);
    out.put_u8(first);
    if payload_len < 126 {
        // Fits in seven bits.
        out.put_u8(mask_bit | payload_len as u8);
    } else if let Ok(len) = u16::try_from(payload_len) {
        out.put_u8(mask_bit | 126);
        out.put_u16(len);
    } else {
        out.put_u8(mask_bit | 127);
        out.put_u64(payload_len as u64);
    }
    if let Some(key) = mask {
        out.put_slice(&key);
    }
}

/// Appends `payload` XORed with `mask` (RFC 6455 §5.3) to `out`.
pub(crate) fn put_masked(out: &mut BytesMut, payload: &[u8], mask: [u8; 4]) {
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], mask);
}

/// XORs `data` in place with `mask`, starting at mask offset 0.
pub(crate) fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    let word = u32::from_ne_bytes(mask);
    let mut chunks = data.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= key;
    }
}

/// Writes a whole frame: header, then the payload (masked when `mask` is given).
pub(crate) fn write_frame(
    out: &mut BytesMut,
    rsv1: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    write_header(out, true, rsv1, opcode, mask, payload.len());
    match mask {
        Some(key) => put_masked(out, payload, key),
        None => out.extend_from_slice(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lengths() {
        let (header, len) = FrameHeader::parse(&[0x82, 0x7E, 0x01, 0x00])
            .unwrap()
            .unwrap();
        assert_eq!((header.payload_len, len), (256, 4));
        let (header, len) = FrameHeader::parse(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!((header.payload_len, len), (65536, 10));
        assert_eq!(FrameHeader::parse(&[0x82, 0x7F, 0, 0]), Ok(None));
        assert_eq!(
            FrameHeader::parse(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(WebSocketError::InvalidPayloadLength)
        );
    }

    #[test]
    fn control_rules() {
        assert_eq!(
            FrameHeader::parse(&[0x09, 0x00]),
            Err(WebSocketError::FragmentedControlFrame)
        );
        assert_eq!(
            FrameHeader::parse(&[0x89, 0x7E, 0, 126]),
            Err(WebSocketError::ControlFrameTooLarge { len: 126 })
        );
        assert_eq!(
            FrameHeader::parse(&[0x83, 0x00]),
            Err(WebSocketError::ReservedOpcode { opcode: 3 })
        );
    }

    #[test]
    fn masking_round_trips() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = BytesMut::new();
        write_frame(&mut out, false, Opcode::Text, Some(mask), b"Hello");
        assert_eq!(
            &out[..],
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
        let mut payload = out[6..].to_vec();
        apply_mask(&mut payload, mask);
        assert_eq!(payload, b"Hello");
    }
}
