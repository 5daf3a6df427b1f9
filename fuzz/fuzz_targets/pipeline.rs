//! Any bytes as an incoming message: parse, classify, read, compose, lint. A panic is a
//! bug (intake would quarantine the message; the fuzzer finds it first).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    attune::fuzzing::one_message(data);
});
