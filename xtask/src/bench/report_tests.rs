//! The goals table, from rows made up for the purpose.

use super::*;

fn subject(name: &str, role: Role) -> Subject {
    Subject {
        name: name.to_owned(),
        role,
        program: PathBuf::new(),
        args: Vec::new(),
        cwd: PathBuf::new(),
        env: Vec::new(),
        events: Events::Files(Vec::new()),
        warm: 0,
        bootstrap: String::new(),
        note: String::new(),
    }
}

fn row(init: u64, cold: u64, p50: u64, p99: u64) -> Row {
    Row {
        init: Some(init),
        cold: Some(cold),
        cold_net: Some(cold),
        p50: Some(p50),
        p50_net: Some(p50),
        p99: Some(p99),
        p99_net: Some(p99),
        ..Row::default()
    }
}

/// The verdict of the goal line that starts with `goal`.
fn verdict_of<'a>(table: &'a str, goal: &str) -> Option<&'a str> {
    table
        .lines()
        .find(|l| l.starts_with(&format!("| {goal}")))
        .and_then(|l| l.trim_end_matches(" |").rsplit("| ").next())
}

#[test]
fn each_goal_is_judged_against_the_peer_or_the_floor() {
    let subjects = [
        subject("agent-api", Role::Function),
        subject("webhook-ingest, follow-up message", Role::Product),
        subject("floor", Role::Floor),
        subject("peer", Role::Peer),
    ];
    let rows = [
        row(11_000, 0, 0, 0),
        row(10_000, 16_000, 4_000, 10_000),
        row(10_000, 0, 0, 0),
        row(0, 250_000, 6_000, 9_000),
    ];
    let table = goals(&subjects, &rows);
    assert_eq!(verdict_of(&table, "cold start"), Some("met"), "{table}");
    assert!(table.contains("15.6×"), "{table}");
    assert_eq!(verdict_of(&table, "warm p50"), Some("met"), "{table}");
    assert_eq!(verdict_of(&table, "warm p99"), Some("missed"), "{table}");
    assert_eq!(
        verdict_of(&table, "agent-api: init within 1.1× the floor"),
        Some("met"),
        "{table}"
    );
}

#[test]
fn without_the_peer_a_function_s_own_goals_are_still_judged() {
    let subjects = [
        subject("agent-api", Role::Function),
        subject("floor", Role::Floor),
    ];
    let rows = [row(12_000, 0, 0, 0), row(10_000, 0, 0, 0)];
    let table = goals(&subjects, &rows);
    assert!(table.contains("not measured"), "{table}");
    assert_eq!(
        verdict_of(&table, "agent-api: init within 1.1× the floor"),
        Some("missed"),
        "{table}"
    );
}
