//! Hand-written vectors for the SSE decoder: every rule of the HTML standard's "interpreting an
//! event stream", each vector fed whole, one byte at a time, in chunks of 2, 3, 7 and 64 bytes
//! and cut at every single position, with identical results demanded.

mod sse_support;

use codex_api_core::sse::DEFAULT_MAX_EVENT_SIZE;
use sse_support::{CHUNK_SIZES, Item, Outcome, data, decode_at, decode_chunked, frame, too_large};

/// A vector: input, size limit and everything expected from it.
struct Vector {
    name: &'static str,
    input: &'static [u8],
    limit: usize,
    items: Vec<Item>,
    discarded: bool,
    last_event_id: &'static str,
    retry: Option<u64>,
}

fn vector(name: &'static str, input: &'static [u8], items: Vec<Item>) -> Vector {
    Vector {
        name,
        input,
        limit: DEFAULT_MAX_EVENT_SIZE,
        items,
        discarded: false,
        last_event_id: "",
        retry: None,
    }
}

impl Vector {
    fn discarded(mut self) -> Self {
        self.discarded = true;
        self
    }
    fn last_id(mut self, id: &'static str) -> Self {
        self.last_event_id = id;
        self
    }
    fn retry(mut self, retry: u64) -> Self {
        self.retry = Some(retry);
        self
    }
    fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    fn check(&self) {
        let expected = Outcome {
            items: self.items.clone(),
            discarded_incomplete_event: self.discarded,
            last_event_id: self.last_event_id.to_owned(),
            retry: self.retry,
        };
        for size in CHUNK_SIZES {
            let got = decode_chunked(self.input, size, self.limit);
            assert_eq!(got, expected, "vector {:?}, chunk size {size}", self.name);
        }
        for split in 0..=self.input.len() {
            let (got, _) = decode_at(self.input, &[split], self.limit);
            assert_eq!(got, expected, "vector {:?}, split at {split}", self.name);
        }
    }
}

fn check_all(vectors: Vec<Vector>) {
    for vector in vectors {
        vector.check();
    }
}

#[test]
fn whatwg_spec_examples() {
    check_all(vec![
        vector(
            "stock ticker",
            b"data: YHOO\ndata: +2\ndata: 10\n\n",
            vec![data("YHOO\n+2\n10")],
        ),
        vector(
            "ids and comments",
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
            vec![frame(None, "first event", Some("1")), data("second event")],
        )
        .discarded(),
        vector(
            "empty data",
            b"data\n\ndata\ndata\n\ndata:",
            vec![data(""), data("\n")],
        )
        .discarded(),
        vector(
            "one space removed",
            b"data:test\n\ndata: test\n\n",
            vec![data("test"), data("test")],
        ),
        vector(
            "typed events",
            b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
            vec![
                frame(Some("add"), "73857293", None),
                frame(Some("remove"), "2153", None),
                frame(Some("add"), "113411", None),
            ],
        ),
    ]);
}

#[test]
fn line_endings() {
    check_all(vec![
        vector("lf", b"data: a\ndata: b\n\n", vec![data("a\nb")]),
        vector("cr", b"data: a\rdata: b\r\r", vec![data("a\nb")]),
        vector("crlf", b"data: a\r\ndata: b\r\n\r\n", vec![data("a\nb")]),
        vector(
            "mixed",
            b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r\n",
            vec![data("a\nb\nc"), data("d")],
        ),
        vector(
            "cr cr lf",
            b"data: a\r\r\ndata: b\n\n",
            vec![data("a"), data("b")],
        ),
        vector(
            "lf cr",
            b"data: a\n\rdata: b\n\n",
            vec![data("a"), data("b")],
        ),
        vector("blank lines only", b"\n\r\n\r\r\n\n", vec![]),
        vector("lone cr at end", b"data: a\r", vec![]).discarded(),
        vector("lone cr only", b"\r", vec![]),
        vector(
            "crlf split keeps one line",
            b"data: a\r\ndata: b\r\n\r\n",
            vec![data("a\nb")],
        ),
    ]);
}

