//! Rate-limit snapshots from response headers and in-stream events.
