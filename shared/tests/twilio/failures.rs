//! Twilio refusing or not answering: its code and message come back, nothing is retried that
//! may have been sent, credentials never follow a redirect.

use super::*;

#[tokio::test]
async fn each_twilio_error_code_comes_back_as_rejected_with_its_code_and_message_and_is_not_retried()
 {
    for (code, message) in [
        (21211, "Invalid 'To' Phone Number: whatsapp:+1555222999X"),
        (
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
        ),
        (21610, "Attempt to send to unsubscribed recipient"),
        (
            21617,
            "The concatenated message body exceeds the 1600 character limit",
        ),
    ] {
        let server = twilio_answering(twilio_error(400, code, message)).await;

        let error = sender(&server).send(&text("hello")).await.unwrap_err();

        assert_eq!(
            error,
            SendError::Rejected {
                http_status: 400,
                code: Some(code),
                message: message.to_owned(),
            }
        );
        assert_no_token(&error);
        assert_eq!(
            checked_requests(&server).await.len(),
            1,
            "code {code} was retried"
        );
    }
}

#[tokio::test]
async fn a_500_with_a_non_json_body_is_rejected_with_no_code() {
    let server = twilio_answering(
        ResponseTemplate::new(500).set_body_string("<html><body>upstream failure</body></html>"),
    )
    .await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    let SendError::Rejected {
        http_status,
        code,
        message,
    } = &error
    else {
        panic!("not Rejected: {error:?}");
    };
    assert_eq!(*http_status, 500);
    assert_eq!(*code, None);
    assert_eq!(message, "HTTP 500 Internal Server Error");
    assert_no_token(&error);
    assert_eq!(checked_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_credentials_stay_with_twilio() {
    let elsewhere = twilio_answering(created()).await;
    let server = twilio_answering(ResponseTemplate::new(307).insert_header(
        "Location",
        format!("{}{}", elsewhere.uri(), messages_path()),
    ))
    .await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert!(
        matches!(
            error,
            SendError::Rejected {
                http_status: 307,
                code: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(checked_requests(&server).await.len(), 1);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_in_time_gives_unreachable_and_exactly_one_request() {
    let server = twilio_answering(created().set_delay(Duration::from_secs(5))).await;
    let sender = TwilioReplySender::with_timeouts(
        config(&server.uri()),
        Duration::from_millis(500),
        Duration::from_millis(600),
    )
    .unwrap();

    let started = Instant::now();
    let error = sender.send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert!(
        error.to_string().contains("no answer within 600 ms"),
        "{error}"
    );
    assert_no_token(&error);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        checked_requests(&server).await.len(),
        1,
        "a timeout is never retried"
    );
}

#[tokio::test]
async fn a_refused_connection_gives_unreachable() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sender = TwilioReplySender::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();

    let error = sender.send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert_no_token(&error);
}

#[tokio::test]
async fn an_unknown_status_in_the_answer_is_read_as_queued() {
    let server = twilio_answering(ResponseTemplate::new(201).set_body_json(json!({
        "sid": "SM0123456789abcdef0123456789abcdef",
        "status": "something-new",
    })))
    .await;

    let sent = sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(sent.sid, "SM0123456789abcdef0123456789abcdef");
    assert_eq!(sent.status, MessageStatus::Queued);
}

#[tokio::test]
async fn an_accepted_answer_without_a_sid_is_unreachable_not_rejected() {
    // Twilio took the message: reporting "nothing was sent" could make someone send it again.
    let server = twilio_answering(ResponseTemplate::new(201).set_body_string("ok")).await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert_eq!(checked_requests(&server).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Construction: credentials only go to Twilio
