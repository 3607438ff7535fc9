//! `pare`: the command-line shell over Pare's engine.
fn main() {}
