//! The `Feed` contract: frames come out as soon as their blank line is complete, a dropped
//! feed loses nothing, CR at a chunk end, and reuse of a decoder after `finish`.

mod sse_support;

use codex_api_core::sse::{SseDecoder, SseError};
use sse_support::{Item, data, drain, frame, too_large};

fn feed_all(decoder: &mut SseDecoder, chunk: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    drain(decoder, chunk, &mut items);
    items
}

#[test]
fn frame_is_yielded_by_the_chunk_that_completes_it() {
    let mut decoder = SseDecoder::new();
    assert_eq!(feed_all(&mut decoder, b"data: a\n"), vec![]);
    assert_eq!(feed_all(&mut decoder, b"\n"), vec![data("a")]);
    // A lone CR ending a chunk ends the line at once: no waiting for the next chunk.
    assert_eq!(feed_all(&mut decoder, b"data: b\r\r"), vec![data("b")]);
}

#[test]
fn lf_after_a_chunk_final_cr_is_swallowed() {
    let mut decoder = SseDecoder::new();
    assert_eq!(feed_all(&mut decoder, b"data: a\r"), vec![]);
    // Were this LF a line of its own, it would dispatch "a" alone.
    assert_eq!(feed_all(&mut decoder, b"\ndata: b\n\n"), vec![data("a\nb")]);
    // Empty chunks between CR and LF change nothing.
    assert_eq!(feed_all(&mut decoder, b"data: c\r"), vec![]);
    assert_eq!(feed_all(&mut decoder, b""), vec![]);
    assert_eq!(feed_all(&mut decoder, b"\n\r"), vec![data("c")]);
    assert_eq!(feed_all(&mut decoder, b"\ndata: d\n\n"), vec![data("d")]);
    // Only one LF is swallowed.
    assert_eq!(feed_all(&mut decoder, b"data: e\r"), vec![]);
    assert_eq!(feed_all(&mut decoder, b"\n\n"), vec![data("e")]);
}

#[test]
fn dropped_feed_keeps_its_unread_bytes() {
    let input = b"data: 1\n\ndata: 2\n\nid: x\ndata: 3\n\ndata: 4";
    let mut decoder = SseDecoder::new();
    {
        let mut feed = decoder.feed(input);
        assert_eq!(feed.next_frame().unwrap().unwrap().data(), "1");
        // Dropped with "2", "3" and a partial "4" unread.
    }
    // Drain the kept bytes without new input.
    assert_eq!(
        feed_all(&mut decoder, b""),
        vec![data("2"), frame(None, "3", Some("x"))]
    );
    assert_eq!(
        feed_all(&mut decoder, b"\n\n"),
        vec![frame(None, "4", Some("x"))]
    );
    assert_eq!(decoder.stats().bytes_scanned, input.len() as u64 + 2);
}

#[test]
fn dropped_feeds_in_a_row_keep_order() {
    let mut decoder = SseDecoder::new();
    {
        let mut feed = decoder.feed(b"data: 1\n\ndata: 2\n\n");
        assert_eq!(feed.next_frame().unwrap().unwrap().data(), "1");
    }
    {
        // Kept bytes come first; drop again after one frame.
        let mut feed = decoder.feed(b"data: 3\n\ndata: 4\n\n");
        assert_eq!(feed.next_frame().unwrap().unwrap().data(), "2");
    }
    {
        let _untouched = decoder.feed(b"data: 5\n\n");
    }
    assert_eq!(
        feed_all(&mut decoder, b"data: 6\n\n"),
        vec![data("3"), data("4"), data("5"), data("6")]
    );
    assert_eq!(decoder.stats().frames, 6);
}

#[test]
fn finish_counts_undecoded_kept_bytes() {
    let mut decoder = SseDecoder::new();
    {
        let mut feed = decoder.feed(b"data: 1\n\n: comment\n");
        assert!(feed.next_frame().is_some());
    }
    assert!(decoder.finish().discarded_incomplete_event);
    // The kept bytes were dropped with the stream.
    assert_eq!(feed_all(&mut decoder, b""), vec![]);
}

#[test]
fn reuse_after_finish_keeps_id_and_retry_and_strips_a_new_bom() {
    let mut decoder = SseDecoder::new();
    assert_eq!(
        feed_all(
            &mut decoder,
            b"\xEF\xBB\xBFretry: 250\nid: 7\ndata: a\n\nid: 8\ndata: b"
        ),
        vec![frame(None, "a", Some("7"))]
    );
    assert!(decoder.finish().discarded_incomplete_event);
    assert_eq!(decoder.last_event_id(), "7");
    assert_eq!(decoder.reconnection_time_ms(), Some(250));
    // A new stream: its BOM is stripped again, the committed id carries over.
    assert_eq!(
        feed_all(&mut decoder, b"\xEF\xBB\xBFdata: c\n\n"),
        vec![frame(None, "c", Some("7"))]
    );
    assert!(!decoder.finish().discarded_incomplete_event);
    decoder.reset();
    assert_eq!(decoder.last_event_id(), "");
    assert_eq!(decoder.reconnection_time_ms(), None);
    assert_eq!(feed_all(&mut decoder, b"data: d\n\n"), vec![data("d")]);
}

