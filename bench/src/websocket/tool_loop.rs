//! The 20-turn tool loop: per-turn latency over WebSocket (with and without
//! permessage-deflate) and over HTTP, on one client, against a testkit server in a child
//! process, over plain TCP and over TLS; on loopback, and through a [`Relay`] that adds a
//! round-trip time and an upload bandwidth cap (a "realistic link").

use std::time::{Duration, Instant};

use codex_api_core::request::ResponsesOptions;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest};
use futures::StreamExt;

use super::link::{Link, Relay};
use super::{
    PATH, ServerShape, VARIANTS, client, first_request, loop_script, next_request, percentile,
    runtime, turn_transcript,
};
use crate::cpu_time::thread_cpu_time;
use crate::end_to_end::{Transport, finish, serve, spawn_self};

/// How the loop's turns travel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framing {
    /// `client.stream(request, ResponsesOptions::new())`: a POST per turn on the client's pooled
    /// HTTP/1.1 connection, the whole input every time, SSE back.
    Http,
    /// `client.websocket().with_deflate(false)`: one connection per loop, turns chained.
    WebSocket,
    /// `client.websocket()` (permessage-deflate negotiated, context takeover both ways; the
    /// client's requests go uncompressed, the client's default).
    WebSocketDeflate,
    /// `client.websocket().with_compressed_requests(true)`: permessage-deflate both ways.
    WebSocketDeflateRequests,
}

impl Framing {
    /// The loopback rows' default.
    pub const ALL: [Framing; 3] = [Framing::Http, Framing::WebSocket, Framing::WebSocketDeflate];

    /// The realistic link's default: the upload is what the link makes slow, so compressed
    /// requests get a row of their own.
    pub const LINK: [Framing; 4] = [
        Framing::Http,
        Framing::WebSocket,
        Framing::WebSocketDeflate,
        Framing::WebSocketDeflateRequests,
    ];

    /// `http`, `ws`, `ws-deflate`, `ws-deflate-req`.
    pub fn from_arg(arg: &str) -> Option<Framing> {
        match arg {
            "http" => Some(Framing::Http),
            "ws" => Some(Framing::WebSocket),
            "ws-deflate" => Some(Framing::WebSocketDeflate),
            "ws-deflate-req" => Some(Framing::WebSocketDeflateRequests),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Framing::Http => "HTTP (`client.stream`, SSE, pooled connection)",
            Framing::WebSocket => "WebSocket (`client.websocket()`, no deflate)",
            Framing::WebSocketDeflate => "WebSocket + permessage-deflate",
            Framing::WebSocketDeflateRequests => {
                "WebSocket + permessage-deflate, compressed requests"
            }
        }
    }

    /// Whether permessage-deflate is asked for.
    pub fn deflate(self) -> bool {
        matches!(
            self,
            Framing::WebSocketDeflate | Framing::WebSocketDeflateRequests
        )
    }
}

/// What one loop gave.
pub struct LoopRun {
    /// Wall time of each turn: from the `stream` call (request moved in) until the stream's
    /// last event was drained.
    pub turns: Vec<Duration>,
    /// This thread's CPU time for each turn (the current-thread runtime does all the client's
    /// work, socket IO included, on it).
    pub turn_cpu: Vec<Duration>,
    /// Wall time of each turn until its first event was handed over.
    pub first_event: Vec<Duration>,
    /// WebSocket: the time `connect()` took (TCP, TLS, upgrade), before the first turn.
    pub connect: Option<Duration>,
    /// Events drained over the loop.
    pub events: u64,
    /// Error items or failed calls.
    pub errors: u64,
    /// Output items of the last response (to check every turn completed with its output).
    pub last_output: usize,
}

