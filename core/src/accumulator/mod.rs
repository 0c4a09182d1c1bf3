//! Folding a stream's events into the final state of the response.
