//! One scenario: a testkit script, the call to make, the client's configuration and its
//! credentials, plus the expectations checked on top of cross-runtime equality.

use std::path::PathBuf;
use std::time::Duration;

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, ListParams, ResponsesOptions, RetrieveOptions};
use codex_api_core::retry::RetryPolicy;
use codex_api_core::unauthorized::{RecoveryMode, StepFailure};
use codex_api_core::wire::{
    CompactionInput, ConversationCreate, MemorySummarizeInput, ResponseItem, ResponsesApiRequest,
};
use codex_api_testkit::Script;

use crate::auth::ScriptedAuth;
use crate::observation::Observation;

/// The call a scenario makes.
#[derive(Debug, Clone)]
pub enum CallSpec {
    /// `POST responses`, streamed; the stream is drained to its end or its error.
    Stream(Box<ResponsesApiRequest>, ResponsesOptions),
    /// `POST responses`, streamed, drained through the raw view (`into_raw`).
    RawStream(Box<ResponsesApiRequest>, ResponsesOptions),
    /// `POST responses`, streamed and drained keeping only a
    /// [`Tally`](crate::observation::Tally) of the events, for streams too big to keep.
    Tally(Box<ResponsesApiRequest>),
    /// `POST responses/compact`.
    Compact(Box<CompactionInput>, ResponsesOptions),
    /// `POST memories/trace_summarize`.
    Memories(Box<MemorySummarizeInput>, ResponsesOptions),
    /// `GET models` through the typed `list_models`.
    Models(Option<String>),
    /// Any unary call through the adapter's generic `send` (status, headers, body).
    Unary(Endpoint, ResponsesOptions, Option<Vec<u8>>),
    /// A streaming call prepared by hand (`PreparedRequest::new_streaming`) through the generic
    /// `send`; its events are drained as for [`CallSpec::Stream`].
    SendStream(Endpoint, ResponsesOptions, Option<Vec<u8>>),
    /// `GET responses/{id}?stream=true[&starting_after=N]` (`client.responses().stream`),
    /// drained as for [`CallSpec::Stream`].
    RetrieveStream(String, Option<u64>),
    /// A call of the Responses resource or the Conversations API; a success is
    /// [`Outcome::Resource`](crate::observation::Outcome::Resource), the reply as JSON.
    Resource(ResourceCall),
    /// Turns over one `client.websocket()` session: `request`, then for each follow-up item
    /// the previous request's input plus the previous response's output plus the item (so a
    /// turn can chain). The outcome is one step per turn.
    WebSocket {
        /// The first request.
        request: Box<ResponsesApiRequest>,
        /// The new item of each later turn.
        follow_ups: Vec<ResponseItem>,
        /// Whether `permessage-deflate` is offered.
        deflate: bool,
        /// Whether a warm-up turn (`generate: false`) with `request` comes first.
        warm_up: bool,
    },
    /// Several steps in turn, each on a clone of one client (clones share its connections):
    /// what a connection pool keeps, reuses or closes between calls. The outcome is
    /// [`Outcome::Steps`](crate::observation::Outcome::Steps), one per call step; the events
    /// of every step are concatenated.
    Sequence(Vec<Step>),
}

