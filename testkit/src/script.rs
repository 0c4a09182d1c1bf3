//! Scripts: which response answers which request, and the responses themselves.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::body::Body;
use crate::dynamic_route::{DynamicRoute, PathMatch, Responder};
use crate::rate_limit::{RateLimitHeaders, RateLimitWindow};
use crate::request::RecordedRequest;
use crate::websocket::WsScript;

/// One scripted response: status, headers, body and connection behaviour.
#[derive(Debug, Clone)]
pub struct ScriptedResponse {
    pub(crate) status: u16,
    pub(crate) reason: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) close_connection: bool,
    pub(crate) head_delay: Duration,
    pub(crate) hang_up: bool,
    /// The session a WebSocket upgrade runs after the `101`.
    pub(crate) websocket: Option<Box<WsScript>>,
}

impl ScriptedResponse {
    /// A response with `status` and an empty `Content-Length` body.
    pub fn new(status: u16) -> ScriptedResponse {
        ScriptedResponse {
            status,
            reason: None,
            headers: Vec::new(),
            body: Body::content_length(),
            close_connection: false,
            head_delay: Duration::ZERO,
            hang_up: false,
            websocket: None,
        }
    }

    /// A JSON response (`content-type: application/json`).
    pub fn json(status: u16, value: &Value) -> ScriptedResponse {
        ScriptedResponse::new(status)
            .header("content-type", "application/json")
            .body(Body::json(value))
    }

