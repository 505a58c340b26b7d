//! Decompression baseline for `bench/run.sh`: inflates a gzip file the way
//! leakdiff reads one (flate2 with the zlib-rs backend, 1 MiB reads) and
//! throws the output away, so that leakdiff's time on a `.gz` input can be
//! compared with what decompression alone takes.
//!
//! `cargo run --release --example gunzip -- FILE.gz`

use std::io::{BufReader, Read};

fn main() {
    let path = std::env::args().nth(1).expect("usage: gunzip FILE.gz");
    let f = std::fs::File::open(&path).expect("open");
    let mut gz = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, f));
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = gz.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    println!("{total} bytes");
}
