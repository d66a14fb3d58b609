"""The bench's peer: webhook-ingest's job for a follow-up message, in Python 3 with boto3 and
Twilio's RequestValidator, run by awslambdaric under the same Runtime API emulator as the
product (`cargo xtask bench`).

It makes the same three DynamoDB requests as the product does for a follow-up message, on the
same table and the same item shapes: a strongly consistent GetItem of the session, a
conditional PutItem of the message (refused if the MessageSid is stored already), and a
conditional UpdateItem of the session (its window moved on). It emits the same EMF metric line
and the same JSON log line.
"""

import base64
import json
import os
import sys
import time
import urllib.parse

import boto3
from botocore.exceptions import ClientError
from twilio.request_validator import RequestValidator

# Built once per cold start, like the product's clients.
TABLE = os.environ["TABLE_NAME"]
DYNAMODB = boto3.client("dynamodb")
VALIDATOR = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
INBOUND_URL = os.environ["TWILIO_INBOUND_URL"]
SENDERS = set(os.environ.get("WHATSAPP_SENDERS", "").split(","))
FUNCTION = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "peer")
WINDOW_MS = 24 * 3600 * 1000
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def respond(status, body="", content_type="text/xml"):
    return {"statusCode": status, "headers": {"content-type": content_type}, "body": body}


def masked(number):
    digits = number.removeprefix("whatsapp:").lstrip("+")
    return f"+{digits[:2]}…{digits[-2:]}" if len(digits) > 6 else "…"


def refresh_session(session_key, conversation, now):
    """The session's window moved on, if it is still this conversation's and open."""
    DYNAMODB.update_item(
        TableName=TABLE,
        Key=session_key,
        UpdateExpression="SET last_inbound_at = :now, expires_at = :ttl",
        ConditionExpression="conversation_id = :conversation AND last_inbound_at > :window_start "
        "AND last_inbound_at < :now AND #state <> :closed",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":conversation": {"S": conversation},
            ":closed": {"S": "closed"},
            ":now": {"N": str(now)},
            ":window_start": {"N": str(now - WINDOW_MS)},
            ":ttl": {"N": str(now // 1000 + 30 * 24 * 3600)},
        },
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )


def handler(event, _context):
    raw = event.get("body") or ""
    body = base64.b64decode(raw).decode() if event.get("isBase64Encoded") else raw
    params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    signature = (event.get("headers") or {}).get("x-twilio-signature", "")
    if not VALIDATOR.validate(INBOUND_URL, params, signature):
        return respond(403, json.dumps({"error": "invalid_signature"}), "application/json")
    sid, customer, business = params.get("MessageSid"), params.get("From"), params.get("To")
    if not sid or not customer or business not in SENDERS:
        return respond(400, json.dumps({"error": "malformed_form"}), "application/json")

    now = int(time.time() * 1000)
    session_key = {"pk": {"S": f"SESSION#{business}#{customer}"}, "sk": {"S": "SESSION"}}
    session = DYNAMODB.get_item(TableName=TABLE, Key=session_key, ConsistentRead=True).get("Item")
    if session is None:
        return respond(503, json.dumps({"error": "no_session"}), "application/json")
    conversation = session["conversation_id"]["S"]
    item = {
        "pk": {"S": f"MSG#{sid}"},
        "sk": {"S": "MSG"},
        "type": {"S": "message"},
        "id": {"S": sid},
        "conversation_id": {"S": conversation},
        "direction": {"S": "inbound"},
        "body": {"S": params.get("Body", "")},
        "status": {"S": "received"},
        "status_rank": {"N": "0"},
        "created_at": {"N": str(now)},
        "params": {"L": [{"L": [{"S": k}, {"S": v}]} for k, v in params.items()]},
        "gsi1pk": {"S": f"CONV#{conversation}"},
        "gsi1sk": {"S": f"{now:015d}#{sid}"},
    }
    stored = "Inserted"
    try:
        DYNAMODB.put_item(
            TableName=TABLE,
            Item=item,
            ConditionExpression="attribute_not_exists(gsi1pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        stored = "Duplicate"
    if stored == "Inserted":
        try:
            refresh_session(session_key, conversation, now)
        except ClientError as error:
            # The product reads the session again when its refresh is refused; so does the peer.
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            DYNAMODB.get_item(TableName=TABLE, Key=session_key, ConsistentRead=True)

    metric = "InboundMessages" if stored == "Inserted" else "DuplicateDeliveries"
    number = business.removeprefix("whatsapp:")
    emf = {
        "_aws": {
            "Timestamp": now,
            "CloudWatchMetrics": [
                {
                    "Namespace": "WhatsAppChannel",
                    "Dimensions": [["BusinessNumber"], ["Function"]],
                    "Metrics": [{"Name": metric, "Unit": "Count"}],
                }
            ],
        },
        "Function": FUNCTION,
        "BusinessNumber": number,
        metric: 1.0,
    }
    sys.stdout.write(json.dumps(emf) + "\n")
    log = {
        "level": "INFO",
        "message": "inbound message",
        "message_sid": sid,
        "conversation_id": conversation,
        "business": number,
        "customer": masked(customer),
        "session": "Continue",
        "stored": stored,
    }
    sys.stdout.write(json.dumps(log) + "\n")
    sys.stdout.flush()
    return respond(200, EMPTY_TWIML)
