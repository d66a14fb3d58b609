//! Tokens that open the connection, and the exact answers API Gateway reads.

use crate::helpers::*;

#[tokio::test]
async fn a_valid_access_token_is_allowed_as_its_subject_with_its_groups() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let response = issuer
        .connect(&sign(&access_claims(), ISSUER_KEY, KID))
        .await
        .unwrap();

    assert_eq!(response.principal_id.as_deref(), Some("agent-7"));
    assert_eq!(response.context.agent_id, "agent-7");
    assert_eq!(response.context.groups, "agents admins");
    let json = serde_json::to_value(&response).unwrap();
    assert_eq!(
        json["policyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [METHOD_ARN]}]
        })
    );
    assert_eq!(
        json["context"],
        json!({"agent_id": "agent-7", "groups": "agents admins"})
    );
}

#[tokio::test]
async fn a_valid_id_token_is_allowed() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let response = issuer
        .connect(&sign(&id_claims(), ISSUER_KEY, KID))
        .await
        .unwrap();
    assert_eq!(response.principal_id.as_deref(), Some("agent-8"));
    assert_eq!(response.context.groups, "agents");
}

#[tokio::test]
async fn a_token_of_another_oidc_issuer_without_token_use_is_allowed_by_its_aud_list() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let claims = with(
        id_claims(),
        json!({"token_use": null, "aud": ["other-app", CLIENT_ID], "cognito:groups": null}),
    );
    let response = issuer
        .connect(&sign(&claims, ISSUER_KEY, KID))
        .await
        .unwrap();
    assert_eq!(response.context.groups, "");
}

#[tokio::test]
async fn the_refusal_is_the_unauthorized_error_that_api_gateway_answers_with_401() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let expired = with(access_claims(), json!({"exp": now() - 3600}));
    let error = issuer
        .connect(&sign(&expired, ISSUER_KEY, KID))
        .await
        .unwrap_err();
    let diagnostic = Diagnostic::from(error);
    assert_eq!(diagnostic.error_message, "Unauthorized");
    assert_eq!(diagnostic.error_type, "Unauthorized");
}
