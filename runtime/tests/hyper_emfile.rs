//! `runtime::hyper::serve` out of file descriptors: the accept loop backs
//! off (no spinning, no returning) and serves the waiting client once
//! descriptors are free again. Alone in its file: it lowers this process's
//! descriptor limit and fills the descriptor table.
#![cfg(all(feature = "hyper", target_os = "linux"))]

mod support;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Response;
use std::convert::Infallible;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::{watchdog, WAIT};

/// CPU time (user + system) this process has used.
fn cpu_time() -> Duration {
    // SAFETY: `rusage` is plain old data, for which all zeroes is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `getrusage` writes a `rusage` through a valid pointer.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The highest descriptor open now.
fn max_open_fd() -> libc::c_int {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .max()
        .unwrap()
}

fn set_nofile(limit: libc::rlimit) {
    // SAFETY: `setrlimit` reads a valid `rlimit`; it only changes this
    // process's limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

#[test]
fn accept_backs_off_when_out_of_descriptors_and_recovers() {
    watchdog("emfile", || {
        let rt = support::runtime(2);
        let (addr, task) = rt.block_on(async {
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let hello = hyper::service::service_fn(|_req| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
            });
            (addr, runtime::spawn(runtime::hyper::serve(listener, hello)))
        });

        // Room for a few more descriptors only, then fill all of them.
        let mut saved = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` writes a `rlimit` through a valid pointer.
        let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut saved) };
        assert_eq!(got, 0);
        let limit = (max_open_fd() + 32) as libc::rlim_t;
        assert!(limit <= saved.rlim_max, "the hard limit is too low");
        set_nofile(libc::rlimit {
            rlim_cur: limit,
            rlim_max: saved.rlim_max,
        });
        let null = std::fs::File::open("/dev/null").unwrap();
        let mut fillers = Vec::new();
        loop {
            // SAFETY: `dup` of an open descriptor only creates a new one,
            // which `fillers` owns and closes below.
            let fd = unsafe { libc::dup(std::os::fd::AsRawFd::as_raw_fd(&null)) };
            if fd < 0 {
                assert_eq!(
                    std::io::Error::last_os_error().raw_os_error(),
                    Some(libc::EMFILE)
                );
                break;
            }
            fillers.push(fd);
        }
        // One descriptor for the client; none left for the server's accept.
        let close = |fd| {
            // SAFETY: `fd` came from `dup` above and is closed once.
            assert_eq!(unsafe { libc::close(fd) }, 0);
        };
        close(fillers.pop().unwrap());
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client.set_read_timeout(Some(WAIT)).unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .unwrap();

        // Out of descriptors, serve neither returns nor spins: over this
        // window it uses far less CPU than one busy thread would.
        let window = Duration::from_millis(300);
        let (cpu0, wall0) = (cpu_time(), Instant::now());
        std::thread::sleep(window);
        let (cpu, wall) = (cpu_time() - cpu0, wall0.elapsed());
        assert!(
            cpu < wall / 3,
            "the accept loop spins: {cpu:?} of CPU in {wall:?}"
        );
        assert!(!task.is_finished(), "serve ended out of descriptors");

        // Descriptors free again: the waiting client is served.
        for fd in fillers.drain(..) {
            close(fd);
        }
        set_nofile(saved);
        let mut response = String::new();
        client.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(response.ends_with("hello"), "{response}");
        assert!(!task.is_finished());
    });
}
