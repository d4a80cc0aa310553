//! Colour contrast of the page's own colours, read from `web/style.css`
//! for both themes: state tags (DOWN, FENCED, OLD LEADER, …) meet WCAG AA
//! for text, 4.5:1, and the focus ring stands out at least 3:1 (WCAG's
//! non-text contrast) from the panel and region backgrounds it is drawn
//! on. The e2e accessibility test checks the rendered colours too.

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CSS: &str = include_str!("../style.css");

/// The custom properties set in the first block that starts with `head`.
fn block(head: &str) -> Vec<(String, String)> {
    let start = CSS
        .find(head)
        .unwrap_or_else(|| panic!("no {head} in style.css"));
    let body = &CSS[start + head.len()..];
    let end = body.find('}').expect("block end");
    body[..end]
        .split(';')
        .filter_map(|d| {
            let (k, v) = d.split_once(':')?;
            let k = k.trim();
            k.starts_with("--")
                .then(|| (k.to_string(), v.trim().to_string()))
        })
        .collect()
}

fn var(vars: &[(String, String)], light: &[(String, String)], name: &str) -> String {
    vars.iter()
        .chain(light)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{name} not set"))
}

/// `#rrggbb` to linear-light relative luminance.
fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "colour {hex}");
    let c = |i: usize| {
        let v = u8::from_str_radix(&hex[i..i + 2], 16).expect("hex") as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[wasm_bindgen_test(unsupported = test)]
fn contrast_is_computed_as_wcag_defines_it() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((contrast("#777777", "#777777") - 1.0).abs() < 1e-9);
}

#[wasm_bindgen_test(unsupported = test)]
fn state_tags_and_the_focus_ring_meet_wcag_in_both_themes() {
    let light = block(":root {");
    let dark = block(":root[data-theme=\"dark\"] {");
    let system_dark = block(":root:not([data-theme=\"light\"]) {");
    assert_eq!(
        dark, system_dark,
        "the dark theme is set the same way by the toggle and by the system"
    );
    for (theme, vars) in [("light", &light), ("dark", &dark)] {
        for tag in ["down", "fenced", "old", "cut"] {
            let bg = var(vars, &light, &format!("--tag-{tag}-bg"));
            let ink = var(vars, &light, &format!("--tag-{tag}-ink"));
            let c = contrast(&bg, &ink);
            assert!(c >= 4.5, "{theme} tag {tag}: {ink} on {bg} is {c:.2}:1");
        }
        let focus = var(vars, &light, "--focus");
        for bg in ["--panel", "--region", "--region-home", "--bg"] {
            let c = contrast(&focus, &var(vars, &light, bg));
            assert!(c >= 3.0, "{theme} focus ring on {bg}: {c:.2}:1");
        }
    }
}
