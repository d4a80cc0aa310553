//! The messages in flight, painted on one `<canvas>` laid exactly over the
//! cluster's SVG drawing, from the view model's placement
//! ([`FlightsView`]).
//!
//! Why a canvas: with a thousand messages in flight, one SVG element per
//! message cost more than a frame's budget in building, parsing, laying
//! out, painting and garbage-collecting. On a canvas the page clears and
//! fills a few paths per frame and nothing else of the page is redone.
//! Each kind has its colour (Okabe–Ito, read from the page's CSS
//! variables, so both themes follow) and shape: write ●, WAL record ■,
//! ack ◆, OK ● with a tick, read ○, read reply □, heartbeat small ●,
//! vote ▲. Shapes are filled outlines (filling is cheaper than stroking),
//! hollow ones with a hole in the panel's colour.

use crate::view::flights::FlightsView;
use crate::view::Viewer;
use std::f64::consts::TAU;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A `CanvasRenderingContext2D` (bound here rather than through
    /// `web-sys` features, for the few calls the drawing makes).
    type Ctx;

    #[wasm_bindgen(method, js_name = setTransform)]
    fn set_transform(this: &Ctx, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64);
    #[wasm_bindgen(method, js_name = clearRect)]
    fn clear_rect(this: &Ctx, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method, js_name = beginPath)]
    fn begin_path(this: &Ctx);
    #[wasm_bindgen(method, js_name = moveTo)]
    fn move_to(this: &Ctx, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = lineTo)]
    fn line_to(this: &Ctx, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = quadraticCurveTo)]
    fn quad_to(this: &Ctx, cx: f64, cy: f64, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = closePath)]
    fn close_path(this: &Ctx);
    #[wasm_bindgen(method)]
    fn arc(this: &Ctx, x: f64, y: f64, r: f64, start: f64, end: f64);
    #[wasm_bindgen(method)]
    fn rect(this: &Ctx, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method)]
    fn fill(this: &Ctx);
    #[wasm_bindgen(method)]
    fn stroke(this: &Ctx);
    #[wasm_bindgen(method, js_name = fillText)]
    fn fill_text(this: &Ctx, text: &str, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = strokeText)]
    fn stroke_text(this: &Ctx, text: &str, x: f64, y: f64);
    #[wasm_bindgen(method, setter = fillStyle)]
    fn set_fill_style(this: &Ctx, v: &str);
    #[wasm_bindgen(method, setter = strokeStyle)]
    fn set_stroke_style(this: &Ctx, v: &str);
    #[wasm_bindgen(method, setter = lineWidth)]
    fn set_line_width(this: &Ctx, v: f64);
    #[wasm_bindgen(method, setter = lineJoin)]
    fn set_line_join(this: &Ctx, v: &str);
    #[wasm_bindgen(method, setter = font)]
    fn set_font(this: &Ctx, v: &str);

    /// An `HTMLCanvasElement`.
    type Canvas;

    #[wasm_bindgen(method, js_name = getContext)]
    fn get_context(this: &Canvas, kind: &str) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn width(this: &Canvas) -> u32;
    #[wasm_bindgen(method, setter)]
    fn set_width(this: &Canvas, v: u32);
    #[wasm_bindgen(method, getter)]
    fn height(this: &Canvas) -> u32;
    #[wasm_bindgen(method, setter)]
    fn set_height(this: &Canvas, v: u32);

    /// A `CSSStyleDeclaration`.
    type Style;

    #[wasm_bindgen(js_name = getComputedStyle)]
    fn computed_style(el: &web_sys::Element) -> Style;
    #[wasm_bindgen(method, js_name = getPropertyValue)]
    fn property(this: &Style, name: &str) -> String;
}

/// A message's shape, filled: the outline of [`crate::cluster::glyph`]'s
/// stroked shape (its stroke included), sizes in SVG units.
#[derive(Clone, Copy)]
enum Shape {
    /// A disc of this radius.
    Disc(f64),
    /// A square of this half-side with corners of this radius.
    Square(f64, f64),
    /// A square standing on a corner, centre to corner.
    Diamond(f64),
    /// A triangle pointing up.
    Triangle,
    /// A cross (stroked: the one shape that is only lines).
    Cross,
}

/// One kind as drawn: its CSS colour variable, its shape, and for the
/// hollow read path the hole left in the panel's colour.
struct Kind {
    colour: &'static str,
    shape: Shape,
    hole: Option<Shape>,
}

