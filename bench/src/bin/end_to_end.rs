//! End to end over loopback: the testkit server (in a child process, so that its threads and
//! buffers are not counted) streams a large generated Responses transcript to our tokio,
//! async-std and blocking clients (throughput, time to first event); then a fresh child
//! process of this binary opens many concurrent streams that the server holds open with a
//! stall, on the tokio client, and reports its peak RSS.
//!
//! Options: `--mb N` (transcript, default 100), `--reps N` (per client, default 3),
//! `--streams N` (idle streams, default 1000).
//! Internal modes: `--serve-transcript MB REPS`, `--serve-idle N`, `--idle-client URL N`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use codex_api_bench::corpus;
use codex_api_bench::report::load_average;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::{Body, Script, ScriptedResponse, Stall, TestServer};
use futures::StreamExt;

fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-5-codex")
        .input(vec![ResponseItem::text_message(Role::User, "hi")])
}

fn provider(url: &str) -> Provider {
    Provider::custom("bench", format!("{url}/v1")).unwrap_or_else(|error| panic!("{error}"))
}

fn credentials() -> Credentials {
    Credentials::api_key("sk-bench")
}

/// What one streamed response gave the client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Outcome {
    events: u64,
    delta_bytes: u64,
    completed: bool,
    errors: u64,
}

impl Outcome {
    fn add(&mut self, event: &ResponseEvent) {
        self.events += 1;
        match event {
            ResponseEvent::OutputTextDelta { delta, .. } => self.delta_bytes += delta.len() as u64,
            ResponseEvent::Completed { .. } => self.completed = true,
            _ => {}
        }
    }
}

struct Run {
    outcome: Outcome,
    first_event: Duration,
    total: Duration,
    /// CPU time of this process (all its threads) during the run.
    cpu: Duration,
}

/// CPU time of this process, all threads (`CLOCK_PROCESS_CPUTIME_ID`); the server is in
/// another process and not counted.
fn process_cpu_time() -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `spec` is a valid, writable timespec for the duration of the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut spec) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Adapter {
    Tokio,
    AsyncStd,
    Blocking,
}

impl Adapter {
    fn name(self) -> &'static str {
        match self {
            Adapter::Tokio => "codex-api-tokio (current-thread runtime)",
            Adapter::AsyncStd => "codex-api-async-std (async_std::task::block_on)",
            Adapter::Blocking => "codex-api-blocking",
        }
    }
}

fn run_tokio(runtime: &tokio::runtime::Runtime, url: &str) -> Run {
    runtime.block_on(async {
        let client = codex_api_tokio::Client::builder(
            provider(url),
            codex_api_tokio::StaticAuth::new(credentials()),
        )
        .without_proxy()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
        let start = Instant::now();
        let mut first_event = None;
        let mut outcome = Outcome::default();
        match client.stream(request(), ResponsesOptions::new()).await {
            Ok(mut events) => {
                while let Some(event) = events.next().await {
                    first_event.get_or_insert_with(|| start.elapsed());
                    match event {
                        Ok(event) => outcome.add(&event),
                        Err(_) => outcome.errors += 1,
                    }
                }
            }
            Err(_) => outcome.errors += 1,
        }
        Run {
            outcome,
            first_event: first_event.unwrap_or_default(),
            total: start.elapsed(),
            cpu: Duration::ZERO,
        }
    })
}

fn run_async_std(url: &str) -> Run {
    async_std::task::block_on(async {
        let client = codex_api_async_std::Client::builder(
            provider(url),
            codex_api_async_std::StaticAuth::new(credentials()),
        )
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
        let start = Instant::now();
        let mut first_event = None;
        let mut outcome = Outcome::default();
        match client.stream(request(), ResponsesOptions::new()).await {
            Ok(mut events) => {
                while let Some(event) = events.next().await {
                    first_event.get_or_insert_with(|| start.elapsed());
                    match event {
                        Ok(event) => outcome.add(&event),
                        Err(_) => outcome.errors += 1,
                    }
                }
            }
            Err(_) => outcome.errors += 1,
        }
        Run {
            outcome,
            first_event: first_event.unwrap_or_default(),
            total: start.elapsed(),
            cpu: Duration::ZERO,
        }
    })
}

