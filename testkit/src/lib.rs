//! A scripted loopback Responses server for tests, demos and users' own tests.
//!
//! This crate is a placeholder in the workspace until its issue lands.
#![forbid(unsafe_code)]
