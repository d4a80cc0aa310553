//! `replica`: run, list and check replication scenarios from the shell.

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = replica::main_with(&argv, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
