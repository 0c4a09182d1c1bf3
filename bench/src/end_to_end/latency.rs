//! Server-timestamped event latency: the testkit server runs in this process (its threads and
//! the client's share one monotonic clock), marks when it began writing each piece of the
//! body ([`BodyWrite`]), and the client notes when the stream handed it the typed event.
//!
//! Each response: the head, a pause (the client is then waiting in a read), `response.created`
//! alone (step 0), the setup events up to the first delta (step 1), a second pause, the first
//! `response.output_text.delta` alone (step 2), then the rest of a one-message transcript
//! (step 3). First-event latency is the client's `Instant` at `response.created` minus step 0's
//! mark; mid-stream latency is the client's `Instant` at the first delta minus step 2's mark.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use codex_api_testkit::{Body, BodyWrite, Script, ScriptedResponse, TestServer};

use super::clients::Clients;
use super::{Contender, Seen};
use crate::corpus;

/// What one sample measured.
struct Sample {
    first_event: Duration,
    mid_stream: Duration,
    connection: u64,
}

/// The response body of every sample, with `pause` before step 0 and before step 2.
fn body(pause: Duration) -> Body {
    // One message (200 to 3,000 deltas): the transcript stops after the message that passes
    // 2,000 bytes.
    let transcript = corpus::transcript(corpus::DEFAULT_SEED, 2_000);
    let created_end = memchr::memmem::find(&transcript, b"\n\n").unwrap_or_default() + 2;
    let delta_start = memchr::memmem::find(&transcript, b"event: response.output_text.delta\n")
        .unwrap_or_else(|| panic!("the transcript has no delta"));
    let delta_end = delta_start
        + memchr::memmem::find(&transcript[delta_start..], b"\n\n").unwrap_or_default()
        + 2;
    Body::chunked()
        .pause(pause)
        .bytes(&transcript[..created_end])
        .bytes(&transcript[created_end..delta_start])
        .pause(pause)
        .bytes(&transcript[delta_start..delta_end])
        .bytes(&transcript[delta_end..])
}

/// Percentiles of a set of durations, in µs.
struct Summary {
    median: f64,
    p90: f64,
    max: f64,
    min: f64,
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
        min: micros.first().copied().unwrap_or(f64::NAN),
    }
}

/// Runs `samples` samples per contender (after one warm-up each), interleaved, and prints the
/// report.
pub fn measure(samples: usize, pause: Duration) {
    let contenders = Contender::ALL;
    let body = body(pause);
    let mut script = Script::new();
    for _ in 0..(samples + 1) * contenders.len() {
        script = script.then(ScriptedResponse::sse(body.clone()));
    }
    let server = TestServer::start(script).unwrap_or_else(|error| panic!("{error}"));
    let url = server.url();
    // One client per contender for the whole measurement: connections are reused where the
    // client pools them (the table says how many each one opened).
    let clients = Clients::new(&url);
    let mut results: Vec<Vec<Sample>> = contenders.iter().map(|_| Vec::new()).collect();
    let mut anomalies: Vec<String> = Vec::new();
    let mut request_bodies = vec![Vec::new(); contenders.len()];
    for round in 0..=samples {
        for (index, contender) in contenders.iter().enumerate() {
            let mut first: Option<(Instant, bool)> = None;
            let mut delta: Option<Instant> = None;
            let mut errors = Vec::new();
            clients.stream(*contender, &mut |seen: Seen| {
                let now = Instant::now();
                first.get_or_insert((now, matches!(seen, Seen::Created)));
                match seen {
                    Seen::Delta(_) => {
                        delta.get_or_insert(now);
                    }
                    Seen::Error(error) => errors.push(error),
                    _ => {}
                }
            });
            let requests = server.requests();
            let request = requests.len() - 1;
            request_bodies[index] = requests[request].body.clone();
            let marks: Vec<BodyWrite> = server
                .wait_for_body_writes(4 * requests.len(), Duration::from_secs(5))
                .into_iter()
                .filter(|mark| mark.request == request)
                .collect();
            let mark = |step: usize| marks.iter().find(|mark| mark.step == step).map(|m| m.at);
            let sample = match (first, delta, mark(0), mark(2)) {
                (Some((first, true)), Some(delta), Some(first_mark), Some(delta_mark))
                    if errors.is_empty() && first >= first_mark && delta >= delta_mark =>
                {
                    Sample {
                        first_event: first - first_mark,
                        mid_stream: delta - delta_mark,
                        connection: requests[request].connection_id,
                    }
                }
                other => {
                    anomalies.push(format!(
                        "{} round {round}: first event / delta / marks {:?}, errors {errors:?}",
                        contender.name(),
                        (other.0.map(|f| f.1), other.1.is_some(), other.2, other.3)
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
        "- {samples} samples per client after one warm-up each, clients interleaved; one client per contender for all its samples; pause {} ms before the first event and again before the first delta",
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
        "\n| client | samples | connections used | first event: median µs | p90 µs | max µs | min µs | after a mid-stream pause: median µs | p90 µs | max µs | min µs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (contender, samples) in contenders.iter().zip(&results) {
        let connections: BTreeSet<u64> = samples.iter().map(|s| s.connection).collect();
        let first: Vec<Duration> = samples.iter().map(|s| s.first_event).collect();
        let mid: Vec<Duration> = samples.iter().map(|s| s.mid_stream).collect();
        let (first, mid) = (summary(&first), summary(&mid));
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            contender.name(),
            samples.len(),
            connections.len(),
            first.median,
            first.p90,
            first.max,
            first.min,
            mid.median,
            mid.p90,
            mid.max,
            mid.min,
        );
    }
}
