//! A minimal PostgreSQL client (frontend/backend protocol version 3.0) for
//! the calibration: enough to time single-row commits, change settings and
//! cancel a waiting commit, with nothing but `std::net`.
//!
//! Why not `psql` or a driver crate: xtask must stay dependency-free, and
//! spawning `psql` per commit would time process start-up rather than the
//! commit. Over one kept-open TCP connection, a commit's time is the time
//! between writing the request and reading `ReadyForQuery`.
//!
//! Supported: start-up with `trust` authentication (loopback scratch
//! clusters only), the simple query protocol (`Q`), the extended protocol
//! for one prepared statement (`Parse` once, then `Bind`/`Execute`/`Sync`),
//! `ErrorResponse` and `NoticeResponse` fields, and `CancelRequest` on a
//! separate connection with the key from `BackendKeyData`. Not supported:
//! passwords, TLS, COPY, binary results.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Protocol version 3.0 as sent in the start-up message.
const PROTOCOL_3_0: i32 = 196_608;
/// The request code of a `CancelRequest`.
const CANCEL_REQUEST_CODE: i32 = 80_877_102;
/// Largest backend message accepted; anything larger means a desynchronised
/// stream rather than a real message in this use.
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The fields of an `ErrorResponse` or `NoticeResponse` that are shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notice {
    /// `V` (non-localised severity), else `S`: `ERROR`, `WARNING`, …
    pub severity: String,
    /// `C`: the SQLSTATE.
    pub code: String,
    /// `M`: the primary message.
    pub message: String,
    /// `D`: the detail, if any.
    pub detail: String,
}

impl Notice {
    fn parse(body: &[u8]) -> Notice {
        let mut notice = Notice::default();
        let mut localized_severity = String::new();
        let mut rest = body;
        while let Some((&field, tail)) = rest.split_first() {
            if field == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            let text = String::from_utf8_lossy(&tail[..end]).into_owned();
            rest = tail.get(end + 1..).unwrap_or(&[]);
            match field {
                b'V' => notice.severity = text,
                b'S' => localized_severity = text,
                b'C' => notice.code = text,
                b'M' => notice.message = text,
                b'D' => notice.detail = text,
                _ => {}
            }
        }
        if notice.severity.is_empty() {
            notice.severity = localized_severity;
        }
        notice
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.severity, self.message, self.code)?;
        if !self.detail.is_empty() {
            write!(f, " DETAIL: {}", self.detail)?;
        }
        Ok(())
    }
}

/// What the server answered to one request, up to `ReadyForQuery`.
#[derive(Debug, Default)]
pub struct Response {
    /// Text values of every `DataRow` (`None` is SQL NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// The last `CommandComplete` tag, e.g. `INSERT 0 1`.
    pub tag: String,
    /// Notices (warnings) received meanwhile.
    pub notices: Vec<Notice>,
    /// The `ErrorResponse`, if the request failed.
    pub error: Option<Notice>,
}

impl Response {
    /// The response as `Ok`, or its server error as `Err`.
    pub fn ok(self) -> Result<Response, String> {
        match self.error {
            Some(error) => Err(format!("server: {error}")),
            None => Ok(self),
        }
    }

    /// The first column of the first row.
    pub fn scalar(&self) -> Option<&str> {
        self.rows.first()?.first()?.as_deref()
    }
}

/// What a separate connection needs to cancel this session's request.
#[derive(Clone, Copy, Debug)]
pub struct CancelKey {
    port: u16,
    pid: i32,
    secret: i32,
}

impl CancelKey {
    /// Sends a `CancelRequest`. The server closes the connection without an
    /// answer; the effect shows on the cancelled session.
    pub fn cancel(&self) -> Result<(), String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|err| format!("cancel: connect to port {}: {err}", self.port))?;
        let mut packet = Vec::with_capacity(16);
        for word in [16, CANCEL_REQUEST_CODE, self.pid, self.secret] {
            packet.extend_from_slice(&word.to_be_bytes());
        }
        stream
            .write_all(&packet)
            .map_err(|err| format!("cancel: send: {err}"))?;
        // Wait for the server to close the connection, so the request has
        // been handed over when this returns.
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let _ = stream.read(&mut [0; 1]);
        Ok(())
    }
}

