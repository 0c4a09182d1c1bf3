//! The tokio runtime adapter (hyper 1): moves bytes, sleeps and reads the clock for the core.
//!
//! This crate is a placeholder in the workspace until its issue lands.
#![forbid(unsafe_code)]
