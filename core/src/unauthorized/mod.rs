//! 401 handling: evidence, classification and the auth-recovery state machine.