/// A call of the Responses resource or the Conversations API.
#[derive(Debug, Clone)]
pub enum ResourceCall {
    /// `responses().create` (not streamed).
    Create(Box<ResponsesApiRequest>),
    /// `responses().retrieve`.
    Retrieve(String, RetrieveOptions),
    /// `responses().cancel`.
    Cancel(String),
    /// `responses().delete`.
    Delete(String),
    /// `responses().input_items_page`.
    InputItemsPage(String, ListParams),
    /// `responses().input_items`, every item through the pager (`{"items", "pages"}`).
    InputItems(String, ListParams),
    /// `responses().count_input_tokens`.
    CountTokens(Box<ResponsesApiRequest>),
    /// `conversations().create`.
    ConversationCreate(ConversationCreate),
    /// `conversations().retrieve`.
    ConversationRetrieve(String),
    /// `conversations().update`.
    ConversationUpdate(String, serde_json::Value),
    /// `conversations().delete`.
    ConversationDelete(String),
    /// `conversations().items`, every item through the pager.
    ConversationItems(String, ListParams),
    /// `conversations().add_items`.
    ConversationAddItems(String, Vec<ResponseItem>),
    /// `conversations().item`.
    ConversationItem(String, String),
    /// `conversations().delete_item`.
    ConversationDeleteItem(String, String),
    /// `stream(..)` then `final_response()`: `{"response", "output_text", "function_calls"}`.
    FinalResponse(Box<ResponsesApiRequest>),
}

/// One step of a [`CallSpec::Sequence`].
#[derive(Debug, Clone)]
pub enum Step {
    /// A call (not itself a sequence), drained like a call of its own.
    Call(Box<CallSpec>),
    /// A streamed call (default options) whose stream the consumer drops once `Until` holds;
    /// its outcome is [`Outcome::Dropped`](crate::observation::Outcome::Dropped).
    StreamAndDrop(Box<ResponsesApiRequest>, Until),
    /// Waits without a call; the runtime keeps running (its background tasks progress).
    Pause(Duration),
}

impl Step {
    /// A call step.
    pub fn call(call: CallSpec) -> Step {
        Step::Call(Box::new(call))
    }
}

/// When a [`Step::StreamAndDrop`] consumer stops reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// After this many events.
    Events(usize),
    /// At the `Completed` event (as a consumer that stops there does).
    Completed,
}

impl CallSpec {
    /// A streamed call with default options.
    pub fn stream(request: ResponsesApiRequest) -> CallSpec {
        CallSpec::Stream(Box::new(request), ResponsesOptions::new())
    }

    /// A sequence of steps on one client.
    pub fn sequence(steps: impl IntoIterator<Item = Step>) -> CallSpec {
        CallSpec::Sequence(steps.into_iter().collect())
    }
}

/// Where a client's credentials come from.
#[derive(Debug, Clone)]
pub enum AuthSpec {
    /// Fixed credentials, no recovery (a 401 is final).
    Static(Credentials),
    /// `Bearer old-token`, replaced by `Bearer new-token` on `refresh_token` or
    /// `external_refresh` (a `reload` finds the old one again); `fail` makes every step fail.
    Rotating {
        /// Which recovery plan the provider follows.
        mode: RecoveryMode,
        /// How every step fails, if it does.
        fail: Option<StepFailure>,
    },
}

impl AuthSpec {
    /// Every secret this source may hand out (never to be shown in an error or a `Debug`).
    pub fn secrets(&self) -> Vec<String> {
        match self {
            AuthSpec::Static(credentials) => match credentials {
                Credentials::ApiKey(secret) | Credentials::AgentAssertion(secret) => {
                    vec![secret.expose().to_owned()]
                }
                Credentials::ChatGpt { token, .. } => vec![token.expose().to_owned()],
                Credentials::AccountAgentAssertion { assertion, .. } => {
                    vec![assertion.expose().to_owned()]
                }
                _ => Vec::new(),
            },
            AuthSpec::Rotating { .. } => vec![
                crate::auth::OLD_TOKEN.to_owned(),
                crate::auth::NEW_TOKEN.to_owned(),
            ],
        }
    }

    /// A fresh, runtime-neutral auth source for one run.
    pub fn build(&self) -> ScriptedAuth {
        match self {
            AuthSpec::Static(credentials) => ScriptedAuth::fixed(credentials.clone()),
            AuthSpec::Rotating { mode, fail } => ScriptedAuth::rotating(*mode, *fail),
        }
    }
}

