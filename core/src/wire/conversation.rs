//! Conversations: the object, and the bodies of `POST conversations`,
//! `POST conversations/{id}` and `POST conversations/{id}/items`.

use serde_json::Value;

use super::Extra;
use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::response::Timestamp;

wire_struct! {
    /// A conversation (`ConversationResource`): a stored, growing list of items that
    /// responses can run in (`ResponsesApiRequest::conversation`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Conversation {
        /// Conversation id (`conv_...`).
        #[serde(default)]
        pub id: String,
        /// Always `conversation`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// Creation time (Unix seconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<Timestamp>,
        /// Up to 16 string key-value pairs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<Value>,
    }
}

wire_struct! {
    /// The body of `POST conversations` (`CreateConversationBody`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ConversationCreate {
        /// Initial items (up to 20); omitted when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub items: Vec<ResponseItem>,
        /// Metadata (up to 16 string pairs); omitted when unset.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<Value>,
    }
}

impl ConversationCreate {
    /// An empty conversation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the initial items.
    #[must_use]
    pub fn items(mut self, items: Vec<ResponseItem>) -> Self {
        self.items = items;
        self
    }

    /// Sets the metadata (a JSON object of strings).
    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Adds the top-level member `key` with `value`, written after the typed members.
    #[must_use]
    pub fn extra_member(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert_value(key, value);
        self
    }
}

wire_struct! {
    /// The body of `POST conversations/{id}` (`UpdateConversationBody`): new metadata.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ConversationUpdate {
        /// The conversation's new metadata (replaces the old).
        pub metadata: Value,
    }
}

impl ConversationUpdate {
    /// An update setting `metadata`.
    pub fn new(metadata: Value) -> Self {
        ConversationUpdate {
            metadata,
            extra: Extra::new(),
        }
    }
}

wire_struct! {
    /// The body of `POST conversations/{id}/items`: items to append (up to 20).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ConversationItems {
        /// The items.
        pub items: Vec<ResponseItem>,
    }
}

impl ConversationItems {
    /// Items to append.
    pub fn new(items: Vec<ResponseItem>) -> Self {
        ConversationItems {
            items,
            extra: Extra::new(),
        }
    }
}
