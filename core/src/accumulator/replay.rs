//! Replaying a recorded SSE body through a [`ResponseStream`] and an accumulator.

use super::{Outcome, ResponseAccumulator};
use crate::stream::{ResponseStream, StreamConfig};

/// Runs `body` (a recorded `text/event-stream` body) through a [`ResponseStream`] behind a
/// synthetic `200 text/event-stream` head, with the idle timeout disabled, in chunks of
/// `chunk_size` bytes (whole when `None` or 0), then EOF; folds everything into an
/// [`Outcome`].
pub fn replay(body: &[u8], chunk_size: Option<usize>) -> Outcome {
    replay_with(body, chunk_size, StreamConfig::default()).0
}

/// Like [`replay`], with an explicit configuration (its idle timeout is ignored: a replay reads
/// no clock and no time passes); also returns the finished stream, for its counters and
/// accessors.
pub fn replay_with(
    body: &[u8],
    chunk_size: Option<usize>,
    config: StreamConfig,
) -> (Outcome, ResponseStream) {
    let mut replay = Replay::new(config);
    let chunk_size = chunk_size
        .filter(|&size| size > 0)
        .unwrap_or(body.len().max(1));
    for chunk in body.chunks(chunk_size) {
        if !replay.handle_chunk(chunk) {
            break;
        }
    }
    replay.finish()
}

/// A replay fed chunk by chunk, for bodies read as they come (a large file, standard input):
/// memory stays bounded by the stream's event-size limit plus what the [`Outcome`] keeps.
#[derive(Debug)]
pub struct Replay {
    stream: ResponseStream,
    accumulator: ResponseAccumulator,
}

impl Replay {
    /// A replay behind a synthetic `200 text/event-stream` head, idle timeout disabled.
    pub fn new(config: StreamConfig) -> Replay {
        let mut stream = ResponseStream::new(config.with_idle_timeout(None));
        stream.receive_head(None, &synthetic_head());
        Replay {
            stream,
            accumulator: ResponseAccumulator::new(),
        }
    }

    /// Input: the next chunk of the body; returns whether more input is still read (the stream
    /// is not finished).
    pub fn handle_chunk(&mut self, chunk: &[u8]) -> bool {
        self.stream.receive_body(None, chunk);
        drain(&mut self.stream, &mut self.accumulator);
        !self.stream.is_finished()
    }

    /// End of the body: the outcome, and the finished stream for its counters and accessors.
    pub fn finish(mut self) -> (Outcome, ResponseStream) {
        self.stream.receive_eof();
        drain(&mut self.stream, &mut self.accumulator);
        (self.accumulator.outcome(), self.stream)
    }
}

fn drain(stream: &mut ResponseStream, accumulator: &mut ResponseAccumulator) {
    while let Some(next) = stream.poll_stream_event() {
        match next {
            Ok(item) => accumulator.handle_item(&item),
            Err(error) => accumulator.handle_error(&error),
        }
    }
}

fn synthetic_head() -> http::response::Parts {
    let mut head = http::Response::new(()).into_parts().0;
    head.status = http::StatusCode::OK;
    head.headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/event-stream"),
    );
    head
}
