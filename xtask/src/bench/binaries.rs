//! What the bench runs, built: every package in the chosen profile (each on its own when the
//! whole build fails, to name the ones that do not build), and the arm64 bootstrap sizes
//! `cargo xtask build` leaves.

use super::*;

/// Builds `packages` in `profile`; when that fails, each on its own, to find the ones that do
/// not build (with their first error line).
pub(super) fn build(paths: &Paths, profile: &str, packages: &[String]) -> BTreeMap<String, String> {
    let command = |packages: &[String]| {
        let mut command = cargo_command(paths);
        command.args(["build", "--quiet", "--profile", profile, "--bins"]);
        for package in packages {
            command.args(["-p", package]);
        }
        command
    };
    let mut broken = BTreeMap::new();
    if run_step("cargo build (bench)", &mut command(packages)).is_ok() {
        return broken;
    }
    for package in packages {
        let output = command(std::slice::from_ref(package)).output();
        let error = match output {
            Ok(o) if o.status.success() => continue,
            Ok(o) => String::from_utf8_lossy(&o.stderr)
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("cargo build failed")
                .to_owned(),
            Err(e) => format!("cannot run cargo: {e}"),
        };
        eprintln!("xtask: bench: {package} does not build: {error}");
        broken.insert(package.clone(), error);
    }
    broken
}

/// The arm64 bootstrap `cargo xtask build` leaves, if it is there.
pub(super) fn bootstrap_size(paths: &Paths, bin: &str) -> String {
    let candidates = [
        paths.target.join("lambda").join(bin).join("bootstrap"),
        paths.root.join("target/lambda").join(bin).join("bootstrap"),
    ];
    candidates
        .iter()
        .find_map(|p| std::fs::metadata(p).ok())
        .map(|m| format!("{:.1} MiB", m.len() as f64 / (1024.0 * 1024.0)))
        .unwrap_or_else(|| "n/a: run `cargo xtask build` first".to_owned())
}
