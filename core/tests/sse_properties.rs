//! Properties of the SSE decoder: any split of any input decodes exactly like a plain,
//! whole-input reading of the HTML standard's algorithm, and memory stays within the limit.

mod sse_support;

use codex_api_core::sse::{DEFAULT_MAX_EVENT_SIZE, SseDecoder};
use proptest::prelude::*;
use proptest::sample::Index;
use sse_support::{Item, Outcome, decode_at, frame};

/// The spec, read literally over the whole input: decode, strip one BOM, split lines, apply.
fn reference(input: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(input);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut line));
            }
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
    }
    let (mut data, mut event, mut id_buffer) = (String::new(), String::new(), String::new());
    let mut last_event_id = String::new();
    let mut retry = None;
    let mut in_block = false;
    let mut items = Vec::new();
    for line in &lines {
        if line.is_empty() {
            last_event_id = id_buffer.clone();
            in_block = false;
            if data.is_empty() {
                event.clear();
                continue;
            }
            data.pop();
            let event_type = (!event.is_empty()).then_some(event.as_str());
            let id = (!last_event_id.is_empty()).then_some(last_event_id.as_str());
            items.push(frame(event_type, &data, id));
            data.clear();
            event.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        // Only `data`, `event` and `id` build the pending event that EOF would discard.
        in_block |= matches!(field, "data" | "event" | "id");
        match field {
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "event" => event = value.to_owned(),
            "id" if !value.contains('\0') => id_buffer = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                retry = Some(value.bytes().fold(0u64, |n, b| {
                    n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
                }));
            }
            _ => {}
        }
    }
    Outcome {
        items,
        discarded_incomplete_event: in_block || !line.is_empty(),
        last_event_id,
        retry,
    }
}

/// Inputs biased toward what matters to the decoder.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        3 => Just(b"\n".to_vec()),
        2 => Just(b"\r".to_vec()),
        2 => Just(b"\r\n".to_vec()),
        2 => Just(b":".to_vec()),
        2 => Just(b" ".to_vec()),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => Just(b"\xEF".to_vec()),
        1 => Just(b"\xBB\xBF".to_vec()),
        3 => Just(b"data".to_vec()),
        3 => Just(b"data: ".to_vec()),
        2 => Just(b"id".to_vec()),
        2 => Just(b"event".to_vec()),
        2 => Just(b"retry".to_vec()),
        1 => Just(b"\0".to_vec()),
        2 => "[0-9]{1,3}".prop_map(String::into_bytes),
        2 => "[a-z]{1,4}".prop_map(String::into_bytes),
        1 => Just("é€😀".as_bytes().to_vec()),
        1 => Just(b"\xE2\x82".to_vec()),
        1 => Just(b"\xF0\x9F".to_vec()),
        1 => Just(b"\xFF".to_vec()),
        2 => proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(token, 0..48).prop_map(|tokens| tokens.concat())
}

/// Inputs made of mostly well-formed lines, so that fields interact within blocks.
fn lines() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        4 => Just(&b"data"[..]),
        2 => Just(&b"event"[..]),
        2 => Just(&b"id"[..]),
        2 => Just(&b"retry"[..]),
        1 => Just(&b""[..]),
        1 => Just(&b"dat"[..]),
        1 => Just(&b"foo"[..]),
        1 => Just(&b"\xEF\xBB\xBF"[..]),
    ];
    let separator = prop_oneof![
        Just(&b""[..]),
        Just(&b":"[..]),
        Just(&b": "[..]),
        Just(&b":  "[..])
    ];
    let value_part = prop_oneof![
        3 => "[a-z0-9]{1,3}".prop_map(String::into_bytes),
        1 => Just(b"\0".to_vec()),
        1 => Just(b":".to_vec()),
        1 => Just(b" ".to_vec()),
        1 => Just("é😀".as_bytes().to_vec()),
        1 => Just(b"\xE2\x82".to_vec()),
        1 => Just(b"\xFF".to_vec()),
    ];
    let terminator = prop_oneof![Just(&b"\n"[..]), Just(&b"\r"[..]), Just(&b"\r\n"[..])];
    let line = (
        name,
        separator,
        proptest::collection::vec(value_part, 0..3),
        terminator,
    )
        .prop_map(|(name, separator, value, terminator)| {
            [name, separator, &value.concat(), terminator].concat()
        });
    let blank = prop_oneof![
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec())
    ];
    let item = prop_oneof![3 => line, 1 => blank];
    (
        any::<bool>(),
        proptest::collection::vec(item, 0..24),
        proptest::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(bom, items, tail)| {
            let mut input = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            input.extend(items.concat());
            input.extend(tail);
            input
        })
}

