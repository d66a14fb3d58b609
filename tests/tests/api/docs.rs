//! The documentation kept true to the code: README.md is the front door (short, the two commands
//! first, a link to every docs file, a CRM's subscription to the bus that matches the stack), each `docs/*.md` says who it is for, `docs/api.md` lists
//! exactly the OpenAPI document's operations, and `docs/deploy.md` names every variable the code
//! reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `docs/*.md`, by file name.
fn docs_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    names
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The routes named in the first cell of each row of `docs/api.md`'s "## Routes" table: every
/// code span there that starts with a method, its path cut before a query (`?`) or an optional
/// part (`[`).
fn api_md_routes() -> BTreeSet<String> {
    let text = read("docs/api.md");
    let section = text
        .split("\n## Routes\n")
        .nth(1)
        .expect("docs/api.md has a \"## Routes\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut routes = BTreeSet::new();
    for row in section.lines().filter(|line| line.starts_with("| `")) {
        let first_cell = row[1..].split(" | ").next().unwrap_or("");
        for span in first_cell.split('`').skip(1).step_by(2) {
            let Some((method, rest)) = span.split_once(' ') else {
                continue;
            };
            if !METHODS.contains(&method) {
                continue;
            }
            let path = rest.split(['?', '[', ' ']).next().unwrap_or("");
            routes.insert(format!("{method} {path}"));
        }
    }
    routes
}

#[test]
fn docs_api_md_documents_exactly_the_openapi_operations() {
    let documented = api_md_routes();
    let operations: BTreeSet<String> = local_api::openapi::routes().into_iter().collect();
    let mut problems: Vec<String> = operations
        .difference(&documented)
        .map(|route| format!("{route}: in the OpenAPI document, missing from docs/api.md"))
        .collect();
    problems.extend(
        documented
            .difference(&operations)
            .map(|route| format!("{route}: in docs/api.md, not in the OpenAPI document")),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn docs_api_md_documents_every_route_local_api_serves() {
    let documented = api_md_routes();
    let missing: Vec<&str> = local_api::ROUTES
        .iter()
        .copied()
        .filter(|route| !documented.contains(*route))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/api.md does not document {missing:?}"
    );
}

#[test]
fn the_readme_is_at_most_250_lines() {
    let lines = read("README.md").lines().count();
    assert!(lines <= 250, "README.md has {lines} lines");
}

#[test]
fn the_readme_shows_both_commands_in_its_first_30_lines() {
    let readme = read("README.md");
    let head: Vec<&str> = readme.lines().take(30).collect();
    for command in ["cargo run -p local-api", "cargo xtask test"] {
        assert!(
            head.iter().any(|line| line.contains(command)),
            "README.md's first 30 lines do not show `{command}`"
        );
    }
}

#[test]
fn the_readme_links_every_docs_file_and_each_link_resolves() {
    let readme = read("README.md");
    let names = docs_files();
    assert!(!names.is_empty(), "docs/ holds no Markdown file");
    for name in &names {
        assert!(
            readme.contains(&format!("](docs/{name})")),
            "README.md does not link docs/{name}"
        );
    }
    for target in links(&readme) {
        assert!(
            root().join(&target).exists(),
            "README.md links {target}, which does not exist"
        );
    }
}

#[test]
fn every_docs_file_starts_with_who_it_is_for() {
    for name in docs_files() {
        let text = read(&format!("docs/{name}"));
        let mut lines = text.lines().filter(|line| !line.trim().is_empty());
        let title = lines.next().unwrap_or("");
        let first = lines.next().unwrap_or("");
        assert!(
            title.starts_with("# "),
            "docs/{name} does not start with a title"
        );
        assert!(
            first.starts_with("For "),
            "docs/{name} does not say first who it is for (\"For …\"), it says: {first}"
        );
    }
}

/// The relative targets of a Markdown text's links (`](target)`), without their `#anchor`.
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.starts_with("http") && !target.starts_with('#'))
        .map(|target| target.split('#').next().unwrap_or(target).to_owned())
        .collect()
}

