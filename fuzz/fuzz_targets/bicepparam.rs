//! Fuzz target `bicepparam`: see `imagegate::fuzz::bicepparam` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::bicepparam(data));
