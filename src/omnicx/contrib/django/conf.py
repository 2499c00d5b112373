"""The ``OMNICX`` setting: read, checked, and turned into the values a desk is built from.

One dictionary in the project's settings configures omnicx (docs/django.md
lists every key). ``load_settings`` reads it with every problem reported at
its path (``OMNICX.CHANNELS.whatsapp.app_secret_env: ...``), so the system
check (``checks.py``) and ``get_desk`` say the same thing. Secrets are read
from the environment: ``<name>_env`` names the variable; ``<name>`` itself
is accepted too, for settings that read the environment themselves.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.channels import (
    EmailAdapter,
    InstagramAdapter,
    MessengerAdapter,
    ShopifyWebhook,
    StripeWebhook,
    TwilioAdapter,
    TwilioVoiceAdapter,
    WebChatAdapter,
    WhatsAppAdapter,
)
from omnicx.clock import Clock, SystemClock
from omnicx.desk import EmailIdentity, ErasedPolicy
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.identity import DEFAULT_POLICY, IdentityPolicy
from omnicx.privacy import BUILTIN_ROLES, Actor, RedactionPolicy, Role, load_roles
from omnicx.routing import OpenHours, RuleEngine, load_rules
from omnicx.routing._loader import _format_of, parse_document
from omnicx.sla import SlaEngine, load_calendar
from omnicx.timeline import ThreadingPolicy

__all__ = [
    "CHANNELS",
    "DEFAULT_STORE",
    "SETTING",
    "Channels",
    "OmnicxSettings",
    "import_path",
    "load_settings",
]

SETTING = "OMNICX"
"""The name of the Django setting omnicx reads."""

DEFAULT_STORE = "omnicx.contrib.django.store.DjangoStore"
"""``OMNICX["STORE"]`` when unset: the ORM store in the project's own database."""

_KEYS = (
    "STORE", "CLOCK", "RULES", "CALENDARS", "SLA", "CHANNELS", "THREADING", "IDENTITY",
    "REDACTION", "ROLES", "ACTORS", "EMAIL", "CSAT_TEMPLATE", "AUTO_SOLVE_AFTER", "SENDER",
    "ERASED",
)  # fmt: skip

# Per channel: the keys it takes, which of them are secrets, which are required.
_SPEC: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "twilio": (("account_sid", "whatsapp", "region"), ("auth_token",), ("account_sid",)),
    "voice": (("account_sid", "region"), ("auth_token",), ("account_sid",)),
    "whatsapp": (("phone_number_id", "api_version"), ("app_secret", "verify_token"),
                 ("phone_number_id",)),
    "messenger": (("page_id", "app_id", "api_version"), ("app_secret", "verify_token"),
                  ("page_id",)),
    "instagram": (("page_id", "app_id", "api_version"), ("app_secret", "verify_token"),
                  ("page_id",)),
    "email": (("strip_quotes", "trust_sender"), ("secret",), ()),
    "webchat": (("base_url",), ("secret",), ()),
    "shopify": (("region",), ("secret",), ()),
    "stripe": (("tolerance_seconds",), ("secret",), ()),
}  # fmt: skip
CHANNELS: tuple[str, ...] = tuple(_SPEC)
"""The names ``OMNICX["CHANNELS"]`` takes, one per shipped webhook view."""


@attrs.frozen(kw_only=True)
class Channels:
    """The configured adapters, by the name of their view; None where not configured.

    ``verify_tokens`` holds the Meta GET handshake tokens (``whatsapp``,
    ``messenger``, ``instagram``); secrets never show in ``repr``.
    """

    twilio: TwilioAdapter | None = None
    voice: TwilioVoiceAdapter | None = None
    whatsapp: WhatsAppAdapter | None = None
    messenger: MessengerAdapter | None = None
    instagram: InstagramAdapter | None = None
    email: EmailAdapter | None = None
    email_secret: str | None = attrs.field(default=None, repr=False)
    webchat: WebChatAdapter | None = None
    shopify: ShopifyWebhook | None = None
    stripe: StripeWebhook | None = None
    verify_tokens: Mapping[str, str] = attrs.field(
        default=EMPTY_MAP, converter=frozen_map, repr=False
    )


