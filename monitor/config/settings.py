"""The config file: `config.toml` read into frozen, validated models; every problem reported.

    load(path) -> Config             or ConfigError, whose `problems` read like
                                     "config.toml: at 'sources.news.url': invalid URL"
    load_core(path) -> CoreConfig    every section but each source's own settings, for a
                                     command that only reads the database (no adapter loaded)

Secrets are never written in the file: a key `<name>_env`, `<name>_file` or `<name>_credential`
says where the value lives (monitor.config.references), and validation checks that it resolves.
Problem messages are built from pydantic's error type and key path only (monitor.config.problems),
never from the value given, so a secret pasted into the wrong key is not repeated back. The
digest schedule and quiet hours are parsed by monitor.config.schedule.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.config.files import ConfigError, parse_config, read_config
from monitor.config.problems import Problem, describe_errors, format_problem
from monitor.config.references import CredentialRef, EnvRef, FileRef, resolve
from monitor.config.schedule import CronSetting, QuietHoursSetting, parse_cron
from monitor.config.secrets import Secret
from monitor.config.units import ByteSize, PositiveDuration, StrictScalars
from monitor.model import Tone
from sources.base import SourceConfig, adapter_for, adapters

if TYPE_CHECKING:
    from sources.http import PoliteClient

DEFAULT_DATABASE_URL = "sqlite:///monitor.db"
SOURCE_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")


# ---- value checks (messages never repeat the value: it may be a misplaced secret) ----------


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('unknown time zone: expected a name such as "Europe/London"') from None
    return name


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")


def _check_address(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("an email address must be on one line")
    found = getaddresses([value])
    if len(found) != 1 or not _ADDRESS.match(found[0][1]):
        raise ValueError('expected an email address, e.g. "monitor@example.org" or "Name <...>"')
    return value


def _check_contact(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if _ADDRESS.match(value.removeprefix("mailto:")):
        return value
    raise ValueError("expected an email address or an http(s) URL to reach the operator")


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Address = Annotated[str, AfterValidator(_check_address)]
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


def _database_url(url: str, directory: Path | None) -> str:
    """The URL with a relative SQLite path made absolute against the config file's folder."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+")[0] not in ("sqlite", "postgresql"):
        raise ValueError("expected sqlite:///FILE or postgresql+psycopg://USER@HOST/DATABASE")
    if urlsplit(url).password:
        raise ValueError(
            "a password in the database URL is refused: put it in ~/.pgpass (or $PGPASSFILE),"
            " which the PostgreSQL driver reads"
        )
    if not scheme.startswith("sqlite") or rest == "":
        return url
    if not rest.startswith("/"):
        raise ValueError("a SQLite URL has three slashes: sqlite:///monitor.db")
    file, question, query = rest[1:].partition("?")
    if directory is None or file in ("", ":memory:") or file.startswith("file:"):
        return url
    return f"{scheme}:///{directory / file}{question}{query}"


# ---- the sections -----------------------------------------------------------------------------


class Section(StrictScalars):
    """A table of config.toml: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SchoolConfig(Section):
    """[school]: who we watch for."""

    name: Text
    aliases: tuple[Text, ...] = ()
    staff: tuple[Text, ...] = ()
    timezone: TimeZoneName = "Europe/London"

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias, each once: what counts as a mention."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))

    @property
    def zone(self) -> ZoneInfo:
        """The school's time zone."""
        return ZoneInfo(self.timezone)


class SchoolTable(SchoolConfig):
    """[schools.<id>]: one school of a trust, with who hears about it."""

    to: tuple[Address, ...] = ()  # empty: its digest is the trust digest's (`[email] to`)
    urgent_to: tuple[Address, ...] = ()  # empty: `[email] urgent_to` (else `to`)


SINGLE_SCHOOL_ID = "school"  # the id of the one school a `[school]` table describes
SCHOOL_ID = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")


def trust_name(names: list[str]) -> str:
    """What the whole trust is called in mail: its schools' names, or how many there are."""
    if len(names) <= 3:
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return f"{len(names)} schools"


class StorageConfig(Section):
    """[storage]: where mentions are kept and for how long."""

    url: str = Field(DEFAULT_DATABASE_URL, validate_default=True)
    retention_days: int = Field(365, ge=1)

    @field_validator("url")
    @classmethod
    def _resolve_url(cls, url: str, info: ValidationInfo) -> str:
        directory = (info.context or {}).get("directory")
        return _database_url(url, directory)


