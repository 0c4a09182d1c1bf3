//! The authorization scheme a request carried, shared by request building and 401 evidence.

/// Which kind of `Authorization` header a request carried (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (API key, ChatGPT token or external bearer).
    Bearer,
    /// `Authorization: AgentAssertion <token>` (Agent Identity).
    AgentAssertion,
    /// No `Authorization` header was attached.
    None,
}

impl AuthScheme {
    /// Stable lowercase name used in observability tags: `bearer`, `agent_assertion`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "bearer",
            AuthScheme::AgentAssertion => "agent_assertion",
            AuthScheme::None => "none",
        }
    }

    /// The header scheme word as sent on the wire (`Bearer`, `AgentAssertion`), if any.
    pub fn wire_name(self) -> Option<&'static str> {
        match self {
            AuthScheme::Bearer => Some("Bearer"),
            AuthScheme::AgentAssertion => Some("AgentAssertion"),
            AuthScheme::None => None,
        }
    }
}
