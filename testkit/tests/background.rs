//! Background responses: the create stream cut at an event, resumes with `starting_after`,
//! and each scripted resume fault.

mod common;

use std::time::{Duration, Instant};

use codex_api_testkit::{
    BackgroundResponse, Cut, CutKind, RateLimitWindow, ResumeFault, Script, TestServer, Transcript,
};
use common::{Chunk, Client};
use serde_json::Value;

/// Sequence numbers 0..=9: created, a three-delta message (1..=8), completed (9).
fn transcript() -> Transcript {
    Transcript::new()
        .response_id("resp_bg")
        .created()
        .message(&["one ", "two ", "three"])
        .completed()
}

const LAST: u64 = 9;

fn serve(bg: &BackgroundResponse) -> TestServer {
    TestServer::start(bg.install(Script::new())).unwrap()
}

fn create(server: &TestServer) -> Client {
    let mut client = Client::connect(server);
    client.request(
        "POST",
        "/v1/responses",
        &[("Content-Type", "application/json")],
        br#"{"model":"gpt-test","stream":true,"background":true}"#,
    );
    client
}

fn resume(server: &TestServer, query: &str) -> Client {
    let mut client = Client::connect(server);
    client.request("GET", &format!("/v1/responses/resp_bg{query}"), &[], b"");
    client
}

/// `(event name, data)` of every frame in the chunks (one frame per chunk).
fn events(chunks: &[Vec<u8>]) -> Vec<(String, Value)> {
    chunks
        .iter()
        .map(|chunk| {
            let text = std::str::from_utf8(chunk).unwrap();
            let mut lines = text.lines();
            let event = lines.next().unwrap().strip_prefix("event: ").unwrap();
            let data = lines.next().unwrap().strip_prefix("data: ").unwrap();
            (event.to_string(), serde_json::from_str(data).unwrap())
        })
        .collect()
}

fn numbers(events: &[(String, Value)]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|(_, data)| data["sequence_number"].as_u64())
        .collect()
}

/// Reads an SSE response head, then the body until it ends.
fn read_stream(client: &mut Client) -> (Vec<(String, Value)>, Chunk) {
    let head = client.read_head();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    let (chunks, end) = client.chunks_until_end();
    (events(&chunks), end)
}

fn json_body(client: &mut Client) -> (u16, Value) {
    let head = client.read_head();
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    (
        head.status,
        serde_json::from_slice(&client.read_up_to(len)).unwrap(),
    )
}

#[test]
fn the_create_stream_is_cut_after_the_chosen_event() {
    let bg = BackgroundResponse::new(transcript()).cut_after(3);
    let server = serve(&bg);
    let (events, end) = read_stream(&mut create(&server));
    assert_eq!(numbers(&events), [0, 1, 2, 3]);
    assert_eq!(events[3].0, "response.output_text.delta");
    // Closed without the last chunk.
    assert_eq!(end, Chunk::EofInHeader(Vec::new()));
    assert_eq!(bg.response_id(), "resp_bg");
    assert!(bg.resumes().is_empty());
}

#[test]
fn a_clean_eof_cut_ends_the_chunked_body_properly() {
    let bg = BackgroundResponse::new(transcript())
        .cut_after(2)
        .cut_kind(CutKind::Eof);
    let server = serve(&bg);
    let mut client = create(&server);
    let (events, end) = read_stream(&mut client);
    assert_eq!(numbers(&events), [0, 1, 2]);
    assert_eq!(end, Chunk::Last);
}

#[test]
fn an_encoding_cut_leaves_a_truncated_chunk() {
    let bg = BackgroundResponse::new(transcript())
        .cut_after(1)
        .cut_kind(CutKind::Encoding(Cut::TruncatedChunk));
    let server = serve(&bg);
    let mut client = create(&server);
    client.read_head();
    let (chunks, end) = client.chunks_until_end();
    assert_eq!(numbers(&events(&chunks)), [0, 1]);
    match end {
        Chunk::EofInData { declared, received } => {
            assert_eq!(declared, received.len() + 16);
            assert!(received.starts_with(b"event: response.content_part.added\n"));
        }
        other => panic!("expected a truncated chunk, got {other:?}"),
    }
}

