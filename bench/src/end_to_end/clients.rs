//! One client of each contender for a server, and one streamed response through any of them,
//! reported event by event.

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use futures::StreamExt;

use codex_api_testkit::tls::TestIdentity;

use super::{Contender, Seen, Transport, credentials, openai_request, provider, request};

/// One client of each contender, all for the same server. A client kept across streams reuses
/// its connection where the client pools them.
pub struct Clients {
    runtime: tokio::runtime::Runtime,
    tokio: codex_api_tokio::Client,
    async_std: codex_api_async_std::Client,
    blocking: codex_api_blocking::Client,
    openai: async_openai::Client<async_openai::config::OpenAIConfig>,
}

impl Clients {
    /// Builds every client for the testkit server at `url` (our clients without a proxy;
    /// async-openai with its default reqwest client over plain HTTP: this environment sets no
    /// proxy). Over TLS, ours get `.ca_bundle(path of the testkit CA)` and async-openai a
    /// reqwest client (`tls_certs_only([that CA])`, no proxy) whose only root is that CA.
    ///
    /// reqwest 0.13 is built with `rustls-no-provider`: the bench installs rustls's `ring`
    /// provider as the process default (what the testkit and our clients use) before the first
    /// reqwest client, instead of reqwest's default aws-lc-rs.
    pub fn new(url: &str, transport: Transport) -> Clients {
        let tls = transport == Transport::Tls;
        // Fails only when a default is installed already (by an earlier call): fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("{error}"));
        let tokio = runtime.block_on(async {
            let builder = codex_api_tokio::Client::builder(
                provider(url),
                codex_api_tokio::StaticAuth::new(credentials()),
            )
            .without_proxy();
            let builder = if tls {
                builder.ca_bundle(TestIdentity::localhost_ca_path())
            } else {
                builder
            };
            builder.build().unwrap_or_else(|error| panic!("{error}"))
        });
        let mut async_std = codex_api_async_std::Client::builder(
            provider(url),
            codex_api_async_std::StaticAuth::new(credentials()),
        );
        let mut blocking = codex_api_blocking::Client::builder(
            provider(url),
            codex_api_blocking::StaticAuth::new(credentials()),
        )
        .without_proxy();
        if tls {
            async_std = async_std.ca_bundle(TestIdentity::localhost_ca_path());
            blocking = blocking.ca_bundle(TestIdentity::localhost_ca_path());
        }
        let async_std = async_std.build().unwrap_or_else(|error| panic!("{error}"));
        let blocking = blocking.build().unwrap_or_else(|error| panic!("{error}"));
        let config = async_openai::config::OpenAIConfig::new()
            .with_api_base(format!("{url}/v1"))
            .with_api_key(super::API_KEY);
        let mut openai = async_openai::Client::with_config(config);
        if tls {
            let ca = TestIdentity::localhost()
                .ca_pem()
                .map(|pem| reqwest::Certificate::from_pem(pem.as_bytes()))
                .unwrap_or_else(|| unreachable!("the bundled identity has its CA"))
                .unwrap_or_else(|error| panic!("{error}"));
            let http = reqwest::Client::builder()
                .tls_certs_only([ca])
                .no_proxy()
                .build()
                .unwrap_or_else(|error| panic!("{error}"));
            openai = openai.with_http_client(http);
        }
        Clients {
            runtime,
            tokio,
            async_std,
            blocking,
            openai,
        }
    }

    /// Streams one response through `contender`'s client, calling `on` with every item the
    /// stream hands the application, as soon as it has it.
    pub fn stream(&self, contender: Contender, on: &mut dyn FnMut(Seen)) {
        match contender {
            Contender::Tokio => self.runtime.block_on(async {
                match self.tokio.stream(request(), ResponsesOptions::new()).await {
                    Ok(mut events) => {
                        while let Some(event) = events.next().await {
                            on(ours(event.as_ref().map_err(ToString::to_string)));
                        }
                    }
                    Err(error) => on(Seen::Error(error.to_string())),
                }
            }),
            Contender::AsyncStd => async_std::task::block_on(async {
                match self
                    .async_std
                    .stream(request(), ResponsesOptions::new())
                    .await
                {
                    Ok(mut events) => {
                        while let Some(event) = events.next().await {
                            on(ours(event.as_ref().map_err(ToString::to_string)));
                        }
                    }
                    Err(error) => on(Seen::Error(error.to_string())),
                }
            }),
            Contender::Blocking => match self.blocking.stream(request(), ResponsesOptions::new()) {
                Ok(events) => {
                    for event in events {
                        on(ours(event.as_ref().map_err(ToString::to_string)));
                    }
                }
                Err(error) => on(Seen::Error(error.to_string())),
            },
            Contender::AsyncOpenAi => self.runtime.block_on(async {
                match self
                    .openai
                    .responses()
                    .create_stream(openai_request())
                    .await
                {
                    Ok(mut events) => {
                        while let Some(event) = events.next().await {
                            on(openai(event));
                        }
                    }
                    Err(error) => on(Seen::Error(error.to_string())),
                }
            }),
        }
    }
}

fn ours(event: Result<&ResponseEvent, String>) -> Seen {
    match event {
        Ok(ResponseEvent::Created) => Seen::Created,
        Ok(ResponseEvent::OutputTextDelta { delta, .. }) => Seen::Delta(delta.len()),
        Ok(ResponseEvent::Completed { .. }) => Seen::Completed,
        Ok(_) => Seen::Other,
        Err(error) => Seen::Error(error),
    }
}

fn openai(
    event: Result<
        async_openai::types::responses::ResponseStreamEvent,
        async_openai::error::OpenAIError,
    >,
) -> Seen {
    use async_openai::types::responses::ResponseStreamEvent as Event;
    match event {
        Ok(Event::ResponseCreated(_)) => Seen::Created,
        Ok(Event::ResponseOutputTextDelta(delta)) => Seen::Delta(delta.delta.len()),
        Ok(Event::ResponseCompleted(_)) => Seen::Completed,
        Ok(_) => Seen::Other,
        Err(error) => Seen::Error(error.to_string()),
    }
}
