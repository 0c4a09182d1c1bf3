//! The `codex-api` command-line tool.
fn main() {
    eprintln!("codex-api: no subcommands yet");
    std::process::exit(2);
}
