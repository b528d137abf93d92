//! `runtime::io::{Interest, Ready, ReadBuf}`: Tokio's shapes and their
//! invariants.

use runtime::io::{Interest, ReadBuf, Ready};
use std::mem::MaybeUninit;

#[test]
fn interest_combines_and_removes() {
    let mut i = Interest::READABLE;
    i |= Interest::WRITABLE;
    assert!(i.is_readable() && i.is_writable() && !i.is_error());
    assert_eq!(i, Interest::READABLE.add(Interest::WRITABLE));
    assert_eq!(i.remove(Interest::READABLE), Some(Interest::WRITABLE));
    assert_eq!(Interest::ERROR.remove(Interest::ERROR), None);
    assert!(Interest::ERROR.is_error());
    assert_eq!(format!("{i:?}"), "READABLE | WRITABLE");
}

#[test]
fn ready_set_operations() {
    let r = Ready::READABLE | Ready::WRITE_CLOSED;
    assert!(r.is_readable() && r.is_write_closed());
    assert!(!r.is_writable() && !r.is_read_closed() && !r.is_error());
    assert_eq!(r & Ready::READABLE, Ready::READABLE);
    assert_eq!(r - Ready::READABLE, Ready::WRITE_CLOSED);
    assert!((r - r).is_empty());
    assert!(Ready::ALL.is_error() && Ready::ALL.is_writable());
    let mut m = Ready::EMPTY;
    m |= Ready::ERROR;
    assert!(m.is_error());
}

#[test]
fn read_buf_tracks_filled_and_initialized() {
    let mut raw = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut raw);
    assert_eq!((buf.capacity(), buf.remaining()), (8, 8));
    assert!(buf.initialized().is_empty());
    buf.put_slice(b"ab");
    assert_eq!(buf.filled(), b"ab");
    assert_eq!(buf.initialized().len(), 2);
    // Initializing zeroes only the asked part.
    assert_eq!(buf.initialize_unfilled_to(3), &[0, 0, 0]);
    assert_eq!(buf.initialized().len(), 5);
    buf.advance(3);
    assert_eq!(buf.filled(), b"ab\0\0\0");
    buf.filled_mut()[2] = b'c';
    buf.set_filled(3);
    assert_eq!(buf.filled(), b"abc");
    buf.clear();
    assert!(buf.filled().is_empty());
    assert_eq!(
        buf.initialized().len(),
        5,
        "clearing keeps the initialization"
    );
    // Through the unsafe interface: write, then assume initialized.
    // SAFETY: the 8 bytes are written before `assume_init(8)`.
    unsafe {
        for b in buf.unfilled_mut() {
            b.write(1);
        }
        buf.assume_init(8);
    }
    buf.advance(8);
    assert_eq!(buf.filled(), &[1; 8]);
    assert_eq!(buf.remaining(), 0);
}

#[test]
#[should_panic(expected = "filled must not become larger than initialized")]
fn read_buf_refuses_to_fill_uninitialized_bytes() {
    let mut raw = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut raw);
    buf.advance(1);
}

#[test]
#[should_panic(expected = "must fit in remaining")]
fn read_buf_put_slice_overflow_panics() {
    let mut storage = [0u8; 2];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"abc");
}
