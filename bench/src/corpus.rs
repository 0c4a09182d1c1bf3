//! A deterministic generator of Responses-like SSE bodies.
//!
//! The body imitates what `POST /v1/responses` with `stream: true` sends: mostly
//! `response.output_text.delta` frames with short JSON payloads whose `delta` mixes ASCII,
//! accented Latin, CJK and emoji (JSON-escaped where JSON requires it), and, at the end of each
//! message, a multi-KB `response.output_text.done` and `response.output_item.done` frame that
//! repeat the whole text. Keep-alive comments appear now and then. Lines end in LF, as OpenAI
//! sends them. No BOM. The same seed and target size always give the same bytes.

/// The seed both binaries use unless told otherwise.
pub const DEFAULT_SEED: u64 = 0x5EED_C0DE_A11C_E5E5;

/// Xorshift64*: tiny, deterministic, good enough to vary token choice and message length.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Token texts as they appear inside a JSON string (already escaped).
const TOKENS: &[&str] = &[
    "Hello",
    " world",
    ",",
    ".",
    " the",
    " a",
    " of",
    " to",
    " and",
    " in",
    " is",
    " that",
    " function",
    " returns",
    " value",
    "()",
    " {",
    " }",
    ";",
    "\\n",
    "\\n\\n",
    "    ",
    "\\t",
    "\\\"",
    " `",
    "`",
    " caf\u{e9}",
    " na\u{ef}ve",
    " Gr\u{fc}\u{df}e",
    " \u{e0} bient\u{f4}t",
    " se\u{f1}or",
    " \u{c5}ngstr\u{f6}m",
    "\u{65e5}\u{672c}\u{8a9e}",
    "\u{4e2d}\u{6587}",
    "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f}",
    "\u{d55c}\u{ad6d}\u{c5b4}",
    "\u{1f642}",
    "\u{1f680}\u{1f525}",
    " \u{1f468}\u{200d}\u{1f4bb}",
    "\u{2014}",
    "\u{201c}ok\u{201d}",
    " \u{3b1}\u{3b2}\u{3b3}",
    " \u{43f}\u{440}\u{438}\u{432}\u{435}\u{442}",
    " 42",
    " 3.14",
    " Rust",
    " async",
    " stream",
    " event",
    " decoder",
    " bytes",
    " line",
    " JSON",
    "\\\\path\\\\to",
    "\\u0000",
    "</",
    "div>",
];

fn item_id(message: u64) -> String {
    format!(
        "msg_{:016x}{:016x}",
        message.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        message
    )
}

/// Generates frames until the body reaches at least `target_bytes`; always ends after a
/// complete frame (so every decoder sees the same number of complete events).
pub fn generate(seed: u64, target_bytes: usize) -> Vec<u8> {
    frames(seed, target_bytes, false, TOKENS)
}

/// Tokens of a model answering in Japanese, Chinese, Korean, Russian or Greek, with emoji:
/// nearly every byte belongs to a 2- to 4-byte character.
const MULTIBYTE_TOKENS: &[&str] = &[
    "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f}",
    "\u{65e5}\u{672c}\u{8a9e}",
    "\u{3067}\u{3059}",
    "\u{3002}",
    "\u{3001}",
    "\u{95a2}\u{6570}",
    "\u{3092}",
    "\u{8fd4}\u{3057}\u{307e}\u{3059}",
    "\u{4e2d}\u{6587}",
    "\u{4f60}\u{597d}",
    "\u{4e16}\u{754c}",
    "\u{ff0c}",
    "\u{d55c}\u{ad6d}\u{c5b4}",
    "\u{c548}\u{b155}\u{d558}\u{c138}\u{c694}",
    "\u{1f642}",
    "\u{1f680}\u{1f525}",
    "\u{1f468}\u{200d}\u{1f4bb}",
    "\u{43f}\u{440}\u{438}\u{432}\u{435}\u{442}",
    "\u{444}\u{443}\u{43d}\u{43a}\u{446}\u{438}\u{44f}",
    "\u{3b1}\u{3b2}\u{3b3}",
    "\u{2014}",
    "\u{201c}",
    "\u{201d}",
    " ",
    "\\n",
];

/// As [`generate`], with every delta drawn from [`MULTIBYTE_TOKENS`] (a model answering in
/// Japanese, Chinese, Korean or Russian, with emoji): most bytes of the body belong to 2- to
/// 4-byte characters.
pub fn multibyte(seed: u64, target_bytes: usize) -> Vec<u8> {
    frames(seed, target_bytes, false, MULTIBYTE_TOKENS)
}

