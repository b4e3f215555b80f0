//! Fuzz target `policy_import`: see `imagegate::fuzz::policy_import` and FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imagegate::fuzz::policy_import(data));
