//! The cross-runtime scenario suite: one table run through every adapter.
//!
//! This crate is a placeholder in the workspace until its issue lands.
#![forbid(unsafe_code)]
