//! `send-inbound`: a correctly signed WhatsApp message to a running local-api, as Twilio sends it.

use whatsapp_channel::twilio::RequestValidator;

/// A message to post.
#[derive(Debug, Clone)]
pub struct InboundToSend {
    pub from: String,
    pub to: String,
    pub body: String,
    pub profile_name: Option<String>,
    pub media_url: Option<String>,
    pub media_content_type: Option<String>,
}

/// A fresh `SM…` id: 32 hexadecimal digits.
pub fn new_message_sid() -> String {
    format!("SM{}", uuid::Uuid::now_v7().simple())
}

/// The form parameters Twilio posts for this message.
pub fn inbound_params(
    message: &InboundToSend,
    message_sid: &str,
    account_sid: &str,
) -> Vec<(String, String)> {
    let wa_id = message.from.trim_start_matches("whatsapp:+").to_owned();
    let media: Vec<(&str, String)> = match &message.media_url {
        Some(url) => vec![
            ("NumMedia", "1".into()),
            ("MediaUrl0", url.clone()),
            (
                "MediaContentType0",
                message
                    .media_content_type
                    .clone()
                    .unwrap_or_else(|| "image/jpeg".into()),
            ),
            ("MessageType", "image".into()),
        ],
        None => vec![("NumMedia", "0".into()), ("MessageType", "text".into())],
    };
    let mut params: Vec<(&str, String)> = vec![
        ("SmsMessageSid", message_sid.into()),
        ("SmsSid", message_sid.into()),
        ("MessageSid", message_sid.into()),
        ("AccountSid", account_sid.into()),
        ("From", message.from.clone()),
        ("To", message.to.clone()),
        ("WaId", wa_id),
        ("SmsStatus", "received".into()),
        ("NumSegments", "1".into()),
        ("ReferralNumMedia", "0".into()),
        ("ApiVersion", "2010-04-01".into()),
        ("Body", message.body.clone()),
    ];
    if let Some(name) = &message.profile_name {
        params.push(("ProfileName", name.clone()));
    }
    params.extend(media);
    params.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

/// Form-encodes parameters as Twilio does (`+` for spaces).
pub fn encode(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// Posts the message to `url` signed with `auth_token`; returns the HTTP status and body.
pub async fn send_inbound(
    url: &str,
    auth_token: &str,
    account_sid: &str,
    message: &InboundToSend,
) -> Result<(u16, String, String), reqwest::Error> {
    send_inbound_with(url, auth_token, account_sid, message, &[]).await
}

/// [`send_inbound`] with more of Twilio's parameters: a quoted reply's
/// `OriginalRepliedMessageSid`, `Forwarded`, an ad's `Referral…`.
pub async fn send_inbound_with(
    url: &str,
    auth_token: &str,
    account_sid: &str,
    message: &InboundToSend,
    extra: &[(&str, &str)],
) -> Result<(u16, String, String), reqwest::Error> {
    let sid = new_message_sid();
    let mut params = inbound_params(message, &sid, account_sid);
    // An extra parameter replaces the one of that name, or is added.
    params.retain(|(name, _)| !extra.iter().any(|(replaced, _)| name == replaced));
    params.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    let signature = RequestValidator::new(auth_token).compute_signature(url, &params);
    let response = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(encode(&params))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, sid, response.text().await?))
}

/// PUTs each JSON line (`address`, `name`, `contact_id`, summary fields) to `/contacts/{address}`;
/// returns how many were stored and how many refused (each refusal is printed with its line).
pub async fn import_contacts(
    base: &str,
    agent: &str,
    lines: &str,
) -> Result<(usize, usize), reqwest::Error> {
    let client = reqwest::Client::new();
    let (mut imported, mut failed) = (0, 0);
    for (number, line) in lines
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let contact: serde_json::Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(e) => {
                eprintln!("line {}: not JSON: {e}", number + 1);
                failed += 1;
                continue;
            }
        };
        let address = contact["address"].as_str().unwrap_or_default();
        let path: String = form_urlencoded::byte_serialize(address.as_bytes()).collect();
        let response = client
            .put(format!("{base}/contacts/{path}"))
            .header("X-Agent-Id", agent)
            // The directory is shared data: only administrators may write it.
            .header("X-Agent-Groups", "admins")
            .json(&contact)
            .send()
            .await?;
        if response.status().is_success() {
            imported += 1;
        } else {
            eprintln!(
                "line {}: {} {}",
                number + 1,
                response.status(),
                response.text().await?
            );
            failed += 1;
        }
    }
    Ok((imported, failed))
}
