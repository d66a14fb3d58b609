//! window-deadlines: runs every minute (an EventBridge schedule) and sends the `window.closing`
//! warnings that are due, each once. A missed or failed run is caught up by the next one from the
//! stored cursor, and the notification markers keep every warning single.

use std::sync::Arc;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{Error, LambdaEvent};
use whatsapp_channel::app::deadline::{WarningRun, send_due_warnings};
use whatsapp_channel::domain::WindowWarnings;
use whatsapp_channel::logging::chain;
use whatsapp_channel::ports::{AgentNotifier, ChannelStore, Clock};

/// Everything the handler needs, built once per cold start.
pub struct WindowDeadlines {
    store: Arc<dyn ChannelStore>,
    notifier: Arc<dyn AgentNotifier>,
    clock: Arc<dyn Clock>,
    warnings: WindowWarnings,
    /// Offer mode: an unaccepted request's warning goes to the agent it is offered to and to
    /// supervisors, not to every available agent.
    offers: bool,
}

impl WindowDeadlines {
    /// Routing's mode (`ROUTING_MODE`); broadcast by default.
    pub fn with_routing_mode(mut self, mode: whatsapp_channel::domain::RoutingMode) -> Self {
        self.offers = mode == whatsapp_channel::domain::RoutingMode::Offer;
        self
    }

    pub fn new(
        store: Arc<dyn ChannelStore>,
        notifier: Arc<dyn AgentNotifier>,
        clock: Arc<dyn Clock>,
        warnings: WindowWarnings,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            warnings,
            offers: false,
        }
    }
}

/// The scheduled invocation: the event says only that a minute passed; the clock says which.
pub async fn function_handler(
    state: &WindowDeadlines,
    _event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
) -> Result<WarningRun, Error> {
    run_once(state).await
}

/// One run: every warning due by now and not yet sent.
pub async fn run_once(state: &WindowDeadlines) -> Result<WarningRun, Error> {
    let run = send_due_warnings(
        state.store.as_ref(),
        state.notifier.as_ref(),
        state.clock.as_ref(),
        &state.warnings,
        state.offers,
    )
    .await
    .map_err(|e| {
        // The cause's text only: never a Debug dump, which could hold a stored item's values.
        let cause = chain(&e);
        tracing::error!(error = %cause, "window warnings not sent; the next run catches up");
        Error::from(format!("window warnings not sent: {cause}"))
    })?;
    if run.sent > 0 {
        tracing::info!(sent = run.sent, stale = run.stale, "window warnings sent");
    }
    Ok(run)
}
