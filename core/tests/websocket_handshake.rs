//! The WebSocket opening handshake: the exact request head, reply validation (every failure
//! a typed error, no credential in any message), any chunking of the reply, and interop with
//! a stock `tungstenite` server over a loopback TCP connection.

mod websocket_support;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use codex_api_core::websocket::{
    ClientHandshake, CloseCode, CloseFrame, CodecConfig, DeflateOffer, DeflateParams,
    HandshakeError, HandshakeOutcome, Incoming, WebSocketCodec, accept_key,
};

const SECRET: &str = "Bearer sk-super-secret-123";

fn handshake(offer: Option<DeflateOffer>) -> ClientHandshake {
    let request = http::Request::get("wss://api.openai.com/v1/responses?x=1")
        .header("authorization", SECRET)
        .header("openai-beta", "responses_websockets=2026-02-06")
        .header("host", "evil.example")
        .header("upgrade", "h2c")
        .header("sec-websocket-extensions", "x-custom")
        .body(())
        .unwrap();
    ClientHandshake::new(request, *b"the sample nonce", offer).unwrap()
}

/// A 101 reply for `handshake` with `extra` header lines.
fn reply(handshake: &ClientHandshake, extra: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
        accept_key(handshake.key())
    )
}

/// Feeds `bytes` whole and one byte at a time to fresh handshakes; both must agree (compared
/// by their Debug form) and the outcome is returned.
fn outcome(
    offer: Option<DeflateOffer>,
    make_reply: impl Fn(&ClientHandshake) -> Vec<u8>,
) -> Result<HandshakeOutcome, HandshakeError> {
    let mut whole = handshake(offer);
    let bytes = make_reply(&whole);
    let whole_result = whole
        .handle_bytes(&bytes)
        .map(|o| o.expect("complete head"));
    let mut split = handshake(offer);
    let mut split_result = None;
    for (index, byte) in bytes.iter().enumerate() {
        match split.handle_bytes(std::slice::from_ref(byte)) {
            Ok(None) => {}
            done => {
                // Byte at a time, the outcome comes as soon as the head ends; what would
                // have followed is the leftover.
                let rest = &bytes[index + 1..];
                split_result = Some(done.map(|outcome| match outcome.expect("complete") {
                    HandshakeOutcome::Upgraded {
                        head,
                        extension,
                        leftover,
                    } => {
                        assert!(leftover.is_empty());
                        let leftover = rest.to_vec().into();
                        HandshakeOutcome::Upgraded {
                            head,
                            extension,
                            leftover,
                        }
                    }
                    HandshakeOutcome::Rejected { head, leftover } => {
                        assert!(leftover.is_empty());
                        HandshakeOutcome::Rejected {
                            head,
                            leftover: rest.to_vec().into(),
                        }
                    }
                }));
                break;
            }
        }
    }
    let split_result = split_result.expect("an outcome");
    assert_eq!(format!("{split_result:?}"), format!("{whole_result:?}"));
    for text in [format!("{whole_result:?}"), format!("{whole:?}")] {
        assert!(!text.contains("sk-super-secret"), "{text}");
    }
    if let Err(error) = &whole_result {
        assert!(!error.to_string().contains("sk-super-secret"));
        assert!(!error.kind().is_empty());
    }
    whole_result
}

mod websocket_handshake_request {
    use super::*;

    #[test]
    fn request_head_is_exact() {
        let mut handshake = handshake(Some(DeflateOffer::new()));
        let head = handshake.poll_transmit().unwrap();
        assert_eq!(
            std::str::from_utf8(&head).unwrap(),
            "GET /v1/responses?x=1 HTTP/1.1\r\n\
             Host: api.openai.com\r\n\
             Upgrade: websocket\r\n\
             Connection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
             authorization: Bearer sk-super-secret-123\r\n\
             openai-beta: responses_websockets=2026-02-06\r\n\
             \r\n"
        );
        assert_eq!(handshake.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert!(!format!("{handshake:?}").contains("secret"));
    }

    #[test]
    fn rfc6455_accept_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn no_offer_no_extension_header() {
        let mut handshake = handshake(None);
        let head = handshake.poll_transmit().unwrap();
        let head = std::str::from_utf8(&head).unwrap().to_ascii_lowercase();
        assert!(!head.contains("sec-websocket-extensions"), "{head}");
    }
}

mod websocket_handshake_reply {
    use super::*;

