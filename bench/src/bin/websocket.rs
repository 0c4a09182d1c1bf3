//! Responses over WebSocket (issue 15): per-turn latency of a tool loop over WebSocket and
//! HTTP (plain and TLS), frame decoding against tungstenite, bytes on the wire with and
//! without permessage-deflate, and memory per idle connection. See BENCHMARKS.md,
//! "Responses over WebSocket (issue 15)".
//!
//! Options: `--loops N` (tool loops per framing and transport, default 200), `--turns N`
//! (default 20), `--warmup N` (warm-up loops per framing, default 10), `--mb N` (decode corpus,
//! default 20), `--rounds N` (decode rounds, default 5), `--connections N` (idle connections,
//! default 200), `--only latency|decode|bytes|idle` (repeatable), `--framing http|ws|ws-deflate` (tool
//! loop framings, repeatable; default all three, HTTP first: the ratios divide by the first),
//! `--no-tls`.
//! Internal modes: `--serve-loop plain|tls`, `--serve-idle-ws plain|tls`,
//! `--idle-ws-client URL N plain|tls deflate|plain`.

use codex_api_bench::alloc_live::Tracking;
use codex_api_bench::corpus::DEFAULT_SEED;
use codex_api_bench::end_to_end::Transport;
use codex_api_bench::report::load_average;
use codex_api_bench::websocket::{frames, idle, tool_loop, wire_bytes};

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

const USAGE: &str = "usage: websocket [--loops N] [--turns N] [--warmup N] [--mb N] [--rounds N] [--connections N] [--only latency|decode|bytes|idle]... [--framing http|ws|ws-deflate]... [--no-tls]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |index: usize| args.get(index).map(String::as_str);
    match arg(0) {
        Some("--serve-loop") => return tool_loop::serve_loop(Transport::from_arg(arg(1))),
        Some("--serve-idle-ws") => return idle::serve_idle(Transport::from_arg(arg(1))),
        Some("--idle-ws-client") => {
            let count = arg(2).and_then(|v| v.parse().ok()).unwrap_or(200);
            return idle::idle_client(
                arg(1).unwrap_or_default(),
                count,
                Transport::from_arg(arg(3)),
                arg(4) == Some("deflate"),
            );
        }
        _ => {}
    }
    let (mut loops, mut turns, mut warmup, mut mb, mut rounds, mut connections) =
        (200, 20, 10, 20, 5, 200);
    let mut only: Vec<String> = Vec::new();
    let mut tls = true;
    let mut framings: Vec<tool_loop::Framing> = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--no-tls" => tls = false,
            "--framing" => match rest.next().and_then(|f| tool_loop::Framing::from_arg(f)) {
                Some(framing) => framings.push(framing),
                None => usage(),
            },
            "--only" => match rest.next() {
                Some(section) if ["latency", "decode", "bytes", "idle"].contains(&section.as_str()) => {
                    only.push(section.clone())
                }
                _ => usage(),
            },
            _ => {
                let value = rest.next().and_then(|value| value.parse::<usize>().ok());
                match (flag.as_str(), value) {
                    ("--loops", Some(v)) => loops = v.max(1),
                    ("--turns", Some(v)) => turns = v.max(1),
                    ("--warmup", Some(v)) => warmup = v,
                    ("--mb", Some(v)) => mb = v.max(1),
                    ("--rounds", Some(v)) => rounds = v.max(1),
                    ("--connections", Some(v)) => connections = v.max(1),
                    _ => usage(),
                }
            }
        }
    }
    let runs = |section: &str| only.is_empty() || only.iter().any(|s| s == section);
    println!("## Responses over WebSocket (issue 15): one run\n");
    println!("- load average at start: {}", load_average());
    if runs("latency") {
        let transports: &[Transport] = if tls {
            &[Transport::Plain, Transport::Tls]
        } else {
            &[Transport::Plain]
        };
        if framings.is_empty() {
            framings = tool_loop::Framing::ALL.to_vec();
        }
        tool_loop::measure(loops, turns, warmup, transports, &framings);
        println!("\n- load average after the tool loop: {}", load_average());
    }
    if runs("decode") {
        frames::measure(DEFAULT_SEED, mb, &[16 * 1024, 1024], rounds);
        println!("\n- load average after decoding: {}", load_average());
    }
    if runs("bytes") {
        wire_bytes::measure(DEFAULT_SEED, turns);
    }
    if runs("idle") {
        idle::measure(connections);
    }
    println!("\n- load average at end: {}", load_average());
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}
