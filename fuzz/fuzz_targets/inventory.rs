//! Fuzz target `inventory`: see `imagegate::fuzz::inventory` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::inventory(data));