/// Where a client's explicit proxy points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyTarget {
    /// The scenario's own server plays the proxy: `http://{userinfo}{server address}`
    /// (`userinfo` is `""` or `user:password@`).
    TestServer {
        /// The proxy URL's user info, with its `@`.
        userinfo: &'static str,
    },
    /// A fixed proxy URL (an invalid one, a dead port, ...).
    Url(String),
}

/// An explicit proxy (`ClientBuilder::proxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySpec {
    /// The proxy URL.
    pub target: ProxyTarget,
    /// The hosts reached directly (`NO_PROXY` syntax).
    pub no_proxy: &'static str,
}

impl ProxySpec {
    /// The scenario's server as the proxy, with `userinfo` (`""` or `user:password@`).
    pub fn test_server(userinfo: &'static str, no_proxy: &'static str) -> Self {
        ProxySpec {
            target: ProxyTarget::TestServer { userinfo },
            no_proxy,
        }
    }

    /// A fixed proxy URL.
    pub fn url(url: impl Into<String>, no_proxy: &'static str) -> Self {
        ProxySpec {
            target: ProxyTarget::Url(url.into()),
            no_proxy,
        }
    }

    /// The password in the proxy URL's user info, if any (a secret).
    pub fn password(&self) -> Option<String> {
        let userinfo = match &self.target {
            ProxyTarget::TestServer { userinfo } => (*userinfo).to_owned(),
            ProxyTarget::Url(url) => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                rest.rsplit_once('@')
                    .map(|(userinfo, _)| userinfo.to_owned())
                    .unwrap_or_default()
            }
        };
        let password = userinfo.trim_end_matches('@').split_once(':')?.1;
        (!password.is_empty()).then(|| password.to_owned())
    }
}

/// The proxy every scenario without one of its own sets and then removes
/// (`proxy(..).without_proxy()`): nothing listens there, so every row also checks that
/// `without_proxy` undoes an explicit proxy (and that no environment proxy interferes).
pub const UNDONE_PROXY: &str = "http://user:undone-secret@127.0.0.1:9";

/// The client configuration every runtime gets.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The retry policy given to the client builder (small delays keep the suite fast);
    /// `None` leaves the policy the core derives from the provider.
    pub policy: Option<RetryPolicy>,
    /// The jitter seed, so backoffs are the same in every runtime.
    pub jitter_seed: u64,
    /// Overrides the provider's stream idle timeout through the client builder (`Some(None)`
    /// disables it); `None` leaves the provider's setting in force.
    pub idle_timeout: Option<Option<Duration>>,
    /// How long a response head may take (`None`: no limit).
    pub response_timeout: Option<Duration>,
    /// How long opening a connection may take.
    pub connect_timeout: Option<Duration>,
    /// A PEM file of extra trusted roots (`ClientBuilder::ca_bundle`).
    pub ca_bundle: Option<PathBuf>,
    /// An explicit proxy; `None` sets [`UNDONE_PROXY`] and removes it again.
    pub proxy: Option<ProxySpec>,
    /// How `stream` calls reach `responses` (default HTTP).
    pub transport: codex_api_core::client_config::Transport,
    /// Adjusts the provider built for the test server's base URL (headers, originator, ...).
    pub provider: fn(Provider) -> Provider,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            policy: Some(fast_policy()),
            jitter_seed: 7,
            idle_timeout: Some(Some(Duration::from_secs(10))),
            response_timeout: None,
            connect_timeout: Some(Duration::from_secs(10)),
            ca_bundle: None,
            proxy: None,
            transport: codex_api_core::client_config::Transport::Http,
            provider: |provider| provider,
        }
    }
}

/// The default retry policy with backoffs of a few milliseconds.
pub fn fast_policy() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(5);
    policy.max_backoff = Duration::from_millis(20);
    policy
}

