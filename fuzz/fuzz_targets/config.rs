//! Fuzz target `config`: see `imagegate::fuzz::config` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::config(data));
