//! Every item kind the DynamoDB adapters write declares what erasing a customer and the
//! retention period do with it (`adapters::dynamodb::lifecycle`): read from the adapters' own
//! sources, so that a new kind fails here until someone decides its rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use whatsapp_channel::adapters::dynamodb::lifecycle::{
    Erasure, ITEM_RULES, Retention, UNTYPED, rule_of,
};

/// The DynamoDB adapter's sources, by their path under `adapters/dynamodb/` (`items/mod.rs`).
fn sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src/adapters/dynamodb");
    crate::helpers::rust_sources(&dir)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            (name, text)
        })
        .collect()
}

/// `NAME: &str = "value"` constants of one source, by name.
fn constants(text: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some(rest) = line
            .strip_prefix("pub const ")
            .or_else(|| line.strip_prefix("pub(super) const "))
            .or_else(|| line.strip_prefix("const "))
        else {
            continue;
        };
        let Some((name, value)) = rest.split_once(": &str = \"") else {
            continue;
        };
        if let Some(value) = value.strip_suffix("\";") {
            found.insert(name.to_owned(), value.to_owned());
        }
    }
    found
}

/// The `type` values the adapters write: `TYPE.into(), s(NAME)` and `typed(…, NAME, …)` (a
/// constant of the same file, else of `items::tag`), and every `tag::NAME` (some written
/// through update expressions).
fn kinds_written() -> BTreeSet<String> {
    let sources = sources();
    let items = sources
        .iter()
        .find(|(name, _)| name == "items/mod.rs")
        .map(|(_, text)| text.clone())
        .unwrap_or_default();
    let tag_module = items
        .split("pub mod tag {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_default();
    let tags = constants(tag_module);
    let mut kinds = BTreeSet::new();
    for (_, text) in &sources {
        let own = constants(text);
        let resolve = |name: &str| -> Option<String> {
            match name.trim().strip_prefix("tag::") {
                Some(tag) => tags.get(tag).cloned(),
                None => own
                    .get(name.trim())
                    .or_else(|| tags.get(name.trim()))
                    .cloned(),
            }
        };
        for piece in text.split("TYPE.into(), s(").skip(1) {
            kinds.extend(resolve(piece.split(')').next().unwrap_or_default()));
        }
        for piece in text.split("typed(").skip(1) {
            if let Some(name) = piece.split(',').nth(1) {
                kinds.extend(resolve(name));
            }
        }
        for piece in text.split("tag::").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            kinds.extend(tags.get(&name).cloned());
        }
    }
    kinds
}

#[test]
fn every_item_kind_the_adapters_write_declares_its_erasure_and_retention_rule() {
    let written = kinds_written();
    assert!(
        written.len() >= 30,
        "only {} kinds found: {written:?}",
        written.len()
    );
    let missing: Vec<&String> = written.iter().filter(|k| rule_of(k).is_none()).collect();
    assert!(
        missing.is_empty(),
        "item kinds without a rule in shared/src/adapters/dynamodb/lifecycle.rs: {missing:?}"
    );
    let stale: Vec<&str> = ITEM_RULES
        .iter()
        .map(|r| r.kind)
        .filter(|k| !written.contains(*k) && !UNTYPED.contains(k))
        .collect();
    assert!(stale.is_empty(), "rules for kinds nobody writes: {stale:?}");
}

#[test]
fn each_kind_has_one_rule_and_every_rule_says_how_or_why() {
    let mut seen = BTreeSet::new();
    for rule in ITEM_RULES {
        assert!(seen.insert(rule.kind), "{} twice", rule.kind);
        let said = match rule.erasure {
            Erasure::Delete { how } => how,
            Erasure::Keep { why } => why,
        };
        assert!(!said.trim().is_empty(), "{}", rule.kind);
        if let Retention::OwnTtl { ttl } | Retention::Kept { why: ttl } = rule.retention {
            assert!(!ttl.trim().is_empty(), "{}", rule.kind);
        }
    }
    // What holds a customer's words is erased and follows the retention period.
    for kind in ["conversation", "message", "note", "event", "term"] {
        let rule = rule_of(kind).unwrap();
        assert!(matches!(rule.erasure, Erasure::Delete { .. }), "{kind}");
        assert_eq!(rule.retention, Retention::WithConversation, "{kind}");
    }
}
