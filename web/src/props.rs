//! The properties the panels share: a part of the view model and the
//! callback that dispatches actions to the one reducer.

use crate::state::Action;
use std::rc::Rc;
use yew::prelude::*;

/// A panel's properties: its part of the view model, and where actions
/// go. Two are equal when the part is (the callback is made anew on every
/// render of the page and always dispatches to the same reducer), so a
/// panel redraws exactly when its part changed.
#[derive(Properties)]
pub struct Part<T: PartialEq + 'static> {
    /// The part of the view model this panel shows.
    pub view: Rc<T>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

impl<T: PartialEq + 'static> PartialEq for Part<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.view, &other.view) || self.view == other.view
    }
}

/// A callback that dispatches `a` on a click.
pub fn on_click(cb: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
}
