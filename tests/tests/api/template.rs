//! template.yaml as CloudFormation reads it: YAML whose short intrinsic-function tags (`!Ref`,
//! `!Sub`, `!GetAtt`, `!If`, …) become their long JSON forms (`{"Ref": …}`, `{"Fn::Sub": …}`),
//! and a stand-in for what CloudFormation and IAM do with them (substitution, ARN wildcards).

use serde_json::{Map, Value, json};

/// The whole template, in CloudFormation's JSON form.
pub fn load() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let text = std::fs::read_to_string(&path).expect("template.yaml at the workspace root");
    let yaml: serde_norway::Value =
        serde_norway::from_str(&text).expect("template.yaml is valid YAML");
    cloudformation(yaml)
}

/// A YAML value in CloudFormation's JSON form.
pub fn cloudformation(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => b.into(),
        Yaml::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, Some(f)) => json!(f),
            (None, None) => Value::Null,
        },
        Yaml::String(s) => s.into(),
        Yaml::Sequence(items) => items.into_iter().map(cloudformation).collect(),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = k.as_str().map(str::to_owned).unwrap_or(format!("{k:?}"));
                    (key, cloudformation(v))
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let value = cloudformation(tagged.value);
            match tag.trim_start_matches('!') {
                "Ref" => json!({ "Ref": value }),
                "Condition" => json!({ "Condition": value }),
                // `!GetAtt Name.Attribute` is `{"Fn::GetAtt": ["Name", "Attribute"]}`.
                "GetAtt" => match value.as_str().and_then(|s| s.split_once('.')) {
                    Some((name, attribute)) => json!({ "Fn::GetAtt": [name, attribute] }),
                    None => json!({ "Fn::GetAtt": value }),
                },
                other => json!({ format!("Fn::{other}"): value }),
            }
        }
    }
}

/// The template's resources by logical id.
pub fn resources(template: &Value) -> &Map<String, Value> {
    template["Resources"]
        .as_object()
        .expect("template.yaml has Resources")
}

/// The logical ids of the resources of one type, in template order.
pub fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources(template)
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(name, r)| (name.as_str(), r))
        .collect()
}

/// The resource named by `{"Ref": name}` or `{"Fn::GetAtt": [name, …]}`.
pub fn referenced(value: &Value) -> Option<&str> {
    value["Ref"]
        .as_str()
        .or_else(|| value["Fn::GetAtt"][0].as_str())
}

/// The text of a `{"Fn::Sub": …}` (either form) or a plain string.
pub fn sub_text(value: &Value) -> Option<&str> {
    match &value["Fn::Sub"] {
        Value::String(text) => Some(text),
        Value::Array(form) => form.first().and_then(Value::as_str),
        _ => value.as_str(),
    }
}

pub const PARTITION: &str = "aws";
pub const REGION: &str = "eu-west-1";
pub const ACCOUNT: &str = "123456789012";

/// The physical id a resource stands for in a substituted string: `id-{name}`.
pub fn physical_id(name: &str) -> String {
    format!("id-{name}")
}

/// `Fn::Sub`'s substitution, with fixed pseudo parameters and `id-{name}` for each resource
/// (`arn-{name}` for its `.Arn`).
pub fn substitute(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + len];
        out.push_str(&match name {
            "AWS::Partition" => PARTITION.to_owned(),
            "AWS::Region" => REGION.to_owned(),
            "AWS::AccountId" => ACCOUNT.to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            other => match other.split_once('.') {
                Some((resource, "Arn")) => format!("arn-{resource}"),
                Some((resource, attribute)) => format!("{attribute}-of-{resource}"),
                None => physical_id(other),
            },
        });
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// IAM's `StringLike`/`ArnLike`: `*` matches any run of characters (`/` too), `?` one.
pub fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // matched[j]: the pattern so far matches the first j characters of the text.
    let mut matched = vec![false; t.len() + 1];
    matched[0] = true;
    for c in p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match c {
                '*' => matched[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matched[j - 1],
                c => j > 0 && matched[j - 1] && t[j - 1] == c,
            };
        }
        matched = next;
    }
    matched[t.len()]
}

/// A property that may be one value or a list of them, as a list.
pub fn one_or_many(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

#[test]
fn short_tags_read_as_cloudformation_long_forms() {
    let yaml = "a: !Ref Table\nb: !GetAtt Table.StreamArn\nc: !Sub \"${Table.Arn}/index/x\"\n\
                d: !If [Cond, !Ref A, !Ref AWS::NoValue]\n";
    let value = cloudformation(serde_norway::from_str(yaml).unwrap());
    assert_eq!(value["a"], json!({"Ref": "Table"}));
    assert_eq!(value["b"], json!({"Fn::GetAtt": ["Table", "StreamArn"]}));
    assert_eq!(value["c"], json!({"Fn::Sub": "${Table.Arn}/index/x"}));
    assert_eq!(
        value["d"],
        json!({"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]})
    );
}

#[test]
fn wildcards_match_as_iam_matches_them() {
    assert!(like("*/*/*", "$default/GET/conversations/c1"));
    assert!(like("live/$*connect", "live/$disconnect"));
    assert!(like("CONV#*", "CONV#"));
    assert!(like("QUICKREPLY", "QUICKREPLY"));
    assert!(like("a?c", "abc"));
    assert!(!like(
        "*/POST/conversations/*/messages",
        "$default/DELETE/conversations/c1/messages/m1"
    ));
    assert!(!like("CONV#*", "CONVERSATIONS#3"));
    assert!(!like("AGENT#*", "AGENTS#available#1"));
    assert!(!like("a?c", "ac"));
}
