//! Gzips the console's files once, at build time, into `OUT_DIR/gzip/`: assets.rs embeds both
//! forms, and a browser that accepts gzip gets about a quarter of the bytes, with no work at
//! init or per request.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

fn main() {
    // Read when the script runs, not baked in when it is compiled: a build script compiled from
    // one checkout (a git worktree sharing the target directory) is reused for another.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let console = Path::new(&manifest).join("../../console");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("gzip");
    println!(
        "cargo:rerun-if-changed={}",
        console.join("index.html").display()
    );
    for dir in ["", "js"] {
        let from = console.join(dir);
        println!("cargo:rerun-if-changed={}", from.display());
        std::fs::create_dir_all(out.join(dir)).expect("OUT_DIR is writable");
        let mut entries: Vec<_> = std::fs::read_dir(&from)
            .expect("console/ is beside functions/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("html" | "css" | "js")
                )
            })
            .collect();
        entries.sort();
        for path in entries {
            let bytes = std::fs::read(&path).expect("a console file is readable");
            let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
            encoder.write_all(&bytes).expect("gzip into memory");
            let gzipped = encoder.finish().expect("gzip into memory");
            let name = path.file_name().expect("a file").to_string_lossy();
            std::fs::write(out.join(dir).join(format!("{name}.gz")), gzipped)
                .expect("OUT_DIR is writable");
        }
    }
}