@attrs.frozen(kw_only=True)
class OmnicxSettings:
    """Everything ``OMNICX`` configures, loaded and checked.

    ``store`` and ``clock`` are factories: ``get_desk`` calls them once per
    process and thread. ``sender`` is the host's outbox function (None: the
    ``outbox_ready`` signal only).
    """

    store: Callable[[], Any]
    clock: Callable[[], Clock]
    rules: RuleEngine | None
    sla: SlaEngine | None
    channels: Channels
    threading: ThreadingPolicy
    identity: IdentityPolicy
    redaction: Mapping[str, RedactionPolicy] = attrs.field(converter=frozen_map)
    actors: Mapping[str, Actor] | None
    email: EmailIdentity | None
    csat_template: str | None
    erased: ErasedPolicy
    auto_solve_after: timedelta | None
    sender: Callable[[dict[str, Any]], object] | None
    rules_path: Path | None = None


def import_path(dotted: str) -> Any:
    """The object a dotted path names: a module, then attributes (``tasks.send.delay``).

    Raises:
        ImportError: no prefix of the path is a module holding the rest.
    """
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                found = getattr(found, attribute)
        except AttributeError:
            break
        return found
    raise ImportError(f"{dotted!r} names nothing importable (expected module.attribute)")


class _Problems:
    """Collects problems under ``OMNICX``; one ``ValidationError`` at the end."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(Problem(f"{SETTING}.{path}" if path else SETTING, message))

    def error(self, path: str, error: ValidationError) -> None:
        self.found.extend(p.under(f"{SETTING}.{path}") for p in error.problems)


def _callable(raw: object, path: str, problems: _Problems, default: Any) -> Any:
    """A dotted path or a callable, as given; ``default`` where unset or wrong."""
    if raw is None:
        return default
    if callable(raw):
        return raw
    if not isinstance(raw, str):
        problems.add(path, f"expected a dotted path or a callable, got {type(raw).__name__}")
        return default
    try:
        found = import_path(raw)
    except ImportError as error:
        problems.add(path, f"{error}; check the spelling and that the module imports")
        return default
    if not callable(found):
        problems.add(path, f"{raw!r} is not callable")
        return default
    return found


def _document(raw: object, path: str, problems: _Problems) -> Mapping[str, Any] | None:
    """A mapping given inline, or read from a file path (JSON, TOML or YAML)."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, (str, Path)):
        file = Path(raw)
        try:
            data = parse_document(file.read_text(encoding="utf-8"), _format_of(file))
        except OSError as error:
            problems.add(path, f"{file}: can't read the file ({error.strerror})")
            return None
        except ValidationError as error:
            problems.error(f"{path}({file})", error)
            return None
        if not isinstance(data, Mapping):
            problems.add(path, f"{file}: expected a mapping at the top of the file")
            return None
        return data
    problems.add(path, f"expected a file path or a mapping, got {type(raw).__name__}")
    return None


def _calendars(raw: object, problems: _Problems) -> dict[str, OpenHours]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add("CALENDARS", "expected a mapping of name -> calendar file or mapping")
        return {}
    loaded: dict[str, OpenHours] = {}
    for name, source in raw.items():
        data = _document(source, f"CALENDARS.{name}", problems)
        if data is None:
            continue
        try:
            loaded[str(name)] = load_calendar(data)
        except ValidationError as error:
            problems.error(f"CALENDARS.{name}", error)
    return loaded


def _rules(
    raw: object, calendars: Mapping[str, OpenHours], problems: _Problems
) -> RuleEngine | None:
    if raw is None:
        return None
    if not isinstance(raw, (str, Path, Mapping)):
        problems.add("RULES", f"expected a rule file path or a mapping, got {type(raw).__name__}")
        return None
    source: Mapping[str, Any] | Path = raw if isinstance(raw, Mapping) else Path(raw)
    where = "RULES" if isinstance(source, Mapping) else f"RULES({source})"
    try:
        return RuleEngine.compile(load_rules(source), calendars=calendars)
    except OSError as error:
        problems.add("RULES", f"{source}: can't read the rule file ({error.strerror})")
    except ValidationError as error:
        # The rule file's own paths (rules[2].when.op), under the file's name.
        problems.error(where, error)
    return None


def _secret(
    name: str, key: str, entry: Mapping[str, Any], environ: Mapping[str, str], problems: _Problems
) -> str | None:
    path = f"CHANNELS.{name}"
    variable = entry.get(f"{key}_env")
    if variable is not None:
        if not isinstance(variable, str) or not variable:
            problems.add(f"{path}.{key}_env", "expected the name of an environment variable")
            return None
        value = environ.get(variable)
        if not value:
            problems.add(
                f"{path}.{key}_env",
                f"the environment variable {variable} is not set; export it before starting",
            )
        return value or None
    value = entry.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        problems.add(f"{path}.{key}", "expected a non-empty string")
        return None
    return value


