//! The blocking runtime adapter (ureq 3) for synchronous tools.
//!
//! This crate is a placeholder in the workspace until its issue lands.
#![forbid(unsafe_code)]
