"""The adapter contract: a config model, an async `fetch`, and the registry that finds them.

An adapter module declares its config (a `SourceConfig` subclass, `extra="forbid"`, documented
by its field descriptions) and what it can do (`sources.capabilities.Capabilities`: remedies per
health, ratings, webhook, …; a plug-in may leave them out), and registers one coroutine:

    @register("feed", FeedConfig, CAPABILITIES)
    async def fetch(http: PoliteClient, config: FeedConfig, state: SourceState) -> FetchResult: ...

Built-in adapters are listed in `sources.BUILTIN_ADAPTERS` and imported on first use (importing
one adapter does not import them all); third-party ones are found through the entry-point group
`reputation_monitor.sources`, each entry point naming a module to import.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from monitor.config.references import CredentialRef, EnvRef, FileRef, resolve
from monitor.config.secrets import Secret
from monitor.config.units import PositiveDuration, StrictScalars
from monitor.model import FetchResult, SourceState
from sources.capabilities import Capabilities

if TYPE_CHECKING:
    from sources.http import PoliteClient

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "reputation_monitor.sources"

# How a secret is referred to in config: key suffix, type, how the key's help begins, and how
# a message names where the secret lives.
SECRET_REFERENCES: tuple[tuple[str, Any, str, str], ...] = (
    ("_env", EnvRef, "Environment variable holding", "the environment variable"),
    ("_file", FileRef, "File (only its owner may read it) holding", "the file"),
    (
        "_credential",
        CredentialRef,
        "systemd credential (LoadCredential=) holding",
        "the systemd credential",
    ),
)


@dataclass(frozen=True, slots=True)
class SharedHost:
    """A host polled politely by the whole fleet: one poll of it at a time, whichever worker
    polls, and `delay` between the end of one poll and the start of the next."""

    host: str
    delay: timedelta = timedelta(0)


def shared_host_of(url: str, delay: timedelta = timedelta(0)) -> SharedHost | None:
    """The `SharedHost` of `url`'s host name, or None for a URL without one."""
    host = urlsplit(url).hostname
    return SharedHost(host.lower(), delay) if host else None