def _channels(raw: object, environ: Mapping[str, str], problems: _Problems) -> Channels:
    if raw is None:
        return Channels()
    if not isinstance(raw, Mapping):
        problems.add("CHANNELS", "expected a mapping of channel name -> its settings")
        return Channels()
    built: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for name, entry in raw.items():
        path = f"CHANNELS.{name}"
        if name not in _SPEC:
            problems.add(path, f"unknown channel{suggest(str(name), CHANNELS)}")
            continue
        if not isinstance(entry, Mapping):
            problems.add(path, "expected a mapping of settings")
            continue
        plain, secrets, required = _SPEC[name]
        allowed = {*plain, *secrets, *(f"{s}_env" for s in secrets)}
        for key in entry:
            if key not in allowed:
                problems.add(f"{path}.{key}", f"unknown key{suggest(str(key), sorted(allowed))}")
        for key in required:
            if not entry.get(key):
                problems.add(f"{path}.{key}", "required")
        values = {s: _secret(name, s, entry, environ, problems) for s in secrets}
        main = secrets[0]
        if main not in entry and f"{main}_env" not in entry:
            problems.add(f"{path}.{main}_env", "required: the environment variable holding it")
        verify_token = values.pop("verify_token", None)
        if verify_token:
            tokens[name] = verify_token
        if any(problem.path.startswith(f"{SETTING}.{path}") for problem in problems.found):
            continue
        options = {k: entry[k] for k in plain if k in entry}
        tolerance = options.get("tolerance_seconds", 300)
        if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance <= 0:
            problems.add(f"{path}.tolerance_seconds", "expected a whole number of seconds above 0")
            continue
        try:
            built.update(_adapter(name, options, values))
        except (TypeError, ValueError) as error:
            problems.add(path, str(error))
    return Channels(**built, verify_tokens=tokens)


def _adapter(name: str, options: dict[str, Any], secrets: dict[str, str | None]) -> dict[str, Any]:
    secret: dict[str, Any] = {k: v for k, v in secrets.items() if v is not None}
    if name == "twilio":
        return {"twilio": TwilioAdapter(**options, **secret)}
    if name == "voice":
        return {"voice": TwilioVoiceAdapter(**options, **secret)}
    if name == "whatsapp":
        return {"whatsapp": WhatsAppAdapter(**options, **secret)}
    if name == "messenger":
        return {"messenger": MessengerAdapter(**options, **secret)}
    if name == "instagram":
        return {"instagram": InstagramAdapter(**options, **secret)}
    if name == "email":
        return {"email": EmailAdapter(**options), "email_secret": secret["secret"]}
    if name == "webchat":
        return {"webchat": WebChatAdapter(**options, **secret)}
    if name == "shopify":
        return {"shopify": ShopifyWebhook(**options, **secret)}
    seconds = options.pop("tolerance_seconds", 300)
    return {"stripe": StripeWebhook(tolerance=timedelta(seconds=seconds), **secret)}


def _policy(raw: object, path: str, cls: type[Any], default: Any, problems: _Problems) -> Any:
    """An instance as given, or a mapping of its fields; ``default`` where unset."""
    if raw is None:
        return default
    if isinstance(raw, cls):
        return raw
    if not isinstance(raw, Mapping):
        problems.add(
            path,
            f"expected a mapping of fields or a {cls.__name__} instance, got {type(raw).__name__}",
        )
        return default
    from_dict = getattr(cls, "from_dict", None)
    if from_dict is None:
        names = sorted(a.alias for a in attrs.fields(cls) if a.init)
        unknown = [key for key in raw if key not in names]
        for key in unknown:
            problems.add(f"{path}.{key}", f"unknown field{suggest(str(key), names)}")
        if unknown:
            return default
    try:
        return from_dict(raw) if from_dict is not None else cls(**raw)
    except ValidationError as error:
        problems.error(path, error)
    except (TypeError, ValueError) as error:
        problems.add(path, str(error))
    return default


def _actors(raw: object, roles: Mapping[str, Role], problems: _Problems) -> dict[str, Actor] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.add("ACTORS", "expected a mapping of actor id -> {role, queues}")
        return None
    actors: dict[str, Actor] = {}
    for actor_id, entry in raw.items():
        path = f"ACTORS.{actor_id}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("role"), str):
            problems.add(path, 'expected {"role": NAME, "queues": [...]} (queues optional)')
            continue
        role = roles.get(entry["role"])
        if role is None:
            problems.add(f"{path}.role", f"unknown role{suggest(entry['role'], sorted(roles))}")
            continue
        queues = entry.get("queues")
        actors[str(actor_id)] = Actor(id=str(actor_id), role=role, queues=queues)
    return actors


