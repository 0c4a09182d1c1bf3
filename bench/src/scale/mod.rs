//! Many concurrent Responses streams on one client (the `scale` binary): N streams all open at
//! once, then drained, over HTTP/2 multiplexed on one `codex-api-tokio` connection, over
//! HTTP/1.1 pooled on one `codex-api-tokio` client (N connections), and over HTTP/1.1 on one
//! `codex-api-async-std` client. See BENCHMARKS.md, "Scale".
//!
//! Three processes per measurement: this one (the parent) starts a server child (the
//! testkit's HTTP/2 mode, TLS with the bundled identity, [`Hold`](codex_api_testkit::Hold)) and
//! a client child. The server sends each stream's first event (`response.created`), then holds
//! every stream; once the client has the first event of all N, it reads its RSS and prints a
//! line; the parent then tells the server to release, and the client drains every stream to
//! `response.completed` and reports its peak RSS, CPU time and counts.
//!
//! - [`client`]: the client child.
//! - [`server`]: the server child.
//! - [`process`]: children with a line protocol on stdin and stdout.

pub mod client;
pub mod process;
pub mod server;

use std::time::Duration;

use codex_api_testkit::{Transcript, Usage};

use process::Proc;

/// The rows of the report: a client and the protocol it gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Row {
    /// One `codex-api-tokio` client (current-thread runtime), the server offering `h2` and
    /// `http/1.1` by ALPN: HTTP/2, every stream on one connection.
    TokioH2,
    /// As [`TokioH2`](Row::TokioH2), but the server gathers consecutive events into DATA
    /// frames of up to 16 KiB (`Body::gather_writes(16384)`) instead of one frame per event.
    TokioH2Gathered,
    /// One `codex-api-tokio` client (current-thread runtime), the server offering only
    /// `http/1.1`: HTTP/1.1, one pooled connection per concurrent stream.
    TokioH1,
    /// One `codex-api-async-std` client under `async_std::task::block_on`, HTTP/1.1 (it speaks
    /// nothing else), one connection per concurrent stream.
    AsyncStdH1,
}

impl Row {
    /// Every row, in the order of the report.
    pub const ALL: [Row; 4] = [
        Row::TokioH2,
        Row::TokioH2Gathered,
        Row::TokioH1,
        Row::AsyncStdH1,
    ];

    /// The word on the command line (`--rows`, and the children's).
    pub fn arg(self) -> &'static str {
        match self {
            Row::TokioH2 => "tokio-h2",
            Row::TokioH2Gathered => "tokio-h2-16k",
            Row::TokioH1 => "tokio-h1",
            Row::AsyncStdH1 => "async-std-h1",
        }
    }

    /// Parses [`arg`](Self::arg).
    pub fn from_arg(arg: &str) -> Option<Row> {
        Row::ALL.into_iter().find(|row| row.arg() == arg)
    }

    /// The name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Row::TokioH2 => "codex-api-tokio, HTTP/2 (one connection), 1 DATA frame per event",
            Row::TokioH2Gathered => {
                "codex-api-tokio, HTTP/2 (one connection), events gathered in DATA frames of ≤ 16 KiB"
            }
            Row::TokioH1 => "codex-api-tokio, HTTP/1.1 (pooled, N connections)",
            Row::AsyncStdH1 => "codex-api-async-std, HTTP/1.1 (N connections)",
        }
    }

    /// The server child's `PROTOCOL`: `h2` (ALPN `h2` and `http/1.1`, one DATA frame or chunk
    /// per event), `h2-16k` (the same, events gathered into frames of up to 16 KiB) or `h1`
    /// (ALPN `http/1.1` only).
    pub fn server_protocol(self) -> &'static str {
        match self {
            Row::TokioH2 => "h2",
            Row::TokioH2Gathered => "h2-16k",
            Row::TokioH1 | Row::AsyncStdH1 => "h1",
        }
    }
}

/// The transcript every stream gets: `response.created`, `response.in_progress`, a reasoning
/// summary of 2 parts (40 deltas), a message of 140 deltas, a function call whose arguments
/// stream in 24 deltas, `response.completed` with usage: 223 SSE events, 46 KB, each delta a
/// word or a sign as the API streams them.
pub fn transcript() -> Transcript {
    let words = [
        " the",
        " stream",
        " of",
        " tokens",
        " flows",
        " through",
        " a",
        " decoder",
        ",",
        " and",
        " every",
        " event",
        " is",
        " typed",
        " before",
        " the",
        " application",
        " sees",
        " it",
        ".",
        " Then",
        " we",
        " check",
        " the",
        " files",
        " again",
    ];
    let deltas = |count: usize, offset: usize| -> Vec<&str> {
        (0..count)
            .map(|index| words[(index * 7 + offset) % words.len()])
            .collect()
    };
    let summary_one = deltas(20, 1);
    let summary_two = deltas(20, 3);
    let message = deltas(140, 5);
    let arguments: Vec<&str> = [
        "{\"command\":",
        "[\"bash\",",
        "\"-lc\",",
        "\"cargo",
        " test",
        " -p",
        " codex-api-core",
        " --",
        " --nocapture\"],",
        "\"workdir\":",
        "\"/work/main\",",
        "\"timeout_ms\":",
        "120000",
        ",\"justification\":",
        "\"run",
        " the",
        " tests",
        " after",
        " the",
        " change\"",
        ",\"with_escalated_permissions\":",
        "false",
        "}",
        "",
    ]
    .to_vec();
    Transcript::new()
        .model("gpt-5-codex")
        .created()
        .in_progress()
        .reasoning(&[&summary_one, &summary_two])
        .message(&message)
        .function_call("shell", "call_scale_1", &arguments)
        .completed_with_usage(Usage::new(1_200, 420))
}

