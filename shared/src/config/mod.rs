//! Configuration from the environment (the names in docs/deploy.md's configuration table), read once per
//! cold start.

pub mod sdk_http;

use std::env;

use crate::domain::{Capacity, InvalidValue, Senders, WindowWarnings};

/// A required variable is missing or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the environment variable {0} is not set")]
pub struct MissingVariable(pub &'static str);

/// The configuration could not be completed at cold start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Missing(#[from] MissingVariable),
    #[error("the environment variable {name} is not valid: {source}")]
    Invalid {
        name: &'static str,
        #[source]
        source: InvalidValue,
    },
    #[error("a secret could not be read from SSM parameter {name}")]
    Parameter {
        name: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub fn required(name: &'static str) -> Result<String, MissingVariable> {
    optional(name).ok_or(MissingVariable(name))
}

pub fn optional(name: &'static str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What webhook-ingest needs to check Twilio's signatures.
#[derive(Clone)]
pub struct WebhookConfig {
    pub auth_token: String,
    /// The exact URLs configured in Twilio: signatures are checked against these strings.
    pub inbound_url: String,
    pub status_url: String,
    /// The numbers customers may write to (`WHATSAPP_SENDERS`).
    pub senders: Senders,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("auth_token", &"<redacted>")
            .field("inbound_url", &self.inbound_url)
            .field("status_url", &self.status_url)
            .field("senders", &self.senders.to_string())
            .finish()
    }
}

impl WebhookConfig {
    /// From the environment, the auth token from `TWILIO_AUTH_TOKEN` or else read once from the
    /// SSM SecureString named by `TWILIO_AUTH_TOKEN_PARAMETER` (how template.yaml deploys it).
    pub async fn load(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            auth_token: twilio_auth_token(sdk).await?,
            inbound_url: required("TWILIO_INBOUND_URL")?,
            status_url: required("TWILIO_STATUS_URL")?,
            senders: senders()?,
        })
    }
}

/// When agents are warned before a window ends: `WINDOW_WARNINGS` (`2h,15m` when unset).
pub fn window_warnings() -> Result<WindowWarnings, ConfigError> {
    match optional("WINDOW_WARNINGS") {
        Some(raw) => WindowWarnings::parse(&raw).map_err(|source| ConfigError::Invalid {
            name: "WINDOW_WARNINGS",
            source,
        }),
        None => Ok(WindowWarnings::default()),
    }
}

/// The capacity of an agent without a routing profile: `AGENT_CAPACITY_DEFAULT` (1 to 20, 3
/// when unset).
pub fn agent_capacity_default() -> Result<Capacity, ConfigError> {
    let Some(raw) = optional("AGENT_CAPACITY_DEFAULT") else {
        return Ok(Capacity::default());
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|n| Capacity::parse(n).ok())
        .ok_or(ConfigError::Invalid {
            name: "AGENT_CAPACITY_DEFAULT",
            source: InvalidValue {
                what: "default agent capacity",
                reason: "a whole number from 1 to 20",
            },
        })
}

/// How requests reach agents: `ROUTING_MODE` (`offer`, the default, or `broadcast`),
/// `OFFER_TIMEOUT_SECONDS` (10 to 600, 60 when unset), `OVERFLOW_AFTER_SECONDS` (30 to 900, 300
/// when unset: an SQS delay is at most 15 minutes), and `AGENT_CAPACITY_DEFAULT`.
pub fn routing() -> Result<crate::domain::routing::RoutingSettings, ConfigError> {
    let mode = match optional("ROUTING_MODE") {
        None => crate::domain::RoutingMode::Offer,
        Some(raw) => {
            crate::domain::RoutingMode::parse(&raw).map_err(|source| ConfigError::Invalid {
                name: "ROUTING_MODE",
                source,
            })?
        }
    };
    let seconds =
        |name: &'static str, default: i64, range: std::ops::RangeInclusive<i64>, reason| {
            let Some(raw) = optional(name) else {
                return Ok(chrono::TimeDelta::seconds(default));
            };
            raw.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .map(chrono::TimeDelta::seconds)
                .ok_or(ConfigError::Invalid {
                    name,
                    source: InvalidValue { what: name, reason },
                })
        };
    Ok(crate::domain::routing::RoutingSettings {
        mode,
        offer_timeout: seconds(
            "OFFER_TIMEOUT_SECONDS",
            60,
            10..=600,
            "a whole number of seconds from 10 to 600",
        )?,
        overflow_after: seconds(
            "OVERFLOW_AFTER_SECONDS",
            300,
            30..=900,
            "a whole number of seconds from 30 to 900",
        )?,
        default_capacity: agent_capacity_default()?,
    })
}