/// The kinds in drawing order (later ones on top).
const KINDS: [Kind; 9] = [
    Kind {
        colour: "--heartbeat",
        shape: Shape::Disc(4.5),
        hole: None,
    },
    Kind {
        colour: "--vote",
        shape: Shape::Triangle,
        hole: None,
    },
    Kind {
        colour: "--read",
        shape: Shape::Disc(6.75),
        hole: Some(Shape::Disc(4.25)),
    },
    Kind {
        colour: "--read",
        shape: Shape::Square(6.25, 2.25),
        hole: Some(Shape::Square(3.75, 0.0)),
    },
    Kind {
        colour: "--wal",
        shape: Shape::Square(6.5, 2.0),
        hole: None,
    },
    Kind {
        colour: "--ack",
        shape: Shape::Diamond(8.4),
        hole: None,
    },
    Kind {
        colour: "--write",
        shape: Shape::Disc(7.0),
        hole: None,
    },
    Kind {
        colour: "--ok",
        shape: Shape::Disc(7.5),
        hole: None,
    },
    Kind {
        colour: "--vote",
        shape: Shape::Cross,
        hole: None,
    },
];

/// Index in [`KINDS`] of the OK, which also gets a tick.
const OK: usize = 7;
/// Index in [`KINDS`] of the cross (control messages).
const CROSS: usize = 8;

/// The page's colours and label font, read from its CSS.
struct Palette {
    /// Each kind's colour, in [`KINDS`] order.
    kinds: Vec<String>,
    panel: String,
    ink: String,
    focus: String,
    font: String,
}

impl Palette {
    fn read(el: &web_sys::Element) -> Palette {
        let style = computed_style(el);
        let var = |name: &str| style.property(name).trim().to_string();
        Palette {
            kinds: KINDS.iter().map(|k| var(k.colour)).collect(),
            panel: var("--panel"),
            ink: var("--ink"),
            focus: var("--focus"),
            font: format!("600 11px {}", style.property("font-family")),
        }
    }
}

/// Adds one shape centred on `(x, y)` to the current path.
fn trace(ctx: &Ctx, shape: Shape, x: f64, y: f64) {
    match shape {
        Shape::Disc(r) => {
            ctx.move_to(x + r, y);
            ctx.arc(x, y, r, 0.0, TAU);
        }
        Shape::Square(h, 0.0) => ctx.rect(x - h, y - h, 2.0 * h, 2.0 * h),
        Shape::Square(h, r) => {
            let (l, t, rt, b) = (x - h, y - h, x + h, y + h);
            ctx.move_to(l + r, t);
            ctx.line_to(rt - r, t);
            ctx.quad_to(rt, t, rt, t + r);
            ctx.line_to(rt, b - r);
            ctx.quad_to(rt, b, rt - r, b);
            ctx.line_to(l + r, b);
            ctx.quad_to(l, b, l, b - r);
            ctx.line_to(l, t + r);
            ctx.quad_to(l, t, l + r, t);
            ctx.close_path();
        }
        Shape::Diamond(r) => {
            ctx.move_to(x, y - r);
            ctx.line_to(x + r, y);
            ctx.line_to(x, y + r);
            ctx.line_to(x - r, y);
            ctx.close_path();
        }
        Shape::Triangle => {
            ctx.move_to(x, y - 9.1);
            ctx.line_to(x + 8.2, y + 6.0);
            ctx.line_to(x - 8.2, y + 6.0);
            ctx.close_path();
        }
        Shape::Cross => {
            ctx.move_to(x - 5.0, y - 5.0);
            ctx.line_to(x + 5.0, y + 5.0);
            ctx.move_to(x + 5.0, y - 5.0);
            ctx.line_to(x - 5.0, y + 5.0);
        }
    }
}