/// A whole Responses transcript, as a real `stream: true` call sends it: `response.created`
/// and `response.in_progress`, then per message `response.output_item.added` and
/// `response.content_part.added`, the same deltas and done frames as [`generate`] (same seed,
/// same text), `response.content_part.done`, and finally `response.completed` with usage.
/// Every payload parses as its published Responses event type.
pub fn transcript(seed: u64, target_bytes: usize) -> Vec<u8> {
    frames(seed, target_bytes, true, TOKENS)
}

const RESPONSE_ID: &str = "resp_0123456789abcdef0123456789abcdef";

fn response_object(status: &str, usage: bool) -> String {
    let usage = if usage {
        ",\"usage\":{\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1024},\
         \"output_tokens\":900,\"output_tokens_details\":{\"reasoning_tokens\":128},\
         \"total_tokens\":2100}"
    } else {
        ""
    };
    format!(
        "{{\"id\":\"{RESPONSE_ID}\",\"object\":\"response\",\"created_at\":1763750000,\
         \"status\":\"{status}\",\"model\":\"gpt-5-codex\",\"output\":[],\
         \"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[]{usage}}}"
    )
}

fn frame(out: &mut Vec<u8>, kind: &str, json: &str) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(b"\n\n");
}

fn frames(seed: u64, target_bytes: usize, whole: bool, tokens: &[&str]) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    let mut padding_rng = XorShift::new(seed ^ 0x0BF5_CA7E);
    let mut out = Vec::with_capacity(target_bytes + 64 * 1024);
    let mut sequence: u64 = 0;
    let mut message: u64 = 0;
    if whole {
        for (kind, status) in [
            ("response.created", "in_progress"),
            ("response.in_progress", "in_progress"),
        ] {
            if kind != "response.created" {
                sequence += 1;
            }
            let response = response_object(status, false);
            frame(
                &mut out,
                kind,
                &format!(
                    "{{\"type\":\"{kind}\",\"response\":{response},\"sequence_number\":{sequence}}}"
                ),
            );
        }
    }
    while out.len() < target_bytes {
        message += 1;
        let id = item_id(message);
        let output_index = message % 3;
        if whole {
            sequence += 1;
            frame(
                &mut out,
                "response.output_item.added",
                &format!(
                    "{{\"type\":\"response.output_item.added\",\"output_index\":{output_index},\
                     \"item\":{{\"id\":\"{id}\",\"type\":\"message\",\"status\":\"in_progress\",\
                     \"content\":[],\"role\":\"assistant\"}},\"sequence_number\":{sequence}}}"
                ),
            );
            sequence += 1;
            frame(
                &mut out,
                "response.content_part.added",
                &format!(
                    "{{\"type\":\"response.content_part.added\",\"item_id\":\"{id}\",\
                     \"output_index\":{output_index},\"content_index\":0,\"part\":{{\"type\":\
                     \"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"\"}},\
                     \"sequence_number\":{sequence}}}"
                ),
            );
        }
        // Between 200 and 3000 deltas: the done frames repeat all of them, so they are
        // a few KB to a few tens of KB.
        let deltas = 200 + rng.below(2800);
        let mut text = String::new();
        for _ in 0..deltas {
            if rng.below(400) == 0 {
                out.extend_from_slice(b": keep-alive\n\n");
            }
            let mut delta = String::new();
            for _ in 0..1 + rng.below(4) {
                delta.push_str(tokens[rng.below(tokens.len())]);
            }
            sequence += 1;
            out.extend_from_slice(b"event: response.output_text.delta\ndata: ");
            if whole {
                // As the API sends a delta: `sequence_number` second, and `obfuscation` (random
                // padding that hides the text's length) last; from its own generator, so the
                // text is the same as the SSE corpus's.
                let padding = obfuscation(&mut padding_rng, delta.len());
                out.extend_from_slice(
                    format!(
                        "{{\"type\":\"response.output_text.delta\",\"sequence_number\":{sequence},\
                         \"item_id\":\"{id}\",\"output_index\":{output_index},\"content_index\":0,\
                         \"delta\":\"{delta}\",\"logprobs\":[],\"obfuscation\":\"{padding}\"}}\n\n"
                    )
                    .as_bytes(),
                );
            } else {
                out.extend_from_slice(
                    format!(
                        "{{\"type\":\"response.output_text.delta\",\"item_id\":\"{id}\",\
                         \"output_index\":{output_index},\"content_index\":0,\"delta\":\"{delta}\",\
                         \"logprobs\":[],\"sequence_number\":{sequence}}}\n\n"
                    )
                    .as_bytes(),
                );
            }
            text.push_str(&delta);
        }
        sequence += 1;
        out.extend_from_slice(b"event: response.output_text.done\ndata: ");
        out.extend_from_slice(
            format!(
                "{{\"type\":\"response.output_text.done\",\"item_id\":\"{id}\",\
                 \"output_index\":{output_index},\"content_index\":0,\"text\":\"{text}\",\
                 \"logprobs\":[],\"sequence_number\":{sequence}}}\n\n"
            )
            .as_bytes(),
        );
        if whole {
            sequence += 1;
            frame(
                &mut out,
                "response.content_part.done",
                &format!(
                    "{{\"type\":\"response.content_part.done\",\"item_id\":\"{id}\",\
                     \"output_index\":{output_index},\"content_index\":0,\"part\":{{\"type\":\
                     \"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"{text}\"}},\
                     \"sequence_number\":{sequence}}}"
                ),
            );
        }
        sequence += 1;
        out.extend_from_slice(b"event: response.output_item.done\ndata: ");
        out.extend_from_slice(
            format!(
                "{{\"type\":\"response.output_item.done\",\"output_index\":{output_index},\
                 \"item\":{{\"id\":\"{id}\",\"type\":\"message\",\"status\":\"completed\",\
                 \"content\":[{{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\
                 \"text\":\"{text}\"}}],\"role\":\"assistant\"}},\"sequence_number\":{sequence}}}\n\n"
            )
            .as_bytes(),
        );
    }
    if whole {
        sequence += 1;
        let response = response_object("completed", true);
        frame(
            &mut out,
            "response.completed",
            &format!(
                "{{\"type\":\"response.completed\",\"response\":{response},\"sequence_number\":{sequence}}}"
            ),
        );
    }
    out
}

