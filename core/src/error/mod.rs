//! The API error taxonomy and the mapping of HTTP and in-stream failures onto it.
