//! Timing: warm-up, interleaved rounds, median; allocation calls per event.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::alloc_count;
use crate::cpu_time::thread_cpu_time;
use crate::decoders::{Decoder, Tally};

/// How much CPU time each decoder spends repeating within one round (at least one repetition).
const ROUND_TIME: Duration = Duration::from_millis(150);

/// Splits `body` into owned chunks of `size` bytes (the last may be shorter); slicing a
/// shared `Bytes` copies nothing.
pub fn split(body: &Bytes, size: usize) -> Vec<Bytes> {
    (0..body.len())
        .step_by(size)
        .map(|start| body.slice(start..(start + size).min(body.len())))
        .collect()
}

/// One measured decoder on one chunking.
pub struct Measurement {
    pub decoder: Decoder,
    pub tally: Tally,
    pub reps: usize,
    /// Median CPU time of the measuring thread per repetition (the figure rates are computed from).
    pub median: Duration,
    /// Median wall-clock time per repetition.
    pub median_wall: Duration,
    pub allocations_per_rep: f64,
}

/// Warms every decoder up once (returning what each produced, for the consistency check),
/// then runs `rounds` rounds in which each decoder in turn repeats for about [`ROUND_TIME`] of CPU time,
/// so that a burst of load from other processes hits all decoders alike.
pub fn measure(decoders: &[Decoder], chunks: &[Bytes], rounds: usize) -> Vec<Measurement> {
    let tallies: Vec<Tally> = decoders.iter().map(|decoder| decoder.run(chunks)).collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(4096); decoders.len()];
    let mut walls: Vec<Vec<Duration>> = vec![Vec::with_capacity(4096); decoders.len()];
    let mut allocations = vec![0u64; decoders.len()];
    for _ in 0..rounds {
        for (index, decoder) in decoders.iter().enumerate() {
            let mut round_cpu = Duration::ZERO;
            loop {
                let calls_before = alloc_count::calls();
                let cpu_start = thread_cpu_time();
                let start = Instant::now();
                black_box(decoder.run(black_box(chunks)));
                let wall = start.elapsed();
                let cpu = thread_cpu_time().saturating_sub(cpu_start);
                allocations[index] += alloc_count::calls() - calls_before;
                times[index].push(cpu);
                walls[index].push(wall);
                round_cpu += cpu;
                if round_cpu >= ROUND_TIME {
                    break;
                }
            }
        }
    }
    decoders
        .iter()
        .zip(tallies)
        .zip(times)
        .zip(walls)
        .zip(allocations)
        .map(
            |((((decoder, tally), mut times), mut walls), allocations)| {
                times.sort_unstable();
                walls.sort_unstable();
                Measurement {
                    decoder: *decoder,
                    tally,
                    reps: times.len(),
                    median: times[times.len() / 2],
                    median_wall: walls[walls.len() / 2],
                    allocations_per_rep: allocations as f64 / times.len() as f64,
                }
            },
        )
        .collect()
}
