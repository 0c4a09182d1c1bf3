//! The cost of one large `response.output_item.done` event (a message item holding a ~40 KB
//! text) through `StreamEvent::parse`, with the item's members in OpenAI's order (`id` first)
//! and with `type` first, against `from_str::<ResponseItem>`-free baselines: async-openai's
//! `ResponseStreamEvent` and a borrowed struct that skips the item. Median of 2,000 parses
//! each (thread CPU time). `item_cost [REPETITIONS]`.

use std::hint::black_box;
use std::time::Duration;

use codex_api_bench::corpus::XorShift;
use codex_api_bench::cpu_time::thread_cpu_time;
use codex_api_core::wire::StreamEvent;

/// One measured way: its name and one parse.
type Row<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn median(mut run: impl FnMut(), repetitions: usize) -> Duration {
    let mut times: Vec<Duration> = (0..repetitions)
        .map(|_| {
            let start = thread_cpu_time();
            run();
            thread_cpu_time().saturating_sub(start)
        })
        .collect();
    times.sort_unstable();
    times[times.len() / 2]
}

fn main() {
    let repetitions: usize = std::env::args()
        .nth(1)
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let mut rng = XorShift::new(3);
    let words = [
        "Hello",
        " world",
        "\\n",
        " caf\u{e9}",
        "\\\"",
        " \u{65e5}\u{672c}",
        " 42",
    ];
    let mut text = String::new();
    while text.len() < 40_000 {
        text.push_str(words[rng.below(words.len())]);
    }
    let content = format!(
        "\"content\":[{{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"{text}\"}}],\"role\":\"assistant\""
    );
    let id_first = format!(
        "{{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",{content}}},\"sequence_number\":7}}"
    );
    let type_first = format!(
        "{{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",{content}}},\"sequence_number\":7}}"
    );
    let text_only = format!("{{\"text\":\"{text}\"}}");
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Borrowed<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(borrow)]
        item: &'a serde_json::value::RawValue,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct OwnedText {
        text: String,
    }
    println!(
        "event: {} bytes; median of {repetitions} parses (thread CPU time)\n",
        id_first.len()
    );
    println!("| parse | µs |");
    println!("|---|---:|");
    let rows: Vec<Row<'_>> = vec![
        (
            "ours `StreamEvent::parse`, item `id` first (as OpenAI sends it)",
            Box::new(|| {
                black_box(StreamEvent::parse(None, black_box(&id_first)).is_ok());
            }),
        ),
        (
            "ours `StreamEvent::parse`, item `type` first",
            Box::new(|| {
                black_box(StreamEvent::parse(None, black_box(&type_first)).is_ok());
            }),
        ),
        (
            "async-openai `ResponseStreamEvent`, item `id` first",
            Box::new(|| {
                black_box(
                    serde_json::from_str::<async_openai::types::responses::ResponseStreamEvent>(
                        black_box(&id_first),
                    )
                    .is_ok(),
                );
            }),
        ),
        (
            "one pass: the text into a `String` (the least an owned item needs)",
            Box::new(|| {
                black_box(serde_json::from_str::<OwnedText>(black_box(&text_only)).is_ok());
            }),
        ),
        (
            "borrowed struct, item skipped as `&RawValue` (the ceiling's way)",
            Box::new(|| {
                black_box(serde_json::from_str::<Borrowed<'_>>(black_box(&id_first)).is_ok());
            }),
        ),
    ];
    for (name, run) in &rows {
        let time = median(run, repetitions);
        println!("| {name} | {:.1} |", time.as_secs_f64() * 1e6);
    }
}
