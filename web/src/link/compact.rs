//! The compact form of a link's values, so a shared run fits in a chat
//! message: a value's JSON (as `serde_json` makes it) written as bytes,
//! then base64url.
//!
//! * Each distinct string (object keys, enum variant names) is written
//!   once; later uses name it by its place in the order of first use.
//!   The words of interventions and node settings are known in advance
//!   ([`PRESET`]), so they cost one byte even the first time.
//! * Whole numbers are variable-length integers, small ones (node numbers)
//!   one byte; objects and arrays of up to 15 entries carry their length
//!   in their tag.
//! * Settings travel as the difference from a base value (the library's
//!   file): only the keys and array entries that differ, recursively, with
//!   a marker for a key the base has and the value lacks. An entry added
//!   to an array is the difference from the entry before it (a new node
//!   is its neighbour with another name).
//!
//! The first byte is the format's version. Reading is total: malformed
//! bytes (truncated, unknown tags, a string reference to nothing, nesting
//! deeper than any scenario file) are `None`, never a panic, and the value
//! then still goes through `serde_json`'s typed reading and the engine's
//! validation.

use serde_json::{Map, Number, Value};

/// The format version, the first byte. Changing [`PRESET`] changes the
/// format.
const VERSION: u8 = 1;

/// Strings both ends know before the first byte: the words of
/// interventions (fault actions, read routings, commit policies) and of a
/// node's settings. Any other string is simply sent in full.
const PRESET: [&str; 56] = [
    // Interventions.
    "Fault",
    "Policy",
    "Routing",
    "action",
    "node",
    "power_loss",
    "crash",
    "restart",
    "promote",
    "kill_leader",
    "partition",
    "heal",
    "isolate",
    "partition_leader",
    "heal_all",
    "slow_disk",
    "latency_spike",
    "a",
    "b",
    "one_way",
    "factor",
    "extra_us",
    "duration_us",
    "reads",
    "leader",
    "any_follower",
    "nearest",
    "sticky",
    "leader_after_write",
    "position_token",
    "bounded_staleness",
    "pick",
    "random",
    "round_robin",
    "window_us",
    "wait_us",
    "max_lag_us",
    "main",
    "twin",
    "quorum",
    "ack",
    "on_unmet",
    "visibility",
    "min_in_sync",
    "replicas",
    // A node's settings.
    "nodes",
    "name",
    "region",
    "priority",
    "apply_delay_ms",
    "apply_us",
    "capacity_ops",
    "clock_drift_ppm",
    "disk_write_us",
    "fsync_us",
    "fsync_jitter_us",
];
/// Deepest nesting read; scenario files and interventions are far
/// shallower.
const MAX_DEPTH: u32 = 32;
/// Longest array a difference may make.
const MAX_ARRAY: u64 = 4_096;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
/// A whole number of 64 or more, as a varint.
const UINT: u8 = 3;
/// A negative whole number `-1 - n`, `n` as a varint.
const NEG: u8 = 4;
/// Any other number: the `f64`'s bits, little-endian.
const FLOAT: u8 = 5;
/// A string: its reference follows (see [`Writer::string`]).
const STR: u8 = 6;
/// An object of more than 15 entries: the count as a varint.
const OBJ: u8 = 7;
/// An array of more than 15 entries: the count as a varint.
const ARR: u8 = 8;
/// In a difference: the key is gone.
const REMOVE: u8 = 9;
/// In a difference: the object's changed keys follow.
const OBJ_PATCH: u8 = 10;
/// In a difference: the array's new length and changed entries follow.
const ARR_PATCH: u8 = 11;
/// `OBJ_SMALL + n`: an object of `n` ≤ 15 entries.
const OBJ_SMALL: u8 = 0x10;
/// `ARR_SMALL + n`: an array of `n` ≤ 15 entries.
const ARR_SMALL: u8 = 0x20;
/// `INT_SMALL + n`: a whole number `n` < 64.
const INT_SMALL: u8 = 0x40;
/// `STR_SEEN + i`: the `i`-th string already sent, `i` < 128.
const STR_SEEN: u8 = 0x80;

