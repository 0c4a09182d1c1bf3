//! `ResponsesApiRequest` against the official `CreateResponse` schema: every member the API
//! description lists is a typed field (or deliberately untyped, with a reason), and the request
//! encodes no top-level member the description does not list (but for known extensions).
//!
//! The member list, `tests/data/create_response_properties.json`, is generated from the OpenAPI
//! description by `scripts/extract_create_response.py`; CI regenerates it and diffs it against
//! the checked-in copy whenever the description is available, so it cannot drift from the spec.
//! The test itself reads only the checked-in list.

use std::collections::{BTreeMap, BTreeSet};

use codex_api_core::wire::{
    ContextManagement, ConversationRef, Moderation, ModerationConfig, ModerationMode,
    ModerationPolicy, PromptCacheMode, PromptCacheOptions, PromptCacheRetention, PromptCacheTtl,
    PromptTemplate, Reasoning, ReasoningEffort, ReasoningSummary, ResponseItem,
    ResponsesApiRequest, Role, ServiceTier, StreamOptions, TextControls, TextFormat, Tool,
    ToolChoiceMode, Truncation, Verbosity,
};
use serde::Deserialize;
use serde_json::{Value, json};

const PROPERTIES: &str = include_str!("data/create_response_properties.json");

/// `CreateResponse` members that `ResponsesApiRequest` deliberately does not type, each with the
/// reason. Every entry must be a member of the spec that the request does not encode.
const DELIBERATELY_UNTYPED: &[(&str, &str)] = &[
    // None: every member of `CreateResponse` is a typed field.
];

/// Top-level members the request encodes that `CreateResponse` does not list, each with the
/// reason. Anything else the request encodes fails the test (a typo in a rename, for instance).
const EXTENSIONS: &[(&str, &str)] = &[(
    "client_metadata",
    "Codex extension: installation and session identifiers read by the Codex backend",
)];

#[derive(Debug, Deserialize)]
struct SpecProperty {
    name: String,
    /// The JSON types the spec allows for the member's value (empty: unconstrained).
    types: Vec<String>,
}

fn spec_properties() -> BTreeMap<String, Vec<String>> {
    let listing: Vec<SpecProperty> =
        serde_json::from_str(PROPERTIES).expect("the property list is JSON");
    let names: Vec<&str> = listing.iter().map(|p| p.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        names, sorted,
        "the property list is sorted and has no duplicates"
    );
    listing.into_iter().map(|p| (p.name, p.types)).collect()
}

/// A request with every field set, through the public setters, to a value that is not the
/// field's default (so an unset field is never mistaken for a member that is always sent).
fn every_member_set() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-5-codex")
        .instructions("Be brief.")
        .input(vec![ResponseItem::text_message(Role::User, "hi")])
        .tools(vec![Tool::function(
            "shell",
            "Runs a command.",
            json!({"type": "object"}),
        )])
        .tool_choice(ToolChoiceMode::Auto)
        .parallel_tool_calls(false)
        .reasoning(
            Reasoning::default()
                .effort(ReasoningEffort::High)
                .summary(ReasoningSummary::Auto),
        )
        .store(true)
        .stream(true)
        .include(vec!["reasoning.encrypted_content".to_owned()])
        .service_tier(ServiceTier::Flex)
        .prompt_cache_key("cache-1")
        .text(
            TextControls::default()
                .verbosity(Verbosity::Low)
                .format(TextFormat::text()),
        )
        .previous_response_id("resp_1")
        .max_output_tokens(256u64)
        .metadata(BTreeMap::from([("k".to_owned(), "v".to_owned())]))
        .client_metadata(BTreeMap::from([("x-id".to_owned(), "1".to_owned())]))
        .background(true)
        .conversation(ConversationRef::object("conv_1"))
        .prompt(
            PromptTemplate::new("pmpt_1")
                .version("3")
                .variable("city", "Zürich")
                .variable("note", json!({"type": "input_text", "text": "hello"})),
        )
        .temperature(0.25)
        .top_p(0.5)
        .top_logprobs(5u32)
        .max_tool_calls(7u64)
        .truncation(Truncation::Auto)
        .stream_options(StreamOptions::new().include_obfuscation(false))
        .safety_identifier("sid-hash")
        .user("user-1234")
        .prompt_cache_retention(PromptCacheRetention::Hours24)
        .prompt_cache_options(
            PromptCacheOptions::new()
                .ttl(PromptCacheTtl::Minutes30)
                .mode(PromptCacheMode::Explicit),
        )
        .moderation(
            Moderation::new("omni-moderation-latest").policy(
                ModerationPolicy::new()
                    .input(ModerationConfig::new(ModerationMode::Block))
                    .output(ModerationConfig::new(ModerationMode::Score)),
            ),
        )
        .context_management(vec![
            ContextManagement::compaction().compact_threshold(200_000),
        ])
}