/// What the client child reported for one row and N.
#[derive(Debug, Default, Clone)]
pub struct Measured {
    /// Streams asked for.
    pub streams: u64,
    /// Streams whose first event came (all held open at once).
    pub opened: u64,
    /// Streams that failed before their first event.
    pub failed_to_open: u64,
    /// RSS after the warm-up stream, before the N (KiB).
    pub baseline_kib: u64,
    /// RSS with all N open (KiB).
    pub open_kib: u64,
    /// VmHWM with all N open (KiB).
    pub open_hwm_kib: u64,
    /// VmHWM at the end (KiB): the peak of the whole run.
    pub peak_kib: u64,
    /// From the first `stream` call to the first event of the last stream.
    pub open_time: Duration,
    /// From then (the parent releases the server) to the end of the last stream.
    pub drain_time: Duration,
    /// Client CPU time (all its threads) while opening.
    pub open_cpu: Duration,
    /// Client CPU time over the whole run (opening and draining).
    pub total_cpu: Duration,
    /// Streams that reached `response.completed`.
    pub completed: u64,
    /// Streams that ended with an error item.
    pub errors: u64,
    /// Typed events handed to the application, all streams.
    pub events: u64,
    /// Bytes of output text delta, all streams.
    pub delta_bytes: u64,
    /// The first error, if any.
    pub first_error: Option<String>,
    /// The server's counters: connections, HTTP/2 connections, HTTP/2 requests, HTTP/1.1
    /// requests, peak open responses (warm-up included).
    pub server: Option<[u64; 5]>,
}

/// Runs one row with `streams` streams: the server child, then the client child; returns what
/// they reported, or why they did not.
///
/// `end_stream_apart`: the server ends each HTTP/2 stream in an empty `END_STREAM` frame of its
/// own (`Http2Options::end_stream_apart`) rather than on the last `DATA` frame.
pub fn measure(
    row: Row,
    streams: usize,
    server_threads: usize,
    end_stream_apart: bool,
) -> Result<Measured, String> {
    let mut server = Proc::spawn_self(&[
        "--serve".to_owned(),
        row.server_protocol().to_owned(),
        streams.to_string(),
        server_threads.to_string(),
        if end_stream_apart {
            "apart"
        } else {
            "with-last"
        }
        .to_owned(),
    ])?;
    let url = server.line(Duration::from_secs(60))?;
    let deadline = Duration::from_secs(300 + streams as u64 / 10);
    let mut client = Proc::spawn_self(&[
        "--client".to_owned(),
        row.arg().to_owned(),
        url,
        streams.to_string(),
    ])?;
    let open = client.line(deadline)?;
    server.send("release")?;
    let done = client.line(deadline)?;
    server.send("stats")?;
    let stats = server.line(Duration::from_secs(30)).unwrap_or_default();
    client.finish();
    server.finish();
    let mut measured = client::parse(&open, &done)?;
    measured.streams = streams as u64;
    let values: Vec<u64> = stats
        .split_whitespace()
        .filter_map(|value| value.parse().ok())
        .collect();
    measured.server = values.try_into().ok();
    Ok(measured)
}

/// Prints the table of every measurement.
pub fn print_table(rows: &[(Row, Result<Measured, String>)], body_bytes: u64) {
    println!(
        "| client | streams | opened / completed / errors | server: connections, h2 requests, h1 requests | time to open all (ms) | drain (ms) | RSS before (MiB) | RSS all open (MiB) | per stream, all open (KiB) | peak RSS (MiB) | peak per stream (KiB) | client CPU open / total (s) | client CPU ms per MB | events/s (whole run) | events/s (drain) |"
    );
    println!("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (row, result) in rows {
        let m = match result {
            Ok(m) => m,
            Err(error) => {
                println!("| {} | — | failed: {error} |||||||||||||", row.name());
                continue;
            }
        };
        let n = m.streams.max(1) as f64;
        let mib = |kib: u64| kib as f64 / 1024.0;
        let per_stream = |kib: u64| kib.saturating_sub(m.baseline_kib) as f64 / n;
        let mb = m.completed as f64 * body_bytes as f64 / 1e6;
        let whole = m.open_time + m.drain_time;
        let server = m.server.map_or_else(
            || "?".to_owned(),
            |[connections, _, h2, h1, _]| format!("{connections}, {h2}, {h1}"),
        );
        println!(
            "| {} | {} | {} / {} / {} | {server} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} / {:.2} | {:.2} | {:.0} | {:.0} |",
            row.name(),
            m.streams,
            m.opened,
            m.completed,
            m.errors + m.failed_to_open,
            m.open_time.as_secs_f64() * 1e3,
            m.drain_time.as_secs_f64() * 1e3,
            mib(m.baseline_kib),
            mib(m.open_kib),
            per_stream(m.open_kib),
            mib(m.peak_kib),
            per_stream(m.peak_kib),
            m.open_cpu.as_secs_f64(),
            m.total_cpu.as_secs_f64(),
            m.total_cpu.as_secs_f64() * 1e3 / mb.max(f64::MIN_POSITIVE),
            m.events as f64 / whole.as_secs_f64(),
            m.events as f64 / m.drain_time.as_secs_f64(),
        );
    }
}

/// Raises this process's soft limit of open files to its hard limit (each connection is a
/// descriptor, on either side).
pub fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for both calls.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// This process's soft limit of open files.
pub fn fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    #[allow(unsafe_code)]
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if status == 0 { limit.rlim_cur } else { 0 }
}
