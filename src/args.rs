//! Command-line arguments of `replica`, parsed by hand into a typed
//! [`Command`] so that every mistake gets an error naming the argument and
//! the fix (and so the parser can be fuzzed without a process).

use std::fmt;

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `replica run FILE [--seed N] [--json] [--history OUT]`
    Run {
        /// Scenario file.
        file: String,
        /// Seed override.
        seed: Option<u64>,
        /// Print the JSON report instead of the summary.
        json: bool,
        /// Write the history of client operations here.
        history: Option<String>,
        /// In which format.
        history_format: HistoryFormat,
    },
    /// `replica list [DIR]`
    List {
        /// Folder of scenarios.
        dir: String,
    },
    /// `replica check [DIR]`
    Check {
        /// Folder of scenarios.
        dir: String,
    },
    /// `replica sweep FILE --seeds A..B [--jobs N]`
    Sweep {
        /// Scenario file.
        file: String,
        /// First seed.
        from: u64,
        /// Last seed (inclusive).
        to: u64,
        /// Worker threads (default: all cores).
        jobs: Option<usize>,
    },
    /// `replica swarm --seeds A..B [--jobs N] [--print]`
    Swarm {
        /// First seed.
        from: u64,
        /// Last seed (inclusive).
        to: u64,
        /// Worker threads.
        jobs: Option<usize>,
        /// Print each generated scenario as TOML instead of running it.
        print: bool,
    },
    /// `replica bench` (or, internally, one memory run in a child).
    Bench {
        /// Run only one scenario, as `replica run` does, for this many
        /// simulated minutes and print the peak RSS.
        memory: Option<(MemoryScenario, u64)>,
    },
    /// `replica help`
    Help,
}

/// The scenario of a memory run (`replica bench --memory-minutes N
/// --memory-scenario NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryScenario {
    /// `scenarios/default.toml` (`default`).
    Default,
    /// `scenarios/bench-memory-5-nodes.toml`, 10,000 writes/s (`load`).
    Load,
}

/// How `--history` is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFormat {
    /// A JSON array of operation records.
    Json,
    /// Jepsen's EDN history: an invoke and a completion per operation.
    Edn,
}

/// A command line that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgError {
    /// The argument at fault.
    pub arg: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argument `{}`: {}\n\n{}", self.arg, self.message, USAGE)
    }
}

/// Usage text.
pub const USAGE: &str = "\
usage:
  replica run FILE [--seed N] [--json] [--history OUT] [--history-format json|edn]
  replica list [DIR]        (default DIR: scenarios)
  replica check [DIR]       run every scenario in DIR and check its expectations
    replica sweep FILE --seeds A..B [--jobs N]
                            run many seeds in parallel and summarise
  replica swarm --seeds A..B [--jobs N] [--print]
                            random clusters under random faults, invariants
                                                        checked after every event
  replica bench             native performance figures (takes minutes)
  replica help";

fn err(arg: &str, message: impl Into<String>) -> ArgError {
    ArgError {
        arg: arg.to_string(),
        message: message.into(),
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, ArgError> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match cmd.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "run" => {
            let mut file = None;
            let mut seed = None;
            let mut json = false;
            let mut history = None;
            let mut history_format = HistoryFormat::Json;
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--json" => json = true,
                    "--seed" => {
                        let v = it
                            .next()
                            .ok_or_else(|| err(a, "needs a number, e.g. --seed 42"))?;
                        seed = Some(v.parse::<u64>().map_err(|_| {
                            err(
                                v,
                                "the seed must be a whole number from 0 to 18446744073709551615",
                            )
                        })?);
                    }
                    "--history" => {
                        let v = it
                            .next()
                            .ok_or_else(|| err(a, "needs a file name, e.g. --history out.json"))?;
                        history = Some(v.clone());
                    }
                    "--history-format" => {
                        let v = it.next().ok_or_else(|| err(a, "needs json or edn"))?;
                        history_format = match v.as_str() {
                            "json" => HistoryFormat::Json,
                            "edn" => HistoryFormat::Edn,
                            _ => return Err(err(v, "the history format is json or edn")),
                        };
                    }
                    s if s.starts_with('-') => {
                        return Err(err(
                            s,
                            "unknown option; run accepts --seed N, --json, --history OUT and --history-format json|edn",
                        ))
                    }
                    s => {
                        if file.is_some() {
                            return Err(err(s, "only one scenario file can be run at a time"));
                        }
                        file = Some(s.to_string());
                    }
                }
            }
            let file = file.ok_or_else(|| {
                err(
                    "run",
                    "needs a scenario file, e.g. replica run scenarios/default.toml",
                )
            })?;
            if history.is_none() && history_format == HistoryFormat::Edn {
                return Err(err(
                    "--history-format",
                    "needs --history OUT to say where to write",
                ));
            }
            Ok(Command::Run {
                file,
                seed,
                json,
                history,
                history_format,
            })
        }
        "list" | "check" => {
            if rest.len() > 1 {
                return Err(err(&rest[1], "takes at most one folder"));
            }
            if let Some(a) = rest.first().filter(|a| a.starts_with('-')) {
                return Err(err(a, "unknown option"));
            }
            let dir = rest
                .first()
                .cloned()
                .unwrap_or_else(|| "scenarios".to_string());
            Ok(if cmd == "list" {
                Command::List { dir }
            } else {
                Command::Check { dir }
            })
        }
        "sweep" => parse_sweep(rest),
        "bench" => match rest {
            [] => Ok(Command::Bench { memory: None }),
            [flag, m, more @ ..] if flag == "--memory-minutes" => {
                let minutes: u64 = m
                    .parse()
                    .map_err(|_| err(m, "the number of minutes must be a whole number"))?;
                let scenario = match more {
                    [] => MemoryScenario::Load,
                    [flag, name] if flag == "--memory-scenario" => match name.as_str() {
                        "default" => MemoryScenario::Default,
                        "load" => MemoryScenario::Load,
                        _ => return Err(err(name, "the memory scenario is default or load")),
                    },
                    [other, ..] => {
                        return Err(err(
                            other,
                            "after --memory-minutes N only --memory-scenario default|load",
                        ))
                    }
                };
                Ok(Command::Bench {
                    memory: Some((scenario, minutes)),
                })
            }
            [other, ..] => Err(err(other, "bench takes no arguments")),
        },
        "swarm" => {
            let print = rest.iter().any(|a| a == "--print");
            let mut with_file = vec!["swarm".to_string()];
            with_file.extend(rest.iter().filter(|a| *a != "--print").cloned());
            match parse_sweep(&with_file)? {
                Command::Sweep { from, to, jobs, .. } => Ok(Command::Swarm {
                    from,
                    to,
                    jobs,
                    print,
                }),
                other => Ok(other),
            }
        }
        other => Err(err(
            other,
            "unknown command; use run, list, check, sweep or help",
        )),
    }
}

