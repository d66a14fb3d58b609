//! What is posted to Twilio's Messages API for each kind of reply, checked against Twilio's
//! own `CreateMessage` schema (and the checker against requests Twilio would refuse).

use super::*;

#[tokio::test]
async fn a_text_reply_posts_to_from_body_and_status_callback_and_returns_the_sid_with_status_queued()
 {
    let server = twilio_answering(created()).await;

    let sent = sender(&server)
        .send(&text("Your order ships today ✓ & 100% on time"))
        .await
        .unwrap();

    assert_eq!(sent.sid, example_sid());
    assert_eq!(sent.status, MessageStatus::Queued);
    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.url.path(), messages_path());
    assert_eq!(names(request), ["Body", "From", "StatusCallback", "To"]);
    assert_eq!(param(request, "To").as_deref(), Some(TO));
    assert_eq!(param(request, "From").as_deref(), Some(FROM));
    assert_eq!(
        param(request, "Body").as_deref(),
        Some("Your order ships today ✓ & 100% on time")
    );
    assert_eq!(
        param(request, "StatusCallback").as_deref(),
        Some(STATUS_URL)
    );
}

#[tokio::test]
async fn a_media_reply_posts_the_media_url_and_the_caption_as_body() {
    let server = twilio_answering(created()).await;

    sender(&server)
        .send(&outbound(ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: Some("Your receipt".to_owned()),
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        names(request),
        ["Body", "From", "MediaUrl", "StatusCallback", "To"]
    );
    assert_eq!(param(request, "MediaUrl").as_deref(), Some(MEDIA_URL));
    assert_eq!(param(request, "Body").as_deref(), Some("Your receipt"));
}

#[tokio::test]
async fn a_media_reply_without_a_caption_posts_no_body() {
    let server = twilio_answering(created()).await;

    sender(&server)
        .send(&outbound(ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: None,
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(
        names(&requests[0]),
        ["From", "MediaUrl", "StatusCallback", "To"]
    );
}

#[tokio::test]
async fn a_template_posts_content_sid_and_content_variables_as_a_json_string_and_no_body() {
    let server = twilio_answering(created()).await;
    let variables = BTreeMap::from([
        ("1".to_owned(), "12/1".to_owned()),
        ("2".to_owned(), "3pm \"sharp\"".to_owned()),
    ]);

    sender(&server)
        .send(&outbound(ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables,
            // The transcript's text of the template is never sent: Twilio fills it in.
            shown: Some(whatsapp_channel::domain::TemplateText {
                name: "order_update".into(),
                text: "Hi Ada".into(),
            }),
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        names(request),
        [
            "ContentSid",
            "ContentVariables",
            "From",
            "StatusCallback",
            "To"
        ]
    );
    assert_eq!(param(request, "ContentSid").as_deref(), Some(CONTENT_SID));
    assert_eq!(
        param(request, "ContentVariables").as_deref(),
        Some(r#"{"1":"12/1","2":"3pm \"sharp\""}"#)
    );
    assert_eq!(param(request, "Body"), None);
}

#[tokio::test]
async fn each_request_matches_twilios_create_message_schema() {
    let server = twilio_answering(created()).await;
    let sender = sender(&server);
    for content in [
        ReplyContent::Text {
            body: "hello".to_owned(),
        },
        ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: Some("caption".to_owned()),
        },
        ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables: BTreeMap::from([("1".to_owned(), "Ada".to_owned())]),
            shown: None,
        },
        ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables: BTreeMap::new(),
            shown: None,
        },
    ] {
        sender.send(&outbound(content)).await.unwrap();
    }

    // checked_requests fails the test on any request the schema refuses.
    assert_eq!(checked_requests(&server).await.len(), 4);
}

#[test]
fn the_schema_checker_refuses_requests_twilio_would_not_accept() {
    let schema = TwilioOperation::load();
    let good = || {
        let mut headers = wiremock::http::HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let credentials = STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Basic {credentials}")).unwrap(),
        );
        Request {
            url: Url::parse(&format!("http://127.0.0.1{}", messages_path())).unwrap(),
            method: wiremock::http::Method::POST,
            headers,
            body: form_urlencoded::Serializer::new(String::new())
                .append_pair("To", TO)
                .append_pair("From", FROM)
                .append_pair("StatusCallback", STATUS_URL)
                .append_pair("ContentSid", CONTENT_SID)
                .append_pair("ContentVariables", r#"{"1":"x"}"#)
                .finish()
                .into_bytes(),
        }
    };
    assert_eq!(schema.check(&good()), Ok(()));

    let with_body = |pairs: &[(&str, &str)]| {
        let mut request = good();
        request.body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes();
        request
    };
    let base = [("To", TO), ("From", FROM), ("StatusCallback", STATUS_URL)];
    let bad_bodies: Vec<Vec<(&str, &str)>> = vec![
        [&base[..], &[("Body", "x"), ("Unknown", "x")]].concat(),
        [&base[..], &[("ContentSid", "HXnothex")]].concat(),
        [
            &base[..],
            &[("ContentSid", CONTENT_SID), ("ContentVariables", "[1]")],
        ]
        .concat(),
        [
            &base[..],
            &[("ContentSid", CONTENT_SID), ("ContentVariables", "{1:")],
        ]
        .concat(),
        vec![
            ("To", TO),
            ("From", FROM),
            ("StatusCallback", "not a uri"),
            ("Body", "x"),
        ],
        vec![("From", FROM), ("Body", "x")],
        vec![("To", TO), ("Body", "x")],
        base.to_vec(),
        [&base[..], &[("Body", "x"), ("Body", "y")]].concat(),
        [&base[..], &[("Body", "x"), ("RiskCheck", "maybe")]].concat(),
        [&base[..], &[("Body", "x"), ("To", "15552229999")]].concat(),
    ];
    for body in bad_bodies {
        assert!(
            schema.check(&with_body(&body)).is_err(),
            "accepted {body:?}"
        );
    }

    let mut no_auth = good();
    no_auth.headers.remove("authorization");
    assert!(schema.check(&no_auth).is_err());

    let mut wrong_token = good();
    let credentials = STANDARD.encode(format!("{ACCOUNT_SID}:other"));
    wrong_token.headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Basic {credentials}")).unwrap(),
    );
    assert!(schema.check(&wrong_token).is_err());

    let mut bad_sid = good();
    bad_sid.url = Url::parse("http://127.0.0.1/2010-04-01/Accounts/AC123/Messages.json").unwrap();
    assert!(schema.check(&bad_sid).is_err());

    let mut other_path = good();
    other_path.url = Url::parse(&format!(
        "http://127.0.0.1/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    ))
    .unwrap();
    assert!(schema.check(&other_path).is_err());
}

// ---------------------------------------------------------------------------------------------
// Rate limiting: the only retry