fn run_blocking(url: &str) -> Run {
    let client = codex_api_blocking::Client::builder(
        provider(url),
        codex_api_blocking::StaticAuth::new(credentials()),
    )
    .without_proxy()
    .build()
    .unwrap_or_else(|error| panic!("{error}"));
    let start = Instant::now();
    let mut first_event = None;
    let mut outcome = Outcome::default();
    match client.stream(request(), ResponsesOptions::new()) {
        Ok(events) => {
            for event in events {
                first_event.get_or_insert_with(|| start.elapsed());
                match event {
                    Ok(event) => outcome.add(&event),
                    Err(_) => outcome.errors += 1,
                }
            }
        }
        Err(_) => outcome.errors += 1,
    }
    Run {
        outcome,
        first_event: first_event.unwrap_or_default(),
        total: start.elapsed(),
        cpu: Duration::ZERO,
    }
}

/// `VmHWM` and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Serves until stdin closes; prints the URL (and the body size) on stdout first.
fn serve(script: Script, note: String) {
    let server = TestServer::start(script).unwrap_or_else(|error| panic!("{error}"));
    println!("{} {note}", server.url());
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
}

fn spawn_self(args: &[String]) -> (Child, String) {
    let exe = std::env::current_exe().unwrap_or_else(|error| panic!("{error}"));
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{error}"));
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap_or_else(|| unreachable!());
    let _ = BufReader::new(stdout).read_line(&mut line);
    (child, line.trim().to_owned())
}

fn finish(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.wait();
}

