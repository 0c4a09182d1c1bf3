//! Writes the generated Responses transcript to stdout: `transcript_dump [MB]`.

use std::io::Write;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|value| value.parse().ok())
        .unwrap_or(20);
    let body =
        codex_api_bench::corpus::transcript(codex_api_bench::corpus::DEFAULT_SEED, mb * 1_000_000);
    let _ = std::io::stdout().write_all(&body);
}
