"""Provider webhooks: Twilio delivery receipts and inbound SMS, inbound email.

Nothing here is believed before it is verified: Twilio's `X-Twilio-Signature` against the
public URL Twilio called (so it holds behind a reverse proxy), a shared secret for email.
A bad or missing proof gets 403 and changes nothing.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select

from channels import sms_twilio
from messenger.api.deps import AppSettings, Queue, Session
from messenger.inbound import email as inbound_email
from messenger.inbound import sms as inbound_sms
from messenger.messages import receipts
from messenger.platform.models import Message
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url(request: Request, settings: Settings) -> str:
    """The URL as the caller saw it: our public address, this path and query."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{settings.public_url.rstrip('/')}{request.url.path}{query}"


async def verified_twilio_form(request: Request, settings: Settings) -> dict[str, str]:
    if not settings.twilio_auth_token:
        raise HTTPException(404, "Twilio is not configured")
    # Twilio posts application/x-www-form-urlencoded; parsed here, no multipart parser needed.
    params = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    signature = request.headers.get("X-Twilio-Signature", "")
    url = public_url(request, settings)
    if not signature or not sms_twilio.signature_is_valid(
        settings.twilio_auth_token, url, params, signature
    ):
        raise HTTPException(403, "Invalid Twilio signature")
    return params


@router.post("/twilio/status", status_code=204)
async def twilio_status(request: Request, db: Session, settings: AppSettings) -> Response:
    params = await verified_twilio_form(request, settings)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    twilio_status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    code = params.get("ErrorCode") or None
    message = await db.scalar(select(Message).where(Message.provider_reference == sid))
    if message is None and (message_id := request.query_params.get("message_id")):
        # The worker died before storing the SID: our id rides along in the callback URL.
        message = await db.scalar(
            select(Message).where(Message.id == message_id, Message.kind == "sms")
        )
    if message is None:
        log.info("receipt for an unknown message (%s)", sid)
        return Response(status_code=204)
    detail = f"twilio {twilio_status}" + (f" ({sms_twilio.describe(code)})" if code else "")
    ours = sms_twilio.receipt_status(twilio_status, code)
    await receipts.apply_receipt(
        db,
        message.id,
        ours or message.status,
        source="provider",
        detail=detail,
        provider_reference=sid or None,
    )
    await db.commit()
    return Response(status_code=204)


@router.post("/twilio/inbound")
async def twilio_inbound(
    request: Request, db: Session, settings: AppSettings, queue: Queue
) -> Response:
    params = await verified_twilio_form(request, settings)
    sms = inbound_sms.InboundSms(
        provider_reference=params.get("MessageSid") or params.get("SmsSid") or "",
        sender=params.get("From", ""),
        recipient=params.get("To", ""),
        body=params.get("Body", ""),
    )
    if not sms.provider_reference or not sms.sender:
        raise HTTPException(400, "MessageSid and From are required")
    await inbound_sms.receive(db, queue, sms)
    # We answer through the API (so the answer is tracked), never in TwiML.
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/email/inbound", status_code=204)
async def email_inbound(request: Request, db: Session, settings: AppSettings) -> Response:
    secret = settings.inbound_email_secret
    if not secret:
        raise HTTPException(404, "Inbound email is not configured")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), secret.encode()
    ):
        raise HTTPException(403, "Invalid inbound email secret")
    await inbound_email.receive(db, await request.body(), settings=settings)
    return Response(status_code=204)
