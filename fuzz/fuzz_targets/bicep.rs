//! Fuzz target `bicep`: see `imagegate::fuzz::bicep` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::bicep(data));