/// Runs one loop of `turns` turns over `framing` on `client`.
pub async fn run_loop(client: &codex_api_tokio::Client, framing: Framing, turns: usize) -> LoopRun {
    let mut run = LoopRun {
        turns: Vec::with_capacity(turns),
        turn_cpu: Vec::with_capacity(turns),
        first_event: Vec::with_capacity(turns),
        connect: None,
        events: 0,
        errors: 0,
        last_output: 0,
    };
    let session = match framing {
        Framing::Http => None,
        Framing::WebSocket | Framing::WebSocketDeflate | Framing::WebSocketDeflateRequests => {
            let session = client
                .websocket()
                .with_deflate(framing.deflate())
                .with_compressed_requests(framing == Framing::WebSocketDeflateRequests);
            let start = Instant::now();
            if session.connect().await.is_err() {
                run.errors += 1;
            }
            run.connect = Some(start.elapsed());
            if session.is_deflate() != framing.deflate() {
                run.errors += 1;
            }
            Some(session)
        }
    };
    let mut request: ResponsesApiRequest = first_request();
    for turn in 0..turns {
        let sent = request.clone();
        let cpu = thread_cpu_time();
        let start = Instant::now();
        let stream = match &session {
            None => client.stream(sent, ResponsesOptions::new()).await,
            Some(session) => session.stream(sent).await,
        };
        let mut output: Vec<ResponseItem> = Vec::new();
        match stream {
            Ok(mut events) => {
                let mut first = true;
                while let Some(event) = events.next().await {
                    if std::mem::take(&mut first) {
                        run.first_event.push(start.elapsed());
                    }
                    match event {
                        Ok(_) => run.events += 1,
                        Err(_) => run.errors += 1,
                    }
                }
                run.turns.push(start.elapsed());
                run.turn_cpu.push(thread_cpu_time().saturating_sub(cpu));
                if let Some(response) = events.state().response() {
                    output = response.output.clone();
                } else {
                    run.errors += 1;
                }
            }
            Err(_) => {
                run.errors += 1;
                run.turns.push(start.elapsed());
                run.turn_cpu.push(thread_cpu_time().saturating_sub(cpu));
            }
        }
        run.last_output = output.len();
        request = next_request(&request, &output, turn + 1);
    }
    run
}

/// The server child (`--serve-loop plain|tls gather|per-event LEVEL`): every turn answered
/// with [`turn_transcript`] over both transports, written as `shape` says, until stdin closes.
pub fn serve_loop(transport: Transport, shape: ServerShape) {
    serve(loop_script(shape), transport, String::new());
}

/// CPU time of process `pid` so far (`utime + stime` of `/proc/<pid>/stat`, clock ticks of
/// 10 ms; threads that ended included).
fn process_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3, utime 14 and stime 15 (1-based, whole line).
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(14) + field(15)
}

/// Everything measured for one framing on one transport.
#[derive(Default)]
struct Tally {
    turns: Vec<Duration>,
    by_turn: Vec<Vec<Duration>>,
    cpu: Vec<Duration>,
    first: Vec<Duration>,
    connects: Vec<Duration>,
    loop_totals: Vec<Duration>,
    server_ticks: u64,
    loops: usize,
    events: u64,
    errors: u64,
    incomplete: u64,
}

