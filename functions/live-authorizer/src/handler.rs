//! REQUEST authorizer of the WebSocket API's `$connect` route. Browsers cannot set headers on a
//! WebSocket, so the agent's JWT comes as `?token=`. A valid token is answered with an Allow
//! policy naming the agent; anything else with the error "Unauthorized", which API Gateway
//! turns into 401 (a Deny policy would be 403).

pub mod config;
pub mod jwks;
pub mod jwt;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::{Deserialize, Serialize};

pub use config::Settings;
pub use jwt::{Agent, Refusal, Verifier};

/// What the routes behind `$connect` read as `requestContext.authorizer.agent_id` / `.groups`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentContext {
    pub agent_id: String,
    /// `cognito:groups`, space-separated (authorizer context values must be strings).
    pub groups: String,
}

pub type AuthorizerResponse = ApiGatewayCustomAuthorizerResponse<AgentContext>;

/// The one refusal API Gateway understands as 401: the error message must be exactly this.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("Unauthorized")]
pub struct Unauthorized;

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Self {
        Diagnostic {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into(),
        }
    }
}

pub async fn function_handler(
    verifier: &Verifier,
    event: LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest>,
) -> Result<AuthorizerResponse, Unauthorized> {
    let request = event.payload;
    let Some(method_arn) = request.method_arn.filter(|arn| !arn.is_empty()) else {
        tracing::warn!("connection refused: the event has no methodArn");
        return Err(Unauthorized);
    };
    let token = request
        .query_string_parameters
        .first("token")
        .filter(|token| !token.is_empty());
    let verified = match token {
        Some(token) => verifier.verify(token).await,
        None => Err(Refusal::MissingToken),
    };
    match verified {
        Ok(agent) => {
            tracing::info!(agent_id = %agent.id, "connection authorized");
            Ok(allow(agent, method_arn))
        }
        Err(refusal) => {
            tracing::info!(reason = %refusal, "connection refused");
            Err(Unauthorized)
        }
    }
}

/// Allow `execute-api:Invoke` on the route being connected, for this agent.
pub fn allow(agent: Agent, method_arn: String) -> AuthorizerResponse {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".into()];
    statement.effect = IamPolicyEffect::Allow;
    statement.resource = vec![method_arn];
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".into());
    policy.statement = vec![statement];
    let mut response = AuthorizerResponse::default();
    response.principal_id = Some(agent.id.clone());
    response.policy_document = policy;
    response.context = AgentContext {
        agent_id: agent.id,
        groups: agent.groups.join(" "),
    };
    response
}
