//! local-api: every HTTP route of the channel on one local port, over the very handlers the
//! Lambda functions run. Each HTTP request becomes the API Gateway (HTTP API, payload 2.0) event
//! Lambda would receive, so a handler cannot tell the difference.

mod clock;
pub mod erasures;
pub mod guard;
pub mod live;
pub mod load;
pub mod load_routing;
pub mod media;
pub mod openapi;
mod routing;
pub mod send;
pub mod stream;
pub mod timers;
pub mod twilio_stub;
mod wiring;

pub use clock::MAX_CLOCK_ADVANCE_SECONDS;
pub use routing::{serve, to_lambda_request};
pub use wiring::{
    Backing, LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN, LOCAL_WHATSAPP_FROM, LocalApi, StoreChoice,
    TwilioSide, notifier, start_notifications, store, twilio_side, webhook_config,
};

/// The product's HTTP routes, as template.yaml declares them.
pub const ROUTES: [&str; 54] = [
    "GET /",
    "GET /console/{proxy+}",
    "POST /twilio/inbound",
    "POST /twilio/status",
    "GET /conversations",
    "GET /conversations/{conversationId}",
    "POST /conversations/{conversationId}/accept",
    "POST /conversations/{conversationId}/close",
    "POST /conversations/{conversationId}/reject",
    "POST /conversations/{conversationId}/messages",
    "DELETE /conversations/{conversationId}/messages/{messageId}",
    "GET /conversations/{conversationId}/messages/{messageId}/media/{index}",
    "POST /conversations/{conversationId}/media",
    "GET /media/{key+}",
    "HEAD /media/{key+}",
    "PUT /agents/{agentId}/presence",
    "PUT /contacts/{address}",
    "GET /agents",
    "GET /agents/{agentId}",
    "PUT /agents/{agentId}",
    "POST /conversations/{conversationId}/notes",
    "POST /conversations/{conversationId}/transfer",
    "GET /quick-replies",
    "PUT /quick-replies/{id}",
    "DELETE /quick-replies/{id}",
    "GET /customers/{address}",
    "GET /search",
    "GET /board",
    "GET /templates",
    "POST /conversations/{conversationId}/typing",
    "GET /dispositions",
    "GET /conversations/{conversationId}/export",
    "PUT /dispositions/{code}",
    "DELETE /dispositions/{code}",
    "PUT /conversations/{conversationId}/outcome",
    "PUT /conversations/{conversationId}/tags",
    "POST /conversations/{conversationId}/records",
    "DELETE /conversations/{conversationId}/records/{system}/{recordId}",
    "POST /conversations",
    "GET /knowledge",
    "GET /knowledge/{articleId}",
    "PUT /knowledge/{articleId}",
    "DELETE /knowledge/{articleId}",
    "GET /conversations/{conversationId}/suggestions",
    "POST /conversations/{conversationId}/suggestions/{kind}/{itemId}/used",
    "GET /scripts",
    "PUT /scripts/{scriptId}",
    "DELETE /scripts/{scriptId}",
    "POST /conversations/{conversationId}/script/steps/{index}",
    "GET /audit",
    "PUT /customers/{address}/hold",
    "GET /customers/{address}/export",
    "DELETE /customers/{address}",
    "GET /erasures/{erasureId}",
];
