//! CPU time, so that a machine shared with other busy processes slows the measurement less than
//! wall-clock time would (time spent descheduled is not counted; cache and memory-bandwidth
//! contention still are).

use std::time::Duration;

/// CPU time consumed so far by the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_time() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time consumed so far by this process, all its threads (`CLOCK_PROCESS_CPUTIME_ID`).
pub fn process_cpu_time() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// The reading of `clock`; zero if the clock is not supported (both are, on every Linux this
/// bench targets).
fn clock(clock: libc::clockid_t) -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `spec` is a valid, writable timespec for the duration of the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(clock, &mut spec) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}
