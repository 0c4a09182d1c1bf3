//! The server's stop signal: every wait in the server is a wait on it, so dropping the server
//! ends every pause, stall and idle read promptly.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Set once when the server drops; wakes every waiter.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    stopped: Mutex<bool>,
    changed: Condvar,
}

impl StopSignal {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stopped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Raises the signal and wakes every waiter.
    pub(crate) fn stop(&self) {
        *self.lock() = true;
        self.changed.notify_all();
    }

    /// Whether the signal is raised.
    pub(crate) fn is_stopped(&self) -> bool {
        *self.lock()
    }

    /// Waits until `deadline` (forever when `None`); returns `true` if the server stopped.
    pub(crate) fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut stopped = self.lock();
        loop {
            if *stopped {
                return true;
            }
            match deadline {
                None => {
                    stopped = self
                        .changed
                        .wait(stopped)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    stopped = self
                        .changed
                        .wait_timeout(stopped, deadline - now)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0;
                }
            }
        }
    }

    /// Sleeps for `duration`; returns `true` if the server stopped meanwhile.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        if duration.is_zero() {
            return self.is_stopped();
        }
        self.wait_until(Instant::now().checked_add(duration))
    }
}
