//! Entry point of the browser build.

fn main() {
    replica_web::start();
}