class HttpConfig(Section):
    """[http]: how we fetch from the web."""

    contact: Annotated[str, AfterValidator(_check_contact)] | None = None
    timeout: PositiveDuration = timedelta(seconds=30)
    max_body: ByteSize = Field(10 * 1024**2, gt=0)


class EmailConfig(Section):
    """[email]: how alerts and digests are sent."""

    smtp_host: Text
    smtp_port: int = Field(587, ge=1, le=65535)
    username: Text | None = None
    password_env: EnvRef | None = None
    password_file: FileRef | None = None
    password_credential: CredentialRef | None = None
    # After smtp_host and the password keys: its check reads them (fields validate in order).
    security: Literal["starttls", "ssl", "none"] = "starttls"
    sender: Address = Field(alias="from")
    to: tuple[Address, ...] = Field(min_length=1)
    urgent_to: tuple[Address, ...] = ()  # empty: urgent mail goes to `to`
    admin_to: tuple[Address, ...] = ()  # empty: source-health mail goes to `to`
    digest_schedule: CronSetting = Field(default_factory=lambda: parse_cron("30 7 * * 1-5"))
    quiet_hours: QuietHoursSetting | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        ports = {"starttls": 587, "ssl": 465, "none": 25}
        security = data.get("security", "starttls")
        if "smtp_port" not in data and isinstance(security, str) and security in ports:
            data["smtp_port"] = ports[security]
        return data

    @field_validator("security")
    @classmethod
    def _no_password_in_clear(cls, security: str, info: ValidationInfo) -> str:
        has_password = any(
            info.data.get(f"password_{kind}") for kind in ("env", "file", "credential")
        )
        host = info.data.get("smtp_host")
        if security == "none" and has_password and host is not None and not is_loopback(host):
            raise ValueError(
                '"none" would send the SMTP password unencrypted over the network: use'
                ' "starttls" or "ssl" ("none" only for a server on this machine:'
                " 127.0.0.1, ::1 or localhost)"
            )
        return security

    @model_validator(mode="after")
    def _check_password(self) -> Self:
        given = [
            f"password_{kind}"
            for kind in ("env", "file", "credential")
            if getattr(self, f"password_{kind}")
        ]
        if len(given) > 1:
            raise ValueError(f"give one of {', '.join(given)}, not several")
        if given and not self.username:
            raise ValueError("a password needs a username")
        return self

    def password(self) -> Secret | None:
        """The SMTP password, read now from where the config says; None when there is none."""
        return resolve(self, "password")

    @property
    def urgent_recipients(self) -> tuple[str, ...]:
        """Who gets urgent alerts: `urgent_to`, or `to` when that is empty."""
        return self.urgent_to or self.to

    @property
    def admin_recipients(self) -> tuple[str, ...]:
        """Who hears that a source went blind: `admin_to`, or `to` when that is empty."""
        return self.admin_to or self.to

    @property
    def sender_address(self) -> str:
        """The bare address of `from`, for the SMTP envelope."""
        return parseaddr(self.sender)[1]


class AlertsConfig(Section):
    """[alerts]: the rules' thresholds, and words that raise alerts (added to the shipped lists)."""

    # Without the tone model (school_lexicon = false): a mention labelled negative raises the
    # `negative` alert when its compound or worst sentence is at or below this. With it, every
    # mention the model labels negative alerts ([sentiment] negative_probability tunes both).
    negative_threshold: float = Field(-0.3, ge=-1.0, le=1.0)
    # a mention naming staff is urgent when labelled negative, or when its compound or worst
    # sentence is at or below this (VADER's own cut-off: naming a person lowers the bar).
    staff_negative_threshold: float = Field(-0.05, ge=-1.0, le=1.0)
    # Without the tone model: compound at or above this (or 5 stars), on a mention not labelled
    # negative, is `praise`. With it: labelled positive (or 5 stars).
    praise_threshold: float = Field(0.6, ge=-1.0, le=1.0)
    # `volume_spike`: mentions first seen in 24 h above this many times the 28-day daily mean...
    volume_spike_factor: float = Field(3.0, gt=1.0)
    # ...and at least this many (a quiet school's 0.1 a day must not make 1 mention a spike).
    volume_spike_min: int = Field(5, ge=1)
    # `wikipedia_vandalism`: Lift Wing's revert risk at or above this is high.
    revert_risk_threshold: float = Field(0.9, ge=0.0, le=1.0)
    # `wikipedia_vandalism`: a temporary or anonymous editor removing this many bytes, or this
    # share of the page, is a large removal.
    large_removal_bytes: int = Field(1000, ge=1)
    large_removal_share: float = Field(0.25, gt=0.0, le=1.0)
    # Failed polls in a row before a `source_health` alert (auth, block, parser: at once).
    health_failures: int = Field(3, ge=1)
    safeguarding_words: tuple[Text, ...] = ()
    extremism_words: tuple[Text, ...] = ()
    abusive_words: tuple[Text, ...] = ()


