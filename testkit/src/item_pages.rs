//! A paged list of items (input items of a response, items of a conversation) served the way
//! the API pages them: `after` cursor, `limit`, `order`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::request::RecordedRequest;
use crate::script::{Script, ScriptedResponse};

/// A list of items served page by page, as `GET /v1/responses/{id}/input_items` and
/// `GET /v1/conversations/{id}/items` serve them.
///
/// Each request gets one [`item_list`](ScriptedResponse::item_list) page, honouring the query
/// parameters:
///
/// - `order`: `asc` serves the items in the order given, `desc` (the default, as in the API)
///   in reverse;
/// - `after`: an item id; the page starts right after that item in the chosen order;
/// - `limit`: the page size (default: the `page_size` given to [`new`](Self::new)).
///
/// `has_more` says whether items remain after the page. An unknown `after` id, a `limit` that
/// is not a positive integer, or another `order` is answered `400` (`invalid_request_error`,
/// `param` naming the parameter). Clones share the count of [`requests`](Self::requests).
///
/// ```
/// use codex_api_testkit::{ItemPages, Script};
/// use serde_json::json;
///
/// let items = (1..=5).map(|n| json!({ "id": format!("msg_{n}"), "type": "message" })).collect();
/// let pages = ItemPages::new(items, 2);
/// let script = pages.install(Script::new(), "GET", "/v1/responses/resp_1/input_items");
/// assert_eq!(script.dynamic_routes(), 1);
/// assert_eq!(pages.requests(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct ItemPages {
    items: Arc<[Value]>,
    page_size: usize,
    requests: Arc<AtomicUsize>,
}

impl ItemPages {
    /// Items in ascending (chronological) order, served `page_size` at a time by default (at
    /// least 1). Item ids are their `id` fields.
    pub fn new(items: Vec<Value>, page_size: usize) -> ItemPages {
        ItemPages {
            items: items.into(),
            page_size: page_size.max(1),
            requests: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Adds a dynamic route to `script` serving the pages to requests with this method and
    /// exactly this path (without its query); see [`Script::on_fn_exact`].
    pub fn install(&self, script: Script, method: &str, path: &str) -> Script {
        script.on_fn_exact(method, path, self.responder())
    }

    /// The pages as a responder, for [`Script::on_fn`] or
    /// [`TestServer::push_fn`](crate::TestServer::push_fn).
    pub fn responder(
        &self,
    ) -> impl Fn(&RecordedRequest) -> ScriptedResponse + Send + Sync + 'static {
        let pages = self.clone();
        move |request| pages.page(request)
    }

    /// The page answering `request` (counted in [`requests`](Self::requests)).
    pub fn page(&self, request: &RecordedRequest) -> ScriptedResponse {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let mut ordered: Vec<&Value> = self.items.iter().collect();
        match request.query_param("order").as_deref() {
            None | Some("desc") => ordered.reverse(),
            Some("asc") => {}
            Some(other) => {
                return bad_parameter(
                    "order",
                    &format!("Invalid value for 'order': '{other}'; expected 'asc' or 'desc'."),
                );
            }
        }
        let limit = match request.query_param("limit") {
            None => self.page_size,
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if limit > 0 => limit,
                _ => {
                    return bad_parameter(
                        "limit",
                        &format!(
                            "Invalid value for 'limit': '{text}'; expected a positive integer."
                        ),
                    );
                }
            },
        };
        let start = match request.query_param("after") {
            None => 0,
            Some(after) => {
                let found = ordered.iter().position(|item| {
                    item.get("id").and_then(Value::as_str) == Some(after.as_str())
                });
                match found {
                    Some(index) => index + 1,
                    None => {
                        return bad_parameter(
                            "after",
                            &format!("No item with id '{after}' in this list."),
                        );
                    }
                }
            }
        };
        let end = start.saturating_add(limit).min(ordered.len());
        let data = ordered
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|item| (*item).clone())
            .collect();
        ScriptedResponse::item_list(data, end < ordered.len())
    }

    /// How many requests the pages have answered so far (by every clone).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn bad_parameter(param: &str, message: &str) -> ScriptedResponse {
    ScriptedResponse::api_error(400, message, "invalid_request_error", Some(param), None)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;

    fn get(pages: &ItemPages, query: &str) -> Value {
        let response = pages.page(&RecordedRequest {
            method: "GET".into(),
            path: format!("/v1/responses/r/input_items{query}"),
            headers: Vec::new(),
            body: Vec::new(),
            received_at: Instant::now(),
            connection_id: 0,
            script_exhausted: false,
        });
        let mut body = Vec::new();
        for step in &response.body.steps {
            if let crate::body::Step::Send(crate::body::Piece::Bytes { data, start, end }) = step {
                body.extend_from_slice(&data[*start..*end]);
            }
        }
        let mut value: Value = serde_json::from_slice(&body).unwrap();
        value["status"] = json!(response.status);
        value
    }

    fn ids(page: &Value) -> Vec<&str> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap())
            .collect()
    }

    fn pages() -> ItemPages {
        ItemPages::new(
            (1..=5).map(|n| json!({ "id": format!("i{n}") })).collect(),
            2,
        )
    }

    #[test]
    fn desc_by_default_with_the_default_page_size() {
        let pages = pages();
        let first = get(&pages, "");
        assert_eq!(ids(&first), ["i5", "i4"]);
        assert_eq!(first["has_more"], true);
        assert_eq!(first["first_id"], "i5");
        assert_eq!(first["last_id"], "i4");
        let last = get(&pages, "?after=i2");
        assert_eq!(ids(&last), ["i1"]);
        assert_eq!(last["has_more"], false);
        assert_eq!(pages.requests(), 2);
    }

    #[test]
    fn asc_after_and_limit() {
        let pages = pages();
        let page = get(&pages, "?order=asc&after=i1&limit=3");
        assert_eq!(ids(&page), ["i2", "i3", "i4"]);
        assert_eq!(page["has_more"], true);
        let end = get(&pages, "?order=asc&after=i5");
        assert!(ids(&end).is_empty());
        assert_eq!(end["first_id"], Value::Null);
        assert_eq!(end["has_more"], false);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let pages = pages();
        for (query, param) in [
            ("?order=up", "order"),
            ("?limit=0", "limit"),
            ("?limit=x", "limit"),
            ("?after=nope", "after"),
        ] {
            let answer = get(&pages, query);
            assert_eq!(answer["status"], 400, "{query}");
            assert_eq!(answer["error"]["param"], param, "{query}");
            assert_eq!(answer["error"]["type"], "invalid_request_error");
        }
    }
}