/// Checks, on a server in this process, that the WebSocket turns are chained (turn 1 a full
/// request, every later turn `previous_response_id` and only the new `function_call_output`) and prints the
/// uncompressed size of what each framing sent per turn.
fn verify(turns: usize, shape: ServerShape) -> RequestSizes {
    let server = Transport::Plain.start(loop_script(shape));
    let client = client(&server.url(), Transport::Plain);
    let rt = runtime();
    let ws = rt.block_on(run_loop(&client, Framing::WebSocket, turns));
    let http = rt.block_on(run_loop(&client, Framing::Http, turns));
    let messages = server.websocket_messages();
    let creates: Vec<serde_json::Value> = messages
        .iter()
        .filter(|m| m.is_response_create())
        .filter_map(|m| m.json().ok())
        .collect();
    let chained = creates
        .iter()
        .skip(1)
        .filter(|c| {
            c["previous_response_id"].is_string()
                && c["input"].as_array().is_some_and(|input| {
                    input.len() == 1 && input[0]["type"] == "function_call_output"
                })
        })
        .count();
    let full_first = creates
        .first()
        .is_some_and(|c| c.get("previous_response_id").is_none_or(|v| v.is_null()));
    let http_bodies: Vec<usize> = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == PATH)
        .map(|r| r.body.len())
        .collect();
    let ws_sizes: Vec<usize> = messages.iter().map(|m| m.text.len()).collect();
    let sum = |v: &[usize]| v.iter().sum::<usize>();
    println!(
        "- check (server in this process, one loop each): WebSocket: {} `response.create` messages, first a full request: {full_first}, chained (`previous_response_id` and only the new `function_call_output` item): {chained} of {}; every turn completed with 2 output items: WebSocket {}, HTTP {}; errors: WebSocket {}, HTTP {}; events per loop: WebSocket {}, HTTP {}",
        creates.len(),
        creates.len().saturating_sub(1),
        ws.last_output == 2 && ws.turns.len() == turns,
        http.last_output == 2 && http.turns.len() == turns,
        ws.errors,
        http.errors,
        ws.events,
        http.events,
    );
    println!(
        "- request JSON per turn (uncompressed): HTTP bodies {} B (turn 1) → {} B (turn {turns}), {} B over the loop; WebSocket `response.create` {} B (turn 1), then {}–{} B, {} B over the loop ({:.1} % of HTTP's)",
        http_bodies.first().unwrap_or(&0),
        http_bodies.last().unwrap_or(&0),
        sum(&http_bodies),
        ws_sizes.first().unwrap_or(&0),
        ws_sizes.iter().skip(1).min().unwrap_or(&0),
        ws_sizes.iter().skip(1).max().unwrap_or(&0),
        sum(&ws_sizes),
        100.0 * sum(&ws_sizes) as f64 / sum(&http_bodies).max(1) as f64,
    );
    RequestSizes {
        http: http_bodies,
        websocket: ws_sizes,
    }
}

/// The uncompressed size of each turn's request, as [`verify`] saw them.
struct RequestSizes {
    /// HTTP bodies.
    http: Vec<usize>,
    /// WebSocket `response.create` messages.
    websocket: Vec<usize>,
}

impl RequestSizes {
    /// The median of `sizes`.
    fn median(sizes: &[usize]) -> usize {
        let mut sorted = sizes.to_vec();
        sorted.sort_unstable();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }
}

/// What the tool loop runs.
pub struct Setup {
    /// Measured loops per framing and transport (on loopback).
    pub loops: usize,
    /// Warm-up loops per framing and transport (on loopback).
    pub warmup: usize,
    /// Measured and warm-up loops through a [`Link`].
    pub link_loops: usize,
    pub link_warmup: usize,
    pub turns: usize,
    pub transports: Vec<Transport>,
    /// Loopback framings (the ratios divide by the first).
    pub framings: Vec<Framing>,
    /// Link framings.
    pub link_framings: Vec<Framing>,
    pub shape: ServerShape,
    /// Whether the loopback rows run.
    pub loopback: bool,
    /// The links to run the loop through (none: no link rows).
    pub links: Vec<Link>,
}

/// Runs the measurement and prints its report.
pub fn measure(setup: &Setup) {
    let turns = setup.turns;
    let (loops, warmup) = (setup.loops, setup.warmup);
    let transcript = turn_transcript(0);
    let events = transcript.to_text().matches("\ndata: ").count()
        + usize::from(transcript.to_text().starts_with("data: "));
    println!("\n### Tool loop: per-turn latency, WebSocket against HTTP on one client\n");
    println!(
        "- each loop: {turns} turns; turn 1 sends the first request (~9 KB instructions, 8 tools, one user message); every later turn sends the previous input + the previous response's output (a reasoning item with ~1.6 KB `encrypted_content`, a `shell` function call) + a ~1.5 KB `function_call_output`; each answer: {events} events ({} bytes as SSE; {VARIANTS} variants with their own ids, texts and encrypted content, served in turn), drained to `response.completed`",
        transcript.to_bytes().len()
    );
    println!(
        "- one `codex_api_tokio::Client` (current-thread runtime) per transport; HTTP = `client.stream(..)` (pooled keep-alive connection, warm), WebSocket = a fresh `client.websocket()` session per loop, `connect()`ed before turn 1 (timed apart); server: codex-api-testkit in a child process (thread per connection), both transports on one server"
    );
    println!("- server writes: {}", setup.shape.describe());
    println!(
        "- loopback: {warmup} warm-up loops per framing, then {loops} loops per framing; through a link: {} warm-up and {} measured loops per framing; framings interleaved loop by loop; per-turn time = wall time from the `stream` call to the last event drained; client CPU = this thread's CPU time over the same span; server CPU = the server child's utime+stime (10 ms ticks) over each loop, summed per framing ÷ turns (an estimate)",
        setup.link_warmup, setup.link_loops
    );
    let sizes = verify(turns, setup.shape);
    super::prepare::measure(turns, 3, &crate::end_to_end::provider("http://127.0.0.1:1"));
    for &transport in &setup.transports {
        if setup.loopback {
            run_rows(transport, None, loops, warmup, setup, &sizes);
        }
        for &link in &setup.links {
            run_rows(
                transport,
                Some(link),
                setup.link_loops,
                setup.link_warmup,
                setup,
                &sizes,
            );
        }
    }
}