def _roles(raw: object, problems: _Problems) -> Mapping[str, Role]:
    if raw is None:
        return BUILTIN_ROLES
    if not isinstance(raw, Mapping):
        problems.add("ROLES", "expected a mapping of role name -> role (docs/privacy.md)")
        return BUILTIN_ROLES
    try:
        return load_roles(raw)
    except ValidationError as error:
        problems.error("ROLES", error)
        return BUILTIN_ROLES


def _redaction(raw: object, problems: _Problems) -> dict[str, RedactionPolicy]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add("REDACTION", 'expected a mapping of channel name (or "*") -> policy')
        return {}
    found: dict[str, RedactionPolicy] = {}
    for channel, policy in raw.items():
        loaded = _policy(policy, f"REDACTION.{channel}", RedactionPolicy, None, problems)
        if loaded is not None:
            found[str(channel)] = loaded
    return found


def _sla(raw: object, problems: _Problems) -> SlaEngine | None:
    if raw is None or isinstance(raw, SlaEngine):
        return raw
    factory = _callable(raw, "SLA", problems, None)
    if factory is None:
        return None
    engine = factory()
    if not isinstance(engine, SlaEngine):
        problems.add("SLA", f"the factory returned {type(engine).__name__}, not an SlaEngine")
        return None
    return engine


def _seconds(raw: object, path: str, problems: _Problems) -> timedelta | None:
    if raw is None or isinstance(raw, timedelta):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return timedelta(seconds=raw)
    problems.add(path, "expected a number of seconds above 0 or a timedelta")
    return None


def _erased(raw: object, problems: _Problems) -> ErasedPolicy:
    if raw is None:
        return ErasedPolicy.FRESH
    names = [p.value for p in ErasedPolicy]
    if raw not in names:
        problems.add("ERASED", f"expected one of {', '.join(names)}{suggest(str(raw), names)}")
        return ErasedPolicy.FRESH
    return ErasedPolicy(raw)


def load_settings(raw: object, environ: Mapping[str, str] | None = None) -> OmnicxSettings:
    """Read an ``OMNICX`` setting; ``environ`` holds the secrets (default ``os.environ``).

    Raises:
        ValidationError: every problem found, each at its path under
            ``OMNICX`` (a rule file's problems keep the file's own paths:
            ``OMNICX.RULES(rules/support.yaml).rules[2].when.op``).
    """
    environ = os.environ if environ is None else environ
    problems = _Problems()
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError.single(SETTING, f"expected a dict, got {type(raw).__name__}")
    for key in raw:
        if key not in _KEYS:
            problems.add(str(key), f"unknown key{suggest(str(key), _KEYS)}")
    calendars = _calendars(raw.get("CALENDARS"), problems)
    template = raw.get("CSAT_TEMPLATE", "csat")
    if template is not None and not isinstance(template, str):
        problems.add("CSAT_TEMPLATE", "expected a template name or None")
        template = None
    rules = raw.get("RULES")
    loaded = OmnicxSettings(
        store=_callable(raw.get("STORE", DEFAULT_STORE), "STORE", problems, None),
        clock=_callable(raw.get("CLOCK"), "CLOCK", problems, SystemClock),
        rules=_rules(rules, calendars, problems),
        sla=_sla(raw.get("SLA"), problems),
        channels=_channels(raw.get("CHANNELS"), environ, problems),
        threading=_policy(raw.get("THREADING"), "THREADING", ThreadingPolicy, ThreadingPolicy(),
                          problems),
        identity=_policy(raw.get("IDENTITY"), "IDENTITY", IdentityPolicy, DEFAULT_POLICY, problems),
        redaction=_redaction(raw.get("REDACTION"), problems),
        actors=_actors(raw.get("ACTORS"), _roles(raw.get("ROLES"), problems), problems),
        email=_policy(raw.get("EMAIL"), "EMAIL", EmailIdentity, None, problems),
        csat_template=template,
        erased=_erased(raw.get("ERASED"), problems),
        auto_solve_after=_seconds(raw.get("AUTO_SOLVE_AFTER"), "AUTO_SOLVE_AFTER", problems),
        sender=_callable(raw.get("SENDER"), "SENDER", problems, None),
        rules_path=Path(rules) if isinstance(rules, (str, Path)) else None,
    )  # fmt: skip
    if problems.found:
        raise ValidationError(problems.found)
    return loaded
