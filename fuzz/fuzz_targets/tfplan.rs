//! Fuzz target `tfplan`: see `imagegate::fuzz::tfplan` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::tfplan(data));