    /// A plain-text response (`content-type: text/plain; charset=utf-8`).
    pub fn text(status: u16, text: &str) -> ScriptedResponse {
        ScriptedResponse::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::fixed(text))
    }

    /// A `200` event stream (`content-type: text/event-stream`), e.g. from a
    /// [`Transcript`](crate::Transcript) or a chunked [`Body`] with faults.
    ///
    /// The framing is the body's: a `Transcript` goes out `Transfer-Encoding: chunked`, one
    /// chunk per event, as a streaming server sends it (so do [`Body::events`] and
    /// [`Body::chunked`]); for a `Content-Length` stream, pass
    /// [`Body::content_length`] (e.g. `Body::fixed(transcript.to_bytes())`).
    pub fn sse(body: impl Into<Body>) -> ScriptedResponse {
        ScriptedResponse::new(200)
            .header("content-type", "text/event-stream")
            .body(body.into())
    }

    /// No response at all: the server reads the request, records it, and closes the connection.
    pub fn hang_up() -> ScriptedResponse {
        ScriptedResponse {
            hang_up: true,
            ..ScriptedResponse::new(0)
        }
    }

    /// A WebSocket upgrade answered `101 Switching Protocols`, then the session `script`.
    ///
    /// The headers added to this response ([`header`](Self::header),
    /// [`request_id`](Self::request_id), [`openai_model`](Self::openai_model),
    /// [`turn_state`](Self::turn_state), rate-limit headers...) go on the `101`, after
    /// `Upgrade`, `Connection`, `Sec-WebSocket-Accept` and `Sec-WebSocket-Extensions`;
    /// [`reason`](Self::reason) and [`delay_head`](Self::delay_head) apply too. The status,
    /// body and connection settings are ignored. A request that is no valid upgrade is answered
    /// `426` (no `Upgrade: websocket`, or a `Sec-WebSocket-Version` other than 13) or `400`
    /// (other defects) and the connection closes; the session then never starts.
    ///
    /// For a failed handshake, script an ordinary response instead (e.g.
    /// [`api_error`](Self::api_error) with `401`, or `426`).
    pub fn websocket(script: WsScript) -> ScriptedResponse {
        ScriptedResponse {
            websocket: Some(Box::new(script)),
            ..ScriptedResponse::new(101)
        }
    }

    /// Sets the status.
    pub fn status(mut self, status: u16) -> ScriptedResponse {
        self.status = status;
        self
    }

    /// Sets the reason phrase (default: the standard one).
    pub fn reason(mut self, reason: impl Into<String>) -> ScriptedResponse {
        self.reason = Some(reason.into());
        self
    }

    /// Adds a header; headers go out in the order added. A `content-length` or
    /// `transfer-encoding` header set here replaces the automatic one (so a test can lie), and
    /// the body is still written as its own framing says.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ScriptedResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds several headers.
    pub fn headers<N, V>(mut self, headers: impl IntoIterator<Item = (N, V)>) -> ScriptedResponse
    where
        N: Into<String>,
        V: Into<String>,
    {
        self.headers
            .extend(headers.into_iter().map(|(n, v)| (n.into(), v.into())));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> ScriptedResponse {
        self.body = body;
        self
    }

    /// Sends `connection: close` and closes the connection after this response.
    pub fn close_connection(mut self) -> ScriptedResponse {
        self.close_connection = true;
        self
    }

    /// Waits before sending the head (a slow first byte).
    pub fn delay_head(mut self, delay: Duration) -> ScriptedResponse {
        self.head_delay = delay;
        self
    }

    /// `x-request-id`.
    pub fn request_id(self, id: impl Into<String>) -> ScriptedResponse {
        self.header("x-request-id", id)
    }

    /// `retry-after`, verbatim (seconds, an HTTP date, or garbage for negative tests).
    pub fn retry_after(self, value: impl Into<String>) -> ScriptedResponse {
        self.header("retry-after", value)
    }

    /// `retry-after-ms`.
    pub fn retry_after_ms(self, millis: u64) -> ScriptedResponse {
        self.header("retry-after-ms", millis.to_string())
    }

    /// `x-models-etag`.
    pub fn models_etag(self, etag: impl Into<String>) -> ScriptedResponse {
        self.header("x-models-etag", etag)
    }

    /// `openai-model`.
    pub fn openai_model(self, model: impl Into<String>) -> ScriptedResponse {
        self.header("openai-model", model)
    }

    /// `x-codex-turn-state` (the sticky-routing token a WebSocket `101` or an HTTP response
    /// carries).
    pub fn turn_state(self, token: impl Into<String>) -> ScriptedResponse {
        self.header("x-codex-turn-state", token)
    }

    /// `x-reasoning-included: true`.
    pub fn reasoning_included(self) -> ScriptedResponse {
        self.header("x-reasoning-included", "true")
    }

    /// `etag`.
    pub fn etag(self, etag: impl Into<String>) -> ScriptedResponse {
        self.header("etag", etag)
    }

    /// The platform's `x-ratelimit-*` headers.
    pub fn rate_limit_headers(self, limits: &RateLimitHeaders) -> ScriptedResponse {
        self.headers(limits.to_headers())
    }

    /// Codex's `x-codex-primary-*` and, if given, `x-codex-secondary-*` headers
    /// (`used-percent`, `window-minutes`, `reset-at`).
    pub fn codex_rate_limit_headers(
        self,
        primary: RateLimitWindow,
        secondary: Option<RateLimitWindow>,
    ) -> ScriptedResponse {
        let with_primary = self.headers(primary.to_headers("primary"));
        match secondary {
            Some(secondary) => with_primary.headers(secondary.to_headers("secondary")),
            None => with_primary,
        }
    }

    /// The response given when the script has nothing left for a request.
    pub(crate) fn script_exhausted(method: &str, target: &str) -> ScriptedResponse {
        ScriptedResponse::text(
            500,
            &format!(
                "codex-api-testkit: script exhausted: no scripted response left for {method} {target}\n"
            ),
        )
    }
}

/// A method and path a script entry is restricted to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: String,
    path: String,
}

