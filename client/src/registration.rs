//! Sending the Agent Identity task registration the core builds: one attempt, the whole body.

use std::future::poll_fn;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codex_api_core::call::{CallOutput, ClientError, TransportCause, TransportError};
use codex_api_core::error::ApiError;
use codex_api_core::retry::TransportErrorKind;

use crate::driver::within;
use crate::runtime::{ResponseBody, Runtime, SendLimits, TransportFailure};

/// How long the registration may take in all.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest registration reply read.
const MAX_REPLY: usize = 64 * 1024;

/// Sends `request` once and reads its reply; a non-2xx status is the server's [`ApiError`].
pub(crate) async fn send_registration<R: Runtime>(
    runtime: &R,
    request: http::Request<Bytes>,
) -> Result<CallOutput, ClientError> {
    let deadline = Instant::now() + REGISTRATION_TIMEOUT;
    let target = request.uri().authority().map(|a| a.as_str().to_owned());
    let limits = SendLimits {
        deadline: Some(deadline),
        streaming: false,
        idle_timeout: None,
    };
    let exchange = async {
        let (head, mut body) = runtime.send(request, limits).await?;
        let mut received = BytesMut::new();
        while let Some(chunk) = poll_fn(|cx| body.poll_chunk(cx)).await {
            let chunk = chunk?;
            let room = MAX_REPLY.saturating_sub(received.len());
            received.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        body.release();
        Ok::<_, TransportFailure>((head, received.freeze()))
    };
    let failed = |kind: TransportErrorKind, cause: TransportCause| {
        ClientError::Transport(TransportError::new(kind, 1).with_cause(cause))
    };
    let (head, body) = match within::<R, _>(Some(deadline), exchange).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(failure)) => {
            let kind = failure.kind();
            let mut cause = TransportCause::new(failure.into_error());
            cause.target = target;
            return Err(failed(kind, cause));
        }
        Err(_) => {
            let cause = TransportCause::new("the task registration timed out");
            return Err(failed(TransportErrorKind::Timeout, cause));
        }
    };
    if !head.status.is_success() {
        let error = ApiError::from_http(head.status, &head.headers, &body, None);
        return Err(ClientError::Api(Box::new(error)));
    }
    Ok(CallOutput {
        status: head.status,
        headers: head.headers,
        body,
    })
}
