//! Dynamic routes: persistent script entries whose response is computed from the request.

use std::fmt;
use std::sync::Arc;

use crate::request::RecordedRequest;
use crate::script::ScriptedResponse;

/// Computes the response to a request.
pub(crate) type Responder = Arc<dyn Fn(&RecordedRequest) -> ScriptedResponse + Send + Sync>;

/// How a dynamic route matches the request path (without its query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathMatch {
    /// The path starts with this prefix.
    Prefix(String),
    /// The path is exactly this.
    Exact(String),
}

impl PathMatch {
    fn accepts(&self, path: &str) -> bool {
        match self {
            PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::Exact(exact) => path == exact,
        }
    }
}

/// A persistent route: never consumed, it answers every request it accepts.
#[derive(Clone)]
pub(crate) struct DynamicRoute {
    pub(crate) method: String,
    pub(crate) path: PathMatch,
    pub(crate) responder: Responder,
}

impl DynamicRoute {
    /// The method matches exactly; the path of `target` (without its query) as [`PathMatch`]
    /// says.
    pub(crate) fn accepts(&self, method: &str, target: &str) -> bool {
        self.method == method
            && self
                .path
                .accepts(target.split('?').next().unwrap_or_default())
    }
}

impl fmt::Debug for DynamicRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicRoute")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Runs `responder`; a panic in it becomes a `500` naming the panic, so the connection thread
/// survives and the client sees what went wrong.
pub(crate) fn respond(responder: &Responder, request: &RecordedRequest) -> ScriptedResponse {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| responder(request))) {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic".into());
            ScriptedResponse::text(
                500,
                &format!(
                    "codex-api-testkit: the responder for {} {} panicked: {message}\n",
                    request.method, request.path
                ),
            )
        }
    }
}
