//! The client child (`--client ROW URL N`): one client, one warm-up stream, then N concurrent
//! streams (`futures::future::join_all` in one task, as an application holding many turns at
//! once would poll them). Prints two lines:
//!
//! - once every stream has its first event (or failed): `open baseline_kib rss_kib hwm_kib
//!   opened failed open_ns cpu_open_ns`;
//! - at the end: `done hwm_kib completed errors events delta_bytes drain_ns cpu_total_ns
//!   [first error]`.

use std::cell::{Cell, RefCell};
use std::fmt::Display;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::stream::ResponseEvent;
use codex_api_testkit::tls::TestIdentity;
use futures::{Stream, StreamExt};

use super::{Measured, Row, raise_fd_limit};
use crate::cpu_time::process_cpu_time;
use crate::end_to_end::{Outcome, Seen, credentials, memory_kib, provider, request};

/// Runs the client child.
pub fn run(row: Row, url: &str, streams: usize) {
    raise_fd_limit();
    match row {
        Row::TokioH2 | Row::TokioH2Gathered | Row::TokioH1 => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|error| panic!("{error}"));
            runtime.block_on(async {
                let client = codex_api_tokio::Client::builder(
                    provider(url),
                    codex_api_tokio::StaticAuth::new(credentials()),
                )
                .without_proxy()
                .stream_idle_timeout(None)
                .retry_policy(RetryPolicy::never())
                .ca_bundle(TestIdentity::localhost_ca_path())
                .build()
                .unwrap_or_else(|error| panic!("{error}"));
                many(streams, || {
                    let client = client.clone();
                    async move { client.stream(request(), ResponsesOptions::new()).await }
                })
                .await;
            });
        }
        Row::AsyncStdH1 => async_std::task::block_on(async {
            let client = codex_api_async_std::Client::builder(
                provider(url),
                codex_api_async_std::StaticAuth::new(credentials()),
            )
            .without_proxy()
            .stream_idle_timeout(None)
            .retry_policy(RetryPolicy::never())
            .ca_bundle(TestIdentity::localhost_ca_path())
            .build()
            .unwrap_or_else(|error| panic!("{error}"));
            many(streams, || {
                let client = client.clone();
                async move { client.stream(request(), ResponsesOptions::new()).await }
            })
            .await;
        }),
    }
}

/// Where the streams report their first event; prints the `open` line when all have.
struct Probe {
    streams: usize,
    baseline_kib: u64,
    start: Instant,
    cpu_start: Duration,
    opened: Cell<usize>,
    failed: Cell<usize>,
    /// When the last stream opened, and the CPU time then.
    all_open: Cell<Option<(Instant, Duration)>>,
}

impl Probe {
    fn opened(&self, ok: bool) {
        let counter = if ok { &self.opened } else { &self.failed };
        counter.set(counter.get() + 1);
        if self.opened.get() + self.failed.get() < self.streams {
            return;
        }
        let (now, cpu) = (Instant::now(), process_cpu_time());
        self.all_open.set(Some((now, cpu)));
        let (hwm, rss) = memory_kib();
        println!(
            "open {} {rss} {hwm} {} {} {} {}",
            self.baseline_kib,
            self.opened.get(),
            self.failed.get(),
            (now - self.start).as_nanos(),
            cpu.saturating_sub(self.cpu_start).as_nanos(),
        );
        let _ = std::io::stdout().flush();
    }
}

