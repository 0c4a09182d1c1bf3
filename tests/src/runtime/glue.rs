//! Glue every adapter needs, written once: the adapters' error types and clients have the same
//! shape but are distinct types, so these macros expand in each runtime's module, against that
//! module's `Client` and `Error` (and its `pause`, a sleep that lets the runtime run).

/// `facts` (adapter error → [`ErrorFacts`](crate::observation::ErrorFacts)), `failure` (the
/// same, recording what the error shows) and `unary` (result → [`Execution`](super::Execution)).
macro_rules! error_glue {
    () => {
        fn facts(phase: Phase, error: &Error) -> ErrorFacts {
            match error {
                Error::Api(api) => ErrorFacts::from_api(phase, error.kind(), api),
                Error::Call(call) => ErrorFacts::other(phase, error.kind(), format!("{call:?}")),
                Error::Transport(transport) => ErrorFacts::other(
                    phase,
                    error.kind(),
                    format!(
                        "{:?} after {}{}",
                        transport.kind(),
                        transport.attempts(),
                        // Whether the stack's own error is kept as the cause (its text is the
                        // stack's, so only its presence is compared).
                        if transport.cause().is_some() {
                            ", cause kept"
                        } else {
                            ""
                        }
                    ),
                ),
                other => ErrorFacts::other(phase, other.kind(), String::new()),
            }
        }

        /// The outcome of `error`; what it shows (`Display`, `Debug`) goes to `shown`.
        fn failure(shown: &mut Vec<String>, phase: Phase, error: &Error) -> Outcome {
            shown.push(format!("{error}"));
            shown.push(format!("{error:?}"));
            Outcome::Failed(facts(phase, error))
        }

        fn unary<T>(result: Result<T, Error>, success: impl FnOnce(T) -> Outcome) -> Execution {
            let mut execution = Execution::new(Outcome::StreamEnded);
            execution.outcome = match result {
                Ok(value) => success(value),
                Err(error) => failure(&mut execution.shown, Phase::Call, &error),
            };
            execution
        }
    };
}

