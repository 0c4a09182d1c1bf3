//! One scenario: a testkit script, the call to make, the client's configuration and its
//! credentials, plus the expectations checked on top of cross-runtime equality.

use std::time::Duration;

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, ResponsesOptions};
use codex_api_core::retry::RetryPolicy;
use codex_api_core::unauthorized::{RecoveryMode, StepFailure};
use codex_api_core::wire::{CompactionInput, MemorySummarizeInput, ResponsesApiRequest};
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
    /// `POST responses/compact`.
    Compact(Box<CompactionInput>, ResponsesOptions),
    /// `POST memories/trace_summarize`.
    Memories(Box<MemorySummarizeInput>, ResponsesOptions),
    /// `GET models` through the typed `list_models`.
    Models(Option<String>),
    /// Any unary call through the adapter's generic `send` (status, headers, body).
    Unary(Endpoint, ResponsesOptions, Option<Vec<u8>>),
}

impl CallSpec {
    /// A streamed call with default options.
    pub fn stream(request: ResponsesApiRequest) -> CallSpec {
        CallSpec::Stream(Box::new(request), ResponsesOptions::new())
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
    /// A fresh, runtime-neutral auth source for one run.
    pub fn build(&self) -> ScriptedAuth {
        match self {
            AuthSpec::Static(credentials) => ScriptedAuth::fixed(credentials.clone()),
            AuthSpec::Rotating { mode, fail } => ScriptedAuth::rotating(*mode, *fail),
        }
    }
}

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
            call,
            config: ClientConfig::default(),
            auth: AuthSpec::Static(Credentials::api_key("sk-test")),
            expect,
            min_request_gaps: Vec::new(),
            excluded: Vec::new(),
            known_differences: Vec::new(),
        }
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
}
