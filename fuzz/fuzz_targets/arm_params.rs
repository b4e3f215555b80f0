//! Fuzz target `arm_params`: see `imagegate::fuzz::arm_params` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::arm_params(data));
