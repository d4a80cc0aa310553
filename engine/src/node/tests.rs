//! Unit tests of the node: one input, the exact effects.