/// Writes values; strings already written are referred to.
pub struct Writer {
    out: Vec<u8>,
    strings: Vec<String>,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

fn preset() -> Vec<String> {
    PRESET.iter().map(|s| s.to_string()).collect()
}

impl Writer {
    /// A writer that has written the version byte.
    pub fn new() -> Writer {
        Writer {
            out: vec![VERSION],
            strings: preset(),
        }
    }

    /// The bytes as base64url.
    pub fn finish(self) -> String {
        super::b64_encode(&self.out)
    }

    /// A variable-length unsigned integer, 7 bits a byte.
    pub fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.out.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    /// `0`, the length and the bytes the first time; after that its place
    /// in the order of first use, plus one.
    fn string(&mut self, s: &str) {
        match self.strings.iter().position(|t| t == s) {
            Some(i) => self.varint(i as u64 + 1),
            None => {
                self.varint(0);
                self.varint(s.len() as u64);
                self.out.extend_from_slice(s.as_bytes());
                self.strings.push(s.to_string());
            }
        }
    }

    fn sized(&mut self, small: u8, large: u8, len: usize) {
        if len < 16 {
            self.out.push(small + len as u8);
        } else {
            self.out.push(large);
            self.varint(len as u64);
        }
    }

    /// One JSON value.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push(NULL),
            Value::Bool(b) => self.out.push(if *b { TRUE } else { FALSE }),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) if u < 64 => self.out.push(INT_SMALL + u as u8),
                (Some(u), _) => {
                    self.out.push(UINT);
                    self.varint(u);
                }
                (None, Some(i)) => {
                    self.out.push(NEG);
                    self.varint(!(i as u64));
                }
                _ => {
                    self.out.push(FLOAT);
                    let bits = n.as_f64().unwrap_or(0.0).to_bits();
                    self.out.extend_from_slice(&bits.to_le_bytes());
                }
            },
            Value::String(s) => match self.strings.iter().position(|t| t == s) {
                Some(i) if i < 128 => self.out.push(STR_SEEN + i as u8),
                _ => {
                    self.out.push(STR);
                    self.string(s);
                }
            },
            Value::Array(items) => {
                self.sized(ARR_SMALL, ARR, items.len());
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.sized(OBJ_SMALL, OBJ, map.len());
                for (k, item) in map {
                    self.string(k);
                    self.value(item);
                }
            }
        }
    }

    /// What turns `base` into `now`: the changed keys of objects and
    /// entries of arrays, recursively; any other change is the new value.
    pub fn difference(&mut self, base: &Value, now: &Value) {
        match (base, now) {
            (Value::Object(a), Value::Object(b)) => {
                self.out.push(OBJ_PATCH);
                let changed: Vec<(&String, Option<&Value>)> = b
                    .iter()
                    .filter(|(k, v)| a.get(*k) != Some(*v))
                    .map(|(k, v)| (k, Some(v)))
                    .chain(a.keys().filter(|k| !b.contains_key(*k)).map(|k| (k, None)))
                    .collect();
                self.varint(changed.len() as u64);
                for (k, v) in changed {
                    self.string(k);
                    match (a.get(k), v) {
                        (_, None) => self.out.push(REMOVE),
                        (Some(old), Some(new)) => self.difference(old, new),
                        (None, Some(new)) => self.value(new),
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                self.out.push(ARR_PATCH);
                self.varint(b.len() as u64);
                let changed: Vec<usize> =
                    (0..b.len()).filter(|&i| a.get(i) != Some(&b[i])).collect();
                self.varint(changed.len() as u64);
                for i in changed {
                    self.varint(i as u64);
                    match a.get(i).or(i.checked_sub(1).and_then(|j| b.get(j))) {
                        Some(like) => self.difference(like, &b[i]),
                        None => self.value(&b[i]),
                    }
                }
            }
            _ => self.value(now),
        }
    }
}

/// Whether a link's value is in the compact form (base64url of bytes
/// starting with the version; JSON starts with `{` or `[`).
pub fn is_compact(text: &str) -> bool {
    Reader::new(text).is_some()
}

/// Reads what a [`Writer`] wrote.
pub struct Reader {
    bytes: Vec<u8>,
    at: usize,
    strings: Vec<String>,
}

impl Reader {
    /// A reader of base64url text; `None` unless it is base64url of this
    /// format's version.
    pub fn new(text: &str) -> Option<Reader> {
        let bytes = super::b64_decode(text)?;
        (bytes.first() == Some(&VERSION)).then(|| Reader {
            bytes,
            at: 1,
            strings: preset(),
        })
    }

    /// Whether every byte was read.
    pub fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn left(&self) -> u64 {
        (self.bytes.len() - self.at) as u64
    }

    /// A variable-length unsigned integer; `None` past 64 bits.
    pub fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn string(&mut self) -> Option<String> {
        match self.varint()? {
            0 => {
                let len = self.varint()?;
                if len > self.left() {
                    return None;
                }
                let end = self.at + len as usize;
                let s = String::from_utf8(self.bytes[self.at..end].to_vec()).ok()?;
                self.at = end;
                self.strings.push(s.clone());
                Some(s)
            }
            i => self.strings.get(i as usize - 1).cloned(),
        }
    }

    /// The length of an object or array whose tag was `tag`.
    fn len(&mut self, tag: u8, small: u8) -> Option<u64> {
        let n = if tag & 0xf0 == small {
            u64::from(tag & 0x0f)
        } else {
            self.varint()?
        };
        // Every entry takes at least one byte.
        (n <= self.left()).then_some(n)
    }

    /// One JSON value.
    pub fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let tag = self.byte()?;
        Some(match tag {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            UINT => Value::from(self.varint()?),
            NEG => {
                let n = self.varint()?;
                Value::from(!(i64::try_from(n).ok()?))
            }
            FLOAT => {
                let end = self.at.checked_add(8).filter(|&e| e <= self.bytes.len())?;
                let bits = u64::from_le_bytes(self.bytes[self.at..end].try_into().ok()?);
                self.at = end;
                Value::Number(Number::from_f64(f64::from_bits(bits))?)
            }
            STR => Value::String(self.string()?),
            OBJ | OBJ_SMALL..=0x1f => {
                let n = self.len(tag, OBJ_SMALL)?;
                let mut map = Map::new();
                for _ in 0..n {
                    let k = self.string()?;
                    let v = self.value(depth + 1)?;
                    map.insert(k, v);
                }
                Value::Object(map)
            }
            ARR | ARR_SMALL..=0x2f => {
                let n = self.len(tag, ARR_SMALL)?;
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            INT_SMALL..=0x7f => Value::from(tag - INT_SMALL),
            STR_SEEN..=0xff => {
                Value::String(self.strings.get(usize::from(tag - STR_SEEN))?.clone())
            }
            _ => return None,
        })
    }

    /// Applies a [`Writer::difference`] to `base`.
    pub fn apply(&mut self, base: &mut Value, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            OBJ_PATCH => {
                self.at += 1;
                let map = base.as_object_mut()?;
                let n = self.varint()?;
                if n > self.left() {
                    return None;
                }
                for _ in 0..n {
                    let k = self.string()?;
                    match self.peek()? {
                        REMOVE => {
                            self.at += 1;
                            map.remove(&k)?;
                        }
                        OBJ_PATCH | ARR_PATCH => self.apply(map.get_mut(&k)?, depth + 1)?,
                        _ => {
                            let v = self.value(depth + 1)?;
                            map.insert(k, v);
                        }
                    }
                }
            }
            ARR_PATCH => {
                self.at += 1;
                let items = base.as_array_mut()?;
                let len = self.varint()?;
                if len > MAX_ARRAY {
                    return None;
                }
                let old_len = items.len();
                items.resize(len as usize, Value::Null);
                let mut added = vec![false; (len as usize).saturating_sub(old_len)];
                let n = self.varint()?;
                if n > self.left() {
                    return None;
                }
                let mut next = 0;
                for _ in 0..n {
                    // Ascending, so an added entry's neighbour is final.
                    let i = usize::try_from(self.varint()?).ok()?;
                    if i < next || i >= items.len() {
                        return None;
                    }
                    next = i + 1;
                    if i >= old_len {
                        added[i - old_len] = true;
                        if i > 0 {
                            items[i] = items[i - 1].clone();
                        }
                    }
                    self.apply(&mut items[i], depth + 1)?;
                }
                if added.contains(&false) {
                    return None;
                }
            }
            _ => *base = self.value(depth)?,
        }
        Some(())
    }
}
