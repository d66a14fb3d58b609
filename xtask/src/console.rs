//! The console's tests: node's own test runner for the JavaScript logic, and the agent's whole
//! path in headless Chromium (Debian's `chromium`, driven by npm's `playwright-core` with
//! `executablePath`, so nothing ever downloads a browser) against a real local-api.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::install::{marker_matches, npm_install, run_logged, start_fresh, write_marker};
use crate::{Error, Paths, run_step};

/// The browser driver, pinned; it drives the system Chromium and never fetches one.
pub const PLAYWRIGHT_NPM_PACKAGE: &str = "playwright-core@1.64.1";
const SYSTEM_CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub chromium: PathBuf,
    /// `node_modules/playwright-core`.
    pub playwright_core: PathBuf,
}

/// Debian's Chromium (installed with apt-get when missing) and playwright-core (from npm).
pub fn install(paths: &Paths) -> Result<Browser, Error> {
    Ok(Browser {
        chromium: install_chromium(paths)?,
        playwright_core: install_playwright(paths)?,
    })
}

fn install_chromium(paths: &Paths) -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("CHROMIUM_PATH").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let chromium = PathBuf::from(SYSTEM_CHROMIUM);
    if chromium.is_file() {
        eprintln!("xtask: Chromium: using {SYSTEM_CHROMIUM}");
        return Ok(chromium);
    }
    eprintln!("xtask: installing Debian's chromium with apt-get (one apt-get update first)");
    let started = Instant::now();
    let log = paths.logs.join("install-chromium.log");
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run_logged(&mut apt(&["update"]), &log)?;
    run_logged(
        &mut apt(&["install", "-y", "--no-install-recommends", "chromium"]),
        &log,
    )?;
    if !chromium.is_file() {
        return Err(format!(
            "apt-get installed chromium, but {SYSTEM_CHROMIUM} is missing; see {}",
            log.display()
        ));
    }
    eprintln!(
        "xtask: Chromium installed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(chromium)
}

fn install_playwright(paths: &Paths) -> Result<PathBuf, Error> {
    let dir = paths.cache.join("browser");
    let module = dir.join("node_modules/playwright-core");
    if marker_matches(&dir, PLAYWRIGHT_NPM_PACKAGE) && module.join("index.mjs").is_file() {
        eprintln!("xtask: playwright-core: using cached {PLAYWRIGHT_NPM_PACKAGE}");
        return Ok(module);
    }
    start_fresh(&dir)?;
    let started = Instant::now();
    npm_install(
        &dir,
        PLAYWRIGHT_NPM_PACKAGE,
        &paths.logs.join("install-playwright.log"),
    )?;
    if !module.join("index.mjs").is_file() {
        return Err(format!(
            "{PLAYWRIGHT_NPM_PACKAGE} installed, but {} is missing",
            module.join("index.mjs").display()
        ));
    }
    write_marker(&dir, PLAYWRIGHT_NPM_PACKAGE)?;
    eprintln!(
        "xtask: playwright-core installed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(module)
}

/// `node --test` over `console/tests/unit`, then the browser tests against a fresh local-api.
pub fn test(paths: &Paths, browser: &Browser) -> Result<(), Error> {
    let console = paths.root.join("console");
    run_step(
        "console unit tests",
        Command::new("node")
            .current_dir(&console)
            .args(["--test", "tests/unit/"]),
    )?;
    // The console is embedded in local-api at compile time. `cargo test --workspace` has built
    // it already (local-api's own tests need the binary); this is a no-op then, and builds it
    // with the same features when the tests were filtered.
    run_step(
        "local-api binary",
        crate::cargo_command(paths).args(["test", "--workspace", "--no-run", "--quiet"]),
    )?;
    let target = paths
        .cache
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| paths.root.join("target"));
    let screenshots = target.join("console-screenshots");
    fs::create_dir_all(&screenshots)
        .map_err(|e| format!("cannot create {}: {e}", screenshots.display()))?;
    run_step(
        "console browser tests",
        Command::new("node")
            .current_dir(&console)
            .args(["--test", "--test-concurrency=1", "tests/browser/"])
            .env("LOCAL_API_BIN", target.join("debug/local-api"))
            .env("CHROMIUM_PATH", &browser.chromium)
            .env("PLAYWRIGHT_CORE", &browser.playwright_core)
            .env("SCREENSHOT_DIR", &screenshots),
    )?;
    eprintln!("xtask: console screenshots in {}", screenshots.display());
    Ok(())
}
