//! Compiles `proto/profile.proto` with prost-build, parsing it with protox so
//! that no system `protoc` is needed.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/profile.proto");
    let fds = protox::compile(["proto/profile.proto"], ["proto/"])?;
    prost_build::Config::new().compile_fds(fds)?;
    Ok(())
}