/// The loops of every framing over `transport`, on loopback or through `link`; prints a table.
fn run_rows(
    transport: Transport,
    link: Option<Link>,
    loops: usize,
    warmup: usize,
    setup: &Setup,
    sizes: &RequestSizes,
) {
    let turns = setup.turns;
    let framings: &[Framing] = if link.is_some() {
        &setup.link_framings
    } else {
        &setup.framings
    };
    let mut args = vec!["--serve-loop".to_owned(), transport.arg().to_owned()];
    args.extend(setup.shape.args());
    let (server, line) = spawn_self(&args);
    let server_url = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let pid = server.id();
    let relay = link.map(|link| {
        let upstream = server_url
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|error| panic!("{server_url}: {error}"));
        Relay::start(upstream, link)
    });
    let url = relay
        .as_ref()
        .map_or_else(|| server_url.clone(), |relay| relay.url_for(&server_url));
    let client = client(&url, transport);
    let rt = runtime();
    let mut tallies: Vec<Tally> = framings.iter().map(|_| Tally::default()).collect();
    for _ in 0..warmup {
        for &framing in framings {
            rt.block_on(run_loop(&client, framing, turns));
        }
    }
    for _ in 0..loops {
        for (index, &framing) in framings.iter().enumerate() {
            let ticks = process_ticks(pid);
            let run = rt.block_on(run_loop(&client, framing, turns));
            let tally = &mut tallies[index];
            tally.server_ticks += process_ticks(pid) - ticks;
            tally.loops += 1;
            tally.events += run.events;
            tally.errors += run.errors;
            tally.incomplete += u64::from(run.last_output != 2 || run.turns.len() != turns);
            tally
                .loop_totals
                .push(run.turns.iter().sum::<Duration>() + run.connect.unwrap_or_default());
            if let Some(connect) = run.connect {
                tally.connects.push(connect);
            }
            if tally.by_turn.len() < turns {
                tally.by_turn.resize(turns, Vec::new());
            }
            for (turn, time) in run.turns.iter().enumerate() {
                tally.by_turn[turn].push(*time);
            }
            tally.turns.extend(run.turns);
            tally.cpu.extend(run.turn_cpu);
            tally.first.extend(run.first_event);
        }
    }
    drop(client);
    finish(server);
    report(transport, link, turns, framings, &mut tallies, sizes);
}

fn us(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1e6)
}

