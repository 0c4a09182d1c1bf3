//! A tool loop on tokio: the model calls a function, the program runs it and sends the output
//! back, the model answers. Against the testkit's loopback server, so it runs anywhere:
//!
//! ```sh
//! cargo run -p codex-api-tokio --example tokio_tool_loop
//! ```

use codex_api_testkit::tool_loop;
use codex_api_tokio::prelude::*;
use futures_util::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = tool_loop::server()?;
    let client = Client::builder_for(&format!("{}/v1", server.url()), "sk-example")?.build()?;
    let tools = vec![Tool::function(
        tool_loop::TOOL_NAME,
        "The current weather in a city.",
        tool_loop::parameters(),
    )];
    let mut input = vec![ResponseItem::text_message(Role::User, "Weather in Paris?")];
    loop {
        let request = ResponsesApiRequest::new("gpt-5")
            .tools(tools.clone())
            .input(input.clone());
        let mut events = client.stream(request, ResponsesOptions::new()).await?;
        let mut calls = Vec::new();
        while let Some(event) = events.next().await {
            match event? {
                ResponseEvent::OutputTextDelta { delta, .. } => print!("{delta}"),
                ResponseEvent::OutputItemDone(item) => {
                    if let ResponseItem::FunctionCall(call) = &item {
                        calls.push(call.clone());
                    }
                    input.push(item);
                }
                _ => {}
            }
        }
        if calls.is_empty() {
            break;
        }
        for call in calls {
            let output = tool_loop::run_tool(&call.name, &call.arguments);
            println!("[{}({}) -> {output}]", call.name, call.arguments);
            input.push(ResponseItem::function_call_output(
                call.call_id,
                ToolOutput::Text(output),
            ));
        }
    }
    println!();
    tool_loop::check(&server)?;
    Ok(())
}