/// One open session.
pub struct Conn {
    stream: TcpStream,
    key: CancelKey,
}

impl Conn {
    /// Connects to `127.0.0.1:port` as `user` to `database` and completes the
    /// start-up (trust authentication only). Every later read waits at most
    /// `timeout`.
    pub fn connect(
        port: u16,
        user: &str,
        database: &str,
        timeout: Duration,
    ) -> Result<Conn, String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&addr, timeout)
            .map_err(|err| format!("connect to 127.0.0.1:{port}: {err}"))?;
        stream.set_nodelay(true).map_err(|err| err.to_string())?;
        stream
            .set_read_timeout(Some(timeout))
            .map_err(|err| err.to_string())?;
        let mut conn = Conn {
            stream,
            key: CancelKey {
                port,
                pid: 0,
                secret: 0,
            },
        };
        let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
        for (name, value) in [
            ("user", user),
            ("database", database),
            ("application_name", "xtask-calibrate"),
        ] {
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        packet.extend_from_slice(&body);
        conn.send(&packet)?;
        loop {
            let (kind, body) = conn.receive()?;
            match kind {
                b'R' => match be_i32(&body, 0) {
                    Some(0) => {}
                    Some(method) => {
                        return Err(format!(
                            "port {port}: the server asks for authentication method {method}; \
                             the calibration clusters use trust on loopback"
                        ))
                    }
                    None => return Err("malformed authentication message".into()),
                },
                b'K' => {
                    conn.key.pid = be_i32(&body, 0).ok_or("malformed BackendKeyData")?;
                    conn.key.secret = be_i32(&body, 4).ok_or("malformed BackendKeyData")?;
                }
                b'E' => return Err(format!("start-up refused: {}", Notice::parse(&body))),
                b'Z' => return Ok(conn),
                // ParameterStatus, NoticeResponse, NegotiateProtocolVersion.
                _ => {}
            }
        }
    }

    /// The key with which another connection can cancel this session.
    pub fn cancel_key(&self) -> CancelKey {
        self.key
    }

    /// Changes how long a read may wait (a blocked commit needs longer).
    pub fn set_timeout(&self, timeout: Duration) -> Result<(), String> {
        self.stream
            .set_read_timeout(Some(timeout))
            .map_err(|err| err.to_string())
    }

    /// Runs `sql` with the simple query protocol.
    pub fn simple(&mut self, sql: &str) -> Result<Response, String> {
        let mut body = sql.as_bytes().to_vec();
        body.push(0);
        let packet = message(b'Q', &body);
        self.send(&packet)?;
        self.collect()
    }

    /// [`Conn::simple`], turning a server error into `Err`.
    pub fn execute(&mut self, sql: &str) -> Result<Response, String> {
        self.simple(sql)?.ok()
    }

    /// Parses `sql` as the named prepared statement `name` (parameter types
    /// left to the server).
    pub fn prepare(&mut self, name: &str, sql: &str) -> Result<(), String> {
        let mut body = Vec::new();
        cstring(&mut body, name);
        cstring(&mut body, sql);
        body.extend_from_slice(&0i16.to_be_bytes());
        let mut packet = message(b'P', &body);
        packet.extend_from_slice(&message(b'S', &[]));
        self.send(&packet)?;
        self.collect()?.ok().map(|_| ())
    }

    /// Binds `params` (as text) to the prepared statement `name` and runs
    /// it: `Bind`, `Execute`, `Sync` in one write.
    pub fn run_prepared(&mut self, name: &str, params: &[&str]) -> Result<Response, String> {
        let mut bind = Vec::new();
        cstring(&mut bind, "");
        cstring(&mut bind, name);
        bind.extend_from_slice(&0i16.to_be_bytes()); // all parameters in text
        bind.extend_from_slice(&(params.len() as i16).to_be_bytes());
        for param in params {
            bind.extend_from_slice(&(param.len() as i32).to_be_bytes());
            bind.extend_from_slice(param.as_bytes());
        }
        bind.extend_from_slice(&0i16.to_be_bytes()); // results in text
        let mut execute = Vec::new();
        cstring(&mut execute, "");
        execute.extend_from_slice(&0i32.to_be_bytes()); // no row limit
        let mut packet = message(b'B', &bind);
        packet.extend_from_slice(&message(b'E', &execute));
        packet.extend_from_slice(&message(b'S', &[]));
        self.send(&packet)?;
        self.collect()
    }

    /// Reads messages up to and including `ReadyForQuery`.
    fn collect(&mut self) -> Result<Response, String> {
        let mut response = Response::default();
        loop {
            let (kind, body) = self.receive()?;
            match kind {
                b'D' => response.rows.push(data_row(&body)?),
                b'C' => {
                    let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
                    response.tag = String::from_utf8_lossy(&body[..end]).into_owned();
                }
                b'N' => response.notices.push(Notice::parse(&body)),
                b'E' => response.error = Some(Notice::parse(&body)),
                b'Z' => return Ok(response),
                // RowDescription, ParseComplete, BindComplete,
                // ParameterStatus, EmptyQueryResponse, NotificationResponse.
                _ => {}
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|err| format!("send to port {}: {err}", self.key.port))
    }

    /// One backend message: its type byte and body.
    fn receive(&mut self) -> Result<(u8, Vec<u8>), String> {
        let mut header = [0u8; 5];
        self.stream
            .read_exact(&mut header)
            .map_err(|err| format!("receive from port {}: {err}", self.key.port))?;
        let len = i32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let len = usize::try_from(len)
            .ok()
            .filter(|len| (4..=MAX_MESSAGE_BYTES).contains(len))
            .ok_or_else(|| format!("malformed message length {len}"))?;
        let mut body = vec![0u8; len - 4];
        self.stream
            .read_exact(&mut body)
            .map_err(|err| format!("receive from port {}: {err}", self.key.port))?;
        Ok((header[0], body))
    }
}