fn parse_sweep(rest: &[String]) -> Result<Command, ArgError> {
    let mut file = None;
    let mut seeds = None;
    let mut jobs = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seeds" => {
                let v = it
                    .next()
                    .ok_or_else(|| err(a, "needs a range, e.g. --seeds 1..10000"))?;
                let (lo, hi) = v
                    .split_once("..")
                    .ok_or_else(|| err(v, "write the seed range as A..B, e.g. 1..10000"))?;
                let lo: u64 = lo
                    .parse()
                    .map_err(|_| err(v, "the range start is not a whole number"))?;
                let hi: u64 = hi
                    .parse()
                    .map_err(|_| err(v, "the range end is not a whole number"))?;
                if hi < lo {
                    return Err(err(v, "the range ends before it starts"));
                }
                seeds = Some((lo, hi));
            }
            "--jobs" => {
                let v = it
                    .next()
                    .ok_or_else(|| err(a, "needs a number of threads"))?;
                let n: usize = v
                    .parse()
                    .map_err(|_| err(v, "the number of jobs must be a whole number"))?;
                if n == 0 {
                    return Err(err(v, "at least one job is needed"));
                }
                jobs = Some(n);
            }
            s if s.starts_with('-') => {
                return Err(err(
                    s,
                    "unknown option; sweep accepts --seeds A..B and --jobs N",
                ))
            }
            s => {
                if file.is_some() {
                    return Err(err(s, "only one scenario file can be swept at a time"));
                }
                file = Some(s.to_string());
            }
        }
    }
    let file = file.ok_or_else(|| err("sweep", "needs a scenario file"))?;
    let (from, to) = seeds.ok_or_else(|| err("sweep", "needs --seeds A..B"))?;
    Ok(Command::Sweep {
        file,
        from,
        to,
        jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Command, ArgError> {
        parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn parses_run_with_options() {
        assert_eq!(
            p("run a.toml --seed 7 --json"),
            Ok(Command::Run {
                file: "a.toml".into(),
                seed: Some(7),
                json: true,
                history: None,
                history_format: HistoryFormat::Json,
            })
        );
        assert_eq!(p(""), Ok(Command::Help));
        assert_eq!(
            p("check"),
            Ok(Command::Check {
                dir: "scenarios".into()
            })
        );
    }

    #[test]
    fn rejects_mistakes_naming_the_argument() {
        assert_eq!(p("run a.toml --seed x").unwrap_err().arg, "x");
        assert_eq!(p("run --seed").unwrap_err().arg, "--seed");
        assert_eq!(p("run").unwrap_err().arg, "run");
        assert_eq!(p("frobnicate").unwrap_err().arg, "frobnicate");
        assert_eq!(p("run a.toml --fast").unwrap_err().arg, "--fast");
        assert_eq!(p("sweep a.toml --seeds 9..1").unwrap_err().arg, "9..1");
        assert_eq!(p("sweep a.toml").unwrap_err().arg, "sweep");
        assert_eq!(
            p("run a.toml --history-format edn").unwrap_err().arg,
            "--history-format"
        );
    }

    #[test]
    fn parses_sweep() {
        assert_eq!(
            p("sweep a.toml --seeds 1..100 --jobs 2"),
            Ok(Command::Sweep {
                file: "a.toml".into(),
                from: 1,
                to: 100,
                jobs: Some(2)
            })
        );
    }
}
