//! Retry policy: which failures are retried, backoff with caller-supplied jitter, server delays.
