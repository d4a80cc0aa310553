//! The properties the panels share: a part of the view model and the
//! callback that dispatches actions to the one reducer.

use crate::state::Action;
use std::rc::Rc;
use yew::prelude::*;

/// A panel's properties: its part of the view model, and where actions
/// go. Two are equal when they hold the same part (the page rebuilds a
/// part only when what it shows may have changed; the callback is made
/// anew on every render and always dispatches to the same reducer), so a
/// panel redraws when its part was rebuilt.
#[derive(Properties)]
pub struct Part<T: 'static> {
    /// The part of the view model this panel shows.
    pub view: Rc<T>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

impl<T: 'static> PartialEq for Part<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.view, &other.view)
    }
}

/// A callback that dispatches `a` on a click.
pub fn on_click(cb: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
}
