//! live-connections: the WebSocket API's `$connect` (after the authorizer named the agent) and
//! `$disconnect`. Each open connection is an item in its agent's partition, so notify-agent can
//! post to every console an agent has open.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use lambda_runtime::{Error, LambdaEvent};
use whatsapp_channel::app::live;
use whatsapp_channel::ports::{Clock, ConnectionStore};

/// Everything the handler needs, built once per cold start.
pub struct LiveConnections {
    store: Arc<dyn ConnectionStore>,
    clock: Arc<dyn Clock>,
    /// The group whose members are supervisors (`ADMIN_GROUP`).
    admin_group: String,
}

impl LiveConnections {
    pub fn new(store: Arc<dyn ConnectionStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            admin_group: whatsapp_channel::http::DEFAULT_ADMIN_GROUP.to_owned(),
        }
    }

    /// Another administrators' group than `admins`.
    pub fn with_admin_group(mut self, group: impl Into<String>) -> Self {
        self.admin_group = group.into();
        self
    }
}

/// Whether the authorizer's `groups` (space-separated) hold the administrators' group.
fn is_supervisor(event: &ApiGatewayWebsocketProxyRequest, admin_group: &str) -> bool {
    event
        .request_context
        .authorizer
        .fields
        .get("groups")
        .and_then(|v| v.as_str())
        .is_some_and(|groups| groups.split_whitespace().any(|g| g == admin_group))
}

fn answer(status_code: i64) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status_code;
    response
}

/// The agent the authorizer named at `$connect`; API Gateway repeats its context on every later
/// event of the connection, `$disconnect` included.
fn agent_of(event: &ApiGatewayWebsocketProxyRequest) -> Option<String> {
    let fields = &event.request_context.authorizer.fields;
    fields
        .get("agent_id")
        .or_else(|| fields.get("principalId"))
        .and_then(|v| v.as_str())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub async fn function_handler(
    state: &LiveConnections,
    event: LambdaEvent<ApiGatewayWebsocketProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Error> {
    let request = event.payload;
    let route = request
        .request_context
        .route_key
        .as_deref()
        .unwrap_or_default();
    let Some(connection_id) = request.request_context.connection_id.clone() else {
        tracing::warn!(route, "a WebSocket event without a connection id");
        return Ok(answer(400));
    };
    let agent = agent_of(&request);
    let supervisor = is_supervisor(&request, &state.admin_group);
    match (route, agent) {
        ("$connect", Some(agent)) => {
            // A failure here refuses the connection (500): the console retries with backoff.
            live::connect(
                state.store.as_ref(),
                state.clock.as_ref(),
                &agent,
                &connection_id,
                supervisor,
            )
            .await?;
            tracing::info!(agent_id = %agent, supervisor, "live connection open");
            Ok(answer(200))
        }
        ("$connect", None) => {
            tracing::warn!("$connect without an authorized agent");
            Ok(answer(401))
        }
        ("$disconnect", Some(agent)) => {
            live::disconnect(state.store.as_ref(), &agent, &connection_id).await?;
            tracing::info!(agent_id = %agent, "live connection closed");
            Ok(answer(200))
        }
        // Without the agent the item cannot be found; its TTL and a 410 on the next post
        // remove it.
        ("$disconnect", None) => Ok(answer(200)),
        (other, _) => {
            tracing::info!(route = other, "ignored a frame from a console");
            Ok(answer(200))
        }
    }
}
