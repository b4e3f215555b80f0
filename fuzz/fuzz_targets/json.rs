//! Fuzz target `json`: see `imagegate::fuzz::json` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::json(data));