/// Padding as the API appends it to a delta: letters and digits, so that the delta and its
/// padding together are about 16 bytes (at least one character).
fn obfuscation(rng: &mut XorShift, delta_bytes: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let length = 16usize.saturating_sub(delta_bytes).max(1) + rng.below(4);
    (0..length)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
        .collect()
}

/// `body` with every `data:` payload re-encoded with its object members sorted by key at every
/// depth, compact, as a gateway that re-serialises JSON with sorted keys sends it (`type` is no
/// longer first: `response.output_text.delta`'s comes after `sequence_number`). Frames, event
/// names and comments are unchanged.
pub fn sorted_keys(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|byte| *byte == b'\n') {
        match line.strip_prefix(b"data: ") {
            Some(data) => {
                let json = data.strip_suffix(b"\n").unwrap_or(data);
                let value: serde_json::Value = serde_json::from_slice(json)
                    .unwrap_or_else(|error| panic!("the generated corpus is JSON: {error}"));
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(sorted(&value).as_bytes());
                out.push(b'\n');
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// Only the `response.output_text.delta` frames of `body`, and its `response.completed` (so that
/// the stream ends cleanly), for counting what a delta costs.
pub fn deltas_only(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut start = 0;
    for end in memchr::memmem::find_iter(body, b"\n\n") {
        if end < start {
            continue;
        }
        let block = &body[start..end + 2];
        if block.starts_with(b"event: response.output_text.delta\n")
            || block.starts_with(b"event: response.completed\n")
        {
            out.extend_from_slice(block);
        }
        start = end + 2;
    }
    out
}

/// Compact JSON with object members in key order at every depth (independent of whether
/// serde_json's `preserve_order` is on somewhere in the build).
fn sorted(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .into_iter()
                .map(|(key, value)| format!("{}:{}", Value::from(key.as_str()), sorted(value)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(sorted).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// What a corpus holds, for the report header.
pub struct Shape {
    pub bytes: usize,
    pub frames: usize,
    pub comments: usize,
    pub largest_frame: usize,
}

/// Counts frames and comments of a generated body (its frames are LF-only, blank-line
/// separated, so a split on "\n\n" is exact for it — not a general SSE parser).
pub fn shape(body: &[u8]) -> Shape {
    let mut frames = 0;
    let mut comments = 0;
    let mut largest_frame = 0;
    let mut start = 0;
    for end in memchr::memmem::find_iter(body, b"\n\n") {
        if end < start {
            continue;
        }
        let block = &body[start..end];
        if block.starts_with(b":") {
            comments += 1;
        } else {
            frames += 1;
            largest_frame = largest_frame.max(block.len());
        }
        start = end + 2;
    }
    Shape {
        bytes: body.len(),
        frames,
        comments,
        largest_frame,
    }
}