#[test]
fn fields_and_values() {
    check_all(vec![
        vector("no space", b"data:x\n\n", vec![data("x")]),
        vector("two spaces", b"data:  x\n\n", vec![data(" x")]),
        vector("tab kept", b"data:\tx\n\n", vec![data("\tx")]),
        vector("trailing space kept", b"data: x \n\n", vec![data("x ")]),
        vector(
            "colon in value",
            b"data: a:b\nevent:x:y\n\n",
            vec![frame(Some("x:y"), "a:b", None)],
        ),
        vector("no colon data", b"data\n\n", vec![data("")]),
        vector("empty value", b"data:\n\n", vec![data("")]),
        vector("only space value", b"data: \n\n", vec![data("")]),
        vector(
            "data with empty lines",
            b"data: a\ndata\ndata:\ndata: b\n\n",
            vec![data("a\n\n\nb")],
        ),
        vector("comment", b": hi\ndata: a\n:\n: x: y\n\n", vec![data("a")]),
        vector(
            "comment-only block",
            b": keep-alive\n\n: again\r\n\r\n",
            vec![],
        ),
        vector(
            "unknown fields",
            b"foo: bar\nfoo\ndata: a\nbar:\n\n",
            vec![data("a")],
        ),
        vector("case sensitive", b"Data: a\nDATA: b\n\n", vec![]),
        vector("space before colon", b"data : a\n\n", vec![]),
        vector(
            "long unknown name",
            b"dataxx: 1\nretrying: 5\nevents: e\n\n",
            vec![],
        ),
        vector("space line is a field", b" \n\n", vec![]),
    ]);
}

#[test]
fn event_type() {
    check_all(vec![
        vector(
            "reset after dispatch",
            b"event: a\ndata: 1\n\ndata: 2\n\n",
            vec![frame(Some("a"), "1", None), data("2")],
        ),
        vector(
            "reset by dispatch without data",
            b"event: a\n\ndata: 2\n\n",
            vec![data("2")],
        ),
        vector(
            "last wins",
            b"event: a\nevent: b\ndata: x\n\n",
            vec![frame(Some("b"), "x", None)],
        ),
        vector("emptied", b"event: a\nevent\ndata: x\n\n", vec![data("x")]),
        vector(
            "emptied with colon",
            b"event: a\nevent:\ndata: x\n\n",
            vec![data("x")],
        ),
        vector(
            "after data",
            b"data: x\nevent: late\n\n",
            vec![frame(Some("late"), "x", None)],
        ),
    ]);
}

#[test]
fn last_event_id() {
    check_all(vec![
        vector(
            "persists",
            b"id: 1\ndata: a\n\ndata: b\n\n",
            vec![frame(None, "a", Some("1")), frame(None, "b", Some("1"))],
        )
        .last_id("1"),
        vector(
            "nul ignored",
            b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
            vec![frame(None, "a", Some("1")), frame(None, "b", Some("1"))],
        )
        .last_id("1"),
        vector(
            "nul ignored within a block",
            b"id: 1\nid: \x00\ndata: b\n\n",
            vec![frame(None, "b", Some("1"))],
        )
        .last_id("1"),
        vector(
            "empty id resets",
            b"id: 5\ndata: a\n\nid\ndata: b\n\nid: 6\n\nid:\ndata: c\n\nid: \ndata: d\n\n",
            vec![frame(None, "a", Some("5")), data("b"), data("c"), data("d")],
        ),
        vector(
            "committed by a blank line without data",
            b"id: 9\n\ndata: x\n\n",
            vec![frame(None, "x", Some("9"))],
        )
        .last_id("9"),
        vector(
            "id after data applies",
            b"data: x\nid: 3\n\n",
            vec![frame(None, "x", Some("3"))],
        )
        .last_id("3"),
        vector(
            "last wins",
            b"id: 1\nid: 2\ndata: x\n\n",
            vec![frame(None, "x", Some("2"))],
        )
        .last_id("2"),
        vector(
            "not committed at eof",
            b"id: 1\ndata: a\n\nid: 2\ndata: b\n",
            vec![frame(None, "a", Some("1"))],
        )
        .last_id("1")
        .discarded(),
        vector(
            "space kept after first",
            b"id:  7 \ndata: x\n\n",
            vec![frame(None, "x", Some(" 7 "))],
        )
        .last_id(" 7 "),
    ]);
}

