#!/usr/bin/env python3
"""A Responses WebSocket server for interop tests, on Python's `websockets` package.

    python3 scripts/ws_transcript_server.py [--text "Hello from Python"]

Listens on 127.0.0.1 on a free port and prints one JSON line per fact on stdout (flushed):

    {"event": "listening", "port": 40123}              always the first line
    {"event": "connection", "id": 1, "path": "/v1/responses", "extensions": "permessage-deflate; ..."}
    {"event": "message", "connection": 1, "text": "{\"type\":\"response.create\",...}"}

Upgrades are accepted on `/v1/responses` only (anything else: 404). permessage-deflate is
whatever `websockets` negotiates by default (on when the client offers it). Each
`response.create` message is answered with one fixed Responses transcript, each event one text
message with `type` and `sequence_number` (the shapes of testkit/src/transcript/):
response.created, response.output_item.added, response.content_part.added,
response.output_text.delta per word, response.output_text.done, response.content_part.done,
response.output_item.done, response.completed. Other messages are recorded and not answered.

Runs until killed, or until its standard input ends when started with --exit-on-stdin-eof.
Needs `websockets` >= 12 (`python3 -m pip install 'websockets>=12'`).
"""

import argparse
import asyncio
import itertools
import json
import sys

import websockets

PATH = "/v1/responses"
MODEL = "gpt-python"
CREATED_AT = 1_700_000_000


def emit(record):
    """One JSON line on stdout, flushed at once (the test reads them as they come)."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def response_object(response_id, status, output, usage=None):
    return {
        "id": response_id,
        "object": "response",
        "created_at": CREATED_AT,
        "status": status,
        "completed_at": CREATED_AT + 1 if status == "completed" else None,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": MODEL,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }


def transcript(response_id, deltas):
    """The events of a response with one assistant message streamed as `deltas`."""
    text = "".join(deltas)
    item_id = "msg_0"
    location = {"item_id": item_id, "output_index": 0, "content_index": 0}

    def part(value):
        return {"type": "output_text", "text": value, "annotations": []}

    done_item = {
        "id": item_id,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [part(text)],
    }
    usage = {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": len(deltas),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + len(deltas),
    }
    events = [
        ("response.created", {"response": response_object(response_id, "in_progress", [])}),
        (
            "response.output_item.added",
            {
                "output_index": 0,
                "item": {
                    "id": item_id,
                    "type": "message",
                    "status": "in_progress",
                    "role": "assistant",
                    "content": [],
                },
            },
        ),
        ("response.content_part.added", {**location, "part": part("")}),
    ]
    events += [
        ("response.output_text.delta", {**location, "delta": delta, "logprobs": []})
        for delta in deltas
    ]
    events += [
        ("response.output_text.done", {**location, "text": text, "logprobs": []}),
        ("response.content_part.done", {**location, "part": part(text)}),
        ("response.output_item.done", {"output_index": 0, "item": done_item}),
        (
            "response.completed",
            {"response": response_object(response_id, "completed", [done_item], usage)},
        ),
    ]
    messages = []
    for sequence_number, (event_type, fields) in enumerate(events):
        messages.append(
            json.dumps({"type": event_type, **fields, "sequence_number": sequence_number})
        )
    return messages


def split_words(text):
    """"Hello from Python" -> ["Hello", " from", " Python"]."""
    words = text.split(" ")
    return [words[0]] + [" " + word for word in words[1:]]


class Server:
    def __init__(self, text):
        self.deltas = split_words(text)
        self.connections = itertools.count(1)
        self.responses = itertools.count(1)

    async def serve_connection(self, websocket, path, extensions):
        connection = next(self.connections)
        emit({"event": "connection", "id": connection, "path": path, "extensions": extensions})
        try:
            async for message in websocket:
                if isinstance(message, bytes):
                    emit({"event": "message", "connection": connection, "binary": True,
                          "text": message.decode("utf-8", "replace")})
                    continue
                emit({"event": "message", "connection": connection, "text": message})
                try:
                    kind = json.loads(message).get("type")
                except (ValueError, AttributeError):
                    kind = None
                if kind != "response.create":
                    continue
                response_id = "resp_py_%d" % next(self.responses)
                for event in transcript(response_id, self.deltas):
                    await websocket.send(event)
        except websockets.ConnectionClosed:
            pass
        emit({"event": "closed", "id": connection})


async def serve_modern(server, stop):
    """websockets >= 13: the asyncio implementation."""
    from http import HTTPStatus

    from websockets.asyncio.server import serve

    def process_request(connection, request):
        if request.path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "no WebSocket here\n")
        return None

    async def handler(connection):
        extensions = connection.response.headers.get("Sec-WebSocket-Extensions")
        await server.serve_connection(connection, connection.request.path, extensions)

    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        emit({"event": "listening", "port": port})
        await stop


async def serve_legacy(server, stop):
    """websockets 12: the legacy implementation."""
    from http import HTTPStatus

    async def process_request(path, _headers):
        if path != PATH:
            return HTTPStatus.NOT_FOUND, [], b"no WebSocket here\n"
        return None

    async def handler(websocket, *_):
        extensions = websocket.response_headers.get("Sec-WebSocket-Extensions")
        await server.serve_connection(websocket, websocket.path, extensions)

    async with websockets.serve(
        handler, "127.0.0.1", 0, process_request=process_request
    ) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        emit({"event": "listening", "port": port})
        await stop


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default="Hello from Python websockets.",
                        help="the answer's text, streamed one word per delta")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="stop when standard input ends (for a parent process)")
    args = parser.parse_args()
    server = Server(args.text)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    if args.exit_on_stdin_eof:
        def wait_for_eof():
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(lambda: stop.done() or stop.set_result(None))

        loop.run_in_executor(None, wait_for_eof)
    try:
        import websockets.asyncio.server  # noqa: F401  (websockets >= 13)
        modern = True
    except ImportError:
        modern = False
    if modern:
        await serve_modern(server, stop)
    else:
        await serve_legacy(server, stop)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
