"""Channel adapters: provider webhooks in, normalized events out, send requests described.

Every adapter implements :class:`ChannelAdapter` and is pure (sans-IO): the
host receives the HTTP request or email, builds one :class:`WebhookRequest`
(with its own clock's ``received_at``), calls ``verify(request, now=...)``
then ``parse(request)``, and sends the :class:`OutboundRequest` values
``render`` returns. Shopify and
Stripe webhooks enrich customer profiles (:class:`Enrichment`). See
``docs/channels.md``.
"""

from omnicx.channels._addressing import reply_address, reply_channel
from omnicx.channels._call_events import (
    CALL_EVENT_TYPES,
    CallRecorded,
    CallStatusChanged,
    CallTranscribed,
    CallUpdate,
    IncomingCall,
)
from omnicx.channels._dispatch import MetaDispatcher
from omnicx.channels._email import EmailAdapter
from omnicx.channels._email_providers import (
    SENDGRID_SIGNATURE_HEADER,
    SENDGRID_TIMESTAMP_HEADER,
    MailgunInboundAdapter,
    PostmarkInboundAdapter,
    SendGridInboundAdapter,
    basic_authorization,
    sign_mailgun,
)
from omnicx.channels._email_text import html_to_text, strip_reply
from omnicx.channels._enrichment import Enrichment
from omnicx.channels._events import (
    CHANNEL_EVENT_TYPES,
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    Location,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    MessageRemoved,
    Reaction,
    Reply,
    ReplyKind,
)
from omnicx.channels._facebook import FacebookCommentsAdapter
from omnicx.channels._instagram_comments import InstagramCommentsAdapter
from omnicx.channels._meta import InstagramAdapter, MessengerAdapter
from omnicx.channels._private_reply import check_private_reply, private_reply_channel
from omnicx.channels._protocol import (
    Capabilities,
    ChannelAdapter,
    OutboundMessage,
    OutboundRequest,
    Template,
)
from omnicx.channels._request import Headers, WebhookRequest
from omnicx.channels._rules import LongText, RenderRefused, SendCheck, check_send, split_text
from omnicx.channels._scope import ForeignAccounts
from omnicx.channels._ses import SesInboundAdapter, sns_string_to_sign
from omnicx.channels._shopify import TOPICS as SHOPIFY_TOPICS
from omnicx.channels._shopify import ShopifyWebhook
from omnicx.channels._signatures import (
    X_SIGNATURE_HEADER,
    sign_hub_sha256,
    sign_shopify,
    sign_stripe,
    sign_twilio,
    sign_x,
    verify_hub_sha256,
    verify_shopify,
    verify_stripe,
    verify_twilio,
    verify_x,
)
from omnicx.channels._social import (
    META_PRIVATE_REPLY_WINDOW,
    Moderation,
    ModerationAction,
    PrivateReply,
)
from omnicx.channels._stripe import EVENT_TYPES as STRIPE_EVENT_TYPES
from omnicx.channels._stripe import StripeWebhook
from omnicx.channels._stripe_billing import minor_to_decimal
from omnicx.channels._twilio import TwilioAdapter
from omnicx.channels._twilio_voice import TwilioVoiceAdapter
from omnicx.channels._webchat import SIGNATURE_HEADER as WEBCHAT_SIGNATURE_HEADER
from omnicx.channels._webchat import WebChatAdapter, sign_webchat
from omnicx.channels._webhook import (
    WebhookAnswer,
    WebhookOutcome,
    WebhookReceiver,
    handle_webhook,
    verification_handshake,
)
from omnicx.channels._whatsapp import WhatsAppAdapter
from omnicx.channels._x import XAdapter, x_crc_response

__all__ = [
    "CALL_EVENT_TYPES",
    "CHANNEL_EVENT_TYPES",
    "META_PRIVATE_REPLY_WINDOW",
    "SENDGRID_SIGNATURE_HEADER",
    "SENDGRID_TIMESTAMP_HEADER",
    "SHOPIFY_TOPICS",
    "STRIPE_EVENT_TYPES",
    "WEBCHAT_SIGNATURE_HEADER",
    "X_SIGNATURE_HEADER",
    "CallRecorded",
    "CallStatusChanged",
    "CallTranscribed",
    "CallUpdate",
    "Capabilities",
    "ChannelAdapter",
    "ChannelEvent",
    "DeliveryState",
    "DeliveryUpdate",
    "EmailAdapter",
    "Enrichment",
    "FacebookCommentsAdapter",
    "ForeignAccounts",
    "Headers",
    "IncomingCall",
    "InstagramAdapter",
    "InstagramCommentsAdapter",
    "Location",
    "LongText",
    "MailgunInboundAdapter",
    "MessageEcho",
    "MessageEdited",
    "MessageReceived",
    "MessageRemoved",
    "MessengerAdapter",
    "MetaDispatcher",
    "Moderation",
    "ModerationAction",
    "OutboundMessage",
    "OutboundRequest",
    "PostmarkInboundAdapter",
    "PrivateReply",
    "Reaction",
    "RenderRefused",
    "Reply",
    "ReplyKind",
    "SendCheck",
    "SendGridInboundAdapter",
    "SesInboundAdapter",
    "ShopifyWebhook",
    "StripeWebhook",
    "Template",
    "TwilioAdapter",
    "TwilioVoiceAdapter",
    "WebChatAdapter",
    "WebhookAnswer",
    "WebhookOutcome",
    "WebhookReceiver",
    "WebhookRequest",
    "WhatsAppAdapter",
    "XAdapter",
    "basic_authorization",
    "check_private_reply",
    "check_send",
    "handle_webhook",
    "html_to_text",
    "minor_to_decimal",
    "private_reply_channel",
    "reply_address",
    "reply_channel",
    "sign_hub_sha256",
    "sign_mailgun",
    "sign_shopify",
    "sign_stripe",
    "sign_twilio",
    "sign_webchat",
    "sign_x",
    "sns_string_to_sign",
    "split_text",
    "strip_reply",
    "verification_handshake",
    "verify_hub_sha256",
    "verify_shopify",
    "verify_stripe",
    "verify_twilio",
    "verify_x",
    "x_crc_response",
]
