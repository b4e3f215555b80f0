//! Fuzz target `exemptions`: see `imagegate::fuzz::exemptions` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::exemptions(data));