/// How long a deferred reply waits for its customer: `DEFERRED_MAX_WAIT_DAYS` (1 to 365,
/// 28 when unset).
pub fn deferred_max_wait() -> Result<chrono::TimeDelta, ConfigError> {
    let Some(raw) = optional("DEFERRED_MAX_WAIT_DAYS") else {
        return Ok(crate::ports::deferred::DEFAULT_DEFERRED_MAX_WAIT);
    };
    match raw.trim().parse::<i64>() {
        Ok(days) if (1..=365).contains(&days) => Ok(chrono::TimeDelta::days(days)),
        _ => Err(ConfigError::Invalid {
            name: "DEFERRED_MAX_WAIT_DAYS",
            source: InvalidValue {
                what: "deferred replies' wait",
                reason: "a whole number of days from 1 to 365",
            },
        }),
    }
}

/// The business's senders: `WHATSAPP_SENDERS` (comma-separated), or the one-number form
/// `WHATSAPP_FROM` that earlier set-ups use.
pub fn senders() -> Result<Senders, ConfigError> {
    for name in ["WHATSAPP_SENDERS", "WHATSAPP_FROM"] {
        if let Some(raw) = optional(name) {
            return Senders::parse(&raw).map_err(|source| ConfigError::Invalid { name, source });
        }
    }
    Err(MissingVariable("WHATSAPP_SENDERS (or WHATSAPP_FROM)").into())
}

/// The Twilio auth token: a plain variable locally, an SSM SecureString in AWS.
pub async fn twilio_auth_token(sdk: &aws_config::SdkConfig) -> Result<String, ConfigError> {
    if let Some(token) = optional("TWILIO_AUTH_TOKEN") {
        return Ok(token);
    }
    let name = required("TWILIO_AUTH_TOKEN_PARAMETER")
        .map_err(|_| MissingVariable("TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_PARAMETER"))?;
    secure_parameter(sdk, name).await
}

/// The records webhook's signing secret: `RECORDS_WEBHOOK_SECRET`, or else read once from the
/// SSM SecureString named by `RECORDS_WEBHOOK_SECRET_PARAMETER` (how template.yaml deploys it).
pub async fn records_webhook_secret(sdk: &aws_config::SdkConfig) -> Result<String, ConfigError> {
    if let Some(secret) = optional("RECORDS_WEBHOOK_SECRET") {
        return Ok(secret);
    }
    let name = required("RECORDS_WEBHOOK_SECRET_PARAMETER").map_err(|_| {
        MissingVariable("RECORDS_WEBHOOK_SECRET or RECORDS_WEBHOOK_SECRET_PARAMETER")
    })?;
    secure_parameter(sdk, name).await
}

/// An SSM SecureString's value, read once.
async fn secure_parameter(
    sdk: &aws_config::SdkConfig,
    name: String,
) -> Result<String, ConfigError> {
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| ConfigError::Parameter {
        name: name.clone(),
        source,
    };
    let out = aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| failed(Box::new(e)))?;
    out.parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| failed("the parameter has no value".into()))
}

/// The AWS SDK configuration, loaded once and shared by every client. Emulator endpoints come
/// from the SDK's own `AWS_ENDPOINT_URL*` variables.
pub async fn aws() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(2))
        .operation_attempt_timeout(std::time::Duration::from_secs(3))
        // Well inside Twilio's 15 s webhook budget, retries included.
        .operation_timeout(std::time::Duration::from_secs(8))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        // One HTTP client for every SDK client of the process, checked by the first only.
        .http_client(sdk_http::client())
        .load()
        .await
}

/// Twilio's Content API (the approved templates): `TWILIO_CONTENT_API_BASE_URL`,
/// `https://content.twilio.com` when unset.
pub fn content_api_base_url() -> String {
    optional("TWILIO_CONTENT_API_BASE_URL").unwrap_or_else(|| "https://content.twilio.com".into())
}

