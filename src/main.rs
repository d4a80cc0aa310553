//! `replica`: run, list and check replication scenarios from the shell.

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = replica::main_with(&argv, &mut std::io::stdout());
    std::process::exit(code);
}
