//! Any fields as a host page's `postMessage` command, applied to a live
//! lab: reading must never panic, and neither may the action it becomes.
//! The input is NUL-separated: the command name, `t_us` (as decimal text,
//! so NaN, infinities and negatives occur), then the text fields.
#![no_main]
use replica_web::embed::Command;
use replica_web::state::Lab;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.split('\0');
    let command = fields.next().unwrap_or_default();
    let t_us = fields.next().and_then(|t| t.parse::<f64>().ok());
    let rest: Vec<&str> = fields.collect();
    let field = |k: &str| {
        let i = ["scenario", "chapter", "node"]
            .iter()
            .position(|n| *n == k)?;
        rest.get(i)
            .map(|s| s.to_string())
            .filter(|s| s.len() <= 200)
    };
    let Some(cmd) = Command::read(command, t_us, field) else {
        return;
    };
    let mut lab = Lab::new();
    if let Some(action) = cmd.action(false) {
        lab.apply(action);
    }
});
