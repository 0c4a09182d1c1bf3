//! Server-timestamped event latency: the testkit server runs in this process (its threads and
//! the client's share one monotonic clock), marks when it began writing each piece of the
//! body ([`BodyWrite`]), and the client notes when its stream handed it the typed event.
//!
//! Each response is a one-message transcript cut into five writes: after the head, a pause
//! (the client is then waiting in a read); `response.created` alone (step 0); the setup events
//! up to the first delta (step 1); a pause; the first `response.output_text.delta` alone
//! (step 2); a pause; the second delta (step 3) and, in the same run of writes, the rest of
//! the transcript (step 4). Three latencies per stream, each the client's `Instant` when the
//! event reached the application minus the `Instant` taken just before the server's first
//! `write` of the event's step:
//! - first event: `response.created` − step 0;
//! - a delta alone: the first delta − step 2 (nothing follows it until the next pause ends);
//! - a delta followed by more: the second delta − step 3 (the rest of the message, tens to
//!   hundreds of KB, follows at once).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use codex_api_testkit::{Body, BodyWrite, Script, ScriptedResponse, TestServer};

use super::clients::Clients;
use super::{Contender, Seen, Transport};
use crate::corpus;

/// What one sample measured.
struct Sample {
    first_event: Duration,
    delta_alone: Duration,
    delta_then_more: Duration,
    /// From the second delta reaching the application to the stream's last item.
    then_to_last: Duration,
    connection: u64,
}

/// The end of the first `response.output_text.delta` frame at or after `from`.
fn delta_end(transcript: &[u8], from: usize) -> (usize, usize) {
    let start = from
        + memchr::memmem::find(&transcript[from..], b"event: response.output_text.delta\n")
            .unwrap_or_else(|| panic!("the transcript has no delta after byte {from}"));
    let end = start + memchr::memmem::find(&transcript[start..], b"\n\n").unwrap_or_default() + 2;
    (start, end)
}

/// The response body of every sample (see the module's documentation), and the size of its
/// last step.
fn body(pause: Duration) -> (Body, usize) {
    // One message (200 to 3,000 deltas): the transcript stops after the message that passes
    // 2,000 bytes.
    let transcript = corpus::transcript(corpus::DEFAULT_SEED, 2_000);
    let created_end = memchr::memmem::find(&transcript, b"\n\n").unwrap_or_default() + 2;
    let (first_start, first_end) = delta_end(&transcript, created_end);
    let (_, second_end) = delta_end(&transcript, first_end);
    let body = Body::chunked()
        .pause(pause)
        .bytes(&transcript[..created_end])
        .bytes(&transcript[created_end..first_start])
        .pause(pause)
        .bytes(&transcript[first_start..first_end])
        .pause(pause)
        .bytes(&transcript[first_end..second_end])
        .bytes(&transcript[second_end..]);
    (body, transcript.len() - second_end)
}

/// Percentiles of a set of durations, in µs.
struct Summary {
    median: f64,
    p90: f64,
    max: f64,
}

fn summary(values: &[Duration]) -> Summary {
    let mut micros: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((q * micros.len() as f64).ceil() as usize).clamp(1, micros.len().max(1));
        micros.get(rank - 1).copied().unwrap_or(f64::NAN)
    };
    Summary {
        median: at(0.5),
        p90: at(0.9),
        max: micros.last().copied().unwrap_or(f64::NAN),
    }
}

