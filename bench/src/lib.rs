//! Peer comparisons for codex-api. Run `cargo run --release --manifest-path bench/Cargo.toml
//! --bin sse` from the repository root; see BENCHMARKS.md.

pub mod alloc_count;
pub mod alloc_live;
pub mod corpus;
pub mod cpu_time;
pub mod decoders;
pub mod end_to_end;
pub mod harness;
pub mod pipeline;
pub mod report;
pub mod request_cost;
pub mod scale;
pub mod websocket;
