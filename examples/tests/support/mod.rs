//! Drives an example binary as a user would: starts it on 127.0.0.1 port
//! 0, reads the address it prints, and kills it if the test ends before it
//! does. Every wait has a deadline.
//!
//! `cargo test -p examples` (and `--workspace`) builds the examples next to
//! the test binaries; `cargo test -p examples --test NAME` alone does not,
//! so a test refuses to run an example binary older than its source.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest any one wait (a line of output, a response, an exit) may
/// take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running example; killed on drop.
pub struct Example {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Where it listens (from its first line of output).
    pub addr: SocketAddr,
}

/// The path of example `name`'s binary: `cargo test` builds the examples
/// into `target/<profile>/examples`, next to `deps` where this test runs.
pub fn example_path(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("no path for the test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary is not in target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|err| {
            panic!(
                "{}: {err}; `cargo test -p examples` builds the examples \
                 (`--test NAME` alone does not)",
                path.display()
            )
        });
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{name}.rs"));
    if let Ok(edited) = std::fs::metadata(&source).and_then(|m| m.modified()) {
        assert!(
            edited <= built,
            "{} is older than {}: run `cargo test -p examples` (or \
             `cargo build -p examples --examples`) so that the test runs the current example",
            path.display(),
            source.display()
        );
    }
    path
}

impl Example {
    /// Starts example `name` with `args` and waits for the line that says
    /// where it listens (`... http://ADDR`, `https://`, `ws://`).
    pub fn start(name: &str, args: &[&str]) -> Example {
        Example::start_with(name, args, |_| {})
    }

    /// [`start`](Example::start), letting `configure` adjust the command
    /// first.
    pub fn start_with(name: &str, args: &[&str], configure: impl FnOnce(&mut Command)) -> Example {
        let mut command = Command::new(example_path(name));
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let mut child = command.spawn().expect("failed to start the example");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut example = Example {
            child,
            lines,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let line = example.line_containing("://");
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ' ']).next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        example.addr = addr;
        example
    }

    /// Waits for a line of output containing `needle`; returns it.
    pub fn line_containing(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the example printed no line with {needle:?} in {WAIT:?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "the example closed its output ({:?}) without a line with {needle:?}",
                    self.child.wait()
                ),
            }
        }
    }

    /// The process id (to send it signals).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// None while it runs.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait failed")
    }

    /// Waits up to `limit` for it to exit; panics if it does not.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the example did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A connection to it, reads bounded by [`WAIT`].
    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("failed to connect to the example");
        s.set_read_timeout(Some(WAIT)).unwrap();
        s
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one request on `s` and reads one response: head (lower-case
/// header names as hyper writes them) and body, by `content-length`.
pub fn request(s: &mut TcpStream, request: &str) -> (String, String) {
    use std::io::{Read, Write};
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut byte = [0; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("no response in time");
        assert_eq!(n, 1, "closed early: {:?}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().to_owned())
        })
        .expect("no content-length")
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}
