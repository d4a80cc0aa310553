//! The theme an embedding page asks for: the four names the loader uses
//! are read, anything else is a typed error that names it (never a panic),
//! and a `theme` command is told apart from the lab's other messages.

use replica_web::embed::Embed;
use replica_web::theme::{initial, read_command, Theme, ThemeError};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test(unsupported = test)]
fn reads_the_four_names_and_rejects_the_rest() {
    assert_eq!("auto".parse::<Theme>(), Ok(Theme::Auto));
    assert_eq!("host".parse::<Theme>(), Ok(Theme::Auto));
    assert_eq!(" light".parse::<Theme>(), Ok(Theme::Light));
    assert_eq!("dark".parse::<Theme>(), Ok(Theme::Dark));
    for bad in ["", "Dark", "navy", "<img src=x>", &"x".repeat(10_000)] {
        let err = bad.parse::<Theme>().unwrap_err();
        assert_eq!(err, ThemeError(bad.trim().to_string()));
        assert!(err.to_string().len() < 120, "the message stays short");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_asked_theme_wins_over_the_readers_stored_one() {
    let stored = || Some("dark".to_string());
    assert_eq!(initial(Some(Theme::Light), stored), Some("light".into()));
    assert_eq!(
        initial(Some(Theme::Auto), stored),
        None,
        "auto follows the system"
    );
    assert_eq!(initial(None, stored), Some("dark".into()));
    let e = Embed::parse("?embed=1&theme=dark", "http://127.0.0.1");
    assert_eq!(e.theme, Some(Theme::Dark));
    let e = Embed::parse("?embed=1&theme=sepia", "http://127.0.0.1");
    assert_eq!(e.theme, None);
}

fn message(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

#[wasm_bindgen_test]
fn tells_theme_commands_from_other_messages() {
    let one = || ("replicaLab", JsValue::from_f64(1.0));
    let cmd = |c: &str| ("command", JsValue::from_str(c));
    let theme = |t: &str| ("theme", JsValue::from_str(t));
    assert_eq!(
        read_command(&message(&[one(), cmd("theme"), theme("dark")])),
        Some(Ok(Theme::Dark))
    );
    assert_eq!(
        read_command(&message(&[one(), cmd("theme"), theme("mauve")])),
        Some(Err(ThemeError("mauve".into())))
    );
    assert_eq!(
        read_command(&message(&[
            one(),
            cmd("theme"),
            ("theme", JsValue::from_f64(3.0))
        ])),
        Some(Err(ThemeError(String::new())))
    );
    assert_eq!(read_command(&message(&[one(), cmd("play")])), None);
    assert_eq!(read_command(&message(&[cmd("theme"), theme("dark")])), None);
    assert_eq!(read_command(&JsValue::from_str("theme")), None);
    assert_eq!(read_command(&JsValue::NULL), None);
}
