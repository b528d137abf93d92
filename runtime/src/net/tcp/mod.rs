//! TCP: [`TcpListener`], [`TcpStream`], [`TcpSocket`], and the stream's
//! halves ([`OwnedReadHalf`], [`OwnedWriteHalf`], [`ReadHalf`],
//! [`WriteHalf`], [`ReuniteError`]), as in Tokio's `net::tcp`.

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