/// Either kind of input.
fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![stream(), lines()]
}

fn splits_of(len: usize, cuts: &[Index]) -> Vec<usize> {
    let mut splits: Vec<usize> = cuts.iter().map(|cut| cut.index(len + 1)).collect();
    splits.sort_unstable();
    splits
}

/// Decodes with a check of the memory bound after every step.
fn decode_bounded(input: &[u8], splits: &[usize], limit: usize) -> Vec<Item> {
    let mut decoder = SseDecoder::with_max_event_size(limit);
    let mut items = Vec::new();
    let mut start = 0;
    for end in splits.iter().copied().chain([input.len()]) {
        let mut feed = decoder.feed(&input[start..end]);
        while let Some(item) = feed.next_frame() {
            items.push(match item {
                Ok(frame) => sse_support::frame(frame.event(), frame.data(), frame.id()),
                Err(error) => Item::Error(error),
            });
        }
        drop(feed);
        let held = decoder.stats().memory_held;
        assert!(held <= limit, "memory held {held} > limit {limit}");
        start = end;
    }
    items
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_split_matches_the_reference(
        input in input(),
        cuts in proptest::collection::vec(any::<Index>(), 0..12),
    ) {
        let expected = reference(&input);
        let (whole, _) = decode_at(&input, &[], DEFAULT_MAX_EVENT_SIZE);
        prop_assert_eq!(&whole, &expected);
        let (split, _) = decode_at(&input, &splits_of(input.len(), &cuts), DEFAULT_MAX_EVENT_SIZE);
        prop_assert_eq!(&split, &expected);
    }

    #[test]
    fn byte_at_a_time_matches_the_reference(input in input()) {
        let splits: Vec<usize> = (1..input.len()).collect();
        let (split, _) = decode_at(&input, &splits, DEFAULT_MAX_EVENT_SIZE);
        prop_assert_eq!(split, reference(&input));
    }

    #[test]
    fn any_split_under_a_small_limit_matches_whole_and_stays_bounded(
        input in input(),
        cuts in proptest::collection::vec(any::<Index>(), 0..12),
        limit in 0usize..48,
    ) {
        let (whole, _) = decode_at(&input, &[], limit);
        let (split, decoder) = decode_at(&input, &splits_of(input.len(), &cuts), limit);
        prop_assert_eq!(&split, &whole);
        prop_assert!(decoder.stats().memory_held <= limit);
        let items = decode_bounded(&input, &splits_of(input.len(), &cuts), limit);
        prop_assert_eq!(&items, &whole.items);
        // Without an error, the limit changes nothing.
        if !whole.items.iter().any(|item| matches!(item, Item::Error(_))) {
            prop_assert_eq!(whole, reference(&input));
        }
    }

    #[test]
    fn memory_stays_within_the_limit_for_large_events(
        sizes in proptest::collection::vec(0usize..3000, 1..12),
        id_sizes in proptest::collection::vec(0usize..600, 1..12),
        chunk in 1usize..700,
        limit in 256usize..2048,
    ) {
        let mut input = Vec::new();
        for (index, size) in sizes.iter().enumerate() {
            let id = id_sizes.get(index).copied().unwrap_or(0);
            input.extend_from_slice(format!("id: {}\nevent: e{index}\n", "i".repeat(id)).as_bytes());
            input.extend_from_slice(b"data: ");
            input.extend(std::iter::repeat_n(b'x', *size));
            input.extend_from_slice(b"\n\n");
        }
        let splits: Vec<usize> = (1..=input.len() / chunk).map(|i| i * chunk).collect();
        let items = decode_bounded(&input, &splits, limit);
        prop_assert_eq!(items.len(), sizes.len());
        let (whole, _) = decode_at(&input, &[], limit);
        prop_assert_eq!(items, whole.items);
    }
}
