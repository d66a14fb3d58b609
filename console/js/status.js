// Outbound delivery statuses: the words agents see, the order they move in, and what Twilio's
// common error codes mean. Mirrors shared/src/domain/status.rs.

const LABELS = {
  pending: "Sending",
  queued: "Queued",
  accepted: "Queued",
  scheduled: "Scheduled",
  sending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  partially_delivered: "Delivered",
  read: "Read",
  undelivered: "Undelivered",
  failed: "Failed",
  canceled: "Canceled",
  received: "Received",
  deferred: "Deferred: goes out when the customer writes again",
  expired: "Expired: the customer did not write again in time; not sent",
};

const RANKS = {
  pending: 0,
  received: 1,
  queued: 1,
  accepted: 1,
  scheduled: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  partially_delivered: 4,
  read: 5,
  undelivered: 10,
  failed: 10,
  canceled: 10,
  deferred: 0,
  expired: 10,
};

/** The word for a status, e.g. "delivered" → "Delivered". */
export function statusLabel(status) {
  return LABELS[status] ?? "Unknown";
}

export function statusRank(status) {
  return RANKS[status] ?? -1;
}

export function isFailure(status) {
  return status === "failed" || status === "undelivered";
}

/**
 * The status to show when `incoming` is seen after `current`: callbacks and polls can arrive out
 * of order, so a status only moves forward (a final one never changes).
 */
export function laterStatus(current, incoming) {
  if (current === undefined || current === null) return incoming;
  return statusRank(incoming) > statusRank(current) ? incoming : current;
}

const ERRORS = {
  63016:
    "Outside the 24-hour window: the customer has not written in 24 hours. Send an approved template instead.",
  63024: "The recipient is not a valid WhatsApp user.",
  63003: "The recipient's number is unreachable on WhatsApp.",
  21610: "The customer has unsubscribed (replied STOP); they must opt in again.",
  21408: "Twilio's geographic permissions do not allow sending to this country.",
  63018: "WhatsApp's rate limit for this sender was reached; try again shortly.",
  21211: "Twilio refused the customer's number as invalid.",
};

/** A human explanation of a Twilio error code, preferring the server's own text. */
export function explainError(code, serverText) {
  if (serverText) return serverText;
  if (code === undefined || code === null) return "";
  return ERRORS[String(code)] ?? `Twilio error ${code}.`;
}
