//! The futures-io/async-io runtime adapter (runs on async-std and smol).
//!
//! This crate is a placeholder in the workspace until its issue lands.
#![forbid(unsafe_code)]
