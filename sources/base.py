"""The adapter contract: a config model, an async `fetch`, and the registry that finds them.

An adapter module declares its config (a `SourceConfig` subclass, `extra="forbid"`, documented
by its field descriptions) and registers one coroutine:

    @register("feed", FeedConfig)
    async def fetch(http: PoliteClient, config: FeedConfig, state: SourceState) -> FetchResult: ...

Built-in adapters are listed in `sources.BUILTIN_ADAPTERS` and imported on first use (importing
one adapter does not import them all); third-party ones are found through the entry-point group
`reputation_monitor.sources`, each entry point naming a module to import.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from monitor.model import FetchResult, SourceState
from monitor.secrets import Secret, resolve
from monitor.units import PositiveDuration

if TYPE_CHECKING:
    from sources.http import PoliteClient

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "reputation_monitor.sources"


class SourceConfig(BaseModel):
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

    # Names of secrets this adapter reads through `<name>_env`, `<name>_file`, `<name>_credential`.
    secret_names: ClassVar[tuple[str, ...]] = ()

    # The school's names, bound by the config loader (validation context "aliases") so adapters
    # that filter by school name need not repeat them in every source table.
    _aliases: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _bind_school(self, info: ValidationInfo) -> SourceConfig:
        if isinstance(info.context, dict) and "aliases" in info.context:
            self._aliases = tuple(info.context["aliases"])
        return self

    @property
    def aliases(self) -> tuple[str, ...]:
        """What counts as a mention of the school ([school] aliases)."""
        return self._aliases

    def secret(self, name: str) -> Secret | None:
        """The resolved secret `name`, or None when the config gives no reference to it."""
        return resolve(self, name)


ConfigT = TypeVar("ConfigT", bound=SourceConfig)
FetchFunction = Callable[["PoliteClient", Any, SourceState], Awaitable[FetchResult]]


@dataclass(frozen=True, slots=True)
class Adapter:
    """A registered source type."""

    name: str
    config_model: type[SourceConfig]
    fetch: FetchFunction
    module: str

    @property
    def summary(self) -> str:
        """The first line of the adapter module's docstring."""
        module = importlib.import_module(self.module)
        return (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""


_registry: dict[str, Adapter] = {}
_entry_points_loaded = False


TypedFetch = Callable[["PoliteClient", ConfigT, SourceState], Awaitable[FetchResult]]


def register(
    type_name: str, config_model: type[ConfigT]
) -> Callable[[TypedFetch[ConfigT]], TypedFetch[ConfigT]]:
    """Decorator: make `fetch` the adapter for `type = "<type_name>"`."""

    def decorate(fetch: TypedFetch[ConfigT]) -> TypedFetch[ConfigT]:
        existing = _registry.get(type_name)
        if existing is not None and existing.module != fetch.__module__:
            modules = f"{existing.module}, {fetch.__module__}"
            raise RuntimeError(f"source type {type_name!r} registered twice ({modules})")
        _registry[type_name] = Adapter(type_name, config_model, fetch, fetch.__module__)
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
