//! Writes a realistic synthetic `zlab fill` log (JSON lines) to stdout, to try
//! `zlab report` without filling half a petabyte first:
//!
//! ```console
//! $ cargo run --release --example fill_log -- 453120 > /tmp/fill.jsonl
//! $ zlab report /tmp/fill.jsonl -o /tmp/fill.svg
//! ```
//!
//! The model, for 1 GiB files written by two streams to a large HDD dRAID pool
//! with `sync=disabled`: each run starts with a burst into RAM (dirty data),
//! then a stream's rate falls from about 1.45 GB/s as the disks' outer tracks
//! fill up, with ±6 % noise, a transaction-group stall about every thousand
//! files and a rare file ten times slower. At 38 % the fill is killed (no
//! summary, the file in flight lost) and resumed 2 h 17 min later from the last
//! logged index, rewriting it; at 61 % it is stopped cleanly (a summary with
//! `complete: false`) and resumed 25 minutes later. The log is deterministic.

use std::collections::VecDeque;
use std::io::{self, BufWriter, Write};

const FILE_BYTES: u64 = 1 << 30;
const STREAMS: usize = 2;
const WINDOW: usize = 60;
const START_UNIX: f64 = 1_764_000_000.0;

/// xorshift64*: enough randomness for a plot, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        // 52 random bits as the mantissa of a number in [1, 2).
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 12;
        f64::from_bits(0x3FF0_0000_0000_0000 | bits) - 1.0
    }

    /// A standard normal variate (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.next().max(1e-12);
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Writer<W: Write> {
    out: W,
    /// The writing time each file of the window added.
    recent: VecDeque<f64>,
    latest_end: f64,
    runs_files: u64,
}

impl<W: Write> Writer<W> {
    fn file(&mut self, index: u64, start: f64, ms: f64) -> io::Result<()> {
        let mb_s = bytes_f64(FILE_BYTES) / 1000.0 / ms;
        // zlab's throughput: bytes over the time some file was being written
        // (this model leaves no holes for a later file to cover).
        let end = start + ms / 1000.0;
        let added = (end - start.max(self.latest_end)).max(0.0);
        self.latest_end = self.latest_end.max(end);
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(added);
        let seconds = self.recent.iter().sum::<f64>().max(1e-9);
        let rolling = bytes_f64(FILE_BYTES) * count_f64(self.recent.len()) / 1e6 / seconds;
        self.runs_files += 1;
        writeln!(
            self.out,
            r#"{{"type":"file","index":{index},"name":"file_{index}","bytes":{FILE_BYTES},"start_unix":{start:.3},"ms":{ms:.1},"mb_s":{mb_s:.1},"rolling_mb_s":{rolling:.1}}}"#
        )
    }

    fn summary(&mut self, complete: bool) -> io::Result<()> {
        writeln!(
            self.out,
            r#"{{"type":"summary","files":{},"complete":{complete}}}"#,
            self.runs_files
        )?;
        self.recent.clear();
        self.runs_files = 0;
        Ok(())
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "small counts and 1 GiB are exact in f64"
)]
fn bytes_f64(n: u64) -> f64 {
    n as f64
}

#[expect(clippy::cast_precision_loss, reason = "small counts are exact in f64")]
fn count_f64(n: usize) -> f64 {
    n as f64
}

/// A stream's rate in MB/s at `fraction` of the fill, `nth` file of its run.
fn rate(rng: &mut Rng, fraction: f64, nth: u64) -> f64 {
    if nth < 6 {
        return 3200.0 + 400.0 * rng.normal();
    }
    let base = 1450.0 * (1.0 - 0.38 * fraction.powf(1.3));
    let mut r = base * (1.0 + 0.06 * rng.normal());
    let luck = rng.next();
    if luck < 1.0 / 1000.0 {
        r /= 3.0 + 3.0 * rng.next();
    } else if luck < 1.0 / 1000.0 + 1.0 / 20_000.0 {
        r /= 10.0;
    }
    r.max(50.0)
}

fn main() -> io::Result<()> {
    let files: u64 = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("file count: {e}")))?,
        None => 453_120,
    };
    // The indexes after which the fill is interrupted, each once.
    let mut kill_after = Some((files * 38 / 100).saturating_sub(1));
    let mut stop_after = Some((files * 61 / 100).saturating_sub(1));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut w = Writer {
        out: BufWriter::new(io::stdout().lock()),
        recent: VecDeque::new(),
        latest_end: 0.0,
        runs_files: 0,
    };

    // Each stream: the index it is writing, when it started and how long it takes.
    let mut clock = START_UNIX;
    let mut next = 0u64;
    let mut nth = 0u64;
    let mut in_flight: Vec<(u64, f64, f64)> = Vec::with_capacity(STREAMS);
    let start_file = |rng: &mut Rng, index: u64, at: f64, nth: u64| {
        let fraction = bytes_f64(index) / bytes_f64(files.max(1));
        (
            index,
            at,
            bytes_f64(FILE_BYTES) / 1000.0 / rate(rng, fraction, nth),
        )
    };
    while next < files || !in_flight.is_empty() {
        while in_flight.len() < STREAMS && next < files {
            in_flight.push(start_file(&mut rng, next, clock, nth));
            next += 1;
            nth += 1;
        }
        // The stream that finishes first logs its file.
        let Some(first) = (0..in_flight.len()).min_by(|&a, &b| {
            let end = |i: usize| in_flight[i].1 + in_flight[i].2 / 1000.0;
            end(a).total_cmp(&end(b))
        }) else {
            break;
        };
        let (index, start, ms) = in_flight.swap_remove(first);
        w.file(index, start, ms)?;
        clock = start + ms / 1000.0 + 0.002;
        if kill_after == Some(index) {
            kill_after = None;
            // Killed: the other stream's file is lost; the resumed fill starts
            // again from the lowest index it cannot be sure of, rewriting this one.
            next = in_flight.drain(..).map(|f| f.0).fold(index, u64::min);
            clock += 2.0 * 3600.0 + 17.0 * 60.0;
            nth = 0;
            // No summary: the resumed fill's window carries the killed run's files.
            w.runs_files = 0;
        } else if stop_after == Some(index) {
            stop_after = None;
            // Stopped cleanly: the other stream finishes, then a summary.
            for (index, start, ms) in in_flight.drain(..) {
                w.file(index, start, ms)?;
                clock = clock.max(start + ms / 1000.0);
            }
            w.summary(false)?;
            clock += 25.0 * 60.0;
            nth = 0;
        }
    }
    w.summary(true)?;
    w.out.flush()
}
