//! Any NUL-separated words as command-line arguments: parsing must never
//! panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let argv: Vec<String> = text.split('\0').map(String::from).collect();
        let _ = replica::args::parse(&argv);
    }
});
