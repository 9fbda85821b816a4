//! Generates the gRPC code of `proto/zkyuma.proto` with a vendored `protoc`, so a fresh machine
//! needs no protobuf compiler installed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=proto/zkyuma.proto");
    tonic_prost_build::configure().compile_protos(&["proto/zkyuma.proto"], &["proto"])?;
    Ok(())
}