/// Draws `scene` on `canvas`, `css_w` CSS pixels wide, scaled as the SVG
/// below it scales its viewBox: to its width, since its height follows
/// from the viewBox's proportions.
fn paint(canvas: &web_sys::Element, css_w: f64, scene: &FlightsView, palette: &Palette) {
    let c: &Canvas = canvas.unchecked_ref();
    let ctx: Ctx = c.get_context("2d").unchecked_into();
    if ctx.is_falsy() {
        return;
    }
    let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let css_h = if scene.w > 0.0 {
        css_w * scene.h / scene.w
    } else {
        0.0
    };
    let (px_w, px_h) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
    if c.width() != px_w || c.height() != px_h {
        c.set_width(px_w);
        c.set_height(px_h);
    }
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, px_w as f64, px_h as f64);
    if scene.w <= 0.0 || scene.h <= 0.0 || css_w <= 0.0 {
        return;
    }
    let scale = (css_w / scene.w).min(css_h / scene.h);
    let (ox, oy) = (
        (css_w - scene.w * scale) / 2.0,
        (css_h - scene.h * scale) / 2.0,
    );
    ctx.set_transform(scale * dpr, 0.0, 0.0, scale * dpr, ox * dpr, oy * dpr);
    ctx.set_line_join("round");
    for (k, kind) in KINDS.iter().enumerate() {
        for (involved, at) in scene.at.iter().map(|a| &a[k]).enumerate() {
            if at.is_empty() {
                continue;
            }
            ctx.begin_path();
            for &(x, y) in at {
                trace(&ctx, kind.shape, x, y);
            }
            if k == CROSS {
                ctx.set_stroke_style(&palette.kinds[k]);
                ctx.set_line_width(2.5);
                ctx.stroke();
            } else {
                ctx.set_fill_style(&palette.kinds[k]);
                ctx.fill();
            }
            if involved == 1 {
                ctx.set_stroke_style(&palette.focus);
                ctx.set_line_width(3.0);
                ctx.stroke();
            }
            if let Some(hole) = kind.hole {
                ctx.begin_path();
                for &(x, y) in at {
                    trace(&ctx, hole, x, y);
                }
                ctx.set_fill_style(&palette.panel);
                ctx.fill();
            }
            if k == OK {
                ctx.begin_path();
                for &(x, y) in at {
                    ctx.move_to(x - 3.2, y + 0.2);
                    ctx.line_to(x - 1.0, y + 2.6);
                    ctx.line_to(x + 3.2, y - 2.6);
                }
                ctx.set_stroke_style("#10324a");
                ctx.set_line_width(1.8);
                ctx.stroke();
            }
        }
    }
    if !scene.labels.is_empty() {
        ctx.set_font(&palette.font);
        ctx.set_line_width(3.0);
        ctx.set_stroke_style(&palette.panel);
        ctx.set_fill_style(&palette.ink);
        for (text, x, y) in &scene.labels {
            ctx.stroke_text(text, x + 9.0, y - 6.0);
            ctx.fill_text(text, x + 9.0, y - 6.0);
        }
    }
}

/// Draws the messages in flight on the canvas the returned reference is
/// put on, whenever they change. The canvas must lie over the cluster
/// drawing, as wide as it is.
#[hook]
pub fn use_flights(flights: Rc<FlightsView>, viewer: Viewer) -> NodeRef {
    let canvas = use_node_ref();
    // The canvas's width in CSS pixels, the window's width it was read at,
    // and paints since. Reading it forces a layout when one is due, so it
    // is read again only when the window's width changed or every few
    // paints; in between, a canvas drawn at a stale width is only
    // stretched evenly by the style sheet: still aligned with the drawing.
    let width = use_mut_ref(|| (0.0, 0.0, 0u32));
    let palette = use_mut_ref(|| None::<(bool, Palette)>);
    {
        let canvas = canvas.clone();
        // The same placement is not painted twice; a new one always is.
        let key = (Rc::as_ptr(&flights) as usize, viewer);
        use_effect_with(key, move |(_, viewer)| {
            if let Some(el) = canvas.cast::<web_sys::Element>() {
                let window_w = web_sys::window()
                    .and_then(|w| w.inner_width().ok())
                    .and_then(|w| w.as_f64())
                    .unwrap_or(0.0);
                let mut w = width.borrow_mut();
                if w.0 <= 0.0 || w.1 != window_w || w.2 >= REREAD_EVERY {
                    *w = (el.client_width() as f64, window_w, 0);
                }
                w.2 += 1;
                let css_w = w.0;
                let mut cached = palette.borrow_mut();
                // Read again when the theme changed, or if the style sheet
                // had not arrived yet the last time.
                if cached
                    .as_ref()
                    .is_none_or(|(dark, p)| *dark != viewer.dark || p.panel.is_empty())
                {
                    *cached = Some((viewer.dark, Palette::read(&el)));
                }
                if let Some((_, p)) = cached.as_ref() {
                    paint(&el, css_w, &flights, p);
                }
                if let Some((sent, due, x, y)) = flights.lead {
                    let _ = el.set_attribute("data-lead", &format!("{sent}-{due} {x:.1} {y:.1}"));
                }
            }
        });
    }
    canvas
}

/// The canvas's width is read again after this many paints.
const REREAD_EVERY: u32 = 6;
