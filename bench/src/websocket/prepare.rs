//! The client's own work before a turn's bytes leave, without IO: over HTTP the request body
//! (`PreparedRequest::responses`), over WebSocket the turn message with the chaining check
//! (`responses_websocket::Connection::prepare`, then `handle_completed` with the response).

use std::time::Instant;

use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::responses_websocket::Connection;
use codex_api_core::wire::{Response, ResponsesApiRequest};

use super::{first_request, next_request, turn_transcript};
use crate::alloc_live;
use crate::harness::measure_each_counted;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Way {
    Clone,
    Http,
    WebSocket,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Clone => {
                "`request.clone()` alone (every way below includes one, as a caller handing over the request does)"
            }
            Way::Http => "HTTP: clone + `PreparedRequest::responses` (the whole body encoded)",
            Way::WebSocket => {
                "WebSocket: clone + `Connection::prepare` (chaining check, message of the new items) + `handle_completed`"
            }
        }
    }
}

/// The final `Response` of [`turn_transcript`].
fn response() -> Response {
    let text = turn_transcript(0).to_text();
    let data = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .next_back()
        .unwrap_or_default();
    let event: serde_json::Value =
        serde_json::from_str(data).unwrap_or_else(|error| panic!("{error}"));
    serde_json::from_value(event["response"].clone()).unwrap_or_else(|error| panic!("{error}"))
}

/// Runs the measurement and prints its report.
pub fn measure(turns: usize, rounds: usize, provider: &Provider) {
    let response = response();
    let mut requests: Vec<ResponsesApiRequest> = vec![first_request()];
    for turn in 1..turns {
        let next = next_request(&requests[turn - 1], &response.output, turn);
        requests.push(next);
    }
    let ways = [Way::Clone, Way::Http, Way::WebSocket];
    let timed = measure_each_counted(
        &ways,
        |way| {
            let mut bytes = 0usize;
            let mut connection = Connection::new(Instant::now());
            for request in &requests {
                let request = request.clone();
                match way {
                    Way::Clone => bytes += request.input.len(),
                    Way::Http => {
                        let prepared = PreparedRequest::responses(provider, request)
                            .unwrap_or_else(|error| panic!("{error}"));
                        bytes += prepared.body().map_or(0, |body| body.len());
                    }
                    Way::WebSocket => {
                        let turn = connection
                            .prepare(provider, request, Instant::now())
                            .unwrap_or_else(|error| panic!("{error}"));
                        bytes += turn.message.len();
                        connection.handle_completed(&response);
                    }
                }
            }
            bytes
        },
        rounds,
        alloc_live::calls,
    );
    println!("\n#### Client-side preparation of the loop's {turns} requests (no IO)\n");
    println!(
        "- the same {turns} requests as the loop (turn 1 full, then growing by 3 items a turn); one repetition prepares all {turns} in order; harness as in the decode section; µs per turn = median repetition ÷ {turns}"
    );
    println!(
        "\n| way | reps | µs per turn (CPU) | bytes produced over the loop | allocs per turn |"
    );
    println!("|---|---:|---:|---:|---:|");
    for t in &timed {
        println!(
            "| {} | {} | {:.1} | {} | {:.0} |",
            t.contender.name(),
            t.reps,
            t.median.as_secs_f64() * 1e6 / turns as f64,
            if t.contender == Way::Clone {
                "—".to_owned()
            } else {
                t.output.to_string()
            },
            t.allocations_per_rep / turns as f64,
        );
    }
}