/// One row of the table.
#[derive(Clone)]
pub struct Scenario {
    /// The scenario's name (also its test's name).
    pub name: &'static str,
    /// What the server answers.
    pub script: Script,
    /// Builds the script afresh for each runtime's server, when the script has state of its
    /// own (a [`BackgroundResponse`](codex_api_testkit::BackgroundResponse)'s faults), so that
    /// runtimes running side by side do not share it. Overrides [`Scenario::script`].
    pub fresh_script: Option<fn() -> Script>,
    /// The call made.
    pub call: CallSpec,
    /// How the client is configured.
    pub config: ClientConfig,
    /// Where its credentials come from.
    pub auth: AuthSpec,
    /// Scenario-specific checks on one runtime's observation (so a bug shared by every
    /// runtime still fails).
    pub expect: fn(&Observation),
    /// Generous lower bounds on the gaps between consecutive requests (retry delays), checked
    /// on every runtime; never an upper bound.
    pub min_request_gaps: Vec<Duration>,
    /// Runtimes left out of this scenario because of a bug (named in the reason): a
    /// (scenario, runtime) pair that cannot be compared until the bug is fixed.
    pub excluded: Vec<Exclusion>,
    /// Runtimes that legitimately behave differently here: their observation is checked by
    /// the difference's own assertion instead of being compared.
    pub known_differences: Vec<KnownDifference>,
    /// Whether the server speaks TLS (the testkit's `localhost` / `127.0.0.1` identity, signed
    /// by its test CA; trust it with [`Scenario::ca_bundle`]).
    pub tls: bool,
    /// Which connection each request must arrive on, numbered by first use (`[0, 0, 1]`: the
    /// first two share one, the third opened another), checked on every runtime (besides the
    /// comparison, which covers connections in every row).
    pub connections: Option<Vec<u64>>,
    /// Runtimes whose connection use legitimately differs (from [`Scenario::connections`] and
    /// from the other runtimes): checked against their own list instead of compared.
    pub connection_differences: Vec<ConnectionDifference>,
    /// More secrets (besides the credentials' and the proxy password) that no error, client
    /// `Debug` or attempt record may show.
    pub secrets: Vec<String>,
}

/// A legitimate difference of one runtime's connection use.
#[derive(Debug, Clone)]
pub struct ConnectionDifference {
    /// The runtime's name.
    pub runtime: &'static str,
    /// Why the difference is legitimate.
    pub reason: &'static str,
    /// The connections this runtime uses instead.
    pub connections: Vec<u64>,
}

/// A (scenario, runtime) pair left out of the comparison because of a bug.
#[derive(Debug, Clone)]
pub struct Exclusion {
    /// The runtime's name.
    pub runtime: &'static str,
    /// The bug, precisely: what it does, what it should do.
    pub bug: &'static str,
    /// The parts of the observation the bug may change (`event`, `outcome`, `request`,
    /// `attempt`, `auth steps`): every other part must still agree.
    pub affects: &'static [&'static str],
}

