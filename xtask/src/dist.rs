//! `cargo xtask dist`: the package for course authors, who need no Rust.
//!
//! `target/dist/replica-lab-<version>.tgz` holds, under `package/` (the
//! layout `npm install <file>.tgz` expects): `lab/` (Trunk's release build,
//! with `embed.js`), a `.gz` and a `.br` copy of every text and wasm file
//! in it for servers that send pre-compressed files, `README.md` (the five
//! lines that embed the lab, and how to serve it), `LICENSE` and an
//! npm-style `package.json`. Compression is Node's zlib (Node is needed by
//! the tests anyway); the archive is GNU tar with fixed owners, order and
//! times, so one build gives the same bytes twice.

use std::fs;
use std::path::{Path, PathBuf};

use crate::proc::{run, Ctx};

/// Files the server may send pre-compressed.
const COMPRESSED: [&str; 6] = ["html", "js", "css", "wasm", "svg", "json"];

/// The version of the `replica` package in the root `Cargo.toml`.
pub fn version(ctx: &Ctx) -> Result<String, String> {
    let path = ctx.root.join("Cargo.toml");
    let text = fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    package_version(&text).ok_or_else(|| format!("{}: no [package] version", path.display()))
}

/// The `version` of the `[package]` table of a `Cargo.toml`.
fn package_version(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if let (true, Some(rest)) = (in_package, line.strip_prefix("version")) {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_string());
        }
    }
    None
}

/// Packs `dist/` (Trunk's release build, which must exist) into the
/// archive; returns its path.
pub fn pack(ctx: &Ctx) -> Result<PathBuf, String> {
    let version = version(ctx)?;
    let built = ctx.root.join("dist");
    if !built.join("index.html").exists() || !built.join("embed.js").exists() {
        return Err("dist/ has no release build; run `trunk build --release` first".into());
    }
    let out = ctx.root.join("target").join("dist");
    let staging = out.join(format!("replica-lab-{version}"));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|err| format!("{}: {err}", staging.display()))?;
    }
    let package = staging.join("package");
    let lab = package.join("lab");
    copy_dir(&built, &lab)?;
    write(&package.join("README.md"), &readme(&version))?;
    write(&package.join("LICENSE"), LICENSE)?;
    write(&package.join("package.json"), &package_json(&version))?;
    let mut compress = ctx.command("node");
    compress
        .arg(ctx.root.join("xtask").join("precompress.mjs"))
        .arg(&lab)
        .args(COMPRESSED);
    run(&mut compress)?;
    let archive = out.join(format!("replica-lab-{version}.tgz"));
    let mut tar = ctx.command("tar");
    tar.args([
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mtime=@0",
        "-czf",
    ])
    .arg(&archive)
    .arg("-C")
    .arg(&staging)
    .arg("package");
    run(&mut tar)?;
    println!("dist: {}", archive.display());
    Ok(archive)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|err| format!("{}: {err}", path.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|err| format!("{}: {err}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|err| format!("{}: {err}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| format!("{}: {err}", from.display()))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|err| format!("{}: {err}", path.display()))?;
        }
    }
    Ok(())
}

fn package_json(version: &str) -> String {
    format!(
        r#"{{
  "name": "replica-lab",
  "version": "{version}",
  "description": "Replica Lab, a deterministic leader-follower replication simulator, built for embedding in course pages: copy lab/ next to your pages and load lab/embed.js.",
  "license": "MIT",
  "files": ["lab/", "README.md", "LICENSE"],
  "browser": "lab/embed.js",
  "keywords": ["replication", "database", "simulator", "teaching", "webassembly"]
}}
"#
    )
}

fn readme(version: &str) -> String {
    format!(
        r#"# Replica Lab {version} for course pages

A simulator of leader-follower database replication that runs in the
reader's browser (WebAssembly). No Rust is needed to use it.

## Embed it

Copy `lab/` next to your page (keep the folder whole), then:

```html
<script src="lab/embed.js"></script>
<replica-lab id="failover-lab" scenario="failover-election" speed="5"></replica-lab>
<script>
  document.getElementById('failover-lab').play();
</script>
```

The paths are relative to the page. Every attribute, method and event is
described in the project's `docs/embedding.md`; the lab sizes itself to
its content and follows the page's light or dark colours.

## Serve it

Serve over http(s), never from `file://`. If your site sends a
Content-Security-Policy, it needs `script-src 'self' 'wasm-unsafe-eval'`
for the lab's folder.

Each file in `lab/` has a `.br` and a `.gz` copy. Send them to browsers
that accept them (`Content-Encoding: br` or `gzip`, with the original
file's `Content-Type`; `.wasm` is `application/wasm`): on a phone the lab
loads about twice as fast. Files with a hash in their name never change:
`Cache-Control: public, max-age=31536000, immutable`; the others
(`index.html`, `embed.js`, `boot.js`): `Cache-Control: no-cache`.

nginx:

```nginx
location /lab/ {{
    gzip_static on;
    brotli_static on;   # needs the ngx_brotli module
    add_header Cache-Control "no-cache";
    location ~ "-[0-9a-f]{{16}}(_bg)?\.(js|wasm|css)$" {{
        gzip_static on;
        brotli_static on;
        add_header Cache-Control "public, max-age=31536000, immutable";
    }}
}}
```

Caddy: `file_server {{ precompressed br gzip }}`.
"#
    )
}

const LICENSE: &str = "MIT License

Copyright (c) the Replica Lab authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the \"Software\"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
";

#[cfg(test)]
mod tests {
    use super::package_version;

    #[test]
    fn reads_the_package_version_only() {
        let manifest = "[workspace]\nversion = \"9\"\n[package]\nname = \"replica\"\nversion = \"0.1.0\"\n[dependencies]\nversion = \"2\"\n";
        assert_eq!(package_version(manifest).as_deref(), Some("0.1.0"));
        assert_eq!(package_version("[workspace]\nversion = \"1\"\n"), None);
    }
}