/// The idle-streams child: opens `count` streams on one tokio client, waits for each one's
/// first event, then reports memory as `baseline_rss hwm rss opened_ms`.
fn idle_client(url: &str, count: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let (_, baseline) = memory_kib();
    let (opened, streams, elapsed) = runtime.block_on(async {
        let client = codex_api_tokio::Client::builder(
            provider(url),
            codex_api_tokio::StaticAuth::new(credentials()),
        )
        .without_proxy()
        .stream_idle_timeout(None)
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
        let start = Instant::now();
        let opening = (0..count).map(|_| {
            let client = client.clone();
            async move {
                let mut events = client
                    .stream(request(), ResponsesOptions::new())
                    .await
                    .ok()?;
                match events.next().await {
                    Some(Ok(ResponseEvent::Created)) => Some(events),
                    _ => None,
                }
            }
        });
        let streams: Vec<_> = futures::future::join_all(opening).await;
        let opened = streams.iter().filter(|stream| stream.is_some()).count();
        (opened, streams, start.elapsed())
    });
    let (hwm, rss) = memory_kib();
    println!(
        "{baseline} {hwm} {rss} {opened} {}",
        elapsed.as_secs_f64() * 1e3
    );
    drop(streams);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve-transcript") => {
            let mb: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(100);
            let responses: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(9);
            let body = corpus::transcript(corpus::DEFAULT_SEED, mb * 1_000_000);
            let shape = corpus::shape(&body);
            let mut script = Script::new();
            for _ in 0..responses {
                // Written 64 KiB at a time: without a chunk size the testkit copies the whole
                // body into one buffer before its first write, which would add ~80 ms (100 MB)
                // to the time to first event.
                script = script.then(ScriptedResponse::sse(
                    Body::fixed(body.clone()).chunk_size(64 * 1024),
                ));
            }
            return serve(script, format!("{} {}", shape.bytes, shape.frames));
        }
        Some("--serve-idle") => {
            let count: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
            let created = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1763750000,\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[]},\"sequence_number\":0}\n\n";
            let mut script = Script::new();
            for _ in 0..count {
                script = script.then(ScriptedResponse::sse(
                    Body::chunked()
                        .bytes(created)
                        .stall(Stall::until_shutdown()),
                ));
            }
            return serve(script, String::new());
        }
        Some("--idle-client") => {
            let url = args.get(1).cloned().unwrap_or_default();
            let count: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(1000);
            return idle_client(&url, count);
        }
        _ => {}
    }
    let mut mb = 100;
    let mut reps = 3;
    let mut streams = 1000;
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|value| value.parse::<usize>().ok());
        match (pair[0].as_str(), value) {
            ("--mb", Some(value)) => mb = value,
            ("--reps", Some(value)) => reps = value.max(1),
            ("--streams", Some(value)) => streams = value,
            _ => {
                eprintln!("usage: end_to_end [--mb N] [--reps N] [--streams N]");
                std::process::exit(2);
            }
        }
    }

    println!("## End to end over loopback: one run\n");
    println!("- load average at start: {}", load_average());
    let adapters = [Adapter::Tokio, Adapter::AsyncStd, Adapter::Blocking];
    let (server, line) = spawn_self(&[
        "--serve-transcript".to_owned(),
        mb.to_string(),
        (reps * adapters.len() + 1).to_string(),
    ]);
    let mut parts = line.split_whitespace();
    let url = parts.next().unwrap_or_default().to_owned();
    let bytes: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let frames: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    println!(
        "- transcript: {bytes} bytes, {frames} SSE events (generated Responses transcript, `Content-Length` body written 64 KiB per `write`), served by codex-api-testkit in a child process on 127.0.0.1; {reps} repetitions per client, clients interleaved; figures are medians of wall-clock time"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let mut runs: Vec<Vec<Run>> = adapters.iter().map(|_| Vec::new()).collect();
    // One warm-up stream (connection setup, page faults of the first large buffers).
    let _ = run_tokio(&runtime, &url);
    for _ in 0..reps {
        for (index, adapter) in adapters.iter().enumerate() {
            eprintln!("streaming to {}...", adapter.name());
            let cpu_start = process_cpu_time();
            let mut run = match adapter {
                Adapter::Tokio => run_tokio(&runtime, &url),
                Adapter::AsyncStd => run_async_std(&url),
                Adapter::Blocking => run_blocking(&url),
            };
            run.cpu = process_cpu_time().saturating_sub(cpu_start);
            runs[index].push(run);
        }
    }
    finish(server);

    println!("\n### Throughput and time to first event\n");
    for (adapter, runs) in adapters.iter().zip(&runs) {
        let outcome = runs[0].outcome;
        let same = runs.iter().all(|run| run.outcome == outcome);
        println!(
            "- {}: {} Codex-level events, {} delta text bytes, completed: {}, errors: {}, same every repetition: {same}",
            adapter.name(),
            outcome.events,
            outcome.delta_bytes,
            outcome.completed,
            outcome.errors
        );
    }
    println!(
        "\n| client | reps | median wall s | MB/s (wall) | M SSE events/s (wall) | median client CPU s | MB per client CPU s | median time to first event (ms) | this ÷ tokio (wall) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let median = |mut values: Vec<Duration>| {
        values.sort_unstable();
        values[values.len() / 2]
    };
    let tokio_total = median(runs[0].iter().map(|run| run.total).collect());
    for (adapter, runs) in adapters.iter().zip(&runs) {
        let total = median(runs.iter().map(|run| run.total).collect());
        let first = median(runs.iter().map(|run| run.first_event).collect());
        let cpu = median(runs.iter().map(|run| run.cpu).collect());
        println!(
            "| {} | {} | {:.3} | {:.1} | {:.3} | {:.3} | {:.1} | {:.3} | {:.2}× |",
            adapter.name(),
            runs.len(),
            total.as_secs_f64(),
            bytes as f64 / 1e6 / total.as_secs_f64(),
            frames as f64 / 1e6 / total.as_secs_f64(),
            cpu.as_secs_f64(),
            bytes as f64 / 1e6 / cpu.as_secs_f64(),
            first.as_secs_f64() * 1e3,
            total.as_secs_f64() / tokio_total.as_secs_f64()
        );
    }

    if streams > 0 {
        println!("\n### {streams} concurrent idle streams (tokio client)\n");
        let (server, line) = spawn_self(&["--serve-idle".to_owned(), streams.to_string()]);
        let url = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let exe = std::env::current_exe().unwrap_or_else(|error| panic!("{error}"));
        let output = Command::new(exe)
            .args(["--idle-client", &url, &streams.to_string()])
            .output()
            .unwrap_or_else(|error| panic!("{error}"));
        finish(server);
        let text = String::from_utf8_lossy(&output.stdout);
        let values: Vec<f64> = text
            .split_whitespace()
            .filter_map(|value| value.parse().ok())
            .collect();
        if let [baseline, hwm, rss, opened, elapsed_ms] = values[..] {
            println!(
                "- the client process (a child of this one; the server is another): one current-thread tokio runtime, one `Client`, {streams} `client.stream(..)` calls joined; each stream's first event (`response.created`) awaited, then all held open while the server stalls them"
            );
            println!(
                "\n| streams opened | time to open all (ms) | RSS before (KiB) | RSS with all open (KiB) | peak RSS VmHWM (KiB) | per stream (KiB, (RSS − before) ÷ streams) |"
            );
            println!("|---:|---:|---:|---:|---:|---:|");
            println!(
                "| {opened} | {elapsed_ms:.0} | {baseline} | {rss} | {hwm} | {:.1} |",
                (rss - baseline) / opened.max(1.0)
            );
        } else {
            println!(
                "- the idle-client child failed: status {:?}, stdout {text:?}, stderr {:?}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    println!("\n- load average at end: {}", load_average());
}
