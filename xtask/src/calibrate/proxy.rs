//! The latency proxy between the real primary and its standby: a TCP relay
//! on a loopback port that delays every chunk of bytes, in each direction,
//! by D, so that the standby is "D away" as a simulated follower behind a
//! link of one-way latency D is.
//!
//! Byte order is kept: each chunk is written at max(its read time + D, the
//! previous chunk's write time), by one writer thread per direction that
//! takes chunks from a FIFO queue. D can change while connections are open
//! ([`Proxy::set_delay`]); a chunk keeps the D in force when it was read.
//!
//! When one side closes, the bytes already queued are still delivered and
//! then the other side is closed, as the kernel of a dead peer would.
//! [`Proxy::kill`] is the other kind of end, used by the failover variants:
//! every connection is shut down at once, the bytes in flight are
//! discarded, and the listening port is closed so a reconnect is refused.
//!
//! std only (threads, `TcpStream`, channels): xtask has no dependencies.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Bytes read per chunk. WAL arrives in pieces of up to 128 kB; a smaller
/// buffer only splits a burst into chunks with the same deadline.
const CHUNK_BYTES: usize = 64 * 1024;

/// What the relay threads share.
struct Shared {
    upstream_port: u16,
    delay_us: AtomicU64,
    killed: AtomicBool,
    /// One clone of every socket, so [`Proxy::kill`] can shut them all.
    sockets: Mutex<Vec<TcpStream>>,
}

/// A running proxy; killed when dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free loopback port and relays each connection to
    /// `127.0.0.1:upstream_port`, delaying both directions by `delay`.
    pub fn start(upstream_port: u16, delay: Duration) -> Result<Proxy, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|err| format!("proxy: cannot listen on loopback: {err}"))?;
        let port = listener.local_addr().map_err(|err| err.to_string())?.port();
        let shared = Arc::new(Shared {
            upstream_port,
            delay_us: AtomicU64::new(delay.as_micros() as u64),
            killed: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("proxy-accept-{port}"))
            .spawn(move || accept_loop(listener, &accept_shared))
            .map_err(|err| format!("proxy: cannot start a thread: {err}"))?;
        Ok(Proxy {
            port,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The port the standby connects to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Changes D for every chunk read from now on.
    pub fn set_delay(&self, delay: Duration) {
        self.shared
            .delay_us
            .store(delay.as_micros() as u64, Ordering::SeqCst);
    }

    /// Cuts every connection at once and stops listening: bytes in flight
    /// are discarded, peers see their connection closed, and a reconnect is
    /// refused. Returns when the listening socket is closed.
    pub fn kill(&mut self) {
        if self.shared.killed.swap(true, Ordering::SeqCst) {
            return;
        }
        for socket in self.shared.sockets.lock().unwrap().drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        // Wake the acceptor, which sees `killed` and drops the listener.
        let _ = TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)),
            Duration::from_secs(1),
        );
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.kill();
    }
}

fn accept_loop(listener: TcpListener, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.killed.load(Ordering::SeqCst) {
            return;
        }
        let Ok(downstream) = incoming else { continue };
        let upstream_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, shared.upstream_port));
        // The upstream is down (a killed primary): refuse by closing.
        let Ok(upstream) = TcpStream::connect_timeout(&upstream_addr, Duration::from_secs(2))
        else {
            continue;
        };
        if let Err(err) = relay(downstream, upstream, shared) {
            eprintln!("proxy: cannot relay a connection: {err}");
        }
    }
}

/// Starts the two directions of one connection.
fn relay(downstream: TcpStream, upstream: TcpStream, shared: &Arc<Shared>) -> std::io::Result<()> {
    downstream.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    {
        let mut sockets = shared.sockets.lock().unwrap();
        if shared.killed.load(Ordering::SeqCst) {
            return Ok(());
        }
        sockets.push(downstream.try_clone()?);
        sockets.push(upstream.try_clone()?);
    }
    for (from, to) in [
        (downstream.try_clone()?, upstream.try_clone()?),
        (upstream, downstream),
    ] {
        let (sender, receiver) = mpsc::channel();
        let reader_shared = Arc::clone(shared);
        let writer_shared = Arc::clone(shared);
        thread::Builder::new()
            .name("proxy-read".into())
            .spawn(move || read_chunks(from, &reader_shared, &sender))?;
        thread::Builder::new()
            .name("proxy-write".into())
            .spawn(move || write_chunks(to, &writer_shared, &receiver))?;
    }
    Ok(())
}

/// A chunk to write at `due`, or `None` for "the source closed".
type Chunk = Option<(Instant, Vec<u8>)>;

fn read_chunks(mut from: TcpStream, shared: &Shared, queue: &mpsc::Sender<Chunk>) {
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let delay = Duration::from_micros(shared.delay_us.load(Ordering::SeqCst));
                if queue
                    .send(Some((Instant::now() + delay, buf[..n].to_vec())))
                    .is_err()
                {
                    return;
                }
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = queue.send(None);
}

fn write_chunks(mut to: TcpStream, shared: &Shared, queue: &Receiver<Chunk>) {
    // Chunks leave in the order they were read; a chunk whose deadline has
    // passed (D was lowered, or the previous write was late) goes at once,
    // right after the previous one.
    while let Ok(chunk) = queue.recv() {
        let Some((due, bytes)) = chunk else {
            if !shared.killed.load(Ordering::SeqCst) {
                let _ = to.shutdown(Shutdown::Write);
            }
            return;
        };
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        }
        if shared.killed.load(Ordering::SeqCst) || to.write_all(&bytes).is_err() {
            // Killed, or the receiver is gone: the rest is discarded.
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a free port, answering each read at once.
    fn echo_server() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || {
                    let mut stream = stream;
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        port
    }

    fn read_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        stream.read_exact(&mut out).unwrap();
        out
    }

    #[test]
    fn delays_both_directions_and_keeps_order() {
        let proxy = Proxy::start(echo_server(), Duration::from_millis(30)).unwrap();
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).unwrap();
        client.set_nodelay(true).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let started = Instant::now();
        client.write_all(b"ab").unwrap();
        assert_eq!(read_n(&mut client, 2), b"ab");
        let round_trip = started.elapsed();
        // Two directions of 30 ms each, plus scheduling.
        assert!(round_trip >= Duration::from_millis(60), "{round_trip:?}");
        assert!(round_trip < Duration::from_millis(500), "{round_trip:?}");

        // Lower D while bytes sent under the old D are still queued: the
        // later, faster bytes must not overtake them.
        client.write_all(b"cd").unwrap();
        thread::sleep(Duration::from_millis(5));
        proxy.set_delay(Duration::ZERO);
        client.write_all(b"ef").unwrap();
        assert_eq!(read_n(&mut client, 4), b"cdef");
    }

    #[test]
    fn kill_discards_bytes_in_flight_and_refuses_reconnects() {
        let mut proxy = Proxy::start(echo_server(), Duration::from_millis(200)).unwrap();
        let port = proxy.port();
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        client.write_all(b"lost").unwrap();
        thread::sleep(Duration::from_millis(20));
        proxy.kill();
        let mut buf = [0u8; 4];
        // The connection ends without the 4 bytes that were in flight.
        assert!(matches!(client.read(&mut buf), Ok(0) | Err(_)));
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    }
}
