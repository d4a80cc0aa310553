//! Formatting shared by the view model: durations, counts, session lists
//! and an estimate of how wide a line of text is drawn, so SVG labels can
//! be fitted to their boxes before the browser lays them out.

/// Formats microseconds for people: `850 µs`, `4.4 ms`, `105 ms`,
/// `2.35 s`, `12.3 s`.
pub fn fmt_us(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.1} s", us as f64 / 1e6)
    } else if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us >= 10_000 {
        format!("{:.0} ms", us as f64 / 1e3)
    } else if us >= 1_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{us} µs")
    }
}

/// `v` to one decimal place, as the drawings write SVG coordinates: the
/// text of `format!("{v:.1}")`, except that a value within rounding of
/// a halfway point between two tenths may round the other way and that
/// `-0.0` is written `0.0`. Made with integer arithmetic: a drawing writes
/// thousands of coordinates, and with `{:.1}` core's exact float
/// formatter turned hot in the learner's first seek, where V8 then
/// compiled it again with its optimising compiler on the one core left
/// (docs/performance.md, budget 2).
pub fn tenths(v: f64) -> String {
    let mut out = String::with_capacity(8);
    push_tenths(&mut out, v);
    out
}

/// Appends [`tenths`]`(v)` to `out`.
pub fn push_tenths(out: &mut String, v: f64) {
    use core::fmt::Write;
    let t = (v * 10.0).round();
    // Beyond 2⁵³ tenths (and for NaN and infinities) the integer path
    // would not be exact: core's formatter writes those.
    if t.is_nan() || t.abs() >= 9.0e15 {
        let _ = write!(out, "{v:.1}");
        return;
    }
    let t = t as i64;
    if t < 0 {
        out.push('-');
    }
    let a = t.unsigned_abs();
    let _ = write!(out, "{}", a / 10);
    out.push('.');
    out.push(char::from(b'0' + (a % 10) as u8));
}

/// An instant to the millisecond, `3.250 s`, as the anomaly texts write it.
pub fn fmt_at(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us % 1_000_000) / 1_000)
}

/// `1 write`, `2 writes`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first letter in upper case.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Client sessions as the drawing names them, 1-based: `C1`, `C1–C2`,
/// `C1, C3–C4`; long lists end in `and N more`.
pub fn sessions(list: &[u16]) -> String {
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for &s in list {
        match runs.last_mut() {
            Some(r) if r.1 + 1 == s => r.1 = s,
            _ => runs.push((s, s)),
        }
    }
    let shown: Vec<String> = runs
        .iter()
        .take(3)
        .map(|&(a, b)| {
            if a == b {
                format!("C{}", a + 1)
            } else {
                format!("C{}–C{}", a + 1, b + 1)
            }
        })
        .collect();
    let rest: usize = runs
        .iter()
        .skip(3)
        .map(|(a, b)| usize::from(b - a) + 1)
        .sum();
    if rest > 0 {
        format!("{} and {rest} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Roughly how wide `text` is drawn at `px` pixels in the page's sans-serif
/// font, erring wide: digits are tabular, capitals and bold are wider.
pub fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.58,
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' => 0.36,
            'm' | 'w' => 0.86,
            'M' | 'W' => 0.94,
            c if c.is_ascii_uppercase() => 0.7,
            c if c.is_ascii_lowercase() => 0.56,
            '·' => 0.3,
            'µ' => 0.58,
            '–' | '—' | '…' => 0.8,
            _ => 0.7,
        })
        .sum();
    em * px * if bold { 1.08 } else { 1.0 }
}

/// `text` cut at the end with `…` so that it fits in `max_w` at `px`.
pub fn ellipsis(text: &str, px: f64, bold: bool, max_w: f64) -> String {
    if text_width(text, px, bold) <= max_w {
        return text.to_string();
    }
    let mut out: String = text.to_string();
    while !out.is_empty() && text_width(&format!("{out}…"), px, bold) > max_w {
        out.pop();
    }
    format!("{out}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_write_what_the_float_formatter_writes() {
        for (v, text) in [
            (0.0, "0.0"),
            (3.04, "3.0"),
            (3.06, "3.1"),
            (-2.26, "-2.3"),
            (1279.96, "1280.0"),
            (-0.04, "0.0"),
            (1e300, &format!("{:.1}", 1e300)),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(tenths(v), text, "{v}");
        }
        // Values of every size the drawings use and beyond, from a fixed
        // xorshift sequence: equal to `{:.1}` away from halfway points.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut compared = 0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            let scale = [1.0, 100.0, 10_000.0, 1e9][(x % 4) as usize];
            let v = (unit - 0.3) * scale;
            let frac = (v * 10.0).abs().fract();
            let expected = format!("{v:.1}");
            if (frac - 0.5).abs() < 1e-6 || expected == "-0.0" {
                continue;
            }
            assert_eq!(tenths(v), expected, "{v}");
            compared += 1;
        }
        assert!(compared > 190_000, "{compared}");
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(fmt_us(850), "850 µs");
        assert_eq!(fmt_us(4_400), "4.4 ms");
        assert_eq!(fmt_us(105_000), "105 ms");
        assert_eq!(fmt_us(2_345_000), "2.35 s");
        assert_eq!(fmt_at(3_250_999), "3.250 s");
    }

    #[test]
    fn session_lists_group_runs() {
        assert_eq!(sessions(&[0]), "C1");
        assert_eq!(sessions(&[0, 1]), "C1–C2");
        assert_eq!(sessions(&[0, 2, 3]), "C1, C3–C4");
        assert_eq!(sessions(&[0, 2, 4, 6, 7]), "C1, C3, C5 and 2 more");
    }

    #[test]
    fn ellipsis_fits_the_width() {
        let long = "a-very-long-node-name";
        let cut = ellipsis(long, 13.0, true, 80.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 13.0, true) <= 80.0);
        assert_eq!(ellipsis("f1", 13.0, true, 80.0), "f1");
    }
}
