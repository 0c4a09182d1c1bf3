//! The server side of the `tool_loop` examples of the runtime crates: a weather "model" that
//! first calls the `get_weather` function, then answers with the tool's result; the tool itself;
//! and a check that the client sent the call's output back.

use serde_json::{Value, json};

use crate::{Script, ScriptedResponse, TestServer, Transcript};

/// The function the model calls.
pub const TOOL_NAME: &str = "get_weather";

/// A loopback server scripted for one tool round trip: a `get_weather` call for Paris, then the
/// final answer.
pub fn server() -> std::io::Result<TestServer> {
    let call = Transcript::new()
        .response_id("resp_call")
        .created()
        .function_call(TOOL_NAME, "call_1", &[r#"{"city":"#, r#""Paris"}"#])
        .completed();
    let answer = Transcript::new()
        .response_id("resp_answer")
        .created()
        .message(&["It is ", "sunny in Paris."])
        .completed();
    TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(call))
            .then(ScriptedResponse::sse(answer)),
    )
}

/// The JSON schema of the tool's arguments.
pub fn parameters() -> Value {
    json!({
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": false
    })
}

/// Runs the tool: the weather in the city its JSON `arguments` name.
pub fn run_tool(name: &str, arguments: &str) -> String {
    let city = serde_json::from_str::<Value>(arguments)
        .ok()
        .and_then(|value| value["city"].as_str().map(str::to_owned));
    match (name, city) {
        (TOOL_NAME, Some(city)) => format!("sunny, 21 °C in {city}"),
        _ => format!("unknown tool call: {name}({arguments})"),
    }
}

/// Checks what the server saw: two requests, the second carrying the call and its output.
pub fn check(server: &TestServer) -> Result<(), String> {
    let requests = server.requests();
    if requests.len() != 2 {
        return Err(format!(
            "expected 2 requests, the server saw {}",
            requests.len()
        ));
    }
    let body: Value = serde_json::from_slice(&requests[1].body)
        .map_err(|error| format!("second request body: {error}"))?;
    let input = body["input"].as_array().cloned().unwrap_or_default();
    let output = input
        .iter()
        .find(|item| item["type"] == "function_call_output" && item["call_id"] == "call_1");
    match output {
        Some(item) if item["output"] == "sunny, 21 °C in Paris" => Ok(()),
        _ => Err(format!(
            "the tool's output is not in the second request: {body}"
        )),
    }
}