#[test]
fn every_link_between_the_docs_resolves() {
    let mut broken = Vec::new();
    for name in docs_files() {
        let text = read(&format!("docs/{name}"));
        for target in links(&text) {
            if !root().join("docs").join(&target).exists() {
                broken.push(format!("docs/{name} links {target}"));
            }
        }
    }
    let contributing = read("CONTRIBUTING.md");
    for target in links(&contributing) {
        if !root().join(&target).exists() {
            broken.push(format!("CONTRIBUTING.md links {target}"));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The names passed as a string literal to `required`, `optional`, `var` or `var_os`:
/// `config::required("TABLE_NAME")`, `std::env::var("RUST_LOG")`, `var("X", default)`.
fn variables_read(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in source.match_indices("(\"") {
        let before = &source[..at];
        let reader = ["required", "optional", "var", "var_os"]
            .iter()
            .any(|f| before.ends_with(f));
        let name: String = source[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let closed = source[at + 2 + name.len()..].starts_with('"');
        if reader && closed && name.len() > 1 {
            names.insert(name);
        }
    }
    names
}

#[test]
fn docs_deploy_md_names_every_environment_variable_the_code_reads() {
    let mut files = Vec::new();
    for dir in ["shared/src", "local-api/src", "functions"] {
        files.extend(crate::helpers::rust_sources(&root().join(dir)));
    }
    let deploy = read("docs/deploy.md");
    let mut missing = BTreeSet::new();
    for file in files {
        let relative = file.strip_prefix(root()).unwrap_or(&file).to_owned();
        // Tests and test helpers read their own variables (`CI`, fixtures' env.json).
        let is_test = relative.components().any(|c| c.as_os_str() == "tests")
            || relative.file_stem().is_some_and(|stem| stem == "testing");
        // A build script reads cargo's variables (`OUT_DIR`) when it is built, not deployed.
        let is_build_script = relative.file_name().is_some_and(|name| name == "build.rs");
        if is_test || is_build_script {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for name in variables_read(&source) {
            if !deploy.contains(&format!("`{name}`")) {
                missing.insert(format!("{name} (read in {})", relative.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/deploy.md's configuration does not name: {missing:?}"
    );
}

#[test]
fn the_variable_scan_finds_the_readers_this_code_uses() {
    let source = r#"config::required("TABLE_NAME"); optional("A_B"); std::env::var("RUST_LOG");
        var("TWILIO_AUTH_TOKEN", LOCAL.into()); var_os("X1"); println!("NOT_READ");"#;
    let found: Vec<String> = variables_read(source).into_iter().collect();
    assert_eq!(
        found,
        ["A_B", "RUST_LOG", "TABLE_NAME", "TWILIO_AUTH_TOKEN", "X1"]
    );
}

/// The README's YAML block that subscribes a CRM: CloudFormation resources in its JSON form.
fn readme_crm_subscription() -> (usize, serde_json::Value) {
    let readme = read("README.md");
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .filter(|block| block.contains("AWS::Events::ApiDestination"))
        .collect();
    assert_eq!(
        blocks.len(),
        1,
        "README.md shows one YAML block with an API destination"
    );
    let yaml: serde_norway::Value =
        serde_norway::from_str(blocks[0]).expect("the README's YAML block parses");
    (
        blocks[0].lines().count(),
        crate::template::cloudformation(yaml),
    )
}

#[test]
fn the_readme_shows_a_crm_subscribing_to_the_bus_through_an_api_destination() {
    let (lines, resources) = readme_crm_subscription();
    assert!((10..=20).contains(&lines), "{lines} lines");
    let of_type = |wanted: &str| -> (String, serde_json::Value) {
        let found: Vec<(&String, &serde_json::Value)> = resources
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == wanted)
            .collect();
        assert_eq!(found.len(), 1, "one {wanted} in {resources}");
        (found[0].0.clone(), found[0].1["Properties"].clone())
    };
    let (connection, _) = of_type("AWS::Events::Connection");
    let (destination, properties) = of_type("AWS::Events::ApiDestination");
    assert_eq!(
        properties["ConnectionArn"],
        serde_json::json!({"Fn::GetAtt": [connection, "Arn"]})
    );
    assert!(
        properties["InvocationEndpoint"]
            .as_str()
            .is_some_and(|e| e.starts_with("https://")),
        "{properties}"
    );
    let (_, rule) = of_type("AWS::Events::Rule");
    // The stack's bus (`{stack}-conversations`) and its events' source and names.
    let template = crate::template::load();
    let bus = &crate::template::resources(&template)["ConversationEventBus"];
    assert_eq!(
        bus["Properties"]["Name"],
        serde_json::json!({"Fn::Sub": "${AWS::StackName}-conversations"})
    );
    assert!(
        rule["EventBusName"]
            .as_str()
            .is_some_and(|b| b.ends_with("-conversations")),
        "{rule}"
    );
    assert_eq!(
        rule["EventPattern"]["source"],
        serde_json::json!([whatsapp_channel::adapters::eventbridge::SOURCE])
    );
    let api = read("docs/api.md");
    let names = rule["EventPattern"]["detail-type"].as_array().unwrap();
    assert!(!names.is_empty());
    for name in names {
        let name = name.as_str().unwrap();
        assert!(
            api.contains(&format!("| `{name}` |")),
            "{name} is not an event of docs/api.md"
        );
    }
    let target = &rule["Targets"][0];
    assert_eq!(
        target["Arn"],
        serde_json::json!({"Fn::GetAtt": [destination, "Arn"]})
    );
    assert!(target["RoleArn"].is_object(), "{target}");
}
