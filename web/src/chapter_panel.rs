//! The guided chapter's panel: narration, the predict-then-observe
//! question, and navigation. The learner's pick and commitment are the
//! reducer's state ([`crate::state::ChapterState`]), so the panel only
//! shows the view model and dispatches actions; telling an embedding page
//! that a chapter was completed is the page's effect, not this render's.

use crate::icons::{icon, Icon};
use crate::props::{on_click, Part};
use crate::state::Action;
use crate::view::panels::ChapterView;
use crate::widgets::Select;
use yew::prelude::*;

/// The chapter panel.
#[function_component]
pub fn ChapterPanel(props: &Part<ChapterView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let i = v.index;
    let on_jump = {
        let cb = cb.clone();
        Callback::from(move |value: String| {
            if let Ok(n) = value.parse::<usize>() {
                cb.emit(Action::OpenChapter(Some(n)));
            }
        })
    };
    // Back to time zero, then play: the run pauses at the key event again.
    let replay = {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| {
            cb.emit(Action::Rewind);
            cb.emit(Action::SetPlaying(true));
        })
    };
    let titles: Vec<(AttrValue, AttrValue)> = v
        .titles
        .iter()
        .enumerate()
        .map(|(j, t)| (AttrValue::from(j.to_string()), AttrValue::from(t.clone())))
        .collect();
    html! {
        <section class="panel chapter" id="chapter" data-chapter={(i + 1).to_string()}
                 data-key={v.key} data-key-us={v.key_us.map(|t| t.to_string())}
                 data-evidence={v.evidence}
                 aria-labelledby="chapter-title">
            <div class="chapter-nav">
                <button id="chapter-back" onclick={on_click(cb, Action::OpenChapter(i.checked_sub(1)))} disabled={i == 0}>{"Back"}</button>
                <Select id="chapter-jump" value={i.to_string()} options={titles} onchange={on_jump}
                        aria_label={AttrValue::from("Jump to chapter")}/>
                if v.last {
                    <button id="chapter-next" class="primary" onclick={on_click(cb, Action::OpenChapter(None))}>{"Open the sandbox"}</button>
                } else {
                    <button id="chapter-next" onclick={on_click(cb, Action::OpenChapter(Some(i + 1)))}>{"Next"}</button>
                }
                <button id="chapter-close" class="ghost" onclick={on_click(cb, Action::OpenChapter(None))}
                        title="Leave the lessons for the free sandbox" aria-label="Leave the lessons">{ icon(Icon::Close) }</button>
            </div>
            <h2 id="chapter-title">{v.heading.clone()}</h2>
            { for v.narration.iter().map(|p| html! { <p>{*p}</p> }) }
            <fieldset class="predict" disabled={v.committed}>
                <legend>{"Predict: "}{v.question}</legend>
                { for v.options.iter().enumerate().map(|(j, o)| {
                    let cb = cb.clone();
                    html! {
                        <label class="option">
                            <input type="radio" name="predict" id={format!("predict-{j}")}
                                   checked={v.pick == Some(j)}
                                   onchange={Callback::from(move |_: Event| cb.emit(Action::Predict(j)))} />
                            <span>{*o}</span>
                        </label>
                    }
                }) }
            </fieldset>
            <div class="chapter-actions">
                if !v.committed {
                    <button id="predict-commit" onclick={on_click(cb, Action::CommitGuess)} disabled={v.pick.is_none()}>{"Commit my guess"}</button>
                } else if !v.ran {
                    <button id="experiment-run" class="primary" onclick={on_click(cb, Action::SetPlaying(true))}>
                        { icon(Icon::Play) }{" Run the experiment"}
                    </button>
                } else if v.revealed {
                    <button id="chapter-replay" onclick={replay}>
                        { icon(Icon::Play) }{" Replay from the start"}
                    </button>
                }
            </div>
            if v.committed && !v.revealed {
                <p class="caption" id="chapter-waiting">{v.waiting.clone()}</p>
            }
            if let Some(note) = &v.speed_note {
                if v.committed && !v.revealed {
                    <p class="caption" id="chapter-speed-note">{note.clone()}</p>
                }
            }
            if v.revealed {
                <div class="reveal" id="chapter-reveal" role="status" data-correct={v.correct.to_string()}>
                    <p class="key-line" id="chapter-key">{v.key_text.clone()}</p>
                    <p>{v.reveal.clone()}</p>
                </div>
            }
        </section>
    }
}
