//! The readiness calls every socket shares (`ready`, `readable`,
//! `writable`, `poll_*_ready`, `try_io`), the non-blocking stream calls
//! (`try_read`, `try_write`, vectored), and raw descriptor access
//! (`AsRawFd`, `AsFd`), written once as macros over a type whose `io`
//! field is a `PollEvented`.

/// `ready`, `readable`, `writable`, `try_io` for a socket type. Expanded
/// inside its `impl` block.
macro_rules! readiness_methods {
    () => {
        /// Waits until the socket is ready for any of `interest`, and
        /// returns the readiness found. Readiness is a hint: the
        /// operation that follows may still get `WouldBlock`, and should
        /// then wait again (the `try_*` calls forget the readiness when
        /// that happens).
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub async fn ready(
            &self,
            interest: $crate::io::Interest,
        ) -> ::std::io::Result<$crate::io::Ready> {
            self.io.ready(interest).await
        }

        /// Waits until the socket is readable (data, end of stream, or an
        /// error): usually followed by a `try_read` / `try_recv`.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub async fn readable(&self) -> ::std::io::Result<()> {
            self.ready($crate::io::Interest::READABLE).await.map(drop)
        }

        /// Waits until the socket is writable: usually followed by a
        /// `try_write` / `try_send`.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub async fn writable(&self) -> ::std::io::Result<()> {
            self.ready($crate::io::Interest::WRITABLE).await.map(drop)
        }

        /// Runs `f`, a non-blocking operation on the socket, once if the
        /// socket is ready for `interest` now; if `f` returns
        /// `WouldBlock`, the readiness is forgotten so that the next wait
        /// waits for a new event. For calls this type does not wrap
        /// (through the raw descriptor).
        ///
        /// # Errors
        ///
        /// `WouldBlock` if not ready; `f`'s error; or an error if the
        /// runtime shut down.
        pub fn try_io<R>(
            &self,
            interest: $crate::io::Interest,
            f: impl FnOnce() -> ::std::io::Result<R>,
        ) -> ::std::io::Result<R> {
            self.io.try_io(interest, |_| f())
        }
    };
}

/// `poll_read_ready`, `poll_write_ready`, `try_read`, `try_write` and
/// their vectored forms for a stream type.
macro_rules! stream_try_methods {
    () => {
        /// Polls for read readiness. Only the last task to call this (or
        /// to poll a read) is woken: for one reader.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_read_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.io
                .poll_ready(cx, $crate::driver::io::scheduled_io::Direction::Read)
        }

        /// Polls for write readiness. Only the last task to call this (or
        /// to poll a write) is woken: for one writer.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_write_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.io
                .poll_ready(cx, $crate::driver::io::scheduled_io::Direction::Write)
        }

        /// Reads what is available into `buf` without waiting. `Ok(0)`
        /// means end of stream (or an empty `buf`).
        ///
        /// # Errors
        ///
        /// `WouldBlock` if nothing is available (wait with
        /// [`readable`](Self::readable)); the operating system's.
        pub fn try_read(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::READABLE, |mut io| {
                ::std::io::Read::read(&mut io, buf)
            })
        }

        /// [`try_read`](Self::try_read) into several buffers, filled in
        /// order.
        ///
        /// # Errors
        ///
        /// As [`try_read`](Self::try_read).
        pub fn try_read_vectored(
            &self,
            bufs: &mut [::std::io::IoSliceMut<'_>],
        ) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::READABLE, |mut io| {
                ::std::io::Read::read_vectored(&mut io, bufs)
            })
        }

        /// Writes what fits of `buf` without waiting; returns how much.
        ///
        /// # Errors
        ///
        /// `WouldBlock` if the send buffer is full (wait with
        /// [`writable`](Self::writable)); the operating system's (a broken
        /// pipe, a reset).
        pub fn try_write(&self, buf: &[u8]) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::WRITABLE, |mut io| {
                ::std::io::Write::write(&mut io, buf)
            })
        }

        /// [`try_write`](Self::try_write) from several buffers, in order.
        ///
        /// # Errors
        ///
        /// As [`try_write`](Self::try_write).
        pub fn try_write_vectored(
            &self,
            bufs: &[::std::io::IoSlice<'_>],
        ) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::WRITABLE, |mut io| {
                ::std::io::Write::write_vectored(&mut io, bufs)
            })
        }
    };
}

