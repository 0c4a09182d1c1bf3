//! Responses over WebSocket (issue 15): per-turn latency of a tool loop over WebSocket and
//! HTTP (plain and TLS), frame decoding against tungstenite, bytes on the wire with and
//! without permessage-deflate, and memory per idle connection. See BENCHMARKS.md,
//! "Responses over WebSocket (issue 15)".
//!
//! Options: `--loops N` (tool loops per framing and transport on loopback, default 200),
//! `--turns N` (default 20), `--warmup N` (warm-up loops per framing, default 10), `--link
//! RTT_MS:UP_MBIT[:DOWN_MBIT]` (repeatable; the tool loop again through a relay adding that
//! round trip and bandwidth caps, default `20:20`; `--link none` for none), `--link-loops N`
//! (default 20), `--link-warmup N` (default 2), `--server-writes gather|per-event` (default
//! `gather`), `--deflate-level N` (the server's, default 1), `--mb N` (decode corpus, default
//! 20), `--rounds N` (decode rounds, default 5), `--connections N` (idle connections, default
//! 200), `--only latency|link|decode|bytes|idle` (repeatable; `latency` is the loopback rows,
//! `link` the realistic-link rows), `--framing http|ws|ws-deflate|ws-deflate-req` (tool loop
//! framings, repeatable; default `http ws ws-deflate` on loopback and all four through a link,
//! HTTP first: the ratios divide by the first), `--no-tls`.
//! Internal modes: `--serve-loop plain|tls [gather|per-event LEVEL]`, `--serve-idle-ws
//! plain|tls`, `--idle-ws-client URL N plain|tls deflate|plain`.

use codex_api_bench::alloc_live::Tracking;
use codex_api_bench::corpus::DEFAULT_SEED;
use codex_api_bench::end_to_end::Transport;
use codex_api_bench::report::load_average;
use codex_api_bench::websocket::link::Link;
use codex_api_bench::websocket::{ServerShape, frames, idle, tool_loop, wire_bytes};

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

const USAGE: &str = "usage: websocket [--loops N] [--turns N] [--warmup N] [--link RTT_MS:UP_MBIT[:DOWN_MBIT]|none]... [--link-loops N] [--link-warmup N] [--server-writes gather|per-event] [--deflate-level N] [--mb N] [--rounds N] [--connections N] [--only latency|link|decode|bytes|idle]... [--framing http|ws|ws-deflate|ws-deflate-req]... [--no-tls]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |index: usize| args.get(index).map(String::as_str);
    match arg(0) {
        Some("--serve-loop") => {
            return tool_loop::serve_loop(
                Transport::from_arg(arg(1)),
                ServerShape::from_args(arg(2), arg(3)),
            );
        }
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
    let (mut link_loops, mut link_warmup) = (20, 2);
    let mut only: Vec<String> = Vec::new();
    let mut tls = true;
    let mut framings: Vec<tool_loop::Framing> = Vec::new();
    let mut links: Option<Vec<Link>> = None;
    let mut shape = ServerShape::DEFAULT;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--no-tls" => tls = false,
            "--framing" => match rest.next().and_then(|f| tool_loop::Framing::from_arg(f)) {
                Some(framing) => framings.push(framing),
                None => usage(),
            },
            "--link" => match rest.next().map(String::as_str) {
                Some("none") => links = Some(Vec::new()),
                Some(value) => match Link::parse(value) {
                    Some(link) => links.get_or_insert_with(Vec::new).push(link),
                    None => usage(),
                },
                None => usage(),
            },
            "--server-writes" => match rest.next().map(String::as_str) {
                Some(writes @ ("gather" | "per-event")) => shape.gather = writes == "gather",
                _ => usage(),
            },
            "--only" => match rest.next() {
                Some(section)
                    if ["latency", "link", "decode", "bytes", "idle"]
                        .contains(&section.as_str()) =>
                {
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
                    ("--link-loops", Some(v)) => link_loops = v.max(1),
                    ("--link-warmup", Some(v)) => link_warmup = v,
                    ("--deflate-level", Some(v)) if v <= 9 => shape.deflate_level = v as u32,
                    _ => usage(),
                }
            }
        }
    }
    let runs = |section: &str| only.is_empty() || only.iter().any(|s| s == section);
    println!("## Responses over WebSocket (issue 15): one run\n");
    println!("- load average at start: {}", load_average());
    let links = links.unwrap_or_else(|| vec![Link::DEFAULT]);
    if runs("latency") || (runs("link") && !links.is_empty()) {
        let transports = if tls {
            vec![Transport::Plain, Transport::Tls]
        } else {
            vec![Transport::Plain]
        };
        let setup = tool_loop::Setup {
            loops,
            warmup,
            link_loops,
            link_warmup,
            turns,
            transports,
            framings: if framings.is_empty() {
                tool_loop::Framing::ALL.to_vec()
            } else {
                framings.clone()
            },
            link_framings: if framings.is_empty() {
                tool_loop::Framing::LINK.to_vec()
            } else {
                framings.clone()
            },
            shape,
            loopback: runs("latency"),
            links: if runs("link") { links } else { Vec::new() },
        };
        tool_loop::measure(&setup);
        println!("\n- load average after the tool loop: {}", load_average());
    }
    if runs("decode") {
        frames::measure(DEFAULT_SEED, mb, &[16 * 1024, 1024], rounds);
        println!("\n- load average after decoding: {}", load_average());
    }
    if runs("bytes") {
        wire_bytes::measure(DEFAULT_SEED, turns, shape);
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
