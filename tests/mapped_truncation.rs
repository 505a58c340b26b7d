//! A regular file is memory-mapped; truncating it while leakdiff reads it
//! must give a clear error (or, if the load finished first, a result),
//! never a crash by SIGBUS.

mod generated;

use generated::dump;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn truncating_a_file_while_it_is_read_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let data = dump(300_000);
    let mut truncated_errors = 0;
    for delay_ms in [0u64, 10, 50, 150, 300] {
        std::fs::write(&path, &data).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_leakdiff"))
            .args(["show", "--top", "3"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(data.len() as u64 / 4).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            None,
            "killed by a signal after {delay_ms} ms: {stderr}"
        );
        match out.status.code() {
            Some(0) => {}
            Some(2) => {
                assert!(stderr.contains("big.txt"), "{stderr}");
                assert!(
                    stderr.contains("file was truncated while it was read"),
                    "{stderr}"
                );
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
                truncated_errors += 1;
            }
            c => panic!("exit {c:?} after {delay_ms} ms: {stderr}"),
        }
    }
    // The load of 100 MB takes longer than the shortest delays.
    assert!(truncated_errors > 0, "no load was caught mid-way");
}