    #[test]
    fn upgraded_with_deflate_and_leftover() {
        let got = outcome(Some(DeflateOffer::new()), |h| {
            let mut bytes = reply(
                h,
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15\r\n\
                 x-codex-turn-state: ts-1\r\n",
            )
            .into_bytes();
            bytes.extend_from_slice(b"\x81\x02hi");
            bytes
        });
        let Ok(HandshakeOutcome::Upgraded {
            head,
            extension,
            leftover,
        }) = got
        else {
            panic!("{got:?}");
        };
        assert_eq!(head.headers["x-codex-turn-state"], "ts-1");
        assert_eq!(extension, Some(DeflateParams::default()));
        assert_eq!(&leftover[..], b"\x81\x02hi");
    }

    #[test]
    fn upgraded_without_extension() {
        let got = outcome(Some(DeflateOffer::new()), |h| reply(h, "").into_bytes());
        assert!(matches!(
            got,
            Ok(HandshakeOutcome::Upgraded { extension: None, ref leftover, .. }) if leftover.is_empty()
        ));
    }

    #[test]
    fn rejected_401_keeps_the_body_start() {
        let body = r#"{"error":{"message":"bad key","code":"invalid_api_key"}}"#;
        let got = outcome(None, |_| {
            format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        });
        let Ok(HandshakeOutcome::Rejected { head, leftover }) = got else {
            panic!("{got:?}");
        };
        assert_eq!(head.status, 401);
        assert_eq!(
            head.headers["content-length"],
            body.len().to_string().as_str()
        );
        // Byte at a time the outcome comes as soon as the head ends: the body is read as HTTP.
        assert!(body.as_bytes().starts_with(&leftover));
    }

    #[test]
    fn failures_are_typed() {
        let offer = Some(DeflateOffer::new());
        let accept = |h: &ClientHandshake| accept_key(h.key());
        type MakeReply = Box<dyn Fn(&ClientHandshake) -> String>;
        let cases: Vec<(MakeReply, HandshakeError)> = vec![
            (
                Box::new(|_| {
                    "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOA=\r\n\r\n".into()
                }),
                HandshakeError::WrongAccept,
            ),
            (
                Box::new(move |h| {
                    format!(
                        "HTTP/1.1 101 OK\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                        accept(h)
                    )
                }),
                HandshakeError::MissingUpgrade,
            ),
            (
                Box::new(move |h| {
                    format!(
                        "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                        accept(h)
                    )
                }),
                HandshakeError::MissingConnectionUpgrade,
            ),
            (
                Box::new(|_| {
                    "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n".into()
                }),
                HandshakeError::MissingAccept,
            ),
            (
                Box::new(|h| reply(h, "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n")),
                HandshakeError::UnofferedExtension {
                    name: "x-webkit-deflate-frame".into(),
                },
            ),
            (
                Box::new(|h| {
                    reply(
                        h,
                        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7\r\n",
                    )
                }),
                HandshakeError::InvalidDeflateResponse {
                    reason: "window bits must be a number from 8 to 15",
                },
            ),
            (
                Box::new(|h| reply(h, "Sec-WebSocket-Protocol: chat\r\n")),
                HandshakeError::UnofferedProtocol,
            ),
            (
                Box::new(|_| "HTTP/1.1 10x OK\r\n\r\n".into()),
                HandshakeError::MalformedHead {
                    reason: "invalid status",
                },
            ),
        ];
        for (make, expected) in cases {
            assert_eq!(
                outcome(offer, |h| make(h).into_bytes()).unwrap_err(),
                expected
            );
        }
        // The extension is refused when nothing was offered.
        let got = outcome(None, |h| {
            reply(h, "Sec-WebSocket-Extensions: permessage-deflate\r\n").into_bytes()
        });
        assert_eq!(
            got.unwrap_err(),
            HandshakeError::UnofferedExtension {
                name: "permessage-deflate".into()
            }
        );
    }

    #[test]
    fn head_too_large() {
        let mut handshake = handshake(None).with_max_head_size(1024);
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
        bytes.extend(std::iter::repeat_n(b"x-pad: 0123456789\r\n", 100).flatten());
        let mut result = Ok(None);
        for chunk in bytes.chunks(7) {
            result = handshake.handle_bytes(chunk);
            if !matches!(result, Ok(None)) {
                break;
            }
        }
        assert_eq!(
            result.unwrap_err(),
            HandshakeError::HeadTooLarge { limit: 1024 }
        );
        assert_eq!(
            handshake.handle_bytes(b"\r\n").unwrap_err(),
            HandshakeError::AlreadyComplete
        );
        // The default limit: 64 KiB.
        let mut handshake = self::handshake(None);
        let huge = vec![b'a'; 64 * 1024 + 1];
        assert_eq!(
            handshake.handle_bytes(&huge).unwrap_err(),
            HandshakeError::HeadTooLarge { limit: 64 * 1024 }
        );
    }
}

mod websocket_tungstenite_interop {
    use super::*;
    use tungstenite::Message;

