//! Counts heap allocations (with a counting global allocator) to prove that a warmed-up
//! decoder allocates nothing per frame, whatever the chunking, and that a long event fed one
//! byte at a time costs only the amortised growth of its buffer.

mod alloc_support;

use codex_api_core::sse::SseDecoder;

use alloc_support::allocations;

/// A Responses-like stream of `frames` frames mixing every feature.
fn stream(frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for index in 0..frames {
        let frame = match index % 6 {
            0 => format!(
                "event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{index},\"delta\":\"héllo €\"}}\n\n"
            ),
            1 => format!("id: {index}\r\ndata: line one\r\ndata: line two\r\n\r\n"),
            // Invalid UTF-8 (lossy) in steady state too.
            2 => {
                out.extend_from_slice(b": keep-alive\rretry: 1000\rdata: a\xFFb\xC3\r\r");
                continue;
            }
            3 => format!("event: ping\nid:\ndata:{index}\n\n"),
            4 => format!("data: {}\n\n", "x".repeat(300 + index % 7)),
            _ => "foo: ignored\nid: abc\ndata: \u{1F600}\n\n".to_owned(),
        };
        out.extend_from_slice(frame.as_bytes());
    }
    out.extend_from_slice(b"data: \xFF\xFE invalid utf-8\n\n");
    out
}

/// Decodes `input` in chunks of `chunk` bytes; returns (frames, data bytes).
fn decode(decoder: &mut SseDecoder, input: &[u8], chunk: usize) -> (u64, usize) {
    let (mut frames, mut bytes) = (0, 0);
    for piece in input.chunks(chunk) {
        let mut feed = decoder.feed(piece);
        while let Some(frame) = feed.next_frame() {
            let frame = frame.expect("events are small");
            frames += 1;
            bytes += frame.data().len() + frame.event().map_or(0, str::len);
            bytes += frame.id().map_or(0, str::len);
        }
    }
    (frames, bytes)
}

#[test]
fn no_allocation_per_frame_after_warm_up() {
    let warm_up = stream(60);
    let main = stream(3_000);
    for chunk in [1, 2, 7, 64, 4096, main.len()] {
        let mut decoder = SseDecoder::new();
        decode(&mut decoder, &warm_up, chunk);
        let before = allocations();
        let (frames, bytes) = decode(&mut decoder, &main, chunk);
        let allocated = allocations() - before;
        assert_eq!(frames, 3_001, "chunk size {chunk}");
        assert!(bytes > 0);
        assert_eq!(
            allocated, 0,
            "allocations over {frames} frames, chunk size {chunk}"
        );
    }
}

#[test]
fn long_event_byte_by_byte_costs_only_amortised_growth() {
    let size = 256 * 1024;
    let mut input = b"data: ".to_vec();
    input.extend(std::iter::repeat_n(b'y', size));
    input.extend_from_slice(b"\n\n");
    let mut decoder = SseDecoder::new();
    let before = allocations();
    let (frames, bytes) = decode(&mut decoder, &input, 1);
    let allocated = allocations() - before;
    assert_eq!((frames, bytes), (1, size));
    // Doubling from 64 bytes to 256 KiB takes 13 steps.
    assert!(allocated <= 16, "{allocated} allocations");
}
