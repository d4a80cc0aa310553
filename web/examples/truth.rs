//! Ground truth for the page's oracle test (`tests/e2e/oracle.test.mjs`):
//! reads a JSON list of requests on standard input — `{ "scenario": name,
//! "seed": n, "t_us": instant, "log": [interventions] }` — and prints, as
//! a JSON list in the same order, the facts the page must show for each
//! (`web/tests/common/truth.rs`), computed by running the engine natively
//! and reading its state directly, never through the page's view model.
//!
//! A request that cannot be answered (unknown scenario, invalid settings)
//! yields `null` and a line on standard error; bad input never panics.

#[path = "../tests/common/truth.rs"]
mod truth;

use replica_web::library;
use replica_web::log::Intervention;
use std::io::Read;

#[derive(serde::Deserialize)]
struct Request {
    scenario: String,
    seed: u64,
    t_us: u64,
    #[serde(default)]
    log: Vec<Intervention>,
    /// A shared link's query: its interventions replace `log`, so a test
    /// can ask about the run the page itself recorded.
    #[serde(default)]
    link: Option<String>,
}

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("truth: cannot read standard input: {e}");
        std::process::exit(2);
    }
    let mut requests: Vec<Request> = match serde_json::from_str(&input) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("truth: not a list of requests: {e}");
            std::process::exit(2);
        }
    };
    // One simulation per scenario, seed and log, run forward through the
    // instants asked for (again from zero when an instant lies behind).
    let mut answers: Vec<Option<truth::Truth>> = vec![None; requests.len()];
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&requests[a], &requests[b]);
        (&x.scenario, x.seed, x.t_us).cmp(&(&y.scenario, y.seed, y.t_us))
    });
    let mut current: Option<(String, u64, String, replica_engine::Simulation)> = None;
    for r in requests.iter_mut() {
        if let Some(query) = r.link.take() {
            let (link, errors) = replica_web::link::Link::parse(&query);
            for e in &errors {
                eprintln!("truth: link: {e}");
            }
            r.log = link.log;
        }
    }
    for i in order {
        let r = &requests[i];
        let log_key = serde_json::to_string(&r.log).unwrap_or_default();
        let reuse = current.as_ref().is_some_and(|(s, seed, log, sim)| {
            *s == r.scenario && *seed == r.seed && *log == log_key && sim.now_us() <= r.t_us
        });
        if !reuse {
            let sc = match library::load(&r.scenario)
                .and_then(|f| f.validate().map_err(|e| e.to_string()))
            {
                Ok(sc) => sc,
                Err(e) => {
                    eprintln!("truth: {}: {e}", r.scenario);
                    continue;
                }
            };
            let sim = truth::simulation(&sc, r.seed);
            current = Some((r.scenario.clone(), r.seed, log_key, sim));
        }
        if let Some((_, _, _, sim)) = current.as_mut() {
            let t = r.t_us.min(sim.scenario.duration_us);
            truth::run_to(sim, &r.log, t);
            answers[i] = Some(truth::truth(sim));
        }
    }
    match serde_json::to_string(&answers) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("truth: {e}");
            std::process::exit(1);
        }
    }
}
