//! Address resolution: the [`ToSocketAddrs`] trait the sockets take, and
//! [`lookup_host`], which resolves host names on the blocking pool so
//! that a worker never waits for DNS.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that resolves to socket addresses: a [`SocketAddr`], an
/// `(IpAddr, u16)`, a `"host:port"` string, a `(&str, u16)`, a slice of
/// addresses, or a reference to any of these. Sealed: implemented only
/// here, as in Tokio.
///
/// Literal addresses (`"127.0.0.1:8080"`, `"[::1]:80"`) are parsed at once;
/// host names (`"localhost:80"`) are resolved with the system resolver
/// (`getaddrinfo`) on the blocking pool ([`spawn_blocking`](crate::spawn_blocking)),
/// never on a worker thread.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// What an address resolves to without any lookup, or the name to look up.
    #[derive(Debug)]
    pub enum Resolve {
        /// Resolved already (literal addresses), or an invalid input.
        Ready(io::Result<Vec<SocketAddr>>),
        /// A `"host:port"` string to resolve.
        HostPort(String),
        /// A host name and a port to resolve.
        Host(String, u16),
    }

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// The addresses, or what to look up.
        fn resolve(&self) -> Resolve;
    }
}

use sealed::{Resolve, ToSocketAddrsPriv};

macro_rules! literal {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl ToSocketAddrsPriv for $t {
            fn resolve(&self) -> Resolve {
                Resolve::Ready(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u16; 8], u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl ToSocketAddrsPriv for [SocketAddr] {
    fn resolve(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn resolve(&self) -> Resolve {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolve::Ready(Ok(vec![addr])),
            Err(_) => Resolve::HostPort(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn resolve(&self) -> Resolve {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::Ready(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Resolve::Host(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

/// Resolves `addr` to its socket addresses: literal addresses at once,
/// host names with the system resolver on the blocking pool.
pub(crate) async fn resolve(addr: Resolve) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs as _;
    let lookup = match addr {
        // Nothing to look up: no trip to the blocking pool.
        Resolve::Ready(addrs) => return addrs,
        Resolve::HostPort(s) => {
            crate::spawn_blocking(move || s.to_socket_addrs().map(Vec::from_iter))
        }
        Resolve::Host(host, port) => crate::spawn_blocking(move || {
            (host.as_str(), port).to_socket_addrs().map(Vec::from_iter)
        }),
    };
    lookup
        .await
        .map_err(|err| io::Error::other(format!("the host name lookup failed: {err}")))?
}

/// Resolves `host` (a `"host:port"` string, an `(&str, u16)`, or a literal
/// address) to socket addresses without blocking a worker: host names go
/// to the system resolver (`getaddrinfo`) on the blocking pool; literal
/// addresses are parsed at once.
///
/// # Errors
///
/// The resolver's (`"host:port"` without a port is `InvalidInput`; an
/// unknown name is the resolver's "failed to lookup address" error).
///
/// # Panics
///
/// If polled outside a runtime when the name needs a lookup (it runs on
/// the current runtime's blocking pool).
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let addrs: Vec<_> = runtime::net::lookup_host("127.0.0.1:80").await?.collect();
/// assert_eq!(addrs, ["127.0.0.1:80".parse().unwrap()]);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(host.resolve()).await?.into_iter())
}

/// Resolves `addr` and runs `f` on each address until one succeeds;
/// returns the last error otherwise.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr.resolve()).await? {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address did not resolve to any socket address",
        )
    }))
}