#[test]
fn finish_mid_line_does_not_leak_into_the_next_stream() {
    let mut decoder = SseDecoder::new();
    assert_eq!(feed_all(&mut decoder, b"data: half\r"), vec![]);
    assert!(decoder.finish().discarded_incomplete_event);
    // The CR was pending a possible LF; the new stream's first LF is a line of its own.
    assert_eq!(feed_all(&mut decoder, b"\ndata: x\n\n"), vec![data("x")]);
    assert_eq!(feed_all(&mut decoder, b"data: \xE2\x82"), vec![]);
    decoder.finish();
    assert_eq!(feed_all(&mut decoder, b"\xACdata: y\n\n"), vec![]);
    assert_eq!(feed_all(&mut decoder, b"data: z\n\n"), vec![data("z")]);
}

#[test]
fn oversize_in_a_partial_line_reports_once_and_resyncs() {
    let mut decoder = SseDecoder::with_max_event_size(8);
    let mut items = Vec::new();
    for chunk in [
        &b"data: 01234"[..],
        b"56789",
        b"abcdef",
        b"\ndata: more\n",
        b"\n",
    ] {
        drain(&mut decoder, chunk, &mut items);
    }
    drain(&mut decoder, b"data: ok\n\n", &mut items);
    assert_eq!(items, vec![too_large(8), data("ok")]);
    let stats = decoder.stats();
    assert_eq!(stats.events_too_large, 1);
    assert_eq!(stats.frames, 1);
    assert!(stats.memory_held <= 8);
}

#[test]
fn error_is_typed_and_displayable() {
    let error = SseError::EventTooLarge { limit: 1024 };
    assert_eq!(
        error.to_string(),
        "server-sent event larger than the 1024-byte limit was skipped"
    );
}

#[test]
fn frames_borrow_and_copy() {
    let mut decoder = SseDecoder::new();
    let mut feed = decoder.feed(b"event: e\nid: 1\ndata: x\n\n");
    let frame = feed.next_frame().unwrap().unwrap();
    let copy = frame;
    assert_eq!(
        (copy.event(), copy.data(), copy.id()),
        (Some("e"), "x", Some("1"))
    );
    assert_eq!(
        format!("{frame:?}"),
        r#"Frame { event: Some("e"), data: "x", id: Some("1") }"#
    );
    assert!(feed.next_frame().is_none());
    assert!(feed.next_frame().is_none());
}

#[test]
fn debug_shows_no_data() {
    let mut decoder = SseDecoder::new();
    feed_all(&mut decoder, b"data: secret-ish payload");
    let debug = format!("{decoder:?}");
    assert!(!debug.contains("payload"), "{debug}");
    assert!(debug.contains("max_event_size"));
}

#[test]
fn kept_bytes_of_dropped_feeds_cost_at_most_one_chunk() {
    // Found by fuzzing: the copy of a dropped feed's rest grew by doubling, past one chunk.
    let mut decoder = SseDecoder::with_max_event_size(64);
    let mut largest = 0;
    for size in [1000usize, 1500, 1900, 50, 2500] {
        let mut chunk = b"data: a\n\n".to_vec();
        chunk.extend(std::iter::repeat_n(b'\n', size));
        {
            let mut feed = decoder.feed(&chunk);
            assert!(feed.next_frame().is_some());
        }
        largest = largest.max(chunk.len());
        assert!(decoder.stats().memory_held <= 64 + largest);
        assert_eq!(feed_all(&mut decoder, b""), vec![]);
    }
}

/// Found by fuzzing (`fuzz/regressions/sse_chunking/id-with-nul-past-the-limit-split`): an `id`
/// line past the size limit that turns out to contain a NUL is ignored, however it is split.
#[test]
fn an_id_with_nul_past_the_limit_is_ignored_however_it_is_split() {
    use codex_api_core::sse::{SseDecoder, SseError};
    fn decode(chunks: &[&[u8]]) -> Vec<Result<String, SseError>> {
        let mut decoder = SseDecoder::with_max_event_size(16);
        let mut items = Vec::new();
        for chunk in chunks {
            let mut feed = decoder.feed(chunk);
            while let Some(item) = feed.next_frame() {
                items.push(item.map(|frame| frame.data().to_owned()));
            }
        }
        items
    }
    // Six U+FFFD = 18 bytes > 16; the NUL makes the id line one to ignore.
    let body: &[u8] = b"id: \xff\xff\xff\xff\xff\xff\x00\n\ndata: x\n\n";
    let whole = decode(&[body]);
    assert_eq!(whole, vec![Ok("x".to_owned())]);
    for cut in 1..body.len() {
        assert_eq!(decode(&[&body[..cut], &body[cut..]]), whole, "cut at {cut}");
    }
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(decode(&bytes), whole);
}