class SourceConfig(StrictScalars):
    """Keys every source has; adapters subclass this with their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="Which adapter reads this source.")
    enabled: bool = Field(True, description="false keeps the source configured but unpolled.")
    interval: PositiveDuration = Field(
        timedelta(minutes=30), description='How often the daemon polls it: "<n>s|m|h|d".'
    )
    timeout: PositiveDuration = Field(
        timedelta(minutes=10),
        description="The longest one whole poll may take (all its requests); then it fails.",
    )

    # Names of secrets this adapter reads through `<name>_env`, `<name>_file`, `<name>_credential`,
    # and those of them a config must give (declared by `secrets=` on the subclass).
    secret_names: ClassVar[tuple[str, ...]] = ()
    required_secrets: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(
        cls,
        *,
        secrets: Mapping[str, str] | None = None,
        required: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """Declare secrets in one line: `class X(SourceConfig, secrets={"api_key": "…"})`.

        Each name gets the three reference keys (`_env`, `_file`, `_credential`), documented
        from its description; a config gives at most one of them, and exactly one for a name
        in `required`. (Annotations added here, before pydantic collects the fields.)
        """
        super().__init_subclass__(**kwargs)
        if not secrets:
            return
        annotations = dict(inspect.get_annotations(cls))
        for name, what in secrets.items():
            for suffix, kind, where, _ in SECRET_REFERENCES:
                annotations[f"{name}{suffix}"] = kind | None
                setattr(cls, f"{name}{suffix}", Field(None, description=f"{where} {what}."))
        cls.__annotations__ = annotations
        cls.secret_names = (*cls.secret_names, *secrets)
        cls.required_secrets = (*cls.required_secrets, *required)

    @model_validator(mode="after")
    def _one_reference_per_secret(self) -> SourceConfig:
        for name in self.secret_names:
            keys = [f"{name}{suffix}" for suffix, *_ in SECRET_REFERENCES]
            given = [key for key in keys if getattr(self, key, None)]
            if len(given) > 1 or (not given and name in self.required_secrets):
                raise ValueError(f"give exactly one of {', '.join(keys)}")
        return self

    schools: tuple[str, ...] | None = Field(
        None,
        description="Ids of the [schools.<id>] this source serves (default: every school).",
    )

    # The names of the schools it serves and their ids, bound by the config loader (validation
    # context "schools": id -> names) so adapters that filter by school name need not repeat
    # them in every source table.
    _aliases: tuple[str, ...] = PrivateAttr(default=())
    _school_ids: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _bind_school(self, info: ValidationInfo) -> SourceConfig:
        context = info.context if isinstance(info.context, dict) else {}
        known = context.get("schools")
        if known is None and "aliases" in context:  # one school's names, as before trusts
            known = {"school": tuple(context["aliases"])}
        if self.schools is not None:
            if not self.schools:
                raise ValueError("schools: name at least one school, or leave the key out")
            if len(set(self.schools)) != len(self.schools):
                raise ValueError("schools: a school is named twice")
        if not isinstance(known, Mapping):
            return self
        unknown = [school for school in self.schools or () if school not in known]
        if unknown:
            raise ValueError(
                f"schools: no school {', '.join(map(repr, unknown))}; configured:"
                f" {', '.join(known)}"
            )
        self._school_ids = tuple(self.schools or known)
        names = (name for school in self._school_ids for name in known[school])
        self._aliases = tuple(dict.fromkeys(names))
        return self

    @property
    def aliases(self) -> tuple[str, ...]:
        """What counts as a mention: the names of every school this source serves."""
        return self._aliases

    @property
    def school_ids(self) -> tuple[str, ...]:
        """The ids of the schools this source serves (bound by the config loader)."""
        return self._school_ids

    def shared_host(self) -> SharedHost | None:
        """The host whose politeness this source's polls share with every worker's, if any."""
        return None

    def secret(self, name: str) -> Secret | None:
        """The resolved secret `name`, or None when the config gives no reference to it."""
        return resolve(self, name)

    def secret_given(self, name: str) -> bool:
        """True when the config refers to secret `name` by one of its keys."""
        return any(getattr(self, f"{name}{suffix}", None) for suffix, *_ in SECRET_REFERENCES)

    def secret_hint(self, name: str) -> str:
        """Where secret `name` lives, for messages telling a person where to put a new one."""
        for suffix, _, _, hint in SECRET_REFERENCES:
            reference = getattr(self, f"{name}{suffix}", None)
            if reference:
                return f"{hint} {reference}"
        return f"no {name} is configured"


ConfigT = TypeVar("ConfigT", bound=SourceConfig)
FetchFunction = Callable[["PoliteClient", Any, SourceState], Awaitable[FetchResult]]


@dataclass(frozen=True, slots=True)
class Adapter:
    """A registered source type."""

    name: str
    config_model: type[SourceConfig]
    fetch: FetchFunction
    module: str
    capabilities: Capabilities

    @property
    def summary(self) -> str:
        """The first line of the adapter module's docstring."""
        module = importlib.import_module(self.module)
        return (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""


_registry: dict[str, Adapter] = {}
_entry_points_loaded = False


TypedFetch = Callable[["PoliteClient", ConfigT, SourceState], Awaitable[FetchResult]]


def register(
    type_name: str, config_model: type[ConfigT], capabilities: Capabilities | None = None
) -> Callable[[TypedFetch[ConfigT]], TypedFetch[ConfigT]]:
    """Decorator: make `fetch` the adapter for `type = "<type_name>"`, with what it can do."""
    declared = Capabilities() if capabilities is None else capabilities

    def decorate(fetch: TypedFetch[ConfigT]) -> TypedFetch[ConfigT]:
        existing = _registry.get(type_name)
        if existing is not None and existing.module != fetch.__module__:
            modules = f"{existing.module}, {fetch.__module__}"
            raise RuntimeError(f"source type {type_name!r} registered twice ({modules})")
        _registry[type_name] = Adapter(type_name, config_model, fetch, fetch.__module__, declared)
        return fetch

    return decorate


def unregister(type_name: str) -> None:
    """Forget a source type (for plug-in tests; built-ins come back only by re-import)."""
    _registry.pop(type_name, None)


def adapters() -> dict[str, Adapter]:
    """Every known source type: the built-ins plus those installed through entry points."""
    from sources import BUILTIN_ADAPTERS

    for module in BUILTIN_ADAPTERS.values():
        importlib.import_module(module)
    load_plugins()
    return dict(sorted(_registry.items()))


def load_plugins() -> None:
    """Import the third-party adapters named by entry points (once per process)."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    # Imported here: reading every installed package's metadata is needed only for plug-ins.
    from importlib.metadata import entry_points

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry_point.load()
        except Exception as error:  # a broken plug-in must not stop the built-ins
            log.warning("source plug-in %s failed to load: %s", entry_point.name, error)


def adapter_for(type_name: str) -> Adapter:
    """The adapter for a type, importing only its module; KeyError names the known types."""
    from sources import BUILTIN_ADAPTERS

    if type_name not in _registry:
        if type_name in BUILTIN_ADAPTERS:
            importlib.import_module(BUILTIN_ADAPTERS[type_name])
        else:
            load_plugins()
    if type_name not in _registry:
        known = adapters()
        raise KeyError(f"unknown source type {type_name!r}; known types: {', '.join(known)}")
    return _registry[type_name]
