//! Build steps:
//! 1. compiles `proto/profile.proto` with prost-build, parsing it with protox so
//!    that no system `protoc` is needed;
//! 2. embeds every `catalog/*.toml` leak signature in the binary.
use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/profile.proto");
    let fds = protox::compile(["proto/profile.proto"], ["proto/"])?;
    prost_build::Config::new().compile_fds(fds)?;

    println!("cargo:rerun-if-changed=catalog");
    // The manifest directory of this build, read when the script runs: a
    // build script compiled once may be run for another checkout of the
    // package (a worktree sharing the target directory), and `env!` would
    // keep the first one's path.
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR")?).join("catalog");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("/// Embedded catalog files: (file name, contents).\npub const FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        )?;
    }
    out.push_str("];\n");
    std::fs::write(
        Path::new(&std::env::var("OUT_DIR")?).join("catalog_files.rs"),
        out,
    )?;
    Ok(())
}