#[test]
fn retry() {
    check_all(vec![
        vector("digits", b"retry: 1500\n\n", vec![]).retry(1500),
        // `retry` applies at once: nothing is pending at the end.
        vector("no space", b"retry:25\n", vec![]).retry(25),
        vector("not digits", b"retry: 15x\n\n", vec![]),
        vector("negative", b"retry: -1\n\n", vec![]),
        vector("empty", b"retry:\n\nretry\n\n", vec![]),
        vector("two spaces", b"retry:  15\n\n", vec![]),
        vector(
            "bad one ignored",
            b"retry: 10\nretry: abc\nretry: 1.5\n\n",
            vec![],
        )
        .retry(10),
        vector("later wins", b"retry: 10\n\nretry: 0\n\n", vec![]).retry(0),
        vector("saturates", b"retry: 99999999999999999999999\n\n", vec![]).retry(u64::MAX),
        vector("with data", b"retry: 3\ndata: x\n\n", vec![data("x")]).retry(3),
    ]);
}

#[test]
fn byte_order_mark() {
    check_all(vec![
        vector("stripped", b"\xEF\xBB\xBFdata: x\n\n", vec![data("x")]),
        vector(
            "second one is data",
            b"\xEF\xBB\xBFdata: \xEF\xBB\xBFx\n\n",
            vec![data("\u{FEFF}x")],
        ),
        vector(
            "second at start makes an unknown field",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n",
            vec![data("y")],
        ),
        vector(
            "not at start",
            b"data: x\n\n\xEF\xBB\xBFdata: y\n\n",
            vec![data("x")],
        ),
        vector("bom only", b"\xEF\xBB\xBF", vec![]),
        vector("bom then blank", b"\xEF\xBB\xBF\n", vec![]),
        vector("partial bom at eof", b"\xEF\xBB", vec![]).discarded(),
        vector(
            "partial bom is an invalid first line",
            b"\xEF\xBB\ndata: x\n\n",
            vec![data("x")],
        ),
        vector(
            "bom then colon",
            b"\xEF\xBB\xBF: c\ndata: x\n\n",
            vec![data("x")],
        ),
        vector("no bom", b"data: x\n\n", vec![data("x")]),
    ]);
}

#[test]
fn invalid_utf8() {
    check_all(vec![
        vector("mid line", b"data: a\xFFb\n\n", vec![data("a\u{FFFD}b")]),
        vector("multibyte", "data: €𝄞é\n\n".as_bytes(), vec![data("€𝄞é")]),
        vector(
            "truncated at line end",
            b"data: \xE2\x82\n\n",
            vec![data("\u{FFFD}")],
        ),
        vector(
            "truncated then valid",
            b"data: \xF0\x9F\x98\x80\xF0\x9F\ndata: \x80\n\n",
            vec![data("😀\u{FFFD}\n\u{FFFD}")],
        ),
        vector(
            "maximal subparts",
            b"data: \xE0\x80\xAF\xED\xA0\x80\xC0\xAFx\n\n",
            vec![data(&String::from_utf8_lossy(
                b"\xE0\x80\xAF\xED\xA0\x80\xC0\xAFx",
            ))],
        ),
        vector(
            "in event and id",
            b"event: \xFFe\nid: i\xC3\ndata: x\n\n",
            vec![frame(Some("\u{FFFD}e"), "x", Some("i\u{FFFD}"))],
        )
        .last_id("i\u{FFFD}"),
        vector(
            "in a field name",
            b"d\xFFta: x\n\ndata: y\n\n",
            vec![data("y")],
        ),
        vector(
            "lone continuation bytes",
            b"data: \x80\x80\n\n",
            vec![data("\u{FFFD}\u{FFFD}")],
        ),
    ]);
}