    /// A stock tungstenite server: sends a greeting and a ping, answers a pong with
    /// "pong:<payload>", echoes text as "echo:<text>", and returns when the connection closes.
    fn serve(listener: TcpListener) -> std::thread::JoinHandle<Vec<String>> {
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut ws = tungstenite::accept(stream).unwrap();
            ws.send(Message::text("hello from server")).unwrap();
            ws.send(Message::Ping("p1".into())).unwrap();
            let mut log = Vec::new();
            loop {
                match ws.read() {
                    Ok(Message::Pong(payload)) => {
                        log.push("pong".to_owned());
                        let reply = format!("pong:{}", String::from_utf8_lossy(&payload));
                        ws.send(Message::text(reply)).unwrap();
                    }
                    Ok(Message::Text(text)) => {
                        log.push(format!("text:{}", text.len()));
                        ws.send(Message::text(format!("echo:{}", text.as_str())))
                            .unwrap();
                    }
                    Ok(Message::Close(frame)) => {
                        log.push(format!("close:{:?}", frame.map(|f| u16::from(f.code))));
                    }
                    Ok(_) => {}
                    Err(_) => return log,
                }
            }
        })
    }

    struct Client {
        stream: TcpStream,
        codec: WebSocketCodec,
    }

    impl Client {
        fn flush(&mut self) {
            while let Some(bytes) = self.codec.poll_transmit() {
                self.stream.write_all(&bytes).unwrap();
            }
        }

        fn next(&mut self) -> Incoming {
            loop {
                if let Some(message) = self.codec.poll_message() {
                    self.flush();
                    return message.unwrap();
                }
                let mut buf = [0u8; 4096];
                let n = self.stream.read(&mut buf).unwrap();
                assert!(n > 0, "connection closed early");
                self.codec.handle_bytes(&buf[..n]);
            }
        }
    }

    #[test]
    fn handshake_and_messages_both_ways() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = serve(listener);

        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let request = http::Request::get(format!("ws://127.0.0.1:{port}/v1/responses"))
            .header("authorization", SECRET)
            .body(())
            .unwrap();
        // Stock tungstenite has no deflate: it must ignore the offer.
        let mut handshake =
            ClientHandshake::new(request, [42; 16], Some(DeflateOffer::new())).unwrap();
        stream
            .write_all(&handshake.poll_transmit().unwrap())
            .unwrap();
        let (head, extension, leftover) = loop {
            let mut buf = [0u8; 512];
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0);
            match handshake.handle_bytes(&buf[..n]).unwrap() {
                None => continue,
                Some(HandshakeOutcome::Upgraded {
                    head,
                    extension,
                    leftover,
                }) => break (head, extension, leftover),
                Some(other) => panic!("{other:?}"),
            }
        };
        assert_eq!(head.status, 101);
        assert_eq!(extension, None);

        let mut client = Client {
            stream,
            codec: WebSocketCodec::new(CodecConfig::default(), extension, 7),
        };
        client.codec.handle_bytes(&leftover);
        assert_eq!(client.next(), Incoming::Text("hello from server".into()));
        assert_eq!(client.next(), Incoming::Ping("p1".into()));
        assert_eq!(client.next(), Incoming::Text("pong:p1".into()));
        client.codec.send_text("hi", [1, 2, 3, 4]).unwrap();
        client.flush();
        assert_eq!(client.next(), Incoming::Text("echo:hi".into()));
        let big = "é".repeat(50_000);
        client.codec.send_text(&big, [5, 6, 7, 8]).unwrap();
        client.flush();
        assert_eq!(client.next(), Incoming::Text(format!("echo:{big}").into()));
        client
            .codec
            .send_close(CloseCode::NORMAL, "bye", [9, 9, 9, 9])
            .unwrap();
        client.flush();
        assert_eq!(
            client.next(),
            Incoming::Close(Some(CloseFrame::new(CloseCode::NORMAL, "bye")))
        );
        assert!(client.codec.is_closed());
        drop(client);
        assert_eq!(
            server.join().unwrap(),
            ["pong", "text:2", "text:100000", "close:Some(1000)"]
        );
    }
}
