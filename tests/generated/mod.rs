//! Large generated debug=2 dumps, for the tests of big inputs.

use std::io::Write;

/// A dump of `goroutines` goroutines in the canonical shape, 13 kinds of
/// stack, about 200 bytes each.
pub fn dump(goroutines: usize) -> Vec<u8> {
    let mut d = Vec::with_capacity(goroutines * 210);
    for i in 0..goroutines {
        write!(
            d,
            "goroutine {} [select, {} minutes]:\nmain.(*server).loop{}(0xc000{i:x})\n\t/src/app/server.go:{} +0x1d\nmain.run()\n\t/src/app/main.go:40 +0x2e\ncreated by main.start in goroutine 1\n\t/src/app/main.go:9 +0x66\n\n",
            i + 1,
            i % 50,
            i % 13,
            10 + i % 7
        )
        .unwrap();
    }
    d
}
