//! Fuzz target `baseline`: see `imagegate::fuzz::baseline` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::baseline(data));