class SentimentConfig(Section):
    """[sentiment]: `lexicon` adds or changes VADER valences (-4 to 4); keys may be phrases."""

    lexicon: dict[Text, Annotated[float, Field(ge=-4.0, le=4.0)]] = Field(default_factory=dict)
    # false: plain VADER plus `lexicon` only, without the shipped school lexicon, rewrites and
    # constructions.
    school_lexicon: bool = True
    # The tone label with the tone model (judgement/tone.py, the default): negative when its
    # P(negative) is at or above negative_probability; else positive when P(positive) is at or
    # above positive_probability.
    negative_probability: float = Field(0.35, gt=0.0, le=1.0)
    positive_probability: float = Field(0.45, gt=0.0, le=1.0)
    # Without it (school_lexicon = false): negative when the compound is at or below
    # negative_threshold or one sentence at or below sentence_threshold; else positive at or
    # above positive_threshold.
    negative_threshold: float = Field(-0.3, ge=-1.0, le=1.0)
    positive_threshold: float = Field(0.5, ge=-1.0, le=1.0)
    sentence_threshold: float = Field(-0.4, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> SentimentConfig:
        if self.negative_threshold >= self.positive_threshold:
            raise ValueError("negative_threshold must be below positive_threshold")
        return self

    @property
    def tone(self) -> Tone:
        """The tone label's thresholds."""
        return Tone(
            self.negative_threshold,
            self.positive_threshold,
            self.sentence_threshold,
            self.negative_probability,
            self.positive_probability,
        )


def _check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            'expected the page\'s public address, e.g. "https://monitor.calcot.example"'
        )
    if "@" in parts.netloc or parts.query or parts.fragment or any(c.isspace() for c in value):
        raise ValueError("expected a plain https address: no user, query or fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            "sign-in links and session cookies need https: use https://… behind the reverse"
            " proxy (http only for this machine: 127.0.0.1, ::1 or localhost)"
        )
    return value.rstrip("/")


class WebConfig(Section):
    """[web]: the SLT's page (`monitor web`) and the links to it in mail."""

    # The public address behind the reverse proxy; links in mail point at {base_url}/alerts/{id}.
    base_url: Annotated[str, AfterValidator(_check_base_url)]
    # How people sign in: "email" (a link and a code by mail) is the only way for now.
    auth: Literal["email"] = "email"
    # A session ends after this long without a request...
    session_idle: PositiveDuration = timedelta(hours=2)
    # ...and after this long however active (a new sign-in then).
    session_max: PositiveDuration = timedelta(hours=12)

    @model_validator(mode="after")
    def _check_lengths(self) -> Self:
        if self.session_max < self.session_idle:
            raise ValueError("session_max must be at least session_idle")
        return self

    @property
    def secure(self) -> bool:
        """True when served over https: cookies are then Secure and __Host- prefixed."""
        return self.base_url.startswith("https://")