/// `poll_recv_ready`, `poll_send_ready`, `try_send`, `try_recv` for a
/// datagram type (Tokio's names), and the stream names the runtime's
/// issue asks for on every socket: `poll_read_ready`, `poll_write_ready`,
/// `try_read`, `try_write` and their vectored forms, which send and receive
/// one datagram on a connected socket.
macro_rules! datagram_try_methods {
    () => {
        /// Polls for receive readiness (one waiter: the last task to call
        /// it is woken).
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_recv_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.io
                .poll_ready(cx, $crate::driver::io::scheduled_io::Direction::Read)
        }

        /// Polls for send readiness (one waiter: the last task to call it
        /// is woken).
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_send_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.io
                .poll_ready(cx, $crate::driver::io::scheduled_io::Direction::Write)
        }

        /// Polls for read readiness: [`poll_recv_ready`](Self::poll_recv_ready)
        /// under the name the stream types use, so code written for any
        /// socket finds it.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_read_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.poll_recv_ready(cx)
        }

        /// Polls for write readiness: [`poll_send_ready`](Self::poll_send_ready)
        /// under the stream types' name.
        ///
        /// # Errors
        ///
        /// An error if the runtime shut down.
        pub fn poll_write_ready(
            &self,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            self.poll_send_ready(cx)
        }

        /// Receives one datagram from the connected peer without waiting:
        /// [`try_recv`](Self::try_recv) under the stream types' name. A
        /// datagram longer than `buf` is truncated.
        ///
        /// # Errors
        ///
        /// As [`try_recv`](Self::try_recv).
        pub fn try_read(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
            self.try_recv(buf)
        }

        /// Sends `buf` as one datagram to the connected peer without
        /// waiting: [`try_send`](Self::try_send) under the stream types'
        /// name.
        ///
        /// # Errors
        ///
        /// As [`try_send`](Self::try_send).
        pub fn try_write(&self, buf: &[u8]) -> ::std::io::Result<usize> {
            self.try_send(buf)
        }

        /// Receives one datagram from the connected peer into several
        /// buffers, filled in order (`readv`), without waiting.
        ///
        /// # Errors
        ///
        /// As [`try_recv`](Self::try_recv).
        pub fn try_read_vectored(
            &self,
            bufs: &mut [::std::io::IoSliceMut<'_>],
        ) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::READABLE, |io| {
                $crate::net::readiness::readv(io, bufs)
            })
        }

        /// Sends the buffers, in order, as one datagram to the connected
        /// peer (`writev`), without waiting.
        ///
        /// # Errors
        ///
        /// As [`try_send`](Self::try_send).
        pub fn try_write_vectored(
            &self,
            bufs: &[::std::io::IoSlice<'_>],
        ) -> ::std::io::Result<usize> {
            self.io.try_io($crate::io::Interest::WRITABLE, |io| {
                $crate::net::readiness::writev(io, bufs)
            })
        }

        /// Sends a datagram to the connected peer without waiting.
        ///
        /// # Errors
        ///
        /// `WouldBlock` if the send buffer is full; the operating
        /// system's (not connected, ...).
        pub fn try_send(&self, buf: &[u8]) -> ::std::io::Result<usize> {
            self.io
                .try_io($crate::io::Interest::WRITABLE, |io| io.send(buf))
        }

        /// Receives a datagram from the connected peer without waiting.
        ///
        /// # Errors
        ///
        /// `WouldBlock` if none is queued; the operating system's.
        pub fn try_recv(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
            self.io
                .try_io($crate::io::Interest::READABLE, |io| io.recv(buf))
        }
    };
}

/// `AsRawFd` and `AsFd` for a type whose `io` field is a `PollEvented`.
macro_rules! impl_as_fd {
    ($($t:ty),*) => {$(
        #[cfg(unix)]
        impl ::std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                ::std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref())
            }
        }

        #[cfg(unix)]
        impl ::std::os::fd::AsFd for $t {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(self.io.get_ref())
            }
        }
    )*};
}

/// The most buffers one `readv` / `writev` takes (`IOV_MAX` on Linux and
/// the BSDs); more are left unused, as `std`'s vectored calls do.
#[cfg(unix)]
const MAX_IOV: usize = 1024;

/// `readv(2)` on a socket: one datagram scattered over `bufs`.
#[cfg(unix)]
pub(crate) fn readv(
    fd: &impl std::os::fd::AsRawFd,
    bufs: &mut [std::io::IoSliceMut<'_>],
) -> std::io::Result<usize> {
    let n = bufs.len().min(MAX_IOV) as libc::c_int;
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std
    // guarantees it); the slices are valid for writes of their lengths and
    // outlive the call; `n` is at most `bufs.len()`.
    let read = unsafe { libc::readv(fd.as_raw_fd(), bufs.as_mut_ptr().cast(), n) };
    if read < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(read as usize)
    }
}

/// `writev(2)` on a socket: `bufs` gathered into one datagram.
#[cfg(unix)]
pub(crate) fn writev(
    fd: &impl std::os::fd::AsRawFd,
    bufs: &[std::io::IoSlice<'_>],
) -> std::io::Result<usize> {
    let n = bufs.len().min(MAX_IOV) as libc::c_int;
    // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix (std
    // guarantees it); the slices are valid for reads of their lengths and
    // outlive the call; `n` is at most `bufs.len()`.
    let written = unsafe { libc::writev(fd.as_raw_fd(), bufs.as_ptr().cast(), n) };
    if written < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(written as usize)
    }
}