/// One warm-up stream, then `count` concurrent ones, opened with `open`; prints both lines.
async fn many<F, Fut, S, E1, E2>(count: usize, open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<S, E1>>,
    S: Stream<Item = Result<ResponseEvent, E2>> + Unpin,
    E1: Display,
    E2: Display,
{
    let warm_up = one(open(), None).await;
    if warm_up.errors > 0 || !warm_up.completed {
        eprintln!("warm-up stream: {warm_up:?}");
    }
    let (_, baseline_kib) = memory_kib();
    let probe = Probe {
        streams: count,
        baseline_kib,
        start: Instant::now(),
        cpu_start: process_cpu_time(),
        opened: Cell::new(0),
        failed: Cell::new(0),
        all_open: Cell::new(None),
    };
    let first_error = RefCell::new(None);
    let outcomes = futures::future::join_all((0..count).map(|_| one(open(), Some(&probe)))).await;
    let end = Instant::now();
    let cpu_total = process_cpu_time().saturating_sub(probe.cpu_start);
    let (hwm, _) = memory_kib();
    let mut total = Outcome::default();
    let (mut completed, mut errors) = (0u64, 0u64);
    for outcome in outcomes {
        total.events += outcome.events;
        total.delta_bytes += outcome.delta_bytes;
        completed += u64::from(outcome.completed);
        errors += u64::from(outcome.errors > 0);
        if first_error.borrow().is_none() {
            *first_error.borrow_mut() = outcome.first_error;
        }
    }
    let drain = probe
        .all_open
        .get()
        .map_or(Duration::ZERO, |(at, _)| end - at);
    println!(
        "done {hwm} {completed} {errors} {} {} {} {} {}",
        total.events,
        total.delta_bytes,
        drain.as_nanos(),
        cpu_total.as_nanos(),
        first_error
            .borrow()
            .as_deref()
            .unwrap_or_default()
            .replace('\n', " "),
    );
    let _ = std::io::stdout().flush();
}

/// One stream: opened, its first event reported to `probe`, then drained.
async fn one<S, E1, E2>(
    opening: impl Future<Output = Result<S, E1>>,
    probe: Option<&Probe>,
) -> Outcome
where
    S: Stream<Item = Result<ResponseEvent, E2>> + Unpin,
    E1: Display,
    E2: Display,
{
    let mut outcome = Outcome::default();
    let mut events = match opening.await {
        Ok(events) => events,
        Err(error) => {
            outcome.add(Seen::Error(error.to_string()));
            if let Some(probe) = probe {
                probe.opened(false);
            }
            return outcome;
        }
    };
    let first = events.next().await;
    let created = matches!(first, Some(Ok(ResponseEvent::Created)));
    if let Some(probe) = probe {
        probe.opened(created);
    }
    let Some(first) = first else {
        return outcome;
    };
    outcome.add(seen(first));
    while let Some(event) = events.next().await {
        outcome.add(seen(event));
    }
    outcome
}

fn seen<E: Display>(event: Result<ResponseEvent, E>) -> Seen {
    match event {
        Ok(ResponseEvent::Created) => Seen::Created,
        Ok(ResponseEvent::OutputTextDelta { delta, .. }) => Seen::Delta(delta.len()),
        Ok(ResponseEvent::Completed { .. }) => Seen::Completed,
        Ok(_) => Seen::Other,
        Err(error) => Seen::Error(error.to_string()),
    }
}

/// Parses the child's two lines.
pub fn parse(open: &str, done: &str) -> Result<Measured, String> {
    let numbers = |line: &str, tag: &str, count: usize| -> Result<Vec<u64>, String> {
        let mut words = line.split_whitespace();
        if words.next() != Some(tag) {
            return Err(format!("unexpected line from the client: {line:?}"));
        }
        let values: Vec<u64> = words.take(count).filter_map(|w| w.parse().ok()).collect();
        if values.len() == count {
            Ok(values)
        } else {
            Err(format!("unexpected line from the client: {line:?}"))
        }
    };
    let o = numbers(open, "open", 7)?;
    let d = numbers(done, "done", 7)?;
    let first_error = done
        .split_whitespace()
        .skip(8)
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Measured {
        baseline_kib: o[0],
        open_kib: o[1],
        open_hwm_kib: o[2],
        opened: o[3],
        failed_to_open: o[4],
        open_time: Duration::from_nanos(o[5]),
        open_cpu: Duration::from_nanos(o[6]),
        peak_kib: d[0],
        completed: d[1],
        errors: d[2],
        events: d[3],
        delta_bytes: d[4],
        drain_time: Duration::from_nanos(d[5]),
        total_cpu: Duration::from_nanos(d[6]),
        first_error: (!first_error.is_empty()).then_some(first_error),
        ..Measured::default()
    })
}