class CoreConfig(Section):
    """Every section but the sources' own settings: what a command that only reads needs.

    The sources are known by name (`source_names`); their tables are checked by their adapters'
    models only in the whole `Config`. A command listing what is stored therefore loads no
    adapter (and never fails on a source's setting or secret it does not use); `monitor check`,
    `scan` and `run` load the whole `Config`. `path` is the file it came from.
    """

    # The deployment's school: the one `[school]`, or (with `[schools.<id>]` tables) the trust as
    # a whole, named after its schools, in the first school's time zone, with no names of its own.
    school: SchoolConfig
    schools: dict[str, SchoolTable] = Field(default_factory=dict)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    email: EmailConfig | None = None
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    web: WebConfig | None = None
    # The names of the [sources.<name>] tables, each checked against SOURCE_NAME.
    source_names: tuple[str, ...] = ()

    _path: Path = PrivateAttr(default=Path("config.toml"))

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # Default sections are validated too, so that a relative SQLite path is resolved.
        data = {"storage": {}, "http": {}, **data}
        schools = data.get("schools")
        if "schools" in data and "school" in data:
            raise ValueError(
                "give either [school] (one school) or [schools.<id>] tables (a trust), not both"
            )
        if isinstance(schools, dict) and schools:
            data["school"] = trust_school(schools)
        email, http = data.get("email"), data["http"]
        if isinstance(email, dict) and isinstance(http, dict) and "contact" not in http:
            address = parseaddr(email["from"])[1] if isinstance(email.get("from"), str) else ""
            if _ADDRESS.match(address):
                data["http"] = {**http, "contact": address}
        return data

    @field_validator("schools")
    @classmethod
    def _school_ids(cls, schools: dict[str, SchoolTable]) -> dict[str, SchoolTable]:
        for school_id in schools:
            if not SCHOOL_ID.match(school_id):
                raise ValueError(
                    f"{school_id!r}: a school id holds only a-z, 0-9, _ and - (not first)"
                )
        return schools

    @property
    def school_tables(self) -> dict[str, SchoolTable]:
        """Every school by id: the `[schools.<id>]` tables, or the one `[school]` as "school"."""
        if self.schools:
            return self.schools
        return {SINGLE_SCHOOL_ID: SchoolTable.model_validate(self.school.model_dump())}

    @property
    def is_trust(self) -> bool:
        """True when the config names its schools in `[schools.<id>]` tables."""
        return bool(self.schools)

    def model_post_init(self, context: Any, /) -> None:
        """Remember the file the config was loaded from (given in the validation context)."""
        if isinstance(context, dict) and isinstance(context.get("path"), Path):
            self._path = context["path"]

    @property
    def path(self) -> Path:
        """The config file, as an absolute path."""
        return self._path

    def http_client(self) -> PoliteClient:
        """The shared HTTP client with the [http] settings (every command and page that fetches)."""
        # Imported here: commands that only read the database need no HTTP library.
        from sources.http import PoliteClient

        return PoliteClient(
            # Wikimedia asks for a way to reach us; the school's name is the least we can give.
            contact=self.http.contact or self.school.name,
            timeout=self.http.timeout.total_seconds(),
            max_body=self.http.max_body,
        )


class Config(CoreConfig):
    """The whole config file, validated, each source by its adapter's model."""

    # SerializeAsAny: a dump shows each adapter's own keys, not only the common ones.
    sources: dict[str, SerializeAsAny[SourceConfig]] = Field(default_factory=dict)

    def sources_of(self, school_id: str) -> dict[str, SourceConfig]:
        """The configured sources serving `school_id` (all when a source names no schools)."""
        return {
            name: source
            for name, source in self.sources.items()
            if school_id in (source.school_ids or tuple(self.school_tables))
        }


ConfigT = TypeVar("ConfigT", bound=CoreConfig)


def is_loopback(host: str) -> bool:
    """True for a name or address of this machine only: localhost, 127.0.0.0/8, ::1."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ---- finding and loading ----------------------------------------------------------------------


def load(path: Path) -> Config:
    """The validated config in the TOML file `path`; ConfigError lists every problem in it."""
    return _load(path, Config, read_config(path))


def load_core(path: Path, raw: bytes | None = None) -> CoreConfig:
    """The config in `path` (whose bytes are `raw` if given) but each source's own settings
    (see CoreConfig); ConfigError."""
    return _load(path, CoreConfig, read_config(path) if raw is None else raw)


def _load(path: Path, model: type[ConfigT], raw: bytes) -> ConfigT:
    """The config as `model`: a `Config` has each source validated by its adapter."""
    path = path.absolute()
    data = parse_config(path, raw)
    context = {"path": path, "directory": path.parent, "schools": _school_names(data)}
    tables = data.pop("sources", {})
    names, problems = _source_names(tables)
    if issubclass(model, Config) and isinstance(tables, dict):
        data["sources"], invalid = _validate_sources(tables, context)
        problems.extend(invalid)
    email = data.get("email")
    if isinstance(email, dict):
        plain, data["email"] = _take_plain_secrets(email, EmailConfig)
        problems[:0] = [(("email", key), message) for key, message in plain]
    config = None
    try:
        config = model.model_validate({**data, "source_names": names}, context=context)
    except ValidationError as error:
        problems[:0] = describe_errors(error, ())
    if config is None or problems:
        raise ConfigError(
            [format_problem(path.name, where, message) for where, message in problems]
        )
    return config


def _school_names(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Each school's names by id, for source validation (sources.base binds a source's).

    A school whose table is bad has no names here: it is validated again with the rest, which
    reports its problems.
    """
    tables = data.get("schools")
    model: type[SchoolConfig] = SchoolTable
    if not isinstance(tables, dict) or not tables:
        tables, model = {SINGLE_SCHOOL_ID: data.get("school")}, SchoolConfig
    names: dict[str, tuple[str, ...]] = {}
    for school_id, table in tables.items():
        try:
            names[school_id] = model.model_validate(table).names
        except ValidationError:
            names[school_id] = ()
    return names


