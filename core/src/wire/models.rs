//! `GET models`: the model list, in Codex's shape or OpenAI's.

use serde::Deserialize;
use serde::Serialize;

use super::lossless::wire_struct;
use super::request::ReasoningEffort;

/// The reply of `GET models`.
///
/// Two shapes are accepted:
/// - Codex (ChatGPT backend): `{"models":[ModelInfo..], "etag":".."}`;
/// - OpenAI: `{"object":"list","data":[{"id","object","created","owned_by"}..]}`, whose `id`
///   becomes [`ModelInfo::slug`].
///
/// If both `models` and `data` are present, `models` wins. Encoding always writes the Codex
/// shape (`etag` omitted when absent). The HTTP `ETag` header, when present, should take
/// precedence over the body `etag`; that choice belongs to the caller.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct ModelsResponse {
    /// The models.
    pub models: Vec<ModelInfo>,
    /// Body `etag` of the list (Codex shape only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

impl<'de> Deserialize<'de> for ModelsResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            models: Option<Vec<ModelInfo>>,
            #[serde(default)]
            data: Option<Vec<ModelInfo>>,
            #[serde(default)]
            etag: Option<String>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(Self {
            models: wire.models.or(wire.data).unwrap_or_default(),
            etag: wire.etag,
        })
    }
}

wire_struct! {
    /// One model. The commonly used Codex members are typed; every other member (including
    /// OpenAI's `object`) is kept in `extra` and written back unchanged.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ModelInfo {
        /// Model id (Codex `slug`; OpenAI `id` is accepted as an alias).
        #[serde(alias = "id")]
        pub slug: String,
        /// Human-readable name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub display_name: Option<String>,
        /// Description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        /// Default reasoning effort.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub default_reasoning_level: Option<ReasoningEffort>,
        /// Supported reasoning efforts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub supported_reasoning_levels: Option<Vec<ReasoningLevel>>,
        /// Context window in tokens.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub context_window: Option<u64>,
        /// Whether the model can be used through the API.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub supported_in_api: Option<bool>,
        /// Sort priority in pickers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub priority: Option<i64>,
        /// `list`, `hide`, ...
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visibility: Option<String>,
        /// OpenAI: creation time, Unix seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created: Option<u64>,
        /// OpenAI: owning organisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub owned_by: Option<String>,
    }
}

wire_struct! {
    /// One entry of [`ModelInfo::supported_reasoning_levels`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReasoningLevel {
        /// The effort.
        pub effort: ReasoningEffort,
        /// What it means.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }
}
