//! The `local-api` binary as a developer runs it. Building this test also builds the binary the
//! console's browser tests start (`target/debug/local-api`), with the workspace's test features,
//! so `cargo xtask test` compiles it once.

use std::process::Command;

#[test]
fn the_binary_lists_its_commands_in_its_help() {
    let output = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "send-inbound", "import-contacts"] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

#[test]
fn an_unknown_command_is_refused_with_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .arg("launch-rockets")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("launch-rockets"));
}
