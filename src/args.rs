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
        /// Write the history of client operations here as JSON.
        history: Option<String>,
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
    /// `replica help`
    Help,
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
  replica run FILE [--seed N] [--json] [--history OUT.json]
  replica list [DIR]        (default DIR: scenarios)
  replica check [DIR]       run every scenario in DIR and check its expectations
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
                    s if s.starts_with('-') => {
                        return Err(err(
                            s,
                            "unknown option; run accepts --seed N, --json and --history OUT.json",
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
            Ok(Command::Run {
                file,
                seed,
                json,
                history,
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
        other => Err(err(other, "unknown command; use run, list, check or help")),
    }
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
                history: None
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
    }
}
