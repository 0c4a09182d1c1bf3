//! Credentials attached to requests: API key, ChatGPT token, Agent Identity, none.

use http::HeaderMap;

use crate::auth_scheme::AuthScheme;
use crate::request::BuildError;
use crate::request::headers::set_header;
use crate::secret::Secret;

/// Header carrying the ChatGPT account (workspace) a ChatGPT token acts for.
pub const CHATGPT_ACCOUNT_ID_HEADER: &str = "ChatGPT-Account-ID";
/// Header marking a FedRAMP ChatGPT account.
pub const FEDRAMP_HEADER: &str = "X-OpenAI-Fedramp";

/// What a request authenticates with. `Debug` never shows a token.
///
/// ```
/// use codex_api_core::auth_scheme::AuthScheme;
/// use codex_api_core::credentials::Credentials;
///
/// let credentials = Credentials::api_key("sk-test");
/// assert_eq!(credentials.scheme(), AuthScheme::Bearer);
/// assert!(!format!("{credentials:?}").contains("sk-test"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// An OpenAI API key (or any external bearer token): `Authorization: Bearer <key>`.
    ApiKey(Secret),
    /// A ChatGPT access token: `Authorization: Bearer <token>`, `ChatGPT-Account-ID`, and
    /// `X-OpenAI-Fedramp: true` for FedRAMP accounts.
    ChatGpt {
        /// The access token.
        token: Secret,
        /// The ChatGPT account (workspace) id.
        account_id: String,
        /// Whether the account is a FedRAMP account.
        fedramp: bool,
    },
    /// An Agent Identity assertion: `Authorization: AgentAssertion <token>`.
    AgentAssertion(Secret),
    /// An Agent Identity assertion acting for a ChatGPT account: the assertion plus the same
    /// account routing headers as [`Credentials::ChatGpt`] (what Codex sends).
    AccountAgentAssertion {
        /// The assertion token (see [`crate::agent_identity`]).
        assertion: Secret,
        /// The ChatGPT account (workspace) id.
        account_id: String,
        /// Whether the account is a FedRAMP account.
        fedramp: bool,
    },
    /// No `Authorization` header.
    #[default]
    None,
}

impl Credentials {
    /// An API key.
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Credentials::ApiKey(key.into())
    }

    /// A ChatGPT token for `account_id` (not FedRAMP).
    pub fn chatgpt(token: impl Into<Secret>, account_id: impl Into<String>) -> Self {
        Credentials::ChatGpt {
            token: token.into(),
            account_id: account_id.into(),
            fedramp: false,
        }
    }

    /// The scheme of the `Authorization` header these credentials produce.
    pub fn scheme(&self) -> AuthScheme {
        match self {
            Credentials::ApiKey(_) | Credentials::ChatGpt { .. } => AuthScheme::Bearer,
            Credentials::AgentAssertion(_) | Credentials::AccountAgentAssertion { .. } => {
                AuthScheme::AgentAssertion
            }
            Credentials::None => AuthScheme::None,
        }
    }

    /// The ChatGPT account id the credentials route to, if any.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Credentials::ChatGpt { account_id, .. }
            | Credentials::AccountAgentAssertion { account_id, .. } => Some(account_id),
            _ => None,
        }
    }

    /// Writes the auth headers into `headers`, replacing any of the same names. The
    /// `Authorization` value is marked sensitive. A token or account id that cannot be a header
    /// value is an error naming the header (never showing the value).
    pub fn apply_to(&self, headers: &mut HeaderMap) -> Result<(), BuildError> {
        let (token, account) = match self {
            Credentials::ApiKey(key) => (Some(("Bearer", key)), None),
            Credentials::ChatGpt {
                token,
                account_id,
                fedramp,
            } => (Some(("Bearer", token)), Some((account_id, *fedramp))),
            Credentials::AgentAssertion(assertion) => (Some(("AgentAssertion", assertion)), None),
            Credentials::AccountAgentAssertion {
                assertion,
                account_id,
                fedramp,
            } => (
                Some(("AgentAssertion", assertion)),
                Some((account_id, *fedramp)),
            ),
            Credentials::None => (None, None),
        };
        if let Some((scheme, token)) = token {
            let value = Secret::new(format!("{scheme} {}", token.expose()));
            set_header(
                headers,
                http::header::AUTHORIZATION.as_str(),
                value.expose(),
                true,
            )?;
        }
        if let Some((account_id, fedramp)) = account {
            set_header(headers, CHATGPT_ACCOUNT_ID_HEADER, account_id, false)?;
            if fedramp {
                set_header(headers, FEDRAMP_HEADER, "true", false)?;
            }
        }
        Ok(())
    }
}
