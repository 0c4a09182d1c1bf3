//! Deterministic counters proving linear work: every input byte is scanned exactly once, even
//! when a long event arrives one byte at a time (no rescanning of carried bytes).

use codex_api_core::sse::SseDecoder;

fn feed_bytewise(decoder: &mut SseDecoder, input: &[u8]) -> Vec<String> {
    let mut datas = Vec::new();
    for byte in input.chunks(1) {
        let mut feed = decoder.feed(byte);
        while let Some(frame) = feed.next_frame() {
            datas.push(frame.expect("within the limit").data().to_owned());
        }
    }
    datas
}

#[test]
fn long_single_line_event_one_byte_at_a_time_is_scanned_once() {
    let size = 200_000;
    let mut input = b"data: ".to_vec();
    input.extend((0..size).map(|i| b'a' + (i % 26) as u8));
    input.extend_from_slice(b"\n\n");
    let mut decoder = SseDecoder::new();
    let datas = feed_bytewise(&mut decoder, &input);
    assert_eq!(datas.len(), 1);
    assert_eq!(datas[0].len(), size);
    let stats = decoder.stats();
    assert_eq!(stats.bytes_scanned, input.len() as u64);
    assert_eq!(stats.frames, 1);
    // Memory follows the event, not the chunking: at most twice its size (amortised growth).
    assert!(stats.memory_held <= 2 * size, "{}", stats.memory_held);
}

#[test]
fn long_lines_of_every_kind_are_scanned_once() {
    let long = "z".repeat(50_000);
    let multibyte = "€".repeat(20_000);
    let input = format!(
        "\u{FEFF}: {long}\nid: {long}\nevent: {multibyte}\n{long}: {long}\ndata: {multibyte}\r\ndata: {long}\r\r\n"
    );
    let mut decoder = SseDecoder::new();
    let datas = feed_bytewise(&mut decoder, input.as_bytes());
    assert_eq!(datas, vec![format!("{multibyte}\n{long}")]);
    assert_eq!(decoder.last_event_id(), long);
    assert_eq!(decoder.stats().bytes_scanned, input.len() as u64);
}

#[test]
fn scanning_is_independent_of_chunking() {
    let input: Vec<u8> = (0..2_000)
        .flat_map(|i| format!("event: e\nid: {i}\ndata: {i}\n\n").into_bytes())
        .collect();
    for chunk in [1, 3, 64, 1 << 20] {
        let mut decoder = SseDecoder::new();
        for piece in input.chunks(chunk) {
            let mut feed = decoder.feed(piece);
            while feed.next_frame().is_some() {}
        }
        let stats = decoder.stats();
        assert_eq!(stats.bytes_scanned, input.len() as u64, "chunk {chunk}");
        assert_eq!(stats.frames, 2_000);
    }
}
