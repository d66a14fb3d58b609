//! `cargo xtask mutants`: cargo-mutants over the pure domain, against the shared crate's own unit
//! tests. Out of `cargo xtask test`: hundreds of mutants, one incremental build each.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Error, Paths, cargo_command, run_step};

/// The version `cargo xtask mutants` installs when none is on PATH.
const VERSION: &str = "27.1.0";

/// What is mutated and which tests judge it.
const PACKAGE: &str = "whatsapp-channel";
const FILES: &str = "shared/src/domain/**";

/// The arguments after `cargo-mutants`. In place: a copy of the tree would rebuild every
/// dependency (the AWS SDK) in a fresh target directory, and one job is all in-place allows.
/// `extra` goes last; a `--file` of its own replaces the domain glob.
pub fn arguments(output: &Path, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "mutants",
        "--in-place",
        "--package",
        PACKAGE,
        "--test-package",
        PACKAGE,
        // Only the crate's unit tests: its integration tests need emulators.
        "--cargo-test-arg=--lib",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    args.extend(["--output".to_owned(), output.display().to_string()]);
    let picks_files = extra
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-f" || a == "--file" || a.starts_with("--file="));
    if !picks_files {
        args.extend(["--file".to_owned(), FILES.to_owned()]);
    }
    args.extend(extra.iter().cloned());
    args
}

/// Runs cargo-mutants (installing it first when missing); fails when a mutant survives.
pub fn mutants(paths: &Paths, extra: &[String]) -> Result<(), Error> {
    let program = cargo_mutants(paths)?;
    let output = paths.cache.clone();
    std::fs::create_dir_all(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!(
        "xtask: cargo-mutants edits shared/src/domain in place and restores it after each \
         mutant: do not edit, build or commit in this tree until it ends"
    );
    let mut command = Command::new(program);
    command
        .current_dir(&paths.root)
        .args(arguments(&output, extra));
    let result = run_step("cargo mutants", &mut command);
    eprintln!(
        "xtask: cargo-mutants' results: {}",
        output.join("mutants.out").display()
    );
    result
}

/// `cargo-mutants` from PATH, else from `target/xtask/cargo-mutants`, installed there first
/// when missing.
fn cargo_mutants(paths: &Paths) -> Result<PathBuf, Error> {
    let on_path = PathBuf::from("cargo-mutants");
    if answers(&on_path) {
        return Ok(on_path);
    }
    let root = paths.cache.join("cargo-mutants");
    let installed = root.join("bin").join("cargo-mutants");
    if answers(&installed) {
        return Ok(installed);
    }
    run_step(
        "cargo install cargo-mutants",
        cargo_command(paths)
            .args(["install", "cargo-mutants", "--locked", "--version", VERSION])
            .arg("--root")
            .arg(&root),
    )?;
    Ok(installed)
}

fn answers(program: &Path) -> bool {
    Command::new(program)
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(extra: &[&str]) -> Vec<String> {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        arguments(Path::new("/t/xtask"), &extra)
    }

    #[test]
    fn the_domain_is_mutated_in_place_against_the_crates_unit_tests_only() {
        let args = built(&[]);
        assert_eq!(args[0], "mutants");
        assert!(args.contains(&"--in-place".to_owned()));
        assert!(args.contains(&"--cargo-test-arg=--lib".to_owned()));
        let after = |flag: &str| {
            let i = args.iter().position(|a| a == flag).unwrap();
            args[i + 1].clone()
        };
        assert_eq!(after("--package"), "whatsapp-channel");
        assert_eq!(after("--test-package"), "whatsapp-channel");
        assert_eq!(after("--file"), "shared/src/domain/**");
        assert_eq!(after("--output"), "/t/xtask");
    }

    #[test]
    fn a_file_of_the_callers_own_replaces_the_domain_glob() {
        let args = built(&["--file", "shared/src/domain/status.rs"]);
        assert_eq!(args.iter().filter(|a| *a == "--file").count(), 1);
        assert!(!args.contains(&FILES.to_owned()));
        assert_eq!(args.last().unwrap(), "shared/src/domain/status.rs");
        assert!(built(&["-f", "x.rs"]).iter().all(|a| a != FILES));
        assert!(built(&["--", "--file"]).contains(&FILES.to_owned()));
    }
}
