//! Round trips and dispatch of `ResponseItem`, content parts and tools.

use codex_api_core::wire::{
    ContentPart, ReasoningContentPart, ReasoningSummaryPart, ResponseItem, ResponsesApiRequest,
    Role, Tool, ToolOutput, WebSearchAction,
};
use serde_json::Value;

const ITEMS: &str = include_str!("fixtures/wire/items.json");

fn items() -> Vec<ResponseItem> {
    serde_json::from_str(ITEMS).unwrap()
}

#[test]
fn items_round_trip_as_json_values() {
    let items = items();
    let back = serde_json::to_value(&items).unwrap();
    let original: Value = serde_json::from_str(ITEMS).unwrap();
    assert_eq!(back, original);
}

#[test]
fn items_dispatch_to_typed_variants() {
    let items = items();
    assert_eq!(items.len(), 16);
    let got: Vec<&str> = items.iter().map(ResponseItem::kind).collect();
    assert_eq!(
        got,
        [
            "message",
            "message",
            "message",
            "reasoning",
            "reasoning",
            "function_call",
            "function_call_output",
            "function_call_output",
            "custom_tool_call",
            "custom_tool_call_output",
            "local_shell_call",
            "web_search_call",
            "web_search_call",
            "web_search_call",
            "compaction",
            "image_generation_call",
        ]
    );
    assert!(matches!(items[15], ResponseItem::Other(_)));
    assert!(
        items[..15]
            .iter()
            .all(|item| !matches!(item, ResponseItem::Other(_)))
    );

    let ResponseItem::Message(user) = &items[0] else {
        panic!()
    };
    assert_eq!(user.role, Role::User);
    assert_eq!(user.id.as_deref(), Some("msg_1"));
    assert!(matches!(user.content[0], ContentPart::InputText(ref t) if t.text == "Look at this"));
    assert!(
        matches!(user.content[1], ContentPart::InputImage(ref i) if i.detail.as_deref() == Some("auto"))
    );
    assert!(
        matches!(user.content[2], ContentPart::InputFile(ref f) if f.file_id.as_deref() == Some("file-123"))
    );
    assert!(matches!(user.content[3], ContentPart::Other(_)));

    let ResponseItem::Message(assistant) = &items[1] else {
        panic!()
    };
    assert_eq!(assistant.content[0].text(), Some("Done."));
    assert!(matches!(assistant.content[1], ContentPart::Refusal(_)));

    let ResponseItem::Reasoning(reasoning) = &items[3] else {
        panic!()
    };
    assert!(
        matches!(reasoning.summary[0], ReasoningSummaryPart::SummaryText(ref t) if t.text == "**Plan**")
    );
    assert!(matches!(
        reasoning.content.as_deref(),
        Some([ReasoningContentPart::ReasoningText(_)])
    ));
    assert_eq!(
        reasoning.encrypted_content.as_deref(),
        Some("gAAAAAB-opaque==")
    );

    let ResponseItem::FunctionCall(call) = &items[5] else {
        panic!()
    };
    assert_eq!(call.arguments, r#"{"command":["ls"]}"#);
    let ResponseItem::FunctionCallOutput(out) = &items[6] else {
        panic!()
    };
    assert_eq!(out.output, ToolOutput::Text("a.txt\nb.txt".into()));
    let ResponseItem::FunctionCallOutput(out) = &items[7] else {
        panic!()
    };
    assert!(matches!(&out.output, ToolOutput::Content(parts) if parts.len() == 2));
    let ResponseItem::WebSearchCall(search) = &items[13] else {
        panic!()
    };
    assert!(
        matches!(search.action, Some(WebSearchAction::FindInPage(ref p)) if p.pattern.as_deref() == Some("forecast"))
    );
    let ResponseItem::Compaction(compaction) = &items[14] else {
        panic!()
    };
    assert_eq!(compaction.encrypted_content, "encrypted-summary");
}

#[test]
fn unknown_types_re_serialise_byte_identically() {
    // Compact JSON, as the API sends it, comes back byte for byte, whatever precedes `type`.
    let raw = r#"[{"id":"x_1","type":"future_item","nested":{"b":1,"a":[1.50,"\u00e9"]}},{"type":"message","role":"user","content":[{"z":0,"type":"future_part","a":1}]}]"#;
    let items: Vec<ResponseItem> = serde_json::from_str(raw).unwrap();
    assert!(matches!(items[0], ResponseItem::Other(_)));
    assert_eq!(items[0].kind(), "future_item");
    assert_eq!(serde_json::to_string(&items).unwrap(), raw);

    let tool: Tool =
        serde_json::from_str(r#"{"type":"computer_use_preview","display_width":1024}"#).unwrap();
    assert!(matches!(tool, Tool::Other(_)));
    assert_eq!(
        serde_json::to_string(&tool).unwrap(),
        r#"{"type":"computer_use_preview","display_width":1024}"#
    );
}

#[test]
fn unknown_types_keep_every_member_verbatim_without_outer_whitespace() {
    // Whitespace between top-level members is dropped; each value's own text is kept exactly
    // (inner whitespace, number spelling, escapes), and so are member order and duplicates.
    let raw = r#"[{ "type" : "future_item",  "nested": {"b":1,"a":[1.50, "\u00e9"]} , "k":1, "k":2 },{"type":"message","role":"user","content":[{"type":"future_part","z":0, "a":1}]}]"#;
    let items: Vec<ResponseItem> = serde_json::from_str(raw).unwrap();
    assert_eq!(items[0].kind(), "future_item");
    assert_eq!(
        serde_json::to_string(&items).unwrap(),
        r#"[{"type":"future_item","nested":{"b":1,"a":[1.50, "\u00e9"]},"k":1,"k":2},{"type":"message","role":"user","content":[{"type":"future_part","z":0,"a":1}]}]"#
    );

    // No `type`, or a null one: kept as an unknown object too.
    for (raw, kept) in [
        (r#"{"id":"a", "x":[ 1 ]}"#, r#"{"id":"a","x":[ 1 ]}"#),
        (r#"{"type":null,"x":1}"#, r#"{"type":null,"x":1}"#),
    ] {
        let item: ResponseItem = serde_json::from_str(raw).unwrap();
        assert!(matches!(item, ResponseItem::Other(_)), "{raw}");
        assert_eq!(serde_json::to_string(&item).unwrap(), kept);
    }
    // A `type` that is not a string, or a value that is not an object, is an error.
    for raw in [
        r#"{"type":1}"#,
        r#"{"id":"a","type":["message"]}"#,
        "[1]",
        "\"message\"",
        "null",
    ] {
        assert!(serde_json::from_str::<ResponseItem>(raw).is_err(), "{raw}");
    }
}

#[test]
fn known_types_decode_whatever_precedes_type() {
    // Members before `type` are captured and replayed into the typed struct, nested open types
    // included; the result equals the `type`-first decode.
    let first = r#"{"type":"message","id":"m1","role":"assistant","content":[{"type":"output_text","text":"a\"b é","annotations":[]}],"status":"completed"}"#;
    let later = r#"{"id":"m1","role":"assistant","content":[{"annotations":[],"text":"a\"b é","type":"output_text"}],"type":"message","status":"completed"}"#;
    let a: ResponseItem = serde_json::from_str(first).unwrap();
    let b: ResponseItem = serde_json::from_str(later).unwrap();
    let ResponseItem::Message(message) = &b else {
        panic!("{b:?}")
    };
    assert_eq!(message.id.as_deref(), Some("m1"));
    assert_eq!(message.content[0].text(), Some("a\"b é"));
    assert_eq!(a, b);
    // Through `serde_json::Value` as well (no raw text to borrow from).
    let value: serde_json::Value = serde_json::from_str(later).unwrap();
    assert_eq!(serde_json::from_value::<ResponseItem>(value).unwrap(), b);
    // From a slice (captured members borrowed, replayed where they lie) and from a reader
    // (nothing to borrow: captured members owned).
    assert_eq!(
        serde_json::from_slice::<ResponseItem>(later.as_bytes()).unwrap(),
        b
    );
    assert_eq!(
        serde_json::from_reader::<_, ResponseItem>(later.as_bytes()).unwrap(),
        b
    );
    // Sorted keys at every depth (`type` last): the same item, re-encoded byte for byte.
    let sorted = r#"{"content":[{"annotations":[],"text":"a\"b é \\ \n","type":"output_text"}],"id":"m1","role":"assistant","status":"completed","type":"message"}"#;
    for item in [
        serde_json::from_str::<ResponseItem>(sorted).unwrap(),
        serde_json::from_reader::<_, ResponseItem>(sorted.as_bytes()).unwrap(),
    ] {
        assert_eq!(serde_json::to_string(&item).unwrap(), sorted);
    }
    // An error in a captured member is reported.
    let bad = r#"{"id":7,"type":"message","role":"user","content":[]}"#;
    assert!(serde_json::from_str::<ResponseItem>(bad).is_err());
}

#[test]
fn unknown_members_of_known_types_are_kept_in_place() {
    let text = r#"{"type":"function_call","name":"f","future":{"x":1},"arguments":"{}","call_id":"c","phase":"final"}"#;
    let item: ResponseItem = serde_json::from_str(text).unwrap();
    let ResponseItem::FunctionCall(call) = &item else {
        panic!("a function call")
    };
    assert_eq!(
        call.extra.iter().map(|(key, _)| key).collect::<Vec<_>>(),
        ["future", "phase"]
    );
    assert_eq!(serde_json::to_string(&item).unwrap(), text);
}

#[test]
fn type_not_first_and_escaped_type_still_dispatch() {
    let item: ResponseItem = serde_json::from_str(
        r#"{ "call_id":"c", "output":"ok", "type" : "function_call_output" }"#,
    )
    .unwrap();
    assert_eq!(item.kind(), "function_call_output");
    let item: ResponseItem =
        serde_json::from_str(r#"{"type":"comp\u0061ction","encrypted_content":"e"}"#).unwrap();
    assert!(matches!(item, ResponseItem::Compaction(_)));
}

#[test]
fn compaction_summary_alias_is_written_as_compaction() {
    let item: ResponseItem =
        serde_json::from_str(r#"{"type":"compaction_summary","encrypted_content":"enc"}"#).unwrap();
    assert!(matches!(item, ResponseItem::Compaction(_)));
    assert_eq!(
        serde_json::to_string(&item).unwrap(),
        r#"{"type":"compaction","encrypted_content":"enc"}"#
    );
}

#[test]
fn malformed_known_items_are_errors() {
    for bad in [
        r#"{"type":"function_call","arguments":"{}","call_id":"c"}"#,
        r#"{"type":"message","role":"user","content":"not-an-array"}"#,
        r#"{"type":"compaction"}"#,
        r#"{"type":7}"#,
        r#""just a string""#,
        r#"{"type":"message","role":"user","content":[{"type":"input_text"}]}"#,
        r#"{"type":"function_call_output","call_id":"c","output":17}"#,
    ] {
        assert!(serde_json::from_str::<ResponseItem>(bad).is_err(), "{bad}");
    }
}

#[test]
fn strip_item_ids_removes_typed_and_raw_ids() {
    let mut request = ResponsesApiRequest::new("m").input(items());
    request.strip_item_ids();
    assert!(request.input.iter().all(|item| item.id().is_none()));
    let json = serde_json::to_value(&request).unwrap();
    for item in json["input"].as_array().unwrap() {
        assert!(item.get("id").is_none(), "{item}");
    }
    // The raw image_generation_call item lost its id but kept everything else.
    assert_eq!(
        json["input"][15],
        serde_json::json!({"type":"image_generation_call","status":"completed","result":"iVBORw0KGgo="})
    );
}

#[test]
fn strip_id_leaves_raw_items_without_id_untouched() {
    let raw = r#"{"type":"x","k":1}"#;
    let mut item: ResponseItem = serde_json::from_str(raw).unwrap();
    item.strip_id();
    assert_eq!(serde_json::to_string(&item).unwrap(), raw);
}

#[test]
fn text_message_picks_the_part_type_by_role() {
    let user = serde_json::to_string(&ResponseItem::text_message(Role::User, "a")).unwrap();
    assert_eq!(
        user,
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"a"}]}"#
    );
    let assistant =
        serde_json::to_string(&ResponseItem::text_message(Role::Assistant, "b")).unwrap();
    assert_eq!(
        assistant,
        r#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"b"}]}"#
    );
    let custom: ResponseItem =
        serde_json::from_str(r#"{"type":"message","role":"critic","content":[]}"#).unwrap();
    let ResponseItem::Message(message) = &custom else {
        panic!()
    };
    assert_eq!(message.role, Role::Other("critic".into()));
    assert_eq!(
        serde_json::to_string(&custom).unwrap(),
        r#"{"type":"message","role":"critic","content":[]}"#
    );
}

#[test]
fn items_decode_from_json_values_too() {
    let value = serde_json::json!({"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c"});
    let item: ResponseItem = serde_json::from_value(value).unwrap();
    assert!(matches!(item, ResponseItem::FunctionCall(_)));
    let value = serde_json::json!({"type": "unknown_x", "a": 1});
    let item: ResponseItem = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&item).unwrap(), value);
}
