//! `replay` streams its input through the decoder: frames appear while the input is still
//! open, and memory stays bounded by the event size whatever the input's size, for standard
//! input and for a file (a named pipe, so that the test controls when the file ends).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::Duration;

/// Events of 1 MiB each, 64 of them: a program that held its input would need 64 MiB.
const EVENT_PAD: usize = 1 << 20;
const EVENTS: usize = 64;
/// Peak resident memory allowed to the replaying process (it measured 16 MiB, most of it the
/// binary and one event in its buffers).
const PEAK_BOUND_KIB: u64 = 32 * 1024;

fn created() -> String {
    "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_big\",\
     \"object\":\"response\",\"created_at\":1,\"status\":\"in_progress\",\"model\":\"m\",\
     \"output\":[]},\"sequence_number\":0}\n\n"
        .to_owned()
}

fn padded(sequence: usize, pad: &str) -> String {
    format!(
        "event: response.in_progress\ndata: {{\"type\":\"response.in_progress\",\"response\":{{\
         \"id\":\"resp_big\",\"object\":\"response\",\"created_at\":1,\"status\":\"in_progress\",\
         \"model\":\"m\",\"output\":[],\"metadata\":{{\"pad\":\"{pad}\"}}}},\
         \"sequence_number\":{sequence}}}\n\n"
    )
}

/// Reads the text listing: sends the index of every frame header (`#N ...`) as it arrives,
/// and returns the listing's last lines.
fn read_listing(stdout: ChildStdout) -> (Receiver<usize>, JoinHandle<Vec<String>>) {
    let (frames, received) = channel();
    let reader = std::thread::spawn(move || {
        let mut tail = Vec::new();
        let mut line = String::new();
        let mut stdout = BufReader::new(stdout);
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(index) = line
                .strip_prefix('#')
                .and_then(|rest| rest.split(' ').next())
                .and_then(|index| index.parse().ok())
            {
                let _ = frames.send(index);
            } else if !line.starts_with("  ") {
                tail.push(line.trim_end().to_owned());
            }
            line.clear();
        }
        tail
    });
    (received, reader)
}

fn wait_for_frame(frames: &Receiver<usize>, index: usize) {
    loop {
        let seen = frames
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("frame #{index} was not printed while the input was open"));
        if seen >= index {
            return;
        }
    }
}

/// The peak resident memory of `pid` in KiB (Linux), while it runs.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Feeds the body to a running `replay` through `input`, checking that each part is decoded
/// and printed before the input ends, and that memory stays bounded meanwhile.
fn check_streaming(mut child: Child, mut input: impl Write) {
    let (frames, reader) = read_listing(child.stdout.take().unwrap());
    input.write_all(created().as_bytes()).unwrap();
    input.flush().unwrap();
    // The first frame is printed although the input has not ended.
    wait_for_frame(&frames, 0);
    let pad = "x".repeat(EVENT_PAD);
    for sequence in 1..=EVENTS {
        input.write_all(padded(sequence, &pad).as_bytes()).unwrap();
    }
    input.flush().unwrap();
    wait_for_frame(&frames, EVENTS);
    // Every byte went through the process, which is still reading: its peak so far is its
    // peak for the whole body.
    let peak = peak_kib(child.id());
    assert!(peak.is_some() || !cfg!(target_os = "linux"));
    if let Some(peak) = peak {
        eprintln!("replay peaked at {peak} KiB");
        assert!(
            peak < PEAK_BOUND_KIB,
            "replay peaked at {peak} KiB for a {} MiB body",
            (EVENTS * EVENT_PAD) >> 20
        );
    }
    drop(input);
    let status = child.wait().unwrap();
    let tail = reader.join().unwrap();
    assert!(status.success(), "{tail:?}");
    assert!(
        tail.contains(&format!("{} frame(s)", EVENTS + 1)),
        "{tail:?}"
    );
    assert!(
        tail.contains(&"outcome: unexpected_eof".to_owned()),
        "{tail:?}"
    );
}

fn replay(input: &str, stdin: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_codex-api"))
        .args(["replay", input])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs")
}

#[test]
fn replay_streams_standard_input() {
    let mut child = replay("-", Stdio::piped());
    let input = child.stdin.take().unwrap();
    check_streaming(child, input);
}

#[test]
fn replay_streams_a_file() {
    let path = std::env::temp_dir().join(format!("codex-api-replay-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let made = Command::new("mkfifo")
        .arg(&path)
        .status()
        .is_ok_and(|status| status.success());
    if !made {
        eprintln!("no mkfifo here: the file case is not checked");
        return;
    }
    let child = replay(path.to_str().unwrap(), Stdio::null());
    // Opening a pipe for writing waits for its reader: the replay has opened the file.
    let input = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    check_streaming(child, input);
    let _ = std::fs::remove_file(&path);
}