#[test]
fn without_a_cut_or_stream_flag_the_create_is_whole_or_queued() {
    let bg = BackgroundResponse::new(transcript());
    let server = serve(&bg);
    let (events, end) = read_stream(&mut create(&server));
    assert_eq!(numbers(&events), (0..=LAST).collect::<Vec<_>>());
    assert_eq!(end, Chunk::Last);

    let mut client = Client::connect(&server);
    client.request("POST", "/v1/responses", &[], br#"{"background":true}"#);
    let (status, object) = json_body(&mut client);
    assert_eq!(status, 200);
    assert_eq!(object["id"], "resp_bg");
    assert_eq!(object["status"], "queued");
}

#[test]
fn a_resume_sends_exactly_the_later_frames_and_records_starting_after() {
    let bg = BackgroundResponse::new(transcript()).cut_after(3);
    let server = serve(&bg);
    let (events, end) = read_stream(&mut resume(&server, "?stream=true&starting_after=3"));
    assert_eq!(numbers(&events), (4..=LAST).collect::<Vec<_>>());
    assert_eq!(events.last().unwrap().0, "response.completed");
    assert_eq!(end, Chunk::Last);

    let (events, _) = read_stream(&mut resume(&server, "?stream=true"));
    assert_eq!(numbers(&events), (0..=LAST).collect::<Vec<_>>());
    assert_eq!(bg.resumes(), [Some(3), None]);

    // A bad cursor is refused and not recorded.
    let (status, error) = json_body(&mut resume(&server, "?stream=true&starting_after=x"));
    assert_eq!(status, 400);
    assert_eq!(error["error"]["param"], "starting_after");
    assert_eq!(bg.resumes().len(), 2);
}

#[test]
fn unsequenced_frames_travel_with_the_event_after_them() {
    let transcript = Transcript::new()
        .response_id("resp_bg")
        .created()
        .rate_limits(Some(RateLimitWindow::new(10.0, 60, 1_700_000_100)), None)
        .message(&["x"])
        .completed();
    let bg = BackgroundResponse::new(transcript).cut_after(0);
    let server = serve(&bg);
    let (events, _) = read_stream(&mut create(&server));
    assert_eq!(events.len(), 1);
    let (events, _) = read_stream(&mut resume(&server, "?stream=true&starting_after=0"));
    assert_eq!(events[0].0, "codex.rate_limits");
    assert_eq!(events[1].1["sequence_number"], 1);
}

#[test]
fn a_resume_cut_again_then_served_to_the_end() {
    let bg = BackgroundResponse::new(transcript())
        .cut_after(3)
        .resume_faults([ResumeFault::Cut { after: 6 }]);
    let server = serve(&bg);
    assert_eq!(bg.faults_left(), 1);
    let (events, end) = read_stream(&mut resume(&server, "?stream=true&starting_after=3"));
    assert_eq!(numbers(&events), [4, 5, 6]);
    assert_eq!(end, Chunk::EofInHeader(Vec::new()));
    assert_eq!(bg.faults_left(), 0);
    let (events, end) = read_stream(&mut resume(&server, "?stream=true&starting_after=6"));
    assert_eq!(numbers(&events), [7, 8, 9]);
    assert_eq!(end, Chunk::Last);
    assert_eq!(bg.resumes(), [Some(3), Some(6)]);
}

#[test]
fn a_resume_stalls_after_an_event() {
    let stall = Duration::from_millis(300);
    let bg = BackgroundResponse::new(transcript()).resume_faults([ResumeFault::StallAfter {
        after: 5,
        duration: stall,
    }]);
    let server = serve(&bg);
    let mut client = resume(&server, "?stream=true&starting_after=3");
    client.read_head();
    let mut arrivals = Vec::new();
    loop {
        match client.chunk() {
            Chunk::Data(data) => arrivals.push((events(&[data])[0].1.clone(), Instant::now())),
            Chunk::Last => break,
            other => panic!("{other:?}"),
        }
    }
    let seqs: Vec<u64> = arrivals
        .iter()
        .map(|(data, _)| data["sequence_number"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (4..=LAST).collect::<Vec<_>>());
    // Between event 5 (index 1) and event 6 (index 2): the stall.
    let gap = arrivals[2].1 - arrivals[1].1;
    assert!(gap >= stall - Duration::from_millis(20), "gap {gap:?}");
}

#[test]
fn a_resume_refused_with_a_status() {
    let bg = BackgroundResponse::new(transcript())
        .resume_faults([ResumeFault::Status(404), ResumeFault::Status(503)]);
    let server = serve(&bg);
    let (status, error) = json_body(&mut resume(&server, "?stream=true&starting_after=2"));
    assert_eq!(status, 404);
    assert_eq!(error["error"]["type"], "invalid_request_error");
    assert_eq!(
        error["error"]["message"],
        "No response found with id 'resp_bg'."
    );
    let (status, error) = json_body(&mut resume(&server, "?stream=true&starting_after=2"));
    assert_eq!(status, 503);
    assert_eq!(error["error"]["type"], "server_error");
    let (events, _) = read_stream(&mut resume(&server, "?stream=true&starting_after=2"));
    assert_eq!(numbers(&events), (3..=LAST).collect::<Vec<_>>());
    assert_eq!(bg.resumes(), [Some(2), Some(2), Some(2)]);
}

#[test]
fn a_resume_starting_elsewhere_duplicates_or_skips() {
    let bg = BackgroundResponse::new(transcript())
        .resume_faults([ResumeFault::StartAt(4), ResumeFault::StartAt(8)]);
    let server = serve(&bg);
    let (events, _) = read_stream(&mut resume(&server, "?stream=true&starting_after=5"));
    assert_eq!(numbers(&events), (4..=LAST).collect::<Vec<_>>());
    let (events, _) = read_stream(&mut resume(&server, "?stream=true&starting_after=5"));
    assert_eq!(numbers(&events), [8, 9]);
}

#[test]
fn a_cancelled_resume_ends_with_response_cancelled() {
    let bg = BackgroundResponse::new(transcript())
        .cut_after(3)
        .resume_faults([ResumeFault::Cancelled]);
    let server = serve(&bg);
    let (_, object) = json_body(&mut resume(&server, ""));
    assert_eq!(object["status"], "completed");
    assert_eq!(object["completed_at"], 1_700_000_001);

    let (events, end) = read_stream(&mut resume(&server, "?stream=true&starting_after=3"));
    assert_eq!(end, Chunk::Last);
    assert_eq!(numbers(&events), (4..=LAST).collect::<Vec<_>>());
    let (name, data) = events.last().unwrap();
    assert_eq!(name, "response.cancelled");
    assert_eq!(data["type"], "response.cancelled");
    assert_eq!(data["sequence_number"], LAST);
    assert_eq!(data["response"]["status"], "cancelled");
    assert_eq!(data["response"]["id"], "resp_bg");
    assert!(events.iter().all(|(name, _)| name != "response.completed"));

    let (status, object) = json_body(&mut resume(&server, ""));
    assert_eq!(status, 200);
    assert_eq!(object["object"], "response");
    assert_eq!(object["status"], "cancelled");
    assert_eq!(bg.resumes(), [Some(3)]);
}

#[test]
fn a_failed_resume_ends_with_response_failed() {
    let bg = BackgroundResponse::new(transcript()).resume_faults([ResumeFault::Failed]);
    let server = serve(&bg);
    let (events, _) = read_stream(&mut resume(&server, "?stream=true&starting_after=7"));
    assert_eq!(numbers(&events), [8, 9]);
    let (name, data) = events.last().unwrap();
    assert_eq!(name, "response.failed");
    assert_eq!(data["response"]["status"], "failed");
    assert_eq!(data["response"]["error"]["code"], "server_error");
    let (_, object) = json_body(&mut resume(&server, "?stream=false"));
    assert_eq!(object["status"], "failed");
}

#[test]
fn sub_paths_and_other_ids_are_not_served() {
    let bg = BackgroundResponse::new(transcript());
    let server = serve(&bg);
    let mut client = Client::connect(&server);
    client.request("GET", "/v1/responses/resp_bg/input_items", &[], b"");
    assert_eq!(client.read_head().status, 500);
    let mut client = Client::connect(&server);
    client.request("GET", "/v1/responses/resp_other?stream=true", &[], b"");
    assert_eq!(client.read_head().status, 500);
    assert!(bg.resumes().is_empty());
}