/// Twilio's Messaging API v2 (the typing indicator): `TWILIO_MESSAGING_API_BASE_URL`,
/// `https://messaging.twilio.com` when unset.
pub fn messaging_api_base_url() -> String {
    optional("TWILIO_MESSAGING_API_BASE_URL")
        .unwrap_or_else(|| "https://messaging.twilio.com".into())
}

/// Whether an accept marks the customer's latest message read: `READ_RECEIPTS`, `on` (the
/// default) or `off`.
pub fn read_receipts() -> Result<bool, ConfigError> {
    match optional("READ_RECEIPTS").map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(true),
        Some(v) if v == "on" => Ok(true),
        Some(v) if v == "off" => Ok(false),
        Some(_) => Err(ConfigError::Invalid {
            name: "READ_RECEIPTS",
            source: InvalidValue {
                what: "read receipts",
                reason: "on or off",
            },
        }),
    }
}

/// The CSAT survey after a close: `CSAT_CONTENT_SID` (an approved template, `HX` and 32
/// hexadecimal digits; unset: no survey) and `CSAT_WAIT_MINUTES` (1 to 10,080, 60 when unset).
pub fn csat() -> Result<Option<crate::domain::outcomes::CsatSettings>, ConfigError> {
    let Some(content_sid) = optional("CSAT_CONTENT_SID").map(|s| s.trim().to_owned()) else {
        return Ok(None);
    };
    let hex = content_sid.strip_prefix("HX").unwrap_or_default();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ConfigError::Invalid {
            name: "CSAT_CONTENT_SID",
            source: InvalidValue {
                what: "CSAT template",
                reason: "a Content SID: HX and 32 hexadecimal digits",
            },
        });
    }
    let minutes = match optional("CSAT_WAIT_MINUTES") {
        None => 60,
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=10_080).contains(m))
            .ok_or(ConfigError::Invalid {
                name: "CSAT_WAIT_MINUTES",
                source: InvalidValue {
                    what: "CSAT wait",
                    reason: "a whole number of minutes from 1 to 10080",
                },
            })?,
    };
    Ok(Some(crate::domain::outcomes::CsatSettings {
        content_sid,
        wait: chrono::TimeDelta::minutes(minutes),
    }))
}

/// Whether the events for other systems carry message bodies: `EVENTS_INCLUDE_BODIES`, `off`
/// (the default) or `on`.
pub fn events_include_bodies() -> Result<bool, ConfigError> {
    match optional("EVENTS_INCLUDE_BODIES").map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "off" => Ok(false),
        Some(v) if v == "on" => Ok(true),
        Some(_) => Err(ConfigError::Invalid {
            name: "EVENTS_INCLUDE_BODIES",
            source: InvalidValue {
                what: "events' bodies",
                reason: "on or off",
            },
        }),
    }
}

/// How long a close holds the agent's capacity for the wrap-up ("after-contact work"):
/// `WRAP_UP_SECONDS`, 0 to 3,600 (0: no hold), 60 when unset.
pub fn wrap_up() -> Result<chrono::TimeDelta, ConfigError> {
    let Some(raw) = optional("WRAP_UP_SECONDS") else {
        return Ok(chrono::TimeDelta::seconds(60));
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..=3600).contains(s))
        .map(chrono::TimeDelta::seconds)
        .ok_or(ConfigError::Invalid {
            name: "WRAP_UP_SECONDS",
            source: InvalidValue {
                what: "wrap-up hold",
                reason: "a whole number of seconds from 0 to 3600",
            },
        })
}

/// Who reads customers' texts: `SENTIMENT`, `comprehend`, `lexicon` or `off`; `default` when
/// unset (`comprehend` in the template, `lexicon` in local-api).
pub fn sentiment(
    default: crate::domain::sentiment::SentimentMode,
) -> Result<crate::domain::sentiment::SentimentMode, ConfigError> {
    match optional("SENTIMENT") {
        None => Ok(default),
        Some(raw) => {
            crate::domain::sentiment::SentimentMode::parse(&raw).ok_or(ConfigError::Invalid {
                name: "SENTIMENT",
                source: InvalidValue {
                    what: "sentiment",
                    reason: "comprehend, lexicon or off",
                },
            })
        }
    }
}