impl Route {
    /// The method matches exactly (case-sensitive, as HTTP methods are); the path matches the
    /// request target without its query, or the whole target when the route has a query itself.
    fn accepts(&self, method: &str, target: &str) -> bool {
        if self.method != method {
            return false;
        }
        if self.path.contains('?') {
            self.path == target
        } else {
            target.split('?').next() == Some(self.path.as_str())
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    route: Option<Route>,
    response: ScriptedResponse,
}

/// An ordered list of scripted responses, plus dynamic routes.
///
/// Each entry either answers any request ([`Script::then`]) or only requests with a given
/// method and path ([`Script::on`]). A request takes the first unused entry that accepts it, so
/// entries for one route form a queue of their own while unrouted entries serve everything else
/// in order.
///
/// Dynamic routes ([`Script::on_fn`], [`Script::on_fn_exact`]) are never used up: they compute
/// a response from each request they accept. They are tried only after the entries: a request
/// that some unused entry accepts takes that entry; otherwise the first dynamic route (in the
/// order added) that accepts it answers.
///
/// When neither an entry nor a dynamic route accepts a request, the server answers `500` with a
/// plain-text body that says so, and records the request with
/// [`RecordedRequest::script_exhausted`](crate::RecordedRequest::script_exhausted) set.
///
/// ```
/// use codex_api_testkit::{Script, ScriptedResponse, Transcript};
///
/// let script = Script::new()
///     .on("GET", "/v1/models", ScriptedResponse::text(200, "{}"))
///     .then(ScriptedResponse::sse(Transcript::new().created().message(&["Hi"]).completed()))
///     .then(ScriptedResponse::new(429).retry_after("1"));
/// assert_eq!(script.len(), 3);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Script {
    entries: Vec<Entry>,
    routes: Vec<DynamicRoute>,
}

impl Script {
    /// An empty script: every request gets the exhaustion `500`.
    pub fn new() -> Script {
        Script::default()
    }

    /// Appends a response for the next request that no routed entry claims.
    pub fn then(mut self, response: ScriptedResponse) -> Script {
        self.entries.push(Entry {
            route: None,
            response,
        });
        self
    }

    /// Appends a response only for requests with this method and path.
    pub fn on(
        mut self,
        method: impl Into<String>,
        path: impl Into<String>,
        response: ScriptedResponse,
    ) -> Script {
        self.entries.push(Entry {
            route: Some(Route {
                method: method.into(),
                path: path.into(),
            }),
            response,
        });
        self
    }

    /// Appends a WebSocket session for the next upgrade request (`GET`) on `path`: shorthand
    /// for `on("GET", path, ScriptedResponse::websocket(script))`. Each session serves one
    /// connection; script one per connection the client will open.
    pub fn on_websocket(self, path: impl Into<String>, script: WsScript) -> Script {
        self.on("GET", path, ScriptedResponse::websocket(script))
    }

    /// Adds a dynamic route: every request with exactly this method whose path (without its
    /// query) starts with `path_prefix` is answered by `responder`, which sees the request as
    /// recorded (see [`RecordedRequest::query_param`](crate::RecordedRequest::query_param)).
    ///
    /// The route is never used up. Unused entries ([`on`](Self::on), [`then`](Self::then)) that
    /// accept a request take precedence; dynamic routes are tried in the order added. A panic
    /// in `responder` is answered with a `500` naming it.
    ///
    /// ```
    /// use codex_api_testkit::{Script, ScriptedResponse};
    /// use serde_json::json;
    ///
    /// let script = Script::new().on_fn("GET", "/v1/responses/", |request| {
    ///     let id = request.path_without_query().trim_start_matches("/v1/responses/");
    ///     ScriptedResponse::json(200, &json!({ "id": id, "object": "response" }))
    /// });
    /// assert_eq!(script.dynamic_routes(), 1);
    /// assert!(script.is_empty());
    /// ```
    pub fn on_fn(
        self,
        method: impl Into<String>,
        path_prefix: impl Into<String>,
        responder: impl Fn(&RecordedRequest) -> ScriptedResponse + Send + Sync + 'static,
    ) -> Script {
        self.with_route(
            method.into(),
            PathMatch::Prefix(path_prefix.into()),
            Arc::new(responder),
        )
    }