fn json_type_matches(value: &Value, json_type: &str) -> bool {
    match json_type {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown JSON type {other:?} in the property list"),
    }
}

#[test]
fn every_create_response_member_is_typed() {
    let spec = spec_properties();
    // Not vacuous: the list is the real schema's, not an empty or truncated file.
    assert!(spec.len() >= 30, "only {} properties listed", spec.len());
    for name in ["model", "input", "store", "temperature", "conversation"] {
        assert!(
            spec.contains_key(name),
            "{name} missing from the property list"
        );
    }

    let encoded = serde_json::to_value(every_member_set()).unwrap();
    let encoded = encoded
        .as_object()
        .expect("the request encodes as an object");
    let untyped: BTreeMap<&str, &str> = DELIBERATELY_UNTYPED.iter().copied().collect();
    let extensions: BTreeMap<&str, &str> = EXTENSIONS.iter().copied().collect();

    let mut problems = Vec::new();
    for (name, types) in &spec {
        match (encoded.get(name), untyped.get(name.as_str())) {
            (Some(value), None) => {
                if !types.is_empty() && !types.iter().any(|t| json_type_matches(value, t)) {
                    problems.push(format!(
                        "`{name}` is encoded as {value}, which is none of the spec's types {types:?}"
                    ));
                }
                if value.is_null() {
                    problems.push(format!("`{name}` is encoded as null"));
                }
            }
            (None, None) => problems.push(format!(
                "`{name}` is a CreateResponse member that ResponsesApiRequest does not encode \
                 (type it, or list it in DELIBERATELY_UNTYPED with a reason)"
            )),
            (Some(_), Some(_)) => problems.push(format!(
                "`{name}` is encoded but listed in DELIBERATELY_UNTYPED: remove the entry"
            )),
            (None, Some(_)) => {}
        }
    }
    for name in untyped.keys() {
        if !spec.contains_key(*name) {
            problems.push(format!(
                "DELIBERATELY_UNTYPED lists `{name}`, which CreateResponse does not have"
            ));
        }
    }
    for name in encoded.keys() {
        if !spec.contains_key(name) && !extensions.contains_key(name.as_str()) {
            problems.push(format!(
                "the request encodes `{name}`, which is not a CreateResponse member \
                 (a misspelt rename? or list it in EXTENSIONS with a reason)"
            ));
        }
    }
    for name in extensions.keys() {
        if spec.contains_key(*name) {
            problems.push(format!(
                "EXTENSIONS lists `{name}`, which CreateResponse now has: remove the entry"
            ));
        }
        if !encoded.contains_key(*name) {
            problems.push(format!(
                "EXTENSIONS lists `{name}`, which the request does not encode"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_member_round_trips() {
    let request = every_member_set();
    let text = serde_json::to_string(&request).unwrap();
    let decoded: ResponsesApiRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded, request);
    assert_eq!(serde_json::to_string(&decoded).unwrap(), text);
}

#[test]
fn new_members_encode_exactly() {
    let encoded = serde_json::to_value(every_member_set()).unwrap();
    let picked: BTreeMap<&str, &Value> = [
        "conversation",
        "prompt",
        "temperature",
        "top_p",
        "top_logprobs",
        "max_tool_calls",
        "truncation",
        "stream_options",
        "safety_identifier",
        "user",
        "prompt_cache_retention",
        "prompt_cache_options",
        "moderation",
        "context_management",
    ]
    .into_iter()
    .map(|name| (name, &encoded[name]))
    .collect();
    assert_eq!(
        serde_json::to_value(picked).unwrap(),
        json!({
            "conversation": {"id": "conv_1"},
            "prompt": {"id": "pmpt_1", "version": "3", "variables": {
                "city": "Zürich",
                "note": {"type": "input_text", "text": "hello"}
            }},
            "temperature": 0.25,
            "top_p": 0.5,
            "top_logprobs": 5,
            "max_tool_calls": 7,
            "truncation": "auto",
            "stream_options": {"include_obfuscation": false},
            "safety_identifier": "sid-hash",
            "user": "user-1234",
            "prompt_cache_retention": "24h",
            "prompt_cache_options": {"ttl": "30m", "mode": "explicit"},
            "moderation": {"model": "omni-moderation-latest", "policy": {
                "input": {"mode": "block"},
                "output": {"mode": "score"}
            }},
            "context_management": [{"type": "compaction", "compact_threshold": 200000}]
        })
    );
}

#[test]
fn conversation_takes_both_forms() {
    let bare = ResponsesApiRequest::new("m").conversation("conv_9");
    assert_eq!(
        serde_json::to_string(&bare).unwrap(),
        r#"{"model":"m","input":[],"conversation":"conv_9"}"#
    );
    let object = ResponsesApiRequest::new("m").conversation(ConversationRef::object("conv_9"));
    assert_eq!(
        serde_json::to_string(&object).unwrap(),
        r#"{"model":"m","input":[],"conversation":{"id":"conv_9"}}"#
    );
    for (json, expected) in [
        (r#""conv_9""#, ConversationRef::id("conv_9")),
        (r#"{"id":"conv_9"}"#, ConversationRef::object("conv_9")),
    ] {
        let decoded: ConversationRef = serde_json::from_str(json).unwrap();
        assert_eq!(decoded, expected);
        assert_eq!(decoded.conversation_id(), "conv_9");
        assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
    }
}

#[test]
fn open_enums_keep_unknown_values() {
    let truncation: Truncation = serde_json::from_str(r#""smart""#).unwrap();
    assert_eq!(truncation, Truncation::Other("smart".into()));
    assert_eq!(serde_json::to_string(&truncation).unwrap(), r#""smart""#);
    let retention: PromptCacheRetention = serde_json::from_str(r#""7d""#).unwrap();
    assert_eq!(retention, PromptCacheRetention::Other("7d".into()));
    let retention: PromptCacheRetention = serde_json::from_str(r#""in_memory""#).unwrap();
    assert_eq!(retention, PromptCacheRetention::InMemory);
    let options: PromptCacheOptions =
        serde_json::from_str(r#"{"ttl":"1h","mode":"implicit"}"#).unwrap();
    assert_eq!(options.ttl, Some(PromptCacheTtl::Other("1h".into())));
    assert_eq!(options.mode, Some(PromptCacheMode::Implicit));
}

#[test]
fn unset_new_members_are_omitted() {
    let keys: BTreeSet<String> = serde_json::to_value(ResponsesApiRequest::new("m"))
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, BTreeSet::from(["model".into(), "input".into()]));
    // `context_management` is omitted when empty (the API requires at least one entry).
    let empty = ResponsesApiRequest::new("m").context_management(Vec::new());
    assert!(
        serde_json::to_value(empty)
            .unwrap()
            .get("context_management")
            .is_none()
    );
}