/// A frontend message: type byte, length, body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut packet = Vec::with_capacity(body.len() + 5);
    packet.push(kind);
    packet.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    packet.extend_from_slice(body);
    packet
}

fn cstring(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(0);
}

fn be_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let word = bytes.get(at..at + 4)?;
    Some(i32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

/// The text values of a `DataRow`.
fn data_row(body: &[u8]) -> Result<Vec<Option<String>>, String> {
    let malformed = || String::from("malformed DataRow");
    let columns = body.get(0..2).ok_or_else(malformed)?;
    let columns = i16::from_be_bytes([columns[0], columns[1]]);
    let mut at = 2;
    let mut values = Vec::new();
    for _ in 0..columns {
        let len = be_i32(body, at).ok_or_else(malformed)?;
        at += 4;
        if len < 0 {
            values.push(None);
            continue;
        }
        let end = at + len as usize;
        let bytes = body.get(at..end).ok_or_else(malformed)?;
        values.push(Some(String::from_utf8_lossy(bytes).into_owned()));
        at = end;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_messages_with_their_length() {
        assert_eq!(message(b'Q', b"x\0"), [b'Q', 0, 0, 0, 6, b'x', 0]);
        assert_eq!(message(b'S', &[]), [b'S', 0, 0, 0, 4]);
    }

    #[test]
    fn parses_the_sync_rep_cancel_warning() {
        let mut body = Vec::new();
        for (field, text) in [
            (b'S', "WARNUNG"),
            (b'V', "WARNING"),
            (b'C', "01000"),
            (
                b'M',
                "canceling wait for synchronous replication due to user request",
            ),
            (b'D', "The transaction has already committed locally."),
        ] {
            body.push(field);
            cstring(&mut body, text);
        }
        body.push(0);
        let notice = Notice::parse(&body);
        assert_eq!(notice.severity, "WARNING");
        assert_eq!(notice.code, "01000");
        assert!(notice
            .message
            .starts_with("canceling wait for synchronous replication"));
        assert!(notice.detail.contains("committed locally"));
    }

    #[test]
    fn reads_data_rows_with_nulls() {
        let mut body = 2i16.to_be_bytes().to_vec();
        body.extend_from_slice(&3i32.to_be_bytes());
        body.extend_from_slice(b"abc");
        body.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(data_row(&body).unwrap(), [Some("abc".into()), None]);
        assert!(data_row(&body[..5]).is_err());
    }
}
