//! Ready-made JSON bodies of the Responses resource and the Conversations endpoints, shaped as
//! in the OpenAI API reference.

use serde_json::{Value, json};

use crate::script::ScriptedResponse;

/// `created_at` of canned conversations (Unix seconds), as in [`Transcript`](crate::Transcript).
const CREATED_AT: i64 = 1_700_000_000;

impl ScriptedResponse {
    /// `200` with a Response object, as `GET /v1/responses/{id}` returns it, e.g.
    /// [`Transcript::response_object`](crate::Transcript::response_object).
    pub fn response_object(response: &Value) -> ScriptedResponse {
        ScriptedResponse::json(200, response)
    }

    /// `200` confirming a deletion: `{"id", "object", "deleted": true}`, with `object` e.g.
    /// `"response"` or `"conversation.deleted"`.
    pub fn deleted(id: &str, object: &str) -> ScriptedResponse {
        ScriptedResponse::json(200, &json!({ "id": id, "object": object, "deleted": true }))
    }

    /// `200` with one page of a list (input items, conversation items):
    /// `{"object": "list", "data", "first_id", "last_id", "has_more"}`, where `first_id` and
    /// `last_id` are the `id`s of the first and last items (`null` when the page is empty or the
    /// item has no string `id`).
    pub fn item_list(items: Vec<Value>, has_more: bool) -> ScriptedResponse {
        ScriptedResponse::json(200, &item_list_json(items, has_more))
    }

    /// `200` from `POST /v1/responses/input_tokens`:
    /// `{"object": "response.input_tokens", "input_tokens": n}`.
    pub fn input_tokens(n: u64) -> ScriptedResponse {
        ScriptedResponse::json(
            200,
            &json!({ "object": "response.input_tokens", "input_tokens": n }),
        )
    }

    /// `200` with a Conversation object:
    /// `{"id", "object": "conversation", "created_at": 1700000000, "metadata"}`.
    pub fn conversation(id: &str, metadata: Value) -> ScriptedResponse {
        ScriptedResponse::json(
            200,
            &json!({
                "id": id,
                "object": "conversation",
                "created_at": CREATED_AT,
                "metadata": metadata,
            }),
        )
    }

    /// `404` with an `invalid_request_error` (`param` and `code` null), as the API answers for
    /// an unknown response or conversation id.
    pub fn not_found(message: &str) -> ScriptedResponse {
        ScriptedResponse::api_error(404, message, "invalid_request_error", None, None)
    }
}

/// The JSON of one list page (see [`ScriptedResponse::item_list`]).
pub(crate) fn item_list_json(items: Vec<Value>, has_more: bool) -> Value {
    let id = |item: Option<&Value>| {
        item.and_then(|item| item.get("id"))
            .filter(|id| id.is_string())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let first_id = id(items.first());
    let last_id = id(items.last());
    json!({
        "object": "list",
        "data": items,
        "first_id": first_id,
        "last_id": last_id,
        "has_more": has_more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ids_come_from_the_first_and_last_items() {
        let list = item_list_json(vec![json!({"id": "a"}), json!({"id": "b"})], true);
        assert_eq!(
            list,
            json!({"object": "list", "data": [{"id": "a"}, {"id": "b"}],
                   "first_id": "a", "last_id": "b", "has_more": true})
        );
        let empty = item_list_json(Vec::new(), false);
        assert_eq!(empty["first_id"], Value::Null);
        assert_eq!(empty["last_id"], Value::Null);
        let anonymous = item_list_json(vec![json!({"type": "message"})], false);
        assert_eq!(anonymous["first_id"], Value::Null);
    }
}
