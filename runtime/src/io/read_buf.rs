//! [`ReadBuf`]: a buffer that is filled by reads, possibly uninitialized.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and
/// initialized, in Tokio's shape: used by the poll-style receive calls
/// ([`UdpSocket::poll_recv_from`](crate::net::UdpSocket::poll_recv_from),
/// ...).
///
/// The buffer has three regions, in order: *filled* (holds data), then
/// *initialized* but not filled, then uninitialized:
///
/// ```text
/// [             capacity              ]
/// [ filled |         unfilled         ]
/// [    initialized    | uninitialized ]
/// ```
///
/// # Examples
///
/// ```
/// use runtime::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 5);
/// buf.initialize_unfilled()[..2].copy_from_slice(b"de");
/// buf.advance(2);
/// assert_eq!(buf.filled(), b"abcde");
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// A `ReadBuf` over a fully initialized buffer (nothing filled yet).
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and the
        // bytes are initialized; `initialized` records that, and nothing
        // here ever writes uninitialized bytes into the
        // initialized region, so the caller's `&mut [u8]` stays valid.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// A `ReadBuf` over a buffer that may be uninitialized.
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The size of the whole buffer.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part of the buffer.
    pub fn filled(&self) -> &[u8] {
        let filled = &self.buf[..self.filled];
        // SAFETY: `filled <= initialized`: the filled bytes are initialized.
        unsafe { &*(filled as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The filled part of the buffer, mutably.
    pub fn filled_mut(&mut self) -> &mut [u8] {
        let filled = &mut self.buf[..self.filled];
        // SAFETY: `filled <= initialized`: the filled bytes are initialized.
        unsafe { &mut *(filled as *mut [MaybeUninit<u8>] as *mut [u8]) }
    }

    /// The initialized part of the buffer (filled or not).
    pub fn initialized(&self) -> &[u8] {
        let init = &self.buf[..self.initialized];
        // SAFETY: the first `initialized` bytes are initialized.
        unsafe { &*(init as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The initialized part of the buffer, mutably.
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        let init = &mut self.buf[..self.initialized];
        // SAFETY: the first `initialized` bytes are initialized.
        unsafe { &mut *(init as *mut [MaybeUninit<u8>] as *mut [u8]) }
    }

    /// The unfilled part of the buffer, which may be uninitialized.
    ///
    /// # Safety
    ///
    /// The caller must not write uninitialized bytes into it (de-initialize
    /// a byte that [`initialized`](Self::initialized) reports initialized).
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The unfilled part of the buffer, initialized first (with zeroes)
    /// where it was not.
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// The first `n` bytes of the unfilled part, initialized first (with
    /// zeroes) where they were not.
    ///
    /// # Panics
    ///
    /// If `n` is more than [`remaining`](Self::remaining).
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(self.remaining() >= n, "n overflows remaining");
        let end = self.filled + n;
        if self.initialized < end {
            for byte in &mut self.buf[self.initialized..end] {
                byte.write(0);
            }
            self.initialized = end;
        }
        let slice = &mut self.buf[self.filled..end];
        // SAFETY: the bytes up to `end <= initialized` were just
        // initialized, or were already.
        unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
    }

    /// How many bytes are not filled yet.
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the filled part (the bytes stay initialized).
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Marks `n` more bytes as filled.
    ///
    /// # Panics
    ///
    /// If the filled part would then reach into the uninitialized part.
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self.filled.checked_add(n).expect("filled overflow");
        self.set_filled(new);
    }

    /// Sets the size of the filled part.
    ///
    /// # Panics
    ///
    /// If `n` is more than the initialized part.
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "filled must not become larger than initialized"
        );
        self.filled = n;
    }

    /// Marks the first `n` unfilled bytes as initialized.
    ///
    /// # Safety
    ///
    /// The caller must have initialized them (through
    /// [`unfilled_mut`](Self::unfilled_mut)).
    pub unsafe fn assume_init(&mut self, n: usize) {
        let new = self.filled + n;
        if new > self.initialized {
            self.initialized = new;
        }
    }

    /// Appends `data` to the filled part.
    ///
    /// # Panics
    ///
    /// If `data` is longer than [`remaining`](Self::remaining).
    #[track_caller]
    pub fn put_slice(&mut self, data: &[u8]) {
        assert!(
            self.remaining() >= data.len(),
            "data.len() must fit in remaining()"
        );
        let end = self.filled + data.len();
        for (dst, src) in self.buf[self.filled..end].iter_mut().zip(data) {
            dst.write(*src);
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}
