//! Credentials attached to requests: API key, ChatGPT token, Agent Identity, none.
