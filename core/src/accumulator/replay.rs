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
    let mut stream = ResponseStream::new(config.with_idle_timeout(None));
    let mut accumulator = ResponseAccumulator::new();
    let head = synthetic_head();
    stream.receive_head(None, &head);
    let chunk_size = chunk_size
        .filter(|&size| size > 0)
        .unwrap_or(body.len().max(1));
    for chunk in body.chunks(chunk_size) {
        stream.receive_body(None, chunk);
        drain(&mut stream, &mut accumulator);
        if stream.is_finished() {
            break;
        }
    }
    stream.receive_eof();
    drain(&mut stream, &mut accumulator);
    (accumulator.outcome(), stream)
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