/// `SENTIMENT_LANGUAGE`: Comprehend reads every text in this language (`en`, `es`…) without
/// detecting it first (half the cost); unset: detected per message.
pub fn sentiment_language() -> Result<Option<String>, ConfigError> {
    match optional("SENTIMENT_LANGUAGE").map(|v| v.trim().to_owned()) {
        None => Ok(None),
        Some(v)
            if (2..=5).contains(&v.len())
                && v.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') =>
        {
            Ok(Some(v))
        }
        Some(_) => Err(ConfigError::Invalid {
            name: "SENTIMENT_LANGUAGE",
            source: InvalidValue {
                what: "sentiment language",
                reason: "a language code such as en, es or zh-TW",
            },
        }),
    }
}

/// How long audit entries are kept: `AUDIT_RETENTION_DAYS`, 400 by default (1 to 3,650).
pub fn audit_retention_days() -> Result<i64, ConfigError> {
    let Some(raw) = optional("AUDIT_RETENTION_DAYS") else {
        return Ok(crate::domain::privacy::DEFAULT_AUDIT_RETENTION_DAYS);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or(ConfigError::Invalid {
            name: "AUDIT_RETENTION_DAYS",
            source: InvalidValue {
                what: "audit retention",
                reason: "a whole number of days from 1 to 3650",
            },
        })
}

/// The key of customers' pseudonyms in the audit log: `PRIVACY_KEY`, or the SSM SecureString
/// named by `PRIVACY_KEY_PARAMETER` (read once, at start); `None` when neither is set.
pub async fn privacy_key(
    sdk: &aws_config::SdkConfig,
) -> Result<Option<crate::domain::privacy::PrivacyKey>, ConfigError> {
    let raw = match (optional("PRIVACY_KEY"), optional("PRIVACY_KEY_PARAMETER")) {
        (Some(key), _) => key,
        (None, Some(name)) => secure_parameter(sdk, name).await?,
        (None, None) => return Ok(None),
    };
    crate::domain::privacy::PrivacyKey::new(raw.trim().as_bytes().to_vec())
        .map(Some)
        .map_err(|_| ConfigError::Invalid {
            name: "PRIVACY_KEY",
            source: InvalidValue {
                what: "privacy key",
                reason: "at least 32 characters (e.g. `openssl rand -hex 32`)",
            },
        })
}

/// How many days closed conversations are kept: `RETENTION_DAYS`, 0 (keep forever) by default,
/// else 1 to 3,650.
pub fn retention_days() -> Result<u32, ConfigError> {
    let Some(raw) = optional("RETENTION_DAYS") else {
        return Ok(0);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| *d <= 3650)
        .ok_or(ConfigError::Invalid {
            name: "RETENTION_DAYS",
            source: InvalidValue {
                what: "retention",
                reason: "a whole number of days from 0 (keep forever) to 3650",
            },
        })
}

/// Whether an erasure also deletes the customer's messages at Twilio: `ERASE_AT_TWILIO`, `off`
/// (the default) or `on`.
pub fn erase_at_twilio() -> Result<bool, ConfigError> {
    match optional("ERASE_AT_TWILIO").map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "on" => Ok(true),
        Some(v) if v == "off" => Ok(false),
        Some(_) => Err(ConfigError::Invalid {
            name: "ERASE_AT_TWILIO",
            source: InvalidValue {
                what: "erase at Twilio",
                reason: "on or off",
            },
        }),
    }
}

/// How long one erasure step works before it queues the next: `ERASURE_STEP_SECONDS`, 120 by
/// default (10 to 600; keep it well under the function's timeout).
pub fn erasure_step() -> Result<std::time::Duration, ConfigError> {
    let Some(raw) = optional("ERASURE_STEP_SECONDS") else {
        return Ok(std::time::Duration::from_secs(120));
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (10..=600).contains(s))
        .map(std::time::Duration::from_secs)
        .ok_or(ConfigError::Invalid {
            name: "ERASURE_STEP_SECONDS",
            source: InvalidValue {
                what: "erasure step",
                reason: "a whole number of seconds from 10 to 600",
            },
        })
}