/// `execute(client, call)` for a client whose calls are `async` and whose event stream is a
/// `futures_core::Stream`; with `.await` left out (`blocking`), for a blocking client whose
/// event stream is an `Iterator`. Sequences run their steps on clones of the client.
macro_rules! execute_glue {
    ($($async:ident $await:ident)?) => {
        /// Runs `call` (a sequence step by step) and records what the client shows.
        $($async)? fn execute(client: &Client, call: &CallSpec) -> Execution {
            let mut execution = match call {
                CallSpec::Sequence(steps) => {
                    let mut all = Execution::new(Outcome::Steps(Vec::new()));
                    for step in steps {
                        let client = client.clone();
                        let execution = match step {
                            Step::Call(call) => {
                                assert!(
                                    !matches!(**call, CallSpec::Sequence(_)),
                                    "a sequence in a sequence"
                                );
                                execute_one(&client, call)$(.$await)?
                            }
                            Step::StreamAndDrop(request, until) => {
                                stream_and_drop(&client, request, *until)$(.$await)?
                            }
                            Step::Pause(duration) => {
                                pause(*duration)$(.$await)?;
                                continue;
                            }
                        };
                        all.merge(execution);
                    }
                    all
                }
                call => execute_one(client, call)$(.$await)?,
            };
            execution.shown.push(format!("{client:?}"));
            execution
        }

        /// A streamed call whose consumer stops reading when `until` holds and drops it.
        $($async)? fn stream_and_drop(
            client: &Client,
            request: &ResponsesApiRequest,
            until: Until,
        ) -> Execution {
            let stream = client.stream(request.clone(), ResponsesOptions::new())$(.$await)?;
            let mut stream = match stream {
                Ok(stream) => stream,
                Err(error) => return unary::<()>(Err(error), |_| Outcome::Dropped),
            };
            let mut execution = Execution::new(Outcome::Dropped);
            loop {
                let done = match until {
                    Until::Events(count) => execution.events.len() >= count,
                    Until::Completed => matches!(
                        execution.events.last(),
                        Some(ResponseEvent::Completed { .. })
                    ),
                };
                if done {
                    break;
                }
                match stream.next()$(.$await)? {
                    Some(Ok(event)) => execution.events.push(event),
                    Some(Err(error)) => {
                        execution.outcome =
                            failure(&mut execution.shown, Phase::Stream, &error);
                        break;
                    }
                    None => {
                        execution.outcome = Outcome::StreamEnded;
                        break;
                    }
                }
            }
            // No stream facts: how far a stack parsed ahead of the consumer is its own business.
            drop(stream);
            execution
        }

        /// One call (not a sequence), drained.
        $($async)? fn execute_one(client: &Client, call: &CallSpec) -> Execution {
            match call {
                CallSpec::Stream(..)
                | CallSpec::RawStream(..)
                | CallSpec::SendStream(..)
                | CallSpec::RetrieveStream(..) => {
                    let stream = match call {
                        CallSpec::SendStream(endpoint, options, body) => {
                            let prepared = PreparedRequest::new_streaming(
                                endpoint.clone(),
                                body.clone().map(bytes::Bytes::from),
                            );
                            client.send(prepared, options.clone())$(.$await)?.map(|reply| {
                                // The wrong accessor hands the reply back whole; the events
                                // drained below are those of the reply it handed back.
                                let reply = reply
                                    .into_body()
                                    .expect_err("a streaming call's reply is not a body");
                                reply.into_events().expect("a streaming call's reply is events")
                            })
                        }
                        CallSpec::Stream(request, options) | CallSpec::RawStream(request, options) => {
                            client.stream((**request).clone(), options.clone())$(.$await)?
                        }
                        CallSpec::RetrieveStream(id, after) => {
                            let options = codex_api_core::request::RetrieveOptions::new();
                            client.responses().stream(id, *after, &options)$(.$await)?
                        }
                        _ => unreachable!("a streaming call"),
                    };
                    let stream = match stream {
                        Ok(stream) => stream,
                        Err(error) => return unary::<()>(Err(error), |_| Outcome::StreamEnded),
                    };
                    let mut execution = Execution::new(Outcome::StreamEnded);
                    if matches!(call, CallSpec::RawStream(..)) {
                        let mut stream = stream.into_raw();
                        execution.outcome = loop {
                            match stream.next()$(.$await)? {
                                Some(Ok(item)) => execution.raw.push(item),
                                Some(Err(error)) => {
                                    let after = stream.next()$(.$await)?;
                                    assert!(after.is_none(), "an item after the error");
                                    break failure(&mut execution.shown, Phase::Stream, &error);
                                }
                                None => break Outcome::StreamEnded,
                            }
                        };
                        execution.stream = Some(StreamFacts::of(stream.state()));
                    } else {
                        let mut stream = stream;
                        execution.outcome = loop {
                            match stream.next()$(.$await)? {
                                Some(Ok(event)) => execution.events.push(event),
                                Some(Err(error)) => {
                                    let after = stream.next()$(.$await)?;
                                    assert!(after.is_none(), "an item after the error");
                                    break failure(&mut execution.shown, Phase::Stream, &error);
                                }
                                None => break Outcome::StreamEnded,
                            }
                        };
                        execution.stream = Some(StreamFacts::of(stream.state()));
                    }
                    execution
                }
                CallSpec::Tally(request) => {
                    let stream =
                        client.stream((**request).clone(), ResponsesOptions::new())$(.$await)?;
                    let mut stream = match stream {
                        Ok(stream) => stream,
                        Err(error) => return unary::<()>(Err(error), |_| Outcome::StreamEnded),
                    };
                    let mut execution = Execution::new(Outcome::StreamEnded);
                    let mut tally = crate::observation::Tally::default();
                    execution.outcome = loop {
                        match stream.next()$(.$await)? {
                            Some(Ok(event)) => tally.add(&event),
                            Some(Err(error)) => {
                                break failure(&mut execution.shown, Phase::Stream, &error);
                            }
                            None => break Outcome::StreamEnded,
                        }
                    };
                    execution.tally = Some(tally);
                    execution.stream = Some(StreamFacts::of(stream.state()));
                    execution
                }
                CallSpec::Compact(input, options) => unary(
                    client.compact((**input).clone(), options.clone())$(.$await)?,
                    Outcome::Compacted,
                ),
                CallSpec::Memories(input, options) => unary(
                    client.summarize_memories((**input).clone(), options.clone())$(.$await)?,
                    Outcome::Memories,
                ),
                CallSpec::Models(version) => unary(
                    client.list_models(version.as_deref())$(.$await)?,
                    Outcome::Models,
                ),
                CallSpec::Unary(endpoint, options, body) => {
                    let prepared = PreparedRequest::new(
                        endpoint.clone(),
                        body.clone().map(bytes::Bytes::from),
                    );
                    let reply = client.send(prepared, options.clone())$(.$await)?;
                    let output = reply.map(|reply| {
                        // The wrong accessor hands the reply back whole; the body checked
                        // below is that of the reply it handed back.
                        let reply = reply
                            .into_events()
                            .expect_err("a unary call's reply is not events");
                        reply.into_body().expect("a unary call's reply is a body")
                    });
                    unary(output, |output| {
                        unary_outcome(output.status, &output.headers, &output.body)
                    })
                }
                CallSpec::Resource(call) => execute_resource(client, call)$(.$await)?,
                CallSpec::WebSocket { request, follow_ups, deflate, warm_up } => {
                    let session = client.websocket().with_deflate(*deflate);
                    let mut all = Execution::new(Outcome::Steps(Vec::new()));
                    if *warm_up {
                        let warmed = session.warm_up((**request).clone())$(.$await)?;
                        all.merge(unary(warmed, |()| Outcome::StreamEnded));
                    }
                    let mut request = (**request).clone();
                    for turn in 0..=follow_ups.len() {
                        let mut step = Execution::new(Outcome::StreamEnded);
                        match session.stream(request.clone())$(.$await)? {
                            Ok(mut stream) => {
                                step.outcome = loop {
                                    match stream.next()$(.$await)? {
                                        Some(Ok(event)) => step.events.push(event),
                                        Some(Err(error)) => {
                                            break failure(&mut step.shown, Phase::Stream, &error);
                                        }
                                        None => break Outcome::StreamEnded,
                                    }
                                };
                                step.stream = Some(StreamFacts::of(stream.state()));
                                if let Some(response) = stream.state().response() {
                                    request.input.extend(response.output.iter().cloned());
                                }
                            }
                            Err(error) => {
                                step.outcome = failure(&mut step.shown, Phase::Call, &error);
                            }
                        }
                        if let Some(item) = follow_ups.get(turn) {
                            request.input.push(item.clone());
                        }
                        all.merge(step);
                    }
                    all.shown.push(format!("{session:?}"));
                    all
                }
                CallSpec::Sequence(_) => unreachable!("sequences are run by `execute`"),
            }
        }

        /// A Responses-resource or Conversations call; the reply as JSON.
        $($async)? fn execute_resource(
            client: &Client,
            call: &crate::scenario::ResourceCall,
        ) -> Execution {
            use crate::scenario::ResourceCall as C;
            fn json<T: serde::Serialize>(value: T) -> Outcome {
                Outcome::Resource(serde_json::to_string(&value).expect("encode the reply"))
            }
            let responses = client.responses();
            let conversations = client.conversations();
            match call {
                C::Create(request) => unary(responses.create((**request).clone())$(.$await)?, json),
                C::Retrieve(id, options) => unary(responses.retrieve(id, options)$(.$await)?, json),
                C::Cancel(id) => unary(responses.cancel(id)$(.$await)?, json),
                C::Delete(id) => unary(responses.delete(id)$(.$await)?, json),
                C::InputItemsPage(id, params) => {
                    unary(responses.input_items_page(id, params)$(.$await)?, json)
                }
                C::CountTokens(request) => {
                    unary(responses.count_input_tokens((**request).clone())$(.$await)?, json)
                }
                C::ConversationCreate(body) => {
                    unary(conversations.create(body.clone())$(.$await)?, json)
                }
                C::ConversationRetrieve(id) => unary(conversations.retrieve(id)$(.$await)?, json),
                C::ConversationUpdate(id, metadata) => {
                    unary(conversations.update(id, metadata.clone())$(.$await)?, json)
                }
                C::ConversationDelete(id) => unary(conversations.delete(id)$(.$await)?, json),
                C::ConversationAddItems(id, items) => {
                    unary(conversations.add_items(id, items.clone(), &[])$(.$await)?, json)
                }
                C::ConversationItem(id, item) => {
                    unary(conversations.item(id, item, &[])$(.$await)?, json)
                }
                C::ConversationDeleteItem(id, item) => {
                    unary(conversations.delete_item(id, item)$(.$await)?, json)
                }
                C::InputItems(id, params) | C::ConversationItems(id, params) => {
                    let pager = match call {
                        C::InputItems(..) => responses.input_items(id, params.clone()),
                        _ => conversations.items(id, params.clone()),
                    };
                    let mut pager = match pager {
                        Ok(pager) => pager,
                        Err(error) => return unary::<()>(Err(error), |_| Outcome::StreamEnded),
                    };
                    let mut items = Vec::new();
                    let mut execution = Execution::new(Outcome::StreamEnded);
                    execution.outcome = loop {
                        match pager.next()$(.$await)? {
                            Some(Ok(item)) => items.push(item),
                            Some(Err(error)) => {
                                break failure(&mut execution.shown, Phase::Stream, &error);
                            }
                            None => {
                                break json(serde_json::json!({
                                    "items": items,
                                    "pages": pager.pages(),
                                }));
                            }
                        }
                    };
                    execution
                }
                C::FinalResponse(request) => {
                    let stream = client
                        .stream((**request).clone(), ResponsesOptions::new())$(.$await)?;
                    let mut stream = match stream {
                        Ok(stream) => stream,
                        Err(error) => return unary::<()>(Err(error), |_| Outcome::StreamEnded),
                    };
                    let result = stream.final_response()$(.$await)?;
                    let mut execution = unary(result, |response| {
                        json(serde_json::json!({
                            "output_text": response.output_text(),
                            "function_calls": response.function_calls().count(),
                            "response": response,
                        }))
                    });
                    execution.stream = Some(StreamFacts::of(stream.state()));
                    execution
                }
            }
        }
    };
}

pub(crate) use {error_glue, execute_glue};
