//! Form controls that always show the value they are given.
//!
//! A `<select>`'s `selected` options only set its initial choice: once the
//! element exists, the browser keeps whatever was chosen last, so a menu
//! re-rendered with another value can go on showing the old one (the lab
//! once showed "1/1000× slow-mo" while a chapter ran at 1×, and "default"
//! as the scenario of chapter 4). [`Select`] sets the element's value
//! after every render, so it shows what the view model says.

use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A `<select>` showing `value`.
#[derive(Properties, PartialEq)]
pub struct SelectProps {
    /// Element id.
    pub id: AttrValue,
    /// The option shown.
    pub value: AttrValue,
    /// `(value, label)` of each option.
    pub options: Vec<(AttrValue, AttrValue)>,
    /// Called with the value chosen.
    pub onchange: Callback<String>,
    /// Accessible name, when no `<label>` wraps it.
    #[prop_or_default]
    pub aria_label: Option<AttrValue>,
    /// `data-mitigation` (the read-routing menu's test hook).
    #[prop_or_default]
    pub data_mitigation: Option<AttrValue>,
}

/// A `<select>` that shows `value` after every render.
#[function_component]
pub fn Select(p: &SelectProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let value = p.value.clone();
        use_effect(move || {
            if let Some(el) = node.cast::<HtmlSelectElement>() {
                if el.value() != *value {
                    el.set_value(&value);
                }
            }
        });
    }
    let onchange = {
        let cb = p.onchange.clone();
        Callback::from(move |e: Event| {
            if let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            {
                cb.emit(el.value());
            }
        })
    };
    html! {
        <select ref={node} id={p.id.clone()} {onchange} aria-label={p.aria_label.clone()}
                data-mitigation={p.data_mitigation.clone()}>
            { for p.options.iter().map(|(v, label)| html! {
                <option value={v.clone()} selected={*v == p.value}>{label.clone()}</option>
            }) }
        </select>
    }
}
