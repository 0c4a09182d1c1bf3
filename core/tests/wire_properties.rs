//! Properties: typed values survive encode/decode; parsing arbitrary input never panics.

use codex_api_core::wire::{ResponseItem, Role, StreamEvent};
use proptest::prelude::*;

proptest! {
    #[test]
    fn text_messages_round_trip(text in any::<String>(), assistant in any::<bool>()) {
        let role = if assistant { Role::Assistant } else { Role::User };
        let item = ResponseItem::text_message(role, text);
        let encoded = serde_json::to_string(&item).unwrap();
        let decoded: ResponseItem = serde_json::from_str(&encoded).unwrap();
        prop_assert_eq!(decoded, item);
    }

    #[test]
    fn unknown_items_keep_their_members(key in "[a-z]{1,8}", value in any::<String>(), pad in " {0,3}") {
        let raw = format!(
            "{{{pad}\"type\":{pad}\"x_{key}\",{pad}\"{key}\":{}}}",
            serde_json::to_string(&value).unwrap()
        );
        let compact = format!(
            "{{\"type\":\"x_{key}\",\"{key}\":{}}}",
            serde_json::to_string(&value).unwrap()
        );
        let item: ResponseItem = serde_json::from_str(&raw).unwrap();
        prop_assert!(matches!(item, ResponseItem::Other(_)));
        let expected_kind = format!("x_{key}");
        prop_assert_eq!(item.kind(), expected_kind.as_str());
        // Whitespace between members is dropped; the members themselves are kept verbatim.
        prop_assert_eq!(serde_json::to_string(&item).unwrap(), compact);
    }

    #[test]
    fn deltas_round_trip(delta in any::<String>(), seq in any::<u64>()) {
        let data = serde_json::json!({
            "type": "response.output_text.delta", "item_id": "m", "output_index": 0,
            "content_index": 0, "delta": delta, "sequence_number": seq
        })
        .to_string();
        let event = StreamEvent::parse(None, &data).unwrap();
        prop_assert_eq!(event.sequence_number(), Some(seq));
        let StreamEvent::OutputTextDelta(ref parsed) = event else { unreachable!() };
        prop_assert_eq!(&parsed.delta, &delta);
        let again = StreamEvent::parse(None, &serde_json::to_string(&event).unwrap()).unwrap();
        prop_assert_eq!(again, event);
    }

    #[test]
    fn arbitrary_data_never_panics(data in any::<String>(), name in proptest::option::of("[a-z.]{0,20}")) {
        let _ = StreamEvent::parse(name.as_deref(), &data);
        let _ = serde_json::from_str::<ResponseItem>(&data);
    }

    #[test]
    fn truncated_samples_are_errors_not_panics(cut in 0usize..400) {
        let data = r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hé","annotations":[]}]},"sequence_number":3}"#;
        let end = data.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
        if let Some(prefix) = data.get(..end) {
            prop_assert!(StreamEvent::parse(None, prefix).is_err());
        }
    }

    #[test]
    fn member_order_does_not_change_a_decoded_item(
        text in any::<String>(),
        id in "[a-z_0-9]{0,60}",
        rotate in 0usize..5,
        part_rotate in 0usize..3,
    ) {
        // The same message item with its members (and its part's members) in any rotation:
        // `type` first, last or in between decodes to the same value.
        let mut part = [
            r#""type":"output_text""#.to_owned(),
            format!(r#""text":{}"#, serde_json::to_string(&text).unwrap()),
            r#""annotations":[]"#.to_owned(),
        ];
        part.rotate_left(part_rotate);
        let mut members = [
            format!(r#""id":"{id}""#),
            r#""type":"message""#.to_owned(),
            r#""role":"assistant""#.to_owned(),
            format!(r#""content":[{{{}}}]"#, part.join(",")),
            r#""status":"completed""#.to_owned(),
        ];
        let canonical: ResponseItem =
            serde_json::from_str(&format!("{{{}}}", members.join(","))).unwrap();
        members.rotate_left(rotate);
        let rotated: ResponseItem = serde_json::from_str(&format!("{{{}}}", members.join(","))).unwrap();
        prop_assert!(matches!(rotated, ResponseItem::Message(_)));
        prop_assert_eq!(rotated.clone(), canonical);
        let ResponseItem::Message(message) = rotated else { unreachable!() };
        prop_assert_eq!(message.content[0].text(), Some(text.as_str()));
        prop_assert_eq!(message.id.as_deref(), Some(id.as_str()));
    }

    #[test]
    fn unknown_objects_keep_their_json_value(
        members in proptest::collection::vec(("[a-z_]{1,6}", json_value()), 0..6),
        kind in "x_[a-z]{1,6}",
        at in 0usize..7,
        pad in " {0,2}",
    ) {
        // Any object whose `type` is unknown (wherever it stands, with any members and
        // whitespace) comes back as the same JSON value; re-decoding it changes nothing.
        let mut parts: Vec<String> = members
            .iter()
            .filter(|(key, _)| key != "type")
            .map(|(key, value)| format!("{pad}\"{key}\"{pad}:{pad}{value}{pad}"))
            .collect();
        parts.insert(at.min(parts.len()), format!("\"type\":{pad}\"{kind}\""));
        let raw = format!("{{{}}}", parts.join(","));
        let item: ResponseItem = serde_json::from_str(&raw).unwrap();
        prop_assert!(matches!(item, ResponseItem::Other(_)));
        prop_assert_eq!(item.kind(), kind.as_str());
        let written = serde_json::to_string(&item).unwrap();
        let value = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        prop_assert_eq!(value(&written), value(&raw));
        let again: ResponseItem = serde_json::from_str(&written).unwrap();
        prop_assert_eq!(serde_json::to_string(&again).unwrap(), written);
    }
}

proptest! {
    #[test]
    fn known_types_keep_arbitrary_extra_members_in_place(
        extras in proptest::collection::vec(("x_[a-z_]{1,6}", json_value()), 0..5),
        positions in proptest::collection::vec(0usize..8, 5),
        rotate in 0usize..8,
        which in 0usize..4,
        text in any::<String>(),
    ) {
        // A known type's typed members in any order (`type` included), with unknown members
        // of any JSON value between them: the compact text comes back byte for byte, and the
        // unknown members are in `extra`, in order.
        let quoted = serde_json::to_string(&text).unwrap();
        let mut typed: Vec<String> = match which {
            0 => vec![
                r#""type":"message""#.into(), r#""id":"m1""#.into(), r#""role":"assistant""#.into(),
                format!(r#""content":[{{"type":"output_text","text":{quoted},"annotations":[]}}]"#),
                r#""phase":"final_answer""#.into(),
            ],
            1 => vec![
                r#""type":"function_call""#.into(), r#""name":"read""#.into(),
                r#""namespace":"mcp__files""#.into(), format!(r#""arguments":{quoted}"#),
                r#""call_id":"c1""#.into(),
            ],
            2 => vec![
                r#""type":"reasoning""#.into(),
                format!(r#""summary":[{{"type":"summary_text","text":{quoted}}}]"#),
                r#""encrypted_content":null"#.into(),
            ],
            _ => vec![
                r#""type":"function_call_output""#.into(), r#""call_id":"c1""#.into(),
                format!(r#""output":{quoted}"#),
            ],
        };
        let len = typed.len();
        typed.rotate_left(rotate % len);
        let mut members = typed;
        let mut seen = std::collections::HashSet::new();
        let extras: Vec<_> = extras.into_iter().filter(|(key, _)| seen.insert(key.clone())).collect();
        for ((key, value), at) in extras.iter().zip(&positions) {
            members.insert(at % (members.len() + 1), format!("\"{key}\":{value}"));
        }
        let compact = format!("{{{}}}", members.join(","));
        let item: ResponseItem = serde_json::from_str(&compact).unwrap();
        prop_assert!(!matches!(item, ResponseItem::Other(_)));
        prop_assert_eq!(serde_json::to_string(&item).unwrap(), compact);
    }

    #[test]
    fn delta_events_keep_arbitrary_extra_members_in_place(
        extras in proptest::collection::vec(("x_[a-z]{1,6}", json_value()), 0..4),
        positions in proptest::collection::vec(0usize..9, 4),
        rotate in 0usize..8,
        delta in any::<String>(),
    ) {
        let mut members: Vec<String> = vec![
            r#""type":"response.output_text.delta""#.into(), r#""sequence_number":7"#.into(),
            r#""item_id":"msg_1""#.into(), r#""output_index":0"#.into(), r#""content_index":0"#.into(),
            format!(r#""delta":{}"#, serde_json::to_string(&delta).unwrap()),
            r#""logprobs":[]"#.into(), r#""obfuscation":"Zx9""#.into(),
        ];
        members.rotate_left(rotate);
        let mut seen = std::collections::HashSet::new();
        let extras: Vec<_> = extras.into_iter().filter(|(key, _)| seen.insert(key.clone())).collect();
        for ((key, value), at) in extras.iter().zip(&positions) {
            members.insert(at % (members.len() + 1), format!("\"{key}\":{value}"));
        }
        let compact = format!("{{{}}}", members.join(","));
        let event = StreamEvent::parse(None, &compact).unwrap();
        let StreamEvent::OutputTextDelta(ref parsed) = event else { unreachable!() };
        prop_assert_eq!(&parsed.delta, &delta);
        prop_assert_eq!(parsed.extra.len(), extras.len());
        prop_assert_eq!(serde_json::to_string(&event).unwrap(), compact);
    }
}

/// Any JSON value, as text with arbitrary inner whitespace.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|value| value.to_string()),
        any::<i64>().prop_map(|value| value.to_string()),
        "-?(0|[1-9][0-9]{0,2})\\.[0-9]{1,3}0?(e[+-]?[0-9])?",
        any::<String>().prop_map(|text| serde_json::to_string(&text).unwrap()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            proptest::collection::vec(("[a-z]{1,4}", inner), 0..4).prop_map(|members| {
                let members: Vec<String> = members
                    .iter()
                    .map(|(key, value)| format!("\"{key}\" : {value}"))
                    .collect();
                format!("{{ {} }}", members.join(","))
            }),
        ]
    })
}
