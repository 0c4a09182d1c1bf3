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
pub fn measure(decoders: &[Decoder], body: &[u8], size: usize, rounds: usize) -> Vec<Measurement> {
    measure_each(decoders, |decoder| decoder.run(body, size), rounds)
        .into_iter()
        .map(|timed| Measurement {
            decoder: timed.contender,
            tally: timed.output,
            reps: timed.reps,
            median: timed.median,
            median_wall: timed.median_wall,
            allocations_per_rep: timed.allocations_per_rep,
        })
        .collect()
}

/// One measured contender of any kind (see [`measure_each`]).
pub struct Timed<C, T> {
    pub contender: C,
    /// What the warm-up run returned (for the consistency check).
    pub output: T,
    pub reps: usize,
    /// Median CPU time of the measuring thread per repetition.
    pub median: Duration,
    /// Median wall-clock time per repetition.
    pub median_wall: Duration,
    pub allocations_per_rep: f64,
}

/// The same protocol as [`measure`] for any set of contenders: one warm-up run each (its
/// output kept), then `rounds` interleaved rounds of ~[`ROUND_TIME`] of CPU time each; median
/// CPU and wall time per repetition, allocation calls per repetition.
pub fn measure_each<C: Copy, T>(
    contenders: &[C],
    run: impl FnMut(C) -> T,
    rounds: usize,
) -> Vec<Timed<C, T>> {
    measure_each_counted(contenders, run, rounds, alloc_count::calls)
}

/// [`measure_each`] with the allocation calls read from `calls` (for a binary whose global
/// allocator is not [`alloc_count::Counting`], e.g. [`alloc_live::Tracking`](crate::alloc_live::Tracking)).
pub fn measure_each_counted<C: Copy, T>(
    contenders: &[C],
    mut run: impl FnMut(C) -> T,
    rounds: usize,
    calls: fn() -> u64,
) -> Vec<Timed<C, T>> {
    let outputs: Vec<T> = contenders.iter().map(|contender| run(*contender)).collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(4096); contenders.len()];
    let mut walls: Vec<Vec<Duration>> = vec![Vec::with_capacity(4096); contenders.len()];
    let mut allocations = vec![0u64; contenders.len()];
    for _ in 0..rounds {
        for (index, contender) in contenders.iter().enumerate() {
            let mut round_cpu = Duration::ZERO;
            loop {
                let calls_before = calls();
                let cpu_start = thread_cpu_time();
                let start = Instant::now();
                black_box(run(black_box(*contender)));
                let wall = start.elapsed();
                let cpu = thread_cpu_time().saturating_sub(cpu_start);
                allocations[index] += calls() - calls_before;
                times[index].push(cpu);
                walls[index].push(wall);
                round_cpu += cpu;
                if round_cpu >= ROUND_TIME {
                    break;
                }
            }
        }
    }
    contenders
        .iter()
        .zip(outputs)
        .zip(times)
        .zip(walls)
        .zip(allocations)
        .map(
            |((((contender, output), mut times), mut walls), allocations)| {
                times.sort_unstable();
                walls.sort_unstable();
                Timed {
                    contender: *contender,
                    output,
                    reps: times.len(),
                    median: times[times.len() / 2],
                    median_wall: walls[walls.len() / 2],
                    allocations_per_rep: allocations as f64 / times.len() as f64,
                }
            },
        )
        .collect()
}
