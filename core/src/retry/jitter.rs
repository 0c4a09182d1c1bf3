//! Sources of the random numbers that jitter a backoff.
//!
//! The core draws no randomness of its own: the caller hands in a [`JitterSource`]. Use
//! [`SplitMix64`] seeded from any entropy the application has (or a constant in tests),
//! [`FixedJitter`] for a fixed value, or any `FnMut() -> f64` closure.

/// A source of uniformly distributed numbers in `[0, 1)` used to jitter backoff delays.
///
/// Implementations should return values in `[0, 1)`; the policy clamps anything else (values
/// below 0 or NaN count as 0, values above 1 as 1), so a misbehaving source cannot make a delay
/// leave its documented bounds.
pub trait JitterSource {
    /// The next number, in `[0, 1)`.
    fn next_unit(&mut self) -> f64;
}

impl<F: FnMut() -> f64> JitterSource for F {
    fn next_unit(&mut self) -> f64 {
        self()
    }
}

/// A jitter source that always returns the same value (clamped to `[0, 1]` when used).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedJitter(pub f64);

impl JitterSource for FixedJitter {
    fn next_unit(&mut self) -> f64 {
        self.0
    }
}

/// A small deterministic pseudo-random generator (SplitMix64), seeded by the caller.
///
/// Not cryptographic; meant only for spreading retries. The same seed always yields the same
/// sequence, which keeps every retry schedule reproducible in tests.
///
/// ```
/// use codex_api_core::retry::{JitterSource, SplitMix64};
///
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// let x = a.next_unit();
/// assert_eq!(x, b.next_unit());
/// assert!((0.0..1.0).contains(&x));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl JitterSource for SplitMix64 {
    /// The top 53 bits of [`next_u64`](SplitMix64::next_u64) scaled into `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        // 53 bits fit an f64 mantissa exactly, so the result is always < 1.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}
