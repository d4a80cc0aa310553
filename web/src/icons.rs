//! Small inline SVG icons, drawn in `currentColor` on a 16 × 16 grid.
//!
//! Icons replace the emoji and symbol characters the page once used (✕, ⛔,
//! ⚠, ★, ✂, ▶, …), which render as empty boxes where no emoji font is
//! installed and whose colours the page cannot control. Each icon is one
//! or two paths: filled ones take the text colour, stroked ones draw their
//! outline in it. They are decorative (`aria-hidden`): every control and
//! tag they sit in names itself in words.

use yew::prelude::*;

/// The icons the page uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    /// A node that crashed.
    Down,
    /// A leader that refuses writes (its lease ran out).
    Fenced,
    /// A leader refusing writes for want of in-sync followers.
    Refusing,
    /// The leader.
    Leader,
    /// A follower.
    Follower,
    /// A candidate in an election.
    Candidate,
    /// An old leader still holding the role.
    Warning,
    /// A node cut off from the others.
    Unlinked,
    /// A cut link; the "partition" fault.
    Cut,
    /// Play.
    Play,
    /// Pause.
    Pause,
    /// One event forward.
    Step,
    /// One event back.
    StepBack,
    /// Back to time zero.
    Rewind,
    /// Start again.
    Reset,
    /// Kill (power off).
    Power,
    /// Light theme.
    Sun,
    /// Dark theme.
    Moon,
    /// Side by side.
    Columns,
    /// Guided lessons.
    Book,
    /// One fewer.
    Minus,
    /// One more.
    Plus,
    /// Close.
    Close,
    /// Copy a link.
    Chain,
    /// A random seed.
    Dice,
}

/// The paths of an icon: `(d, stroked)`.
fn paths(icon: Icon) -> &'static [(&'static str, bool)] {
    match icon {
        Icon::Down => &[("M3.5 2.1 8 6.6l4.5-4.5 1.4 1.4L9.4 8l4.5 4.5-1.4 1.4L8 9.4l-4.5 4.5-1.4-1.4L6.6 8 2.1 3.5z", false)],
        Icon::Fenced => &[("M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zM3.8 6.9h8.4v2.2H3.8z", false)],
        Icon::Refusing => &[("M5 1h6l4 4v6l-4 4H5l-4-4V5zM3.8 6.9h8.4v2.2H3.8z", false)],
        Icon::Leader => &[("M8 1.2l2.1 4.3 4.7.7-3.4 3.3.8 4.7L8 12l-4.2 2.2.8-4.7L1.2 6.2l4.7-.7z", false)],
        Icon::Follower => &[("M8 3a5 5 0 1 0 0 10A5 5 0 0 0 8 3z", true)],
        Icon::Candidate => &[("M2.5 7h11v6.5h-11zM5.5 4.2 8 6.5l4-5", true)],
        Icon::Warning => &[("M8 1.2 15.3 14.3H.7zM7.1 5.6v4.6h1.8V5.6zm0 5.8v1.8h1.8v-1.8z", false)],
        Icon::Unlinked => &[("M6.5 9.5 4.7 11.3a2.3 2.3 0 0 1-3.2-3.2L3.3 6.3M9.5 6.5l1.8-1.8a2.3 2.3 0 0 1 3.2 3.2l-1.8 1.8M2.5 2.5l2.5 2.5M13.5 13.5 11 11", true)],
        Icon::Cut => &[("M6.2 11.5a2.1 2.1 0 1 1-4.2 0 2.1 2.1 0 1 1 4.2 0zM14 11.5a2.1 2.1 0 1 1-4.2 0 2.1 2.1 0 1 1 4.2 0zM5.6 9.8 11.5 1.8M10.4 9.8 4.5 1.8", true)],
        Icon::Play => &[("M4 2.2v11.6L13.5 8z", false)],
        Icon::Pause => &[("M3.5 2.5h3.2v11H3.5zM9.3 2.5h3.2v11H9.3z", false)],
        Icon::Step => &[("M2.5 2.5v11L10 8zM11 2.5h2.5v11H11z", false)],
        Icon::StepBack => &[("M13.5 2.5v11L6 8zM2.5 2.5H5v11H2.5z", false)],
        Icon::Rewind => &[("M2 2.5h2.3v11H2zM14 2.5v11L5.5 8z", false)],
        Icon::Reset => &[("M13 8.5a5 5 0 1 1-1.6-3.9", true), ("M14.2 1.6v4.6H9.6z", false)],
        Icon::Power => &[("M8 1.5v6M4.4 4.3a5.3 5.3 0 1 0 7.2 0", true)],
        Icon::Sun => &[("M8 5.2a2.8 2.8 0 1 0 0 5.6 2.8 2.8 0 1 0 0-5.6z", false), ("M8 .9v1.9M8 13.2v1.9M.9 8h1.9M13.2 8h1.9M3 3l1.3 1.3M11.7 11.7 13 13M3 13l1.3-1.3M11.7 4.3 13 3", true)],
        Icon::Moon => &[("M10.2 1.3a6.7 6.7 0 1 0 4.5 11.4A5.6 5.6 0 0 1 10.2 1.3z", false)],
        Icon::Columns => &[("M1.5 2.5h5.5v11H1.5zM9 2.5h5.5v11H9z", true)],
        Icon::Book => &[("M1.8 3h4.7C7.3 3 8 3.7 8 4.5v9.3c0-.8-.7-1.3-1.5-1.3H1.8zM14.2 3H9.5C8.7 3 8 3.7 8 4.5v9.3c0-.8.7-1.3 1.5-1.3h4.7z", true)],
        Icon::Minus => &[("M3 8h10", true)],
        Icon::Plus => &[("M3 8h10M8 3v10", true)],
        Icon::Close => &[("M4 4l8 8M12 4l-8 8", true)],
        Icon::Chain => &[("M6.6 9.4l2.8-2.8M7 4.6l1.3-1.3a2.5 2.5 0 0 1 3.5 3.5l-1.3 1.3M9 11.4l-1.3 1.3a2.5 2.5 0 0 1-3.5-3.5L5.5 8", true)],
        Icon::Dice => &[("M2.5 2.5h11v11h-11z", true), ("M5.4 4.2a1.2 1.2 0 1 1 0 2.4 1.2 1.2 0 1 1 0-2.4zM10.6 9.4a1.2 1.2 0 1 1 0 2.4 1.2 1.2 0 1 1 0-2.4zM8 6.8a1.2 1.2 0 1 1 0 2.4 1.2 1.2 0 1 1 0-2.4z", false)],
    }
}

fn body(icon: Icon) -> Html {
    html! {
        { for paths(icon).iter().map(|(d, stroked)| html! {
            <path class={if *stroked { "ic-s" } else { "ic-f" }} d={*d}/>
        }) }
    }
}

/// An icon in HTML, as tall as the text around it.
pub fn icon(icon: Icon) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
            { body(icon) }
        </svg>
    }
}

/// An icon inside an SVG drawing, `size` units square, its top-left
/// corner at `(x, y)`.
pub fn icon_at(icon: Icon, x: f64, y: f64, size: f64) -> Html {
    html! {
        <g class="icon" aria-hidden="true"
           transform={format!("translate({x:.1} {y:.1}) scale({:.3})", size / 16.0)}>
            { body(icon) }
        </g>
    }
}
