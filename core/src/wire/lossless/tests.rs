use serde_json::value::RawValue;

use crate::wire::{ContentPart, ResponseItem, Role, StreamEvent, Usage};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(json: &str) -> String {
    let value: T = serde_json::from_str(json).unwrap();
    serde_json::to_string(&value).unwrap()
}

#[test]
fn known_items_in_any_member_order_round_trip_byte_for_byte() {
    for json in [
        // The API's own order: id before type, role last.
        r#"{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"hi","future":{"a":[1, 2]}}],"role":"assistant","phase":"final_answer"}"#,
        r#"{"type":"message","role":"assistant","content":[],"phase":"commentary","flag":true}"#,
        r#"{"type":"function_call","id":"fc_1","name":"read","namespace":"mcp__files","arguments":"{}","call_id":"c1"}"#,
        r#"{"arguments":"{}","call_id":"c1","name":"read","type":"function_call","zz":null}"#,
        r#"{"type":"reasoning","summary":[{"type":"summary_text","text":"t","n":1e400}],"encrypted_content":"e"}"#,
        r#"{"x":"\u00e9","type":"function_call_output","call_id":"c","output":"ok"}"#,
    ] {
        assert_eq!(round_trip::<ResponseItem>(json), json);
    }
}

#[test]
fn typed_members_of_new_fields_are_read() {
    let item: ResponseItem = serde_json::from_str(
        r#"{"type":"message","role":"assistant","content":[],"phase":"final_answer"}"#,
    )
    .unwrap();
    let ResponseItem::Message(message) = item else {
        panic!("a message")
    };
    assert_eq!(message.phase, Some(crate::wire::MessagePhase::FinalAnswer));
    assert!(message.extra.is_empty());
}

#[test]
fn events_and_nested_objects_keep_extra_members() {
    let json = r#"{"type":"response.output_text.delta","sequence_number":3,"item_id":"m","output_index":0,"content_index":0,"delta":"Hi","logprobs":[],"obfuscation":"abc"}"#;
    let event = StreamEvent::parse(None, json).unwrap();
    assert_eq!(serde_json::to_string(&event).unwrap(), json);
    let usage = r#"{"input_tokens":1,"input_tokens_details":{"cached_tokens":0,"audio":2},"output_tokens":2,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":3,"billing":"x"}"#;
    assert_eq!(round_trip::<Usage>(usage), usage);
}

#[test]
fn inserted_members_follow_the_typed_ones_and_cannot_collide() {
    let ResponseItem::Message(mut message) = ResponseItem::text_message(Role::User, "hi") else {
        panic!("a message")
    };
    message.extra.insert("flag", true).unwrap();
    let item = ResponseItem::Message(message.clone());
    assert_eq!(
        serde_json::to_string(&item).unwrap(),
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}],"flag":true}"#
    );
    message.extra.insert("role", "system").unwrap();
    let error = serde_json::to_string(&ResponseItem::Message(message)).unwrap_err();
    assert!(error.to_string().contains("`role` collides"), "{error}");
}

#[test]
fn edits_after_decoding_keep_the_recorded_order() {
    let json = r#"{"id":"m1","type":"message","x":1,"role":"user","content":[]}"#;
    let mut item: ResponseItem = serde_json::from_str(json).unwrap();
    item.strip_id();
    assert_eq!(
        serde_json::to_string(&item).unwrap(),
        r#"{"type":"message","x":1,"role":"user","content":[]}"#
    );
    let ResponseItem::Message(message) = &mut item else {
        panic!("a message")
    };
    message.content.push(ContentPart::input_text("a"));
    message.extra.remove("x");
    message
        .extra
        .insert_raw("y", RawValue::from_string("[ 1 ]".into()).unwrap());
    assert_eq!(
        serde_json::to_string(&item).unwrap(),
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"a"}],"y":[ 1 ]}"#
    );
}

#[test]
fn wrong_member_types_and_duplicates_are_errors() {
    for json in [
        r#"{"type":"message","role":"user","content":"x"}"#,
        r#"{"type":"message","role":"user","role":"user","content":[]}"#,
        r#"{"type":"function_call","name":1,"arguments":"","call_id":""}"#,
    ] {
        assert!(
            serde_json::from_str::<ResponseItem>(json).is_err(),
            "{json}"
        );
    }
    // A repeated unknown member is kept twice, as sent.
    let json = r#"{"type":"message","role":"user","content":[],"x":1,"x":2}"#;
    assert_eq!(round_trip::<ResponseItem>(json), json);
}

#[test]
fn a_member_of_the_wrong_type_is_named_in_the_error() {
    let error = serde_json::from_str::<ResponseItem>(
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":3}]}"#,
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("member `content`: member `text`: invalid type: integer `3`"),
        "{message}"
    );
    assert_eq!(message.matches(" at line ").count(), 1, "{message}");
    let error = StreamEvent::parse(
        None,
        r#"{"type":"response.output_text.delta","item_id":"m","delta":7}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("member `delta`"), "{error}");
}
