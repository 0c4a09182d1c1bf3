//! Agent Identity: `AgentAssertion` tokens and task registration primitives.