#[test]
fn end_of_stream() {
    check_all(vec![
        vector("complete", b"data: x\n\n", vec![data("x")]),
        vector("field line pending", b"data: x\n", vec![]).discarded(),
        vector("partial line", b"data: x", vec![]).discarded(),
        vector("partial name", b"dat", vec![]).discarded(),
        vector("event only", b"event: x\n", vec![]).discarded(),
        // Unknown fields build no event: nothing to discard (WHATWG), like complete comments.
        vector("unknown field does not", b"foo\n", vec![]),
        vector("id only does", b"id: 7\n", vec![]).discarded(),
        // Issue 17: complete comment, unknown-field and `retry` lines, no blank line at the
        // end: nothing was buffered, so nothing is discarded.
        vector(
            "comments and unknown fields do not",
            b": keep-alive\nfoo: bar\nretry: 10\nbaz\n",
            vec![],
        )
        .retry(10),
        vector("complete comment does not", b": c\n", vec![]),
        vector("partial comment does", b": c", vec![]).discarded(),
        vector("after a frame", b"data: a\n\ndata: b", vec![data("a")]).discarded(),
        vector("empty", b"", vec![]),
        vector("blank line by a final cr", b"data: x\n\r", vec![data("x")]),
        vector("field line ended by a final cr", b"data: x\r", vec![]).discarded(),
    ]);
}

#[test]
fn size_limit_and_resync() {
    check_all(vec![
        vector(
            "exactly at the limit",
            b"data: 0123456789abcde\n\n",
            vec![data("0123456789abcde")],
        )
        .limit(16),
        vector("one past", b"data: 0123456789abcdef\n\n", vec![too_large(16)]).limit(16),
        vector(
            "resync",
            b"data: 0123456789abcdefXYZ\ndata: more\nevent: e\n\ndata: ok\n\n",
            vec![too_large(16), data("ok")],
        )
        .limit(16),
        vector(
            "across many lines",
            b"data: 0123\ndata: 4567\ndata: 89ab\ndata: cdef\n\nevent: e\ndata: ok\n\n",
            vec![too_large(16), frame(Some("e"), "ok", None)],
        )
        .limit(16),
        vector(
            "each oversize block reported once",
            b"data: 0123456789abcdefXYZ\n\ndata: a\n\ndata: 0123456789abcdefXYZ\ndata: 0123456789abcdefXYZ\n\n",
            vec![too_large(16), data("a"), too_large(16)],
        )
        .limit(16),
        vector(
            "oversize at eof",
            b"data: 0123456789abcdefghij",
            vec![too_large(16)],
        )
        .limit(16)
        .discarded(),
        vector(
            "event type counts",
            b"event: 0123456789abcdefXYZ\ndata: x\n\ndata: y\n\n",
            vec![too_large(16), data("y")],
        )
        .limit(16),
        vector(
            "id of an oversize block is not committed",
            b"id: 1\n\nid: 2\ndata: 0123456789abcdefXYZ\n\ndata: y\n\n",
            vec![too_large(16), frame(None, "y", Some("1"))],
        )
        .limit(16)
        .last_id("1"),
        vector(
            "comments and unknown fields are free",
            b": 0123456789abcdef0123456789abcdef\nfoo: 0123456789abcdef0123456789\ndata: x\n\n",
            vec![data("x")],
        )
        .limit(16),
        vector(
            "replacement characters count decoded",
            b"data: \xFF\xFF\xFF\xFF\xFF\n\n",
            vec![too_large(15)],
        )
        .limit(15),
        vector("zero limit", b"data\n\n: c\n\n", vec![too_large(0)]).limit(0),
    ]);
}
