//! The HTTP example out of file descriptors: the accept loop backs off
//! instead of spinning, and serves again as soon as descriptors free up.
//! Alone in its test binary: it lowers the process's descriptor limit.
#![cfg(target_os = "linux")]

#[path = "../http_server.rs"]
#[allow(dead_code)]
mod http_server;

use http_server::{Config, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// CPU time (user + system) of the whole process so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn set_soft_nofile(soft: u64) {
    // SAFETY: `getrlimit` / `setrlimit` read and write the struct we own.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = soft.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
}

#[test]
fn out_of_descriptors_backs_off_and_recovers() {
    let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
    let server = Server::bind(rt.handle(), ([127, 0, 0, 1], 0).into(), Config::default()).unwrap();
    let addr = server.local_addr().unwrap();
    drop(server.start());

    // A low limit, then every descriptor taken.
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    set_soft_nofile(open + 32);
    let mut fillers = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => fillers.push(f),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
            Err(e) => panic!("{e}"),
        }
    }
    // One for the client; then none is left for the server's accept.
    fillers.pop();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();

    // The server cannot accept (EMFILE) and must not spin: over this
    // window a spinning accept loop burns a whole core.
    let window = Duration::from_millis(600);
    let cpu_before = cpu_time();
    client.set_read_timeout(Some(window)).unwrap();
    let mut buf = [0u8; 512];
    match client.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("served while out of descriptors? {other:?}"),
    }
    let used = cpu_time() - cpu_before;
    assert!(
        used < window / 3,
        "the accept loop used {used:?} of CPU in {window:?} while out of descriptors"
    );

    // Descriptors free: the waiting client is served within the backoff.
    drop(fillers);
    let freed = Instant::now();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::new();
    client.read_to_end(&mut got).unwrap();
    let took = freed.elapsed();
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 200 OK"), "{got:?}");
    assert!(
        took < Duration::from_secs(1),
        "served {took:?} after descriptors freed"
    );
    drop(rt);
}