fn report(
    transport: Transport,
    link: Option<Link>,
    turns: usize,
    framings: &[Framing],
    tallies: &mut [Tally],
    sizes: &RequestSizes,
) {
    let label = match transport {
        Transport::Plain => "plain TCP (`http://`, `ws://`)",
        Transport::Tls => "TLS (`https://`, `wss://`; rustls 0.23 with ring on both ends)",
    };
    match link {
        None => println!("\n#### Over {label}, loopback\n"),
        Some(link) => {
            println!(
                "\n#### Over {label}, through a realistic link: {}\n",
                link.describe()
            );
            println!(
                "- a relay in the bench process between the client and the server child: every byte delayed by half the RTT each way, the client's bytes let through at the upload rate (slices of {} B, one after the other; unbounded buffer; no slow start, losses or header bytes modelled); the connect column includes the link's round trips",
                super::link::SLICE
            );
            let upload_ms = |bytes: usize| {
                link.up_bps
                    .map_or(0.0, |bps| bytes as f64 * 8.0 / bps as f64 * 1e3)
            };
            let http_last = sizes.http.last().copied().unwrap_or_default();
            let http_median = RequestSizes::median(&sizes.http);
            let ws_median = RequestSizes::median(sizes.websocket.get(1..).unwrap_or_default());
            println!(
                "- what the figures depend on: the RTT and the upload rate — an HTTP turn uploads the whole history (request JSON: median {http_median} B over the loop's turns, {http_last} B at the last: {:.1} and {:.1} ms at this rate), a chained WebSocket turn only the new items (median {ws_median} B: {:.1} ms; with compressed requests a few hundred bytes) —, the relay's sleep precision (a write goes out tens of µs late, more on busy cores), and the loopback figures' CPU costs on top; not the model's own time (the API's time to first token and generation are not in these figures)\n",
                upload_ms(http_median),
                upload_ms(http_last),
                upload_ms(ws_median),
            );
        }
    }
    for tally in tallies.iter_mut() {
        tally.turns.sort_unstable();
        tally.cpu.sort_unstable();
        tally.first.sort_unstable();
        tally.connects.sort_unstable();
        tally.loop_totals.sort_unstable();
        for column in &mut tally.by_turn {
            column.sort_unstable();
        }
    }
    let http_median = percentile(&tallies[0].turns, 50.0);
    let http_p99 = percentile(&tallies[0].turns, 99.0);
    let http_loop = percentile(&tallies[0].loop_totals, 50.0);
    println!(
        "| framing | loops | turns | errors | median µs | p90 µs | p99 µs | max µs | to first event median µs | turn 1 median µs | turn {turns} median µs | client CPU median µs/turn | server CPU µs/turn (approx.) | connect median µs | median ÷ first row | p99 ÷ first row | loop total median ms (incl. connect) | loop ÷ first row |"
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (framing, tally) in framings.iter().zip(tallies.iter()) {
        let median = percentile(&tally.turns, 50.0);
        let p99 = percentile(&tally.turns, 99.0);
        let loop_total = percentile(&tally.loop_totals, 50.0);
        let server = tally.server_ticks as f64 * 10_000.0 / tally.turns.len().max(1) as f64;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            framing.name(),
            tally.loops,
            tally.turns.len(),
            tally.errors + tally.incomplete,
            us(median),
            us(percentile(&tally.turns, 90.0)),
            us(p99),
            us(tally.turns.last().copied().unwrap_or_default()),
            us(percentile(&tally.first, 50.0)),
            us(tally
                .by_turn
                .first()
                .map_or(Duration::ZERO, |c| percentile(c, 50.0))),
            us(tally
                .by_turn
                .last()
                .map_or(Duration::ZERO, |c| percentile(c, 50.0))),
            us(percentile(&tally.cpu, 50.0)),
            server,
            if tally.connects.is_empty() {
                "—".to_owned()
            } else {
                us(percentile(&tally.connects, 50.0))
            },
            median.as_secs_f64() / http_median.as_secs_f64(),
            p99.as_secs_f64() / http_p99.as_secs_f64(),
            loop_total.as_secs_f64() * 1e3,
            loop_total.as_secs_f64() / http_loop.as_secs_f64(),
        );
    }
    println!("\nMedian µs by turn (turns 1, 2, 5, 10, 15, 20):\n");
    println!("| framing | 1 | 2 | 5 | 10 | 15 | 20 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (framing, tally) in framings.iter().zip(tallies.iter()) {
        let cells: Vec<String> = [1usize, 2, 5, 10, 15, 20]
            .iter()
            .map(|turn| {
                tally
                    .by_turn
                    .get(turn - 1)
                    .map_or("—".to_owned(), |column| us(percentile(column, 50.0)))
            })
            .collect();
        println!("| {} | {} |", framing.name(), cells.join(" | "));
    }
}
