//! Glue every adapter needs, written once: the adapters' error types and clients have the same
//! shape but are distinct types, so these macros expand in each runtime's module, against that
//! module's `Client` and `Error`.

/// `facts` (adapter error → [`ErrorFacts`](crate::observation::ErrorFacts)) and `unary`
/// (result → [`Execution`](super::Execution)).
macro_rules! error_glue {
    () => {
        fn facts(phase: Phase, error: &Error) -> ErrorFacts {
            match error {
                Error::Api(api) => ErrorFacts::from_api(phase, error.kind(), api),
                Error::Call(call) => ErrorFacts::other(phase, error.kind(), format!("{call:?}")),
                Error::Transport(transport) => ErrorFacts::other(
                    phase,
                    error.kind(),
                    format!("{:?} after {}", transport.kind(), transport.attempts()),
                ),
                other => ErrorFacts::other(phase, other.kind(), String::new()),
            }
        }

        fn unary<T>(result: Result<T, Error>, success: impl FnOnce(T) -> Outcome) -> Execution {
            Execution::new(match result {
                Ok(value) => success(value),
                Err(error) => Outcome::Failed(facts(Phase::Call, &error)),
            })
        }
    };
}

/// `execute(client, call)` for a client whose calls are `async` and whose event stream is a
/// `futures_core::Stream`; with `.await` left out (`blocking`), for a blocking client whose
/// event stream is an `Iterator`.
macro_rules! execute_glue {
    ($($async:ident $await:ident)?) => {
        $($async)? fn execute(client: Client, call: &CallSpec) -> Execution {
            match call {
                CallSpec::Stream(request, options) | CallSpec::RawStream(request, options) => {
                    let stream = client.stream((**request).clone(), options.clone())$(.$await)?;
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
                                    break Outcome::Failed(facts(Phase::Stream, &error));
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
                                    break Outcome::Failed(facts(Phase::Stream, &error));
                                }
                                None => break Outcome::StreamEnded,
                            }
                        };
                        execution.stream = Some(StreamFacts::of(stream.state()));
                    }
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
                    unary(client.send(prepared, options.clone())$(.$await)?, |output| {
                        unary_outcome(output.status, &output.headers, &output.body)
                    })
                }
            }
        }
    };
}

pub(crate) use {error_glue, execute_glue};
