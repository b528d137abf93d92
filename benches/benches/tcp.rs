//! TCP on loopback, this runtime against Tokio's multi-thread runtime and
//! async-executor (with async-io's reactor, smol's, on its own thread), with
//! the same number of worker threads (`BENCH_WORKERS`, default 2):
//!
//! * `tcp_echo`: 64 connections to an echo server on 127.0.0.1, each
//!   sending 1 KiB and reading it back, all at once; one iteration is one
//!   such round on every connection (64 tasks spawned, awaited from
//!   `block_on`). The connections and the server live across iterations.
//!   Measures the reactor (readiness, wake-ups, the poller hand-off) and
//!   the scheduler under I/O.
//!
//! Measurement settings as in `rt_multi_threaded.rs`: `BENCH_SAMPLE_SIZE`
//! (default 20), `BENCH_WARM_UP_SECS` (1), `BENCH_MEASUREMENT_SECS` (3).

use benches::{this_runtime, tokio_runtime, AsyncExecutor};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CONNECTIONS: usize = 64;
const MESSAGE: usize = 1024;

fn this_runtime_echo(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::net::{TcpListener, TcpStream};

    let rt = this_runtime();
    let mut clients: Vec<Option<TcpStream>> = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        runtime::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                stream.set_nodelay(true).unwrap();
                runtime::spawn(async move {
                    let mut buf = vec![0; MESSAGE];
                    while stream.read_exact(&mut buf).await.is_ok() {
                        if stream.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            clients.push(Some(stream));
        }
        clients
    });
    g.bench_function("runtime", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = clients
                    .iter_mut()
                    .map(|c| {
                        let mut stream = c.take().unwrap();
                        runtime::spawn(async move {
                            let msg = [7u8; MESSAGE];
                            let mut back = [0u8; MESSAGE];
                            stream.write_all(&msg).await.unwrap();
                            stream.read_exact(&mut back).await.unwrap();
                            stream
                        })
                    })
                    .collect();
                for (slot, task) in clients.iter_mut().zip(tasks) {
                    *slot = Some(task.await.unwrap());
                }
            });
        });
    });
}

fn tokio_echo(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let rt = tokio_runtime();
    let mut clients: Vec<Option<TcpStream>> = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = vec![0; MESSAGE];
                    while stream.read_exact(&mut buf).await.is_ok() {
                        if stream.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            clients.push(Some(stream));
        }
        clients
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = clients
                    .iter_mut()
                    .map(|c| {
                        let mut stream = c.take().unwrap();
                        tokio::spawn(async move {
                            let msg = [7u8; MESSAGE];
                            let mut back = [0u8; MESSAGE];
                            stream.write_all(&msg).await.unwrap();
                            stream.read_exact(&mut back).await.unwrap();
                            stream
                        })
                    })
                    .collect();
                for (slot, task) in clients.iter_mut().zip(tasks) {
                    *slot = Some(task.await.unwrap());
                }
            });
        });
    });
}

fn async_executor_echo(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use async_io::Async;
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    use std::net::{TcpListener, TcpStream};

    let ex = AsyncExecutor::new();
    let mut clients: Vec<Option<Async<TcpStream>>> = ex.block_on(async {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let server = ex.executor().clone();
        ex.executor()
            .spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    stream.get_ref().set_nodelay(true).unwrap();
                    server
                        .spawn(async move {
                            let mut buf = vec![0; MESSAGE];
                            while stream.read_exact(&mut buf).await.is_ok() {
                                if stream.write_all(&buf).await.is_err() {
                                    break;
                                }
                            }
                        })
                        .detach();
                }
            })
            .detach();
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let stream = Async::<TcpStream>::connect(addr).await.unwrap();
            stream.get_ref().set_nodelay(true).unwrap();
            clients.push(Some(stream));
        }
        clients
    });
    g.bench_function("async_executor", |b| {
        b.iter(|| {
            ex.block_on(async {
                let tasks: Vec<_> = clients
                    .iter_mut()
                    .map(|c| {
                        let mut stream = c.take().unwrap();
                        ex.executor().spawn(async move {
                            let msg = [7u8; MESSAGE];
                            let mut back = [0u8; MESSAGE];
                            stream.write_all(&msg).await.unwrap();
                            stream.read_exact(&mut back).await.unwrap();
                            stream
                        })
                    })
                    .collect();
                for (slot, task) in clients.iter_mut().zip(tasks) {
                    *slot = Some(task.await);
                }
            });
        });
    });
}

fn tcp_echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp_echo");
    g.throughput(Throughput::Bytes((CONNECTIONS * MESSAGE) as u64));
    this_runtime_echo(&mut g);
    tokio_echo(&mut g);
    async_executor_echo(&mut g);
    g.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion_config();
    targets = tcp_echo
}
criterion_main!(benches);