    /// Like [`on_fn`](Self::on_fn), but the path (without its query) must equal `path`, so that
    /// `/v1/responses/ID` does not also catch `/v1/responses/ID/input_items`.
    pub fn on_fn_exact(
        self,
        method: impl Into<String>,
        path: impl Into<String>,
        responder: impl Fn(&RecordedRequest) -> ScriptedResponse + Send + Sync + 'static,
    ) -> Script {
        self.with_route(
            method.into(),
            PathMatch::Exact(path.into()),
            Arc::new(responder),
        )
    }

    fn with_route(mut self, method: String, path: PathMatch, responder: Responder) -> Script {
        self.routes.push(DynamicRoute {
            method,
            path,
            responder,
        });
        self
    }

    /// How many responses are left (dynamic routes, never used up, are not counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no response is left (dynamic routes are not counted).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many dynamic routes the script has.
    pub fn dynamic_routes(&self) -> usize {
        self.routes.len()
    }

    /// The responder of the first dynamic route that accepts a request.
    pub(crate) fn route_for(&self, method: &str, target: &str) -> Option<Responder> {
        self.routes
            .iter()
            .find(|route| route.accepts(method, target))
            .map(|route| Arc::clone(&route.responder))
    }

    /// Takes the response for a request: the first entry that accepts it.
    pub(crate) fn take(&mut self, method: &str, target: &str) -> Option<ScriptedResponse> {
        let index = self.entries.iter().position(|entry| {
            entry
                .route
                .as_ref()
                .is_none_or(|route| route.accepts(method, target))
        })?;
        Some(self.entries.remove(index).response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routed_entries_queue_separately_from_unrouted_ones() {
        let mut script = Script::new()
            .on("POST", "/v1/responses", ScriptedResponse::new(201))
            .then(ScriptedResponse::new(202))
            .on("POST", "/v1/responses", ScriptedResponse::new(203));
        let status = |r: Option<ScriptedResponse>| r.map(|r| r.status);
        assert_eq!(status(script.take("GET", "/v1/models")), Some(202));
        assert_eq!(status(script.take("POST", "/v1/responses?x=1")), Some(201));
        assert_eq!(status(script.take("GET", "/v1/models")), None);
        assert_eq!(status(script.take("POST", "/v1/responses")), Some(203));
        assert!(script.is_empty());
    }

    #[test]
    fn dynamic_routes_match_by_prefix_or_exactly_in_order() {
        let script = Script::new()
            .on_fn_exact("GET", "/v1/responses/r1", |_| ScriptedResponse::new(201))
            .on_fn("GET", "/v1/responses/", |_| ScriptedResponse::new(202))
            .on_fn("POST", "/v1/responses", |_| ScriptedResponse::new(203));
        let request = |method: &str, path: &str| RecordedRequest {
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            received_at: std::time::Instant::now(),
            connection_id: 0,
            script_exhausted: false,
        };
        let status = |method: &str, path: &str| {
            script
                .route_for(method, path)
                .map(|responder| responder(&request(method, path)).status)
        };
        assert_eq!(status("GET", "/v1/responses/r1?stream=true"), Some(201));
        assert_eq!(status("GET", "/v1/responses/r1/input_items"), Some(202));
        assert_eq!(status("GET", "/v1/responses/r2"), Some(202));
        assert_eq!(status("POST", "/v1/responses/compact"), Some(203));
        assert_eq!(status("get", "/v1/responses/r2"), None);
        assert_eq!(status("GET", "/v1/models"), None);
        // Never used up.
        assert_eq!(status("GET", "/v1/responses/r2"), Some(202));
        assert_eq!(script.dynamic_routes(), 3);
        assert!(script.is_empty());
    }

    #[test]
    fn a_route_with_a_query_matches_the_whole_target() {
        let mut script = Script::new().on("GET", "/m?v=1", ScriptedResponse::new(200));
        assert!(script.take("GET", "/m?v=2").is_none());
        assert!(script.take("GET", "/m").is_none());
        assert!(script.take("GET", "/m?v=1").is_some());
    }
}
