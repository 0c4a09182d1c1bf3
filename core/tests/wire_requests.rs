//! `ResponsesApiRequest`: golden bodies, omissions, builder, tools.

use std::collections::BTreeMap;

use codex_api_core::wire::{
    JsonSchemaFormat, McpTool, Reasoning, ReasoningEffort, ReasoningSummary, ResponseItem,
    ResponsesApiRequest, Role, ServiceTier, TextControls, TextFormat, Tool, ToolChoice,
    ToolChoiceMode, Verbosity,
};
use serde_json::{Value, json};

const FULL: &str = include_str!("fixtures/wire/request_full.json");
const MINIMAL: &str = include_str!("fixtures/wire/request_minimal.json");

#[test]
fn full_request_round_trips() {
    let request: ResponsesApiRequest = serde_json::from_str(FULL).unwrap();
    let original: Value = serde_json::from_str(FULL).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), original);

    assert_eq!(request.model, "gpt-5-codex");
    assert_eq!(request.input.len(), 7);
    assert!(matches!(request.input[6], ResponseItem::Other(_)));
    let kinds: Vec<&str> = request
        .tools
        .iter()
        .map(|tool| match tool {
            Tool::Function(_) => "function",
            Tool::Custom(_) => "custom",
            Tool::WebSearch(_) => "web_search",
            Tool::LocalShell(_) => "local_shell",
            Tool::FileSearch(_) => "file_search",
            Tool::Mcp(_) => "mcp",
            Tool::Other(_) => "other",
            _ => "unexpected",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "function",
            "custom",
            "web_search",
            "local_shell",
            "file_search",
            "mcp",
            "other"
        ]
    );
    assert_eq!(
        request.tool_choice,
        Some(ToolChoice::Mode(ToolChoiceMode::Auto))
    );
    assert_eq!(
        request.reasoning,
        Some(
            Reasoning::default()
                .effort(ReasoningEffort::High)
                .summary(ReasoningSummary::Auto)
        )
    );
    assert_eq!(request.service_tier, Some(ServiceTier::Priority));
    let text = request.text.as_ref().unwrap();
    assert_eq!(text.verbosity, Some(Verbosity::Low));
    assert!(
        matches!(text.format, Some(TextFormat::JsonSchema(ref format)) if format.name == "codex_output_schema" && format.strict == Some(true))
    );
}

#[test]
fn full_request_built_in_code_matches_the_fixture() {
    let mut fixture: ResponsesApiRequest = serde_json::from_str(FULL).unwrap();
    let built = ResponsesApiRequest::new("gpt-5-codex")
        .instructions("You are Codex, a coding agent.")
        .input(std::mem::take(&mut fixture.input))
        .tools(std::mem::take(&mut fixture.tools))
        .tool_choice(ToolChoiceMode::Auto)
        .parallel_tool_calls(true)
        .reasoning(
            Reasoning::default()
                .effort(ReasoningEffort::High)
                .summary(ReasoningSummary::Auto),
        )
        .store(false)
        .stream(true)
        .include(vec!["reasoning.encrypted_content".to_owned()])
        .service_tier(ServiceTier::Priority)
        .prompt_cache_key("conv-7f3a")
        .text(TextControls::default().verbosity(Verbosity::Low).format({
            let mut format = JsonSchemaFormat::new(
                "codex_output_schema",
                json!({"type": "object", "properties": {"answer": {"type": "string"}}}),
            );
            format.strict = Some(true);
            TextFormat::JsonSchema(format)
        }))
        .previous_response_id("resp_prev")
        .max_output_tokens(4096u64)
        .metadata(BTreeMap::from([("purpose".to_owned(), "test".to_owned())]))
        .client_metadata(BTreeMap::from([(
            "x-codex-installation-id".to_owned(),
            "inst-1".to_owned(),
        )]))
        .background(false);
    let original: Value = serde_json::from_str(FULL).unwrap();
    assert_eq!(serde_json::to_value(&built).unwrap(), original);
}

#[test]
fn minimal_request_omits_every_unset_field() {
    let request = ResponsesApiRequest::new("gpt-5")
        .input(vec![ResponseItem::text_message(Role::User, "hello")]);
    assert_eq!(serde_json::to_string(&request).unwrap(), MINIMAL.trim());
    let parsed: ResponsesApiRequest = serde_json::from_str(MINIMAL).unwrap();
    assert_eq!(parsed, request);
    assert_eq!(
        serde_json::to_string(&ResponsesApiRequest::new("m")).unwrap(),
        r#"{"model":"m","input":[]}"#
    );
}

#[test]
fn tool_choice_accepts_objects_and_unknown_modes() {
    let specific = json!({"type": "function", "name": "shell"});
    let choice: ToolChoice = serde_json::from_value(specific.clone()).unwrap();
    assert_eq!(choice, ToolChoice::Specific(specific.clone()));
    assert_eq!(serde_json::to_value(&choice).unwrap(), specific);
    let choice: ToolChoice = serde_json::from_str(r#""sometimes""#).unwrap();
    assert_eq!(
        choice,
        ToolChoice::Mode(ToolChoiceMode::Other("sometimes".into()))
    );
    assert_eq!(serde_json::to_string(&choice).unwrap(), r#""sometimes""#);
}

#[test]
fn tool_constructors_serialise_exactly() {
    let tool = Tool::function("shell", "Runs a command.", json!({"type": "object"}));
    assert_eq!(
        serde_json::to_string(&tool).unwrap(),
        r#"{"type":"function","name":"shell","description":"Runs a command.","parameters":{"type":"object"},"strict":false}"#
    );
    let raw =
        serde_json::value::RawValue::from_string(r#"{"type":"x_tool","k":[1]}"#.into()).unwrap();
    assert_eq!(
        serde_json::to_string(&Tool::raw(raw)).unwrap(),
        r#"{"type":"x_tool","k":[1]}"#
    );
}

#[test]
fn mcp_debug_redacts_secrets() {
    let tool: McpTool = serde_json::from_value(json!({
        "server_label": "docs",
        "authorization": "sk-secret-token",
        "headers": {"X-Api-Key": "hdr-secret-value"}
    }))
    .unwrap();
    let debug = format!("{:?}", Tool::Mcp(tool.clone()));
    assert!(!debug.contains("sk-secret-token"), "{debug}");
    assert!(!debug.contains("hdr-secret-value"), "{debug}");
    assert!(debug.contains("X-Api-Key"));
    // The wire body still carries them.
    let wire = serde_json::to_string(&Tool::Mcp(tool)).unwrap();
    assert!(wire.contains("sk-secret-token"));
}
