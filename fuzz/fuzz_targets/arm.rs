//! Fuzz target `arm`: see `imagegate::fuzz::arm` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::arm(data));
