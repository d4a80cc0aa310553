//! Any bytes as a scenario file: parsing and validation must never panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = replica_engine::ScenarioFile::parse(text).and_then(|f| f.validate());
    }
});