def trust_school(tables: dict[str, Any]) -> dict[str, Any]:
    """The `[school]` a trust config stands for: named after its schools, the first one's zone."""
    names = [
        table["name"].strip()
        for table in tables.values()
        if isinstance(table, dict) and isinstance(table.get("name"), str) and table["name"].strip()
    ]
    first = next(iter(tables.values()))
    zone = first.get("timezone") if isinstance(first, dict) else None
    school: dict[str, Any] = {"name": trust_name(names or ["the trust"])}
    if isinstance(zone, str):
        try:
            school["timezone"] = _check_timezone(zone)
        except ValueError:
            pass  # reported at schools.<id>.timezone
    return school


def _source_names(tables: object) -> tuple[tuple[str, ...], list[Problem]]:
    """The names of the [sources.<name>] tables, and what is wrong with the names or shape."""
    if not isinstance(tables, dict):
        return (), [(("sources",), "expected a table of [sources.<name>] tables")]
    problems: list[Problem] = []
    for name, table in tables.items():
        where = ("sources", name)
        if not SOURCE_NAME.match(name):
            problems.append((where, "a source name holds only a-z, 0-9, _ and - (not first)"))
        if not isinstance(table, dict):
            problems.append((where, "expected a table"))
    return tuple(tables), problems


def _validate_sources(
    tables: dict[str, Any], context: dict[str, Any]
) -> tuple[dict[str, SourceConfig], list[Problem]]:
    """Each [sources.<name>] table checked by its adapter's model; every problem collected."""
    # SerializeAsAny: a dump shows each adapter's own keys, not only the common ones.
    sources: dict[str, SerializeAsAny[SourceConfig]] = {}
    problems: list[Problem] = []
    for name, table in tables.items():
        where = ("sources", name)
        if not isinstance(table, dict):
            continue  # reported by _source_names
        source, found = _validate_source(table, where, context)
        problems.extend(found)
        if source is not None:
            sources[name] = source
    return sources, problems


def _validate_source(
    table: dict[str, Any], where: tuple[str, ...], context: dict[str, Any]
) -> tuple[SourceConfig | None, list[Problem]]:
    """One source's config, validated by the model of the adapter its `type` names."""
    type_name = table.get("type")
    if type_name is None:
        return None, [((*where, "type"), f"required: which adapter reads this source; {known()}")]
    if not isinstance(type_name, str):
        return None, [((*where, "type"), f"expected a string; {known()}")]
    try:
        # Only this type's adapter is imported (and plug-ins only for a type not built in).
        adapter = adapter_for(type_name)
    except KeyError:
        # Not repeated back, like every value: the key path already says which source it is.
        return None, [((*where, "type"), f"unknown source type; {known()}")]
    model: type[SourceConfig] = adapter.config_model
    found, table = _take_plain_secrets(table, model)
    problems: list[Problem] = [((*where, key), message) for key, message in found]
    try:
        return model.model_validate(table, context=context), problems
    except ValidationError as error:
        return None, problems + describe_errors(error, where)


def known() -> str:
    """The known source types, for a problem with a source's `type`."""
    return f"known types: {', '.join(adapters()) or 'none installed'}"


def _take_plain_secrets(
    table: dict[str, Any], model: type[BaseModel]
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Keys that hold a secret's value where a reference belongs, and the table without them."""
    fields = model.model_fields
    plain = [key for key in table if key not in fields and f"{key}_env" in fields]
    found = [
        (
            key,
            f"a secret is never written in the config: use {key}_env (an environment variable),"
            f" {key}_file (a file only its owner can read) or {key}_credential (systemd)",
        )
        for key in plain
    ]
    return found, {key: value for key, value in table.items() if key not in plain}
