//! The replies of `DELETE responses/{id}` and `DELETE conversations/{id}`, and of
//! `POST responses/input_tokens`.

use super::lossless::wire_struct;

wire_struct! {
    /// A deletion result (`DeleteResponse`, `DeletedConversation`): which object, and whether
    /// it is gone.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Deletion {
        /// The deleted object's id.
        #[serde(default)]
        pub id: String,
        /// The deleted object's kind, e.g. `response` or `conversation.deleted`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// Whether the object was deleted.
        pub deleted: bool,
    }
}

wire_struct! {
    /// The reply of `POST responses/input_tokens`: how many input tokens a request would use.
    /// A reply without `input_tokens` is a `protocol` error, never a zero.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct InputTokenCount {
        /// Always `response.input_tokens`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// The number of input tokens.
        pub input_tokens: u64,
    }
}
