//! `cargo xtask serve --dist [--port N]`: the release build in `dist/`
//! served the way `docs/performance.md` recommends for a real site, so
//! the page can be measured (Lighthouse, `tests/e2e/perf-lighthouse.test.mjs`)
//! as learners would load it:
//!
//! * the pre-compressed copy Trunk's post-build hook wrote beside each
//!   file (`.br`, else `.gz`) when the browser accepts it, with
//!   `Content-Encoding` and `Vary: Accept-Encoding`;
//! * `Cache-Control: public, max-age=31536000, immutable` for files whose
//!   names carry Trunk's content hash (they never change under that
//!   name), `no-cache` for the rest (`index.html`, `boot.js`,
//!   `embed.js`), which the browser revalidates.
//!
//! A small blocking server (a thread per connection) on 127.0.0.1; port 0
//! picks a free port. It prints `serving dist/ on http://127.0.0.1:PORT/`
//! once it listens.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

/// Serves `dist` until the process is stopped.
pub fn run(dist: &Path, port: u16) -> Result<(), String> {
    if !dist.join("index.html").exists() {
        return Err(format!(
            "{} has no build; run `trunk build --release` first",
            dist.display()
        ));
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("serving dist/ on http://127.0.0.1:{port}/");
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let dist = dist.to_path_buf();
        std::thread::spawn(move || {
            let _ = respond(stream, &dist);
        });
    }
    Ok(())
}

/// Whether a file name carries Trunk's content hash (`name-<hex>.ext` or
/// `name-<hex>_bg.wasm`).
fn hashed(name: &str) -> bool {
    name.split('-').skip(1).any(|part| {
        let hex = part.split(['.', '_']).next().unwrap_or("");
        hex.len() >= 12 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The file a request path names under `dist`, if it is one.
fn file_for(dist: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut file = dist.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') || part.contains('%') {
            return None;
        }
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn respond(stream: TcpStream, dist: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut accept = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("accept-encoding") {
                accept = value.trim().to_ascii_lowercase();
            }
        }
    }
    let mut words = request.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        return out.write_all(
            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let Some(file) = file_for(dist, target) else {
        return out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        );
    };
    let accepts = |coding: &str| {
        accept
            .split(',')
            .any(|c| c.trim().split(';').next() == Some(coding))
    };
    let mut encoding = None;
    let mut body_path = file.clone();
    for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
        let compressed = PathBuf::from(format!("{}.{ext}", file.display()));
        if accepts(coding) && compressed.is_file() {
            encoding = Some(coding);
            body_path = compressed;
            break;
        }
    }
    let body = std::fs::read(&body_path)?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let cache = if hashed(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nVary: Accept-Encoding\r\nConnection: close\r\n",
        content_type(&file),
        body.len()
    );
    if let Some(coding) = encoding {
        head.push_str(&format!("Content-Encoding: {coding}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if method == "GET" {
        out.write_all(&body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_trunks_hashed_names() {
        assert!(hashed("replica-web-c67f8d92de4e0dc5_bg.wasm"));
        assert!(hashed("replica-web-c67f8d92de4e0dc5.js"));
        assert!(hashed("style-944bfbc0f17912b.css"));
        assert!(!hashed("index.html"));
        assert!(!hashed("boot.js"));
        assert!(!hashed("replica-web.js"));
    }

    #[test]
    fn refuses_paths_out_of_the_folder() {
        let dist = std::env::temp_dir();
        assert_eq!(file_for(&dist, "/../etc/passwd"), None);
        assert_eq!(file_for(&dist, "/%2e%2e/x"), None);
    }
}
