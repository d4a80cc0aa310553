//! The web crate's modules import one another without cycles: data goes
//! one way (engine → probe → view → components → actions → state), and a
//! module never needs one that needs it back. Read from the sources: each
//! file is a module, and `crate::a::b` or `super::b` in it is an edge to
//! the module file that path names. Checked for file modules and for the
//! crate's top-level modules.

use std::collections::BTreeMap;
use std::path::Path;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `(module path, source)` of every file under `web/src`, embedded at
/// build time so the test runs in the browser too.
fn sources() -> Vec<(String, &'static str)> {
    macro_rules! files {
        ($($path:literal),* $(,)?) => {
            vec![$(($path.to_string(), include_str!(concat!("../src/", $path)))),*]
        };
    }
    let files = files![
        "app.rs",
        "chapter_panel.rs",
        "chapters.rs",
        "charts.rs",
        "clock.rs",
        "cluster.rs",
        "controls.rs",
        "embed.rs",
        "flights.rs",
        "format.rs",
        "icons.rs",
        "key_event.rs",
        "library.rs",
        "link.rs",
        "log.rs",
        "panic.rs",
        "probe.rs",
        "props.rs",
        "readouts.rs",
        "refusal.rs",
        "sequence.rs",
        "settings.rs",
        "speeds.rs",
        "theme.rs",
        "timeline.rs",
        "widgets.rs",
        "state/mod.rs",
        "state/ahead.rs",
        "state/checkpoints.rs",
        "state/lab.rs",
        "state/run.rs",
        "state/series.rs",
        "state/tradeoff.rs",
        "view/mod.rs",
        "view/charts.rs",
        "view/cluster.rs",
        "view/facts.rs",
        "view/flights.rs",
        "view/geometry.rs",
        "view/panels.rs",
        "view/sequence.rs",
    ];
    files
        .into_iter()
        .map(|(path, src)| {
            let module = path
                .trim_end_matches(".rs")
                .trim_end_matches("/mod")
                .replace('/', "::");
            (module, src)
        })
        .collect()
}

/// The module a path `a::b::…` names among `known`: the longest prefix
/// that is a module file.
fn resolve(path: &[&str], known: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains(m))
}

/// Every module each module refers to.
fn edges(top_level: bool) -> BTreeMap<String, Vec<String>> {
    let files = sources();
    let known: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, src) in &files {
        let parent: Vec<&str> = module.split("::").collect();
        let parent = &parent[..parent.len() - 1];
        let code: String = src
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (prefix, base) in [("crate::", Vec::new()), ("super::", parent.to_vec())] {
            for (at, _) in code.match_indices(prefix) {
                let rest = &code[at + prefix.len()..];
                let ident: Vec<&str> = rest
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or("")
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .collect();
                let mut path: Vec<&str> = base.clone();
                path.extend(ident);
                let Some(mut target) = resolve(&path, &known) else {
                    continue;
                };
                let mut from = module.clone();
                if top_level {
                    from = from.split("::").next().unwrap_or("").to_string();
                    target = target.split("::").next().unwrap_or("").to_string();
                }
                if target != from {
                    let list = out.entry(from).or_default();
                    if !list.contains(&target) {
                        list.push(target);
                    }
                }
            }
        }
    }
    out
}

/// A cycle, if there is one: the modules on it.
fn cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, Vec<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = stack.iter().position(|s| s == n).unwrap_or(0);
                let mut c = stack[at..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[wasm_bindgen_test(unsupported = test)]
fn the_cycle_finder_finds_a_cycle() {
    let g: BTreeMap<String, Vec<String>> = [
        ("a".to_string(), vec!["b".to_string()]),
        ("b".to_string(), vec!["c".to_string()]),
        ("c".to_string(), vec!["a".to_string()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycle(&g).map(|c| c.len()), Some(4));
}

#[wasm_bindgen_test(unsupported = test)]
fn every_source_file_is_listed() {
    let listed: Vec<String> = sources().into_iter().map(|s| s.0).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    if !dir.exists() {
        return; // In the browser there is no file system to compare with.
    }
    let mut missing = Vec::new();
    for sub in ["", "state", "view"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("src").flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.ends_with(".rs") || name == "lib.rs" || name == "main.rs" {
                continue;
            }
            let path = if sub.is_empty() {
                name
            } else {
                format!("{sub}/{name}")
            };
            let module = path
                .trim_end_matches(".rs")
                .trim_end_matches("/mod")
                .replace('/', "::");
            if !listed.contains(&module) {
                missing.push(path);
            }
        }
    }
    assert!(missing.is_empty(), "add to the list: {missing:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_web_crate_has_no_import_cycles() {
    for top_level in [false, true] {
        let g = edges(top_level);
        assert!(g.len() > 10, "the graph was read: {g:?}");
        assert_eq!(cycle(&g), None, "top-level: {top_level}");
    }
}
