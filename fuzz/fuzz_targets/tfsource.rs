//! Fuzz target `tfsource`: see `imagegate::fuzz::tfsource` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::tfsource(data));
