//! Agent scripts, the pure part: an administrator's checklist for a sender (or every sender),
//! which script a conversation follows, and the rules a script obeys.

use serde::Deserialize;

use super::WhatsAppAddress;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_STEPS: usize = 30;
pub const MAX_STEP_CHARS: usize = 500;
pub const MAX_NUMBERS: usize = 50;

/// Why a script is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidScript {
    #[error("the body is not the expected JSON: {0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(String),
}

/// A script as an administrator writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInput {
    pub title: String,
    pub steps: Vec<String>,
    /// The business numbers it is for (`whatsapp:+…`); empty: every sender.
    pub numbers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScript {
    title: String,
    steps: Vec<String>,
    #[serde(default)]
    numbers: Option<Vec<String>>,
}

/// Reads `{"title", "steps": [...], "numbers"?: [...]}`: 1–200 characters of title, 1–30 steps
/// of 1–500 characters, numbers as `whatsapp:+E164` or `+E164`.
pub fn parse_script(raw: &[u8]) -> Result<ScriptInput, InvalidScript> {
    let raw: RawScript =
        serde_json::from_slice(raw).map_err(|e| InvalidScript::Malformed(e.to_string()))?;
    let invalid = |m: &str| Err(InvalidScript::Invalid(m.to_owned()));
    let title = raw.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return invalid("The title must be 1 to 200 characters.");
    }
    let steps: Vec<String> = raw.steps.iter().map(|s| s.trim().to_owned()).collect();
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return invalid("A script has 1 to 30 steps.");
    }
    if steps
        .iter()
        .any(|s| s.is_empty() || s.chars().count() > MAX_STEP_CHARS)
    {
        return invalid("Each step must be 1 to 500 characters.");
    }
    let mut numbers: Vec<String> = Vec::new();
    for number in raw.numbers.unwrap_or_default() {
        let number = number.trim();
        let address = if number.starts_with('+') {
            format!("whatsapp:{number}")
        } else {
            number.to_owned()
        };
        let Ok(address) = WhatsAppAddress::parse(&address) else {
            return Err(InvalidScript::Invalid(format!(
                "{number:?} is not a business number: give whatsapp:+E164 or +E164."
            )));
        };
        if !numbers.iter().any(|n| n == address.as_str()) {
            numbers.push(address.as_str().to_owned());
        }
    }
    if numbers.len() > MAX_NUMBERS {
        return invalid("A script names at most 50 numbers.");
    }
    Ok(ScriptInput {
        title,
        steps,
        numbers,
    })
}

/// What picking a script needs to know of each: its id and numbers.
pub trait Scoped {
    fn id(&self) -> &str;
    fn numbers(&self) -> &[String];
}

/// The script a conversation on `business` follows: one naming that number, else a general
/// one (no numbers); among several, the lowest id, so every reader picks the same.
pub fn script_for<'a, S: Scoped>(scripts: &'a [S], business: &str) -> Option<&'a S> {
    let lowest = |candidates: Vec<&'a S>| candidates.into_iter().min_by(|a, b| a.id().cmp(b.id()));
    lowest(
        scripts
            .iter()
            .filter(|s| s.numbers().iter().any(|n| n == business))
            .collect(),
    )
    .or_else(|| lowest(scripts.iter().filter(|s| s.numbers().is_empty()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S(&'static str, Vec<String>);
    impl Scoped for S {
        fn id(&self) -> &str {
            self.0
        }
        fn numbers(&self) -> &[String] {
            &self.1
        }
    }

    #[test]
    fn the_numbers_own_script_wins_over_the_general_one() {
        let scripts = [
            S("general", vec![]),
            S("sales", vec!["whatsapp:+14155238886".into()]),
            S("other", vec!["whatsapp:+447700900123".into()]),
        ];
        assert_eq!(
            script_for(&scripts, "whatsapp:+14155238886").map(|s| s.0),
            Some("sales")
        );
        assert_eq!(
            script_for(&scripts, "whatsapp:+15550001111").map(|s| s.0),
            Some("general")
        );
        assert!(script_for(&scripts[1..], "whatsapp:+15550001111").is_none());
    }

    #[test]
    fn among_several_matching_scripts_the_lowest_id_is_followed() {
        let scripts = [S("b", vec![]), S("a", vec![])];
        assert_eq!(
            script_for(&scripts, "whatsapp:+1555").map(|s| s.0),
            Some("a")
        );
    }

    #[test]
    fn a_script_is_read_with_its_numbers_in_one_form() {
        let script = parse_script(
            br#"{"title":" Greeting ","steps":["Greet","Verify identity"],"numbers":["+14155238886","whatsapp:+14155238886"]}"#,
        )
        .unwrap();
        assert_eq!(script.title, "Greeting");
        assert_eq!(script.steps, ["Greet", "Verify identity"]);
        assert_eq!(script.numbers, ["whatsapp:+14155238886"]);
    }

    #[test]
    fn a_script_outside_its_limits_is_refused_with_the_rule() {
        let too_many = serde_json::json!({"title": "t", "steps": vec!["s"; 31]}).to_string();
        for (body, says) in [
            (r#"{"title":"","steps":["a"]}"#.to_owned(), "title"),
            (r#"{"title":"t","steps":[]}"#.to_owned(), "1 to 30 steps"),
            (too_many, "1 to 30 steps"),
            (r#"{"title":"t","steps":[" "]}"#.to_owned(), "Each step"),
            (
                r#"{"title":"t","steps":["a"],"numbers":["12"]}"#.to_owned(),
                "business number",
            ),
        ] {
            let e = parse_script(body.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(says), "{body}: {e}");
        }
        assert!(matches!(
            parse_script(br#"{"title":"t","steps":["a"],"colour":"red"}"#),
            Err(InvalidScript::Malformed(_))
        ));
    }
}