/// Runs `samples` samples per contender (after one warm-up each), interleaved, and prints the
/// report.
pub fn measure(samples: usize, pause: Duration) {
    let contenders = Contender::ALL;
    let (body, rest) = body(pause);
    let mut script = Script::new();
    for _ in 0..(samples + 1) * contenders.len() {
        script = script.then(ScriptedResponse::sse(body.clone()));
    }
    let server = TestServer::start(script).unwrap_or_else(|error| panic!("{error}"));
    let url = server.url();
    // One client per contender for the whole measurement: connections are reused where the
    // client pools them (the table says how many each one opened).
    let clients = Clients::new(&url, Transport::Plain);
    let mut results: Vec<Vec<Sample>> = contenders.iter().map(|_| Vec::new()).collect();
    let mut anomalies: Vec<String> = Vec::new();
    let mut request_bodies = vec![Vec::new(); contenders.len()];
    for round in 0..=samples {
        for (index, contender) in contenders.iter().enumerate() {
            let mut first: Option<(Instant, bool)> = None;
            let mut deltas: Vec<Instant> = Vec::new();
            let mut last = None;
            let mut errors = Vec::new();
            clients.stream(*contender, &mut |seen: Seen| {
                let now = Instant::now();
                first.get_or_insert((now, matches!(seen, Seen::Created)));
                last = Some(now);
                match seen {
                    Seen::Delta(_) if deltas.len() < 2 => deltas.push(now),
                    Seen::Error(error) => errors.push(error),
                    _ => {}
                }
            });
            let requests = server.requests();
            let request = requests.len() - 1;
            request_bodies[index] = requests[request].body.clone();
            let marks: Vec<BodyWrite> = server
                .wait_for_body_writes(5 * requests.len(), Duration::from_secs(5))
                .into_iter()
                .filter(|mark| mark.request == request)
                .collect();
            let mark = |step: usize| marks.iter().find(|mark| mark.step == step).map(|m| m.at);
            let sample = match (first, &deltas[..], mark(0), mark(2), mark(3)) {
                (Some((first, true)), [alone, then_more], Some(m0), Some(m2), Some(m3))
                    if errors.is_empty() && first >= m0 && *alone >= m2 && *then_more >= m3 =>
                {
                    Sample {
                        first_event: first - m0,
                        delta_alone: *alone - m2,
                        delta_then_more: *then_more - m3,
                        then_to_last: last.map_or(Duration::ZERO, |last| last - *then_more),
                        connection: requests[request].connection_id,
                    }
                }
                (first, deltas, m0, m2, m3) => {
                    anomalies.push(format!(
                        "{} round {round}: first event is `response.created`: {:?}, deltas seen: {}, marks of steps 0/2/3: {}/{}/{}, errors {errors:?}",
                        contender.name(),
                        first.map(|f| f.1),
                        deltas.len(),
                        m0.is_some(),
                        m2.is_some(),
                        m3.is_some(),
                    ));
                    continue;
                }
            };
            if round > 0 {
                results[index].push(sample);
            }
        }
    }
    drop(clients);
    drop(server);

    println!("\n### Event latency, server-timestamped (server in this process)\n");
    let json = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).ok();
    let ours = json(&request_bodies[0]);
    let same = request_bodies
        .iter()
        .all(|body| json(body).is_some() && json(body) == ours);
    println!(
        "- {samples} samples per client after one warm-up each, clients interleaved; one client per contender for all its samples; pauses of {} ms before `response.created`, before the first delta and before the second; {rest} bytes (the rest of the message) follow the second delta at once",
        pause.as_millis(),
    );
    println!(
        "- request bodies: {} bytes (ours), {} bytes (async-openai); the same JSON for every client: {same}{}",
        request_bodies[0].len(),
        request_bodies[3].len(),
        if same {
            format!(" (`{}`)", String::from_utf8_lossy(&request_bodies[0]))
        } else {
            format!(
                " (ours `{}`, async-openai `{}`)",
                String::from_utf8_lossy(&request_bodies[0]),
                String::from_utf8_lossy(&request_bodies[3])
            )
        }
    );
    for anomaly in &anomalies {
        println!("- anomaly: {anomaly}");
    }
    println!(
        "\n| client | samples | connections used | first event: median µs | p90 µs | max µs | over 1 ms | a delta alone: median µs | p90 µs | max µs | over 1 ms | a delta, more following: median µs | p90 µs | max µs | over 1 ms | second delta → last event: median µs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (contender, samples) in contenders.iter().zip(&results) {
        let connections: BTreeSet<u64> = samples.iter().map(|s| s.connection).collect();
        let column = |pick: fn(&Sample) -> Duration| {
            let values: Vec<Duration> = samples.iter().map(pick).collect();
            let summary = summary(&values);
            let over = values
                .iter()
                .filter(|value| **value > Duration::from_millis(1))
                .count();
            format!(
                "{:.0} | {:.0} | {:.0} | {over}",
                summary.median, summary.p90, summary.max
            )
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.0} |",
            contender.name(),
            samples.len(),
            connections.len(),
            column(|s| s.first_event),
            column(|s| s.delta_alone),
            column(|s| s.delta_then_more),
            summary(&samples.iter().map(|s| s.then_to_last).collect::<Vec<_>>()).median,
        );
    }
}
