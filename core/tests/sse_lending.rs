//! Vectors aimed at the decoder's fast paths: values lent from the chunk (a whole `event` or
//! `data` line), the chunk validated once, and one-byte pieces of a value. Each is decoded
//! whole, in chunks of 1, 2, 3, 7 and 64 bytes and cut at every pair of positions, so that a
//! line lies wholly inside a chunk in some runs and straddles chunks in others; the limits
//! sit exactly at and one below what the event needs.

mod sse_support;

use codex_api_core::sse::DEFAULT_MAX_EVENT_SIZE;
use sse_support::{CHUNK_SIZES, Item, data, decode_at, decode_chunked, frame, too_large};

fn check(name: &str, input: &[u8], limit: usize, expected: &[Item]) {
    for size in CHUNK_SIZES {
        let got = decode_chunked(input, size, limit);
        assert_eq!(got.items, expected, "{name}: chunk size {size}");
    }
    for first in 0..=input.len() {
        for second in first..=input.len() {
            let (got, _) = decode_at(input, &[first, second], limit);
            assert_eq!(got.items, expected, "{name}: split at {first}, {second}");
        }
    }
}

#[test]
fn lent_values_count_against_the_limit_as_copies_do() {
    let both = b"event: abcde\ndata: 0123456789\n\ndata: ok\n\n";
    let fits = [frame(Some("abcde"), "0123456789", None), data("ok")];
    check("event then data, at the limit", both, 16, &fits);
    check(
        "event then data, one below",
        both,
        15,
        &[too_large(15), data("ok")],
    );

    let reversed = b"data: 0123456789\nevent: abcde\n\ndata: ok\n\n";
    check("data then event, at the limit", reversed, 16, &fits);
    let over = [too_large(15), data("ok")];
    check("data then event, one below", reversed, 15, &over);

    let two = b"data: 0123456\ndata: 01234567\n\ndata: ok\n\n";
    check(
        "two data lines, at the limit",
        two,
        17,
        &[data("0123456\n01234567"), data("ok")],
    );
    check(
        "two data lines, one below",
        two,
        16,
        &[too_large(16), data("ok")],
    );

    // A replaced event type no longer counts.
    let replaced = b"event: aaaaaaaaaa\nevent: b\ndata: 0123456789\n\n";
    check(
        "replaced event type",
        replaced,
        12,
        &[frame(Some("b"), "0123456789", None)],
    );
    check(
        "replaced event type, one below",
        replaced,
        11,
        &[too_large(11)],
    );
}

#[test]
fn lent_and_copied_values_mix() {
    check(
        "invalid UTF-8 between lent lines",
        b"event: e\ndata: a\xFFb\ndata: c\n\nevent: \xC3\ndata: d\n\n",
        DEFAULT_MAX_EVENT_SIZE,
        &[
            frame(Some("e"), "a\u{FFFD}b\nc", None),
            frame(Some("\u{FFFD}"), "d", None),
        ],
    );
    check(
        "empty and dropped event types",
        b"event: x\nevent:\ndata: d\n\nevent: y\n\ndata: z\n\n",
        DEFAULT_MAX_EVENT_SIZE,
        &[data("d"), data("z")],
    );
    check(
        "id, comment and unknown field among lent lines",
        b"id: 7\nevent: e\n: note\nfoo: bar\ndata: d\n\nid\ndata: z\n\n",
        DEFAULT_MAX_EVENT_SIZE,
        &[frame(Some("e"), "d", Some("7")), data("z")],
    );
    check(
        "multi-byte characters around every cut",
        "event: é€\ndata: 𝄞x€\ndata:é\r\n\r\ndata: ü\r\r".as_bytes(),
        DEFAULT_MAX_EVENT_SIZE,
        &[frame(Some("é€"), "𝄞x€\né", None), data("ü")],
    );
    check(
        "field names that only start like data and event",
        b"dat: a\ndatax: b\nevents: c\ndata\nevent\n\n",
        DEFAULT_MAX_EVENT_SIZE,
        &[data("")],
    );
}

#[test]
fn a_chunk_that_ends_inside_a_character_still_lends_what_precedes_it() {
    // The chunk's valid prefix stops before the split character; the lines before it use it.
    let input = "event: e\ndata: 0123456789abcdef\n\ndata: €\n\n".as_bytes();
    let cut = input.len() - 4; // inside the 3-byte €
    for limit in [DEFAULT_MAX_EVENT_SIZE, 18] {
        let (got, _) = decode_at(input, &[cut], limit);
        assert_eq!(
            got.items,
            [frame(Some("e"), "0123456789abcdef", None), data("€")],
            "limit {limit}"
        );
    }
}