/// A legitimate difference of one runtime in one scenario.
#[derive(Debug, Clone)]
pub struct KnownDifference {
    /// The runtime's name.
    pub runtime: &'static str,
    /// Why the difference is legitimate.
    pub reason: &'static str,
    /// Asserts the runtime's current behaviour.
    pub check: fn(&Observation),
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// A scenario with the default configuration and an API key.
    pub fn new(
        name: &'static str,
        script: Script,
        call: CallSpec,
        expect: fn(&Observation),
    ) -> Self {
        Scenario {
            name,
            script,
            fresh_script: None,
            call,
            config: ClientConfig::default(),
            auth: AuthSpec::Static(Credentials::api_key("sk-test")),
            expect,
            min_request_gaps: Vec::new(),
            excluded: Vec::new(),
            known_differences: Vec::new(),
            tls: false,
            connections: None,
            connection_differences: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// A row whose script is built afresh for each runtime (see [`Scenario::fresh_script`]).
    pub fn fresh(
        name: &'static str,
        script: fn() -> Script,
        call: CallSpec,
        expect: fn(&Observation),
    ) -> Self {
        let mut scenario = Scenario::new(name, Script::new(), call, expect);
        scenario.fresh_script = Some(script);
        scenario
    }

    /// Every secret no error, client `Debug` or attempt record may show: the credentials',
    /// the proxy password, and the row's own.
    pub fn all_secrets(&self) -> Vec<String> {
        let mut secrets = self.auth.secrets();
        secrets.extend(self.config.proxy.as_ref().and_then(ProxySpec::password));
        secrets.push("undone-secret".to_owned());
        secrets.extend(self.secrets.iter().cloned());
        secrets.retain(|secret| !secret.is_empty());
        secrets
    }

    /// Leaves `runtime` out of the comparison because of `bug`, except for the parts of the
    /// observation the bug does not `affect`.
    pub fn exclude(
        mut self,
        runtime: &'static str,
        bug: &'static str,
        affects: &'static [&'static str],
    ) -> Self {
        self.excluded.push(Exclusion {
            runtime,
            bug,
            affects,
        });
        self
    }

    /// Records a legitimate difference of `runtime`, asserted by `check`.
    pub fn known_difference(
        mut self,
        runtime: &'static str,
        reason: &'static str,
        check: fn(&Observation),
    ) -> Self {
        self.known_differences.push(KnownDifference {
            runtime,
            reason,
            check,
        });
        self
    }

    /// Sets lower bounds on the gaps between consecutive requests.
    pub fn min_request_gaps(mut self, gaps: &[Duration]) -> Self {
        self.min_request_gaps = gaps.to_vec();
        self
    }

    /// Replaces the configuration.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the credentials.
    pub fn auth(mut self, auth: AuthSpec) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the idle timeout through the client builder.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = Some(Some(timeout));
        self
    }

    /// Leaves the retry policy the core derives from the provider in force (no builder
    /// override).
    pub fn provider_policy(mut self) -> Self {
        self.config.policy = None;
        self
    }

    /// Disables the stream idle timeout through the client builder.
    pub fn no_idle_timeout(mut self) -> Self {
        self.config.idle_timeout = Some(None);
        self
    }

    /// Leaves the provider's idle timeout in force (no builder override).
    pub fn provider_idle_timeout(mut self) -> Self {
        self.config.idle_timeout = None;
        self
    }

    /// Sets the response-head timeout.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.config.response_timeout = Some(timeout);
        self
    }

    /// Adjusts the provider.
    pub fn provider(mut self, adjust: fn(Provider) -> Provider) -> Self {
        self.config.provider = adjust;
        self
    }

    /// Replaces the retry policy.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.config.policy = Some(policy);
        self
    }

    /// Serves the script over TLS.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Trusts the roots of a PEM file.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.ca_bundle = Some(path.into());
        self
    }

    /// Sets an explicit proxy.
    pub fn proxy(mut self, proxy: ProxySpec) -> Self {
        self.config.proxy = Some(proxy);
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// States which connection each request arrives on, on every runtime.
    pub fn connections(mut self, connections: &[u64]) -> Self {
        self.connections = Some(connections.to_vec());
        self
    }

    /// Records that `runtime` legitimately uses `connections` instead.
    pub fn connections_on(
        mut self,
        runtime: &'static str,
        connections: &[u64],
        reason: &'static str,
    ) -> Self {
        self.connection_differences.push(ConnectionDifference {
            runtime,
            reason,
            connections: connections.to_vec(),
        });
        self
    }

    /// Adds a secret that must never be shown.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// The connections `runtime` must use, if the row states them.
    pub fn connections_for(&self, runtime: &str) -> Option<&[u64]> {
        self.connection_differences
            .iter()
            .find(|difference| difference.runtime == runtime)
            .map(|difference| difference.connections.as_slice())
            .or(self.connections.as_deref())
    }
}
