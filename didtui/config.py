"""The TOML configuration file and its named connection profiles.

Lookup order: `--config PATH`, `$DIDTUI_CONFIG`, then `config.toml` in the platform's
config directory. With no file at all, one profile `local` uses SQLite in the platform's
data directory: the embedded default. Every problem is a `ConfigError` whose message
names the file, the line or key, and what to do.
"""

from __future__ import annotations

import getpass
import os
import shlex
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import phonenumbers
import platformdirs

from didtui.errors import ConfigError

APP_NAME = "didtui"
DEFAULT_PROFILE = "local"
SCHEMES = ("sqlite", "postgresql", "postgres", "mysql")

_TOP_KEYS = {"default_profile", "profiles", "keymap", "hooks"}
_PROFILE_KEYS = {
    "database",
    "password_env",
    "user",
    "hold_days",
    "sweep_interval",
    "pool_size",
    "connect_timeout",
    "busy_timeout",
    "max_range",
    "reuse_after_days",
    "country",
    "number_format",
    "numbers",
    "hooks",
}
NUMBER_LEVELS = ("valid", "possible", "digits")
NUMBER_FORMATS = ("international", "e164", "national")


@dataclass(frozen=True)
class Numbering:
    """How a profile reads and shows numbers (docs/numbers.md).

    `country` reads national forms (`020 7946 0000` under GB); `level` is how strict the
    reader is (valid, possible, digits); `display` is how numbers are shown.
    """

    country: str = "US"
    level: str = "valid"
    display: str = "international"


# Commands run after a change is committed (core/hooks.py runs them; docs/cli.md).
HOOK_NAMES = ("after_pick", "after_release", "after_deactivate", "after_unassign", "after_sweep", "after_import")
_HOOK_OPTIONS = {"timeout": 30.0, "max_dids": 1000}


@dataclass(frozen=True)
class Hooks:
    """The hook commands (argv, split like a shell line) and how they run."""

    commands: tuple[tuple[str, tuple[str, ...]], ...] = ()
    timeout: float = 30.0
    max_dids: int = 1000

    def command(self, name: str) -> tuple[str, ...]:
        """The argv of hook `name`, () when none is configured."""
        return dict(self.commands).get(name, ())


@dataclass(frozen=True)
class Profile:
    """One named database and the options that go with it."""

    name: str
    database: str
    password_env: str | None = None
    user: str = field(default_factory=lambda: _os_user())
    hold_days: int = 30
    sweep_interval: float = 60.0
    pool_size: int = 8
    connect_timeout: float = 10.0
    busy_timeout: float = 30.0
    max_range: int = 1_000_000
    reuse_after_days: int = 0  # picking skips DIDs released less than this many days ago
    country: str = "US"
    number_format: str = "international"
    numbers: str = "valid"

    hooks: Hooks = field(default_factory=Hooks)

    @property
    def numbering(self) -> Numbering:
        return Numbering(self.country, self.numbers, self.number_format)

    @property
    def scheme(self) -> str:
        return _split_userinfo(self.database)[0]

    @property
    def is_server(self) -> bool:
        return self.scheme != "sqlite"

    @property
    def masked_url(self) -> str:
        return mask_url(self.database)

    @property
    def address(self) -> str:
        """host:port of a server (the driver's default port if none), or the SQLite path."""
        if not self.is_server:
            return self.database[len("sqlite:///") :]
        params = connect_params(self.database)
        port = params.get("port") or (5432 if self.scheme.startswith("postgres") else 3306)
        return f"{params.get('host') or 'localhost'}:{port}"

    def connect_params(self) -> dict[str, Any]:
        """The driver's keyword arguments (with `database`): the URL's parts, and the
        password from `password_env` when the profile names one, else from the URL."""
        params = connect_params(self.database)
        password = self.password()
        if password is not None:
            params["password"] = password
        return params

    def password(self) -> str | None:
        """The password from the environment variable the profile names, if any."""
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(f"profile {self.name!r} takes its password from ${self.password_env}, which is not set")
        return value


@dataclass(frozen=True)
class Config:
    path: Path | None
    default_profile: str
    profiles: dict[str, Profile]
    keymap: dict[str, str]
    # Said on stderr by the faces before they start (e.g. an open config file allowed).
    warnings: tuple[str, ...] = ()

    def profile(self, name: str | None = None) -> Profile:
        chosen = name or os.environ.get("DIDTUI_PROFILE") or self.default_profile
        if chosen not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            where = f" in {self.path}" if self.path else ""
            raise ConfigError(f"unknown profile {chosen!r}{where}: known profiles are {known}")
        return self.profiles[chosen]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): history still needs an actor
        return "unknown"


_SECRET_PARAMS = ("password", "passwd")
ALLOW_OPEN_CONFIG = "DIDTUI_ALLOW_OPEN_CONFIG"


def _split_userinfo(url: str) -> tuple[str, str | None, str | None, str]:
    """(scheme, user, password, the URL without them), raw (still percent-encoded).

    The user info runs to the LAST `@`, so a password may hold raw `@ : / ? #`; the user
    ends at the first `:`. An `@` after the host (in a query value) is read as such when
    the URL has no password; with one, write it %40.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, _, rest = url.partition(":")
    if scheme == "sqlite" or "@" not in rest:
        return scheme, None, None, f"{scheme}://{rest}"
    userinfo, _, hostpart = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if any(ch in user for ch in "/?#"):
        # That @ lies after the host (in the path or a query value): the user info, if
        # any, is the usual one, before the first / ? or #.
        end = min((i for i in (rest.find(ch) for ch in "/?#") if i >= 0), default=len(rest))
        if "@" not in rest[:end]:
            return scheme, None, None, f"{scheme}://{rest}"
        userinfo, _, host = rest[:end].rpartition("@")
        user, colon, password = userinfo.partition(":")
        hostpart = host + rest[end:]
    return scheme, user, (password if colon else None), f"{scheme}://{hostpart}"


def mask_url(url: str) -> str:
    """The URL with any password (everything between `user:` and the last `@`, or a
    ?password= parameter, which the driver also accepts) replaced by ***, safe to print.
    Works on URLs that do not parse, too."""
    scheme, user, password, bare = _split_userinfo(url)
    head, qmark, query = bare.partition("?")
    if query:
        pairs = [pair.partition("=") for pair in query.split("&")]
        query = "&".join(
            f"{key}{eq}***" if key.lower() in _SECRET_PARAMS and eq else f"{key}{eq}{value}" for key, eq, value in pairs
        )
    userinfo = "" if user is None else user + (":***" if password is not None else "") + "@"
    return f"{scheme}://{userinfo}{head[len(scheme) + 3 :]}{qmark}{query}"


def connect_params(url: str) -> dict[str, Any]:
    """The driver's keyword arguments for a database URL (user, password, host, port,
    database, and the query's options), or ConfigError saying what cannot be read.

    Unlike playhouse's parser, a password may hold raw `@ : / ? #` (see `_split_userinfo`),
    and a MySQL password stays `password` (peewee renames it `passwd`, which PyMySQL 1.2
    deprecates).
    """
    if "://" not in url:
        raise ConfigError(f"database URL {mask_url(url)!r}: write it as scheme://user@host:port/database")
    scheme, user, password, bare = _split_userinfo(url)
    if scheme != "sqlite":
        problem = _unusable_rest(bare)
        if problem:
            raise ConfigError(f"database URL {mask_url(url)!r}: {problem}")
    params = _url_parts(bare)
    if "passwd" in params:
        params["password"] = params.pop("passwd")
    if user:
        params["user"] = unquote(user)
    if password:
        params["password"] = unquote(password)
    return params


def _url_parts(bare: str) -> dict[str, Any]:
    """database, host, port and the query's options, as playhouse.db_url reads them
    (not imported here: importing peewee loads every driver, which launch.py avoids)."""
    parts = urlsplit(bare)
    params: dict[str, Any] = {"database": parts.path[1:]}
    if parts.scheme == "sqlite" and not params["database"]:
        params["database"] = ":memory:"
    if parts.hostname:
        params["host"] = parts.hostname
    if parts.port:
        params["port"] = parts.port
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        params[key] = _option(value)
    return params


def _option(value: str) -> Any:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if value.isdigit():
        return int(value)
    if "." in value and all(p.isdigit() for p in value.split(".", 1)):
        return float(value)
    return None if lowered in ("null", "none") else value


def _unusable_rest(bare: str) -> str | None:
    """Why the URL after its user info cannot be a server address, or None."""
    try:
        parts = urlsplit(bare)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"cannot be read after the user name ({exc})"
    if parts.fragment or bare.endswith("#"):
        return "a # after the host: percent-encode it as %23"
    return None


def url_has_password(url: str) -> bool:
    """Whether the URL itself holds a password (user info or a ?password= option)."""
    _, _, password, bare = _split_userinfo(url)
    query = bare.partition("?")[2]
    keys = {pair.partition("=")[0].lower() for pair in query.split("&")} if query else set()
    return bool(password) or bool(keys & set(_SECRET_PARAMS))


def open_to_others(path: Path) -> int | None:
    """The file's permission bits when group or others may read it (POSIX), else None."""
    if os.name != "posix":
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    return mode if mode & (stat.S_IRGRP | stat.S_IROTH) else None


def _check_open_secrets(config: Config) -> Config:
    """Refuse (or, with $DIDTUI_ALLOW_OPEN_CONFIG=1, warn about) a config file that others
    can read while it holds a password in a URL, as ssh does for an open private key."""
    path = config.path
    holders = [p.name for p in config.profiles.values() if url_has_password(p.database)]
    if path is None or not holders:
        return config
    mode = open_to_others(path)
    if mode is None:
        return config
    what = (
        f"{path} holds a password (profile {', '.join(repr(h) for h in holders)}) and is readable by "
        f"{'others' if mode & stat.S_IROTH else 'its group'} (mode {mode:04o})"
    )
    if os.environ.get(ALLOW_OPEN_CONFIG) == "1":
        warning = f"warning: {what}: run `chmod 600 {path}`"
        return Config(config.path, config.default_profile, config.profiles, config.keymap, (*config.warnings, warning))
    raise ConfigError(
        f"{what}: run `chmod 600 {path}`, or move the password to password_env; {ALLOW_OPEN_CONFIG}=1 uses it anyway"
    )


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_sqlite_url() -> str:
    data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    return f"sqlite:///{data_dir / 'didtui.db'}"


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The file to read, or None when there is none (the embedded default applies)."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    env = os.environ.get("DIDTUI_CONFIG")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} (from $DIDTUI_CONFIG) does not exist")
        return path
    path = default_config_path()
    return path if path.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        local = Profile(name=DEFAULT_PROFILE, database=default_sqlite_url())
        return Config(None, DEFAULT_PROFILE, {DEFAULT_PROFILE: local}, {})
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "(at end of document)" in message:  # an unclosed string or array: say where it ends
            last = max(1, len(text.splitlines()))
            message = message.replace("(at end of document)", f"(at end of document, line {last})")
        raise ConfigError(f"{path}: not valid TOML: {message}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    return _check_open_secrets(parse_config(data, path))


def _flat_keymap(keymap: Any) -> Any:
    """`dids.new = "ctrl+n"` unquoted is TOML for {"dids": {"new": ...}}: the same binding
    id as the quoted `"dids.new" = ...`, so both spellings work."""
    if not isinstance(keymap, dict):
        return keymap
    flat: dict[str, Any] = {}
    for key, value in keymap.items():
        if isinstance(value, dict):
            for sub, inner in _flat_keymap(value).items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    _refuse_unknown(data, _TOP_KEYS, where)
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict) or not raw_profiles:
        raise ConfigError(f"{where}: no [profiles.NAME] table: define at least one profile")
    hooks = _parse_hooks(data.get("hooks", {}), Hooks(), f"{where}: [hooks]")
    profiles = {name: _parse_profile(name, table, where, hooks) for name, table in raw_profiles.items()}
    default = data.get("default_profile") or (DEFAULT_PROFILE if DEFAULT_PROFILE in profiles else next(iter(profiles)))
    if default not in profiles:
        raise ConfigError(f"{where}: default_profile {default!r} is not one of the profiles")
    keymap = _flat_keymap(data.get("keymap", {}))
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ConfigError(f'{where}: [keymap] maps binding ids to keys, e.g. quit = "ctrl+q"')
    return Config(path, default, profiles, dict(keymap))


def _parse_hooks(table: Any, base: Hooks, where: str) -> Hooks:
    """`[hooks]` over `base`: a key set here replaces the base's ("" turns a hook off)."""
    if not isinstance(table, dict):
        raise ConfigError(f'{where} must be a table, e.g. after_pick = "/usr/local/bin/notify --pick"')
    _refuse_unknown(table, set(HOOK_NAMES) | set(_HOOK_OPTIONS), where)
    commands = dict(base.commands)
    for name in HOOK_NAMES:
        if name not in table:
            continue
        value = table[name]
        if not isinstance(value, str):
            raise ConfigError(f'{where} {name} must be a command line in quotes, e.g. {name} = "notify-ops --json"')
        try:
            argv = tuple(shlex.split(value))
        except ValueError as exc:
            raise ConfigError(f"{where} {name}: {exc} (close the quote)") from None
        commands[name] = argv
    timeout = table.get("timeout", base.timeout)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 3600:
        raise ConfigError(f"{where} timeout must be a number of seconds from 0 to 3600, not {timeout!r}")
    max_dids = table.get("max_dids", base.max_dids)
    if not isinstance(max_dids, int) or isinstance(max_dids, bool) or not 0 <= max_dids <= 1_000_000:
        raise ConfigError(f"{where} max_dids must be a whole number from 0 to 1000000, not {max_dids!r}")
    kept = tuple((name, argv) for name, argv in commands.items() if argv)
    return Hooks(kept, float(timeout), max_dids)


def _parse_profile(name: str, table: Any, where: str, hooks: Hooks | None = None) -> Profile:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: profiles.{name} must be a table")
    _refuse_unknown(table, _PROFILE_KEYS, f"{where}: [profiles.{name}]")
    url = table.get("database")
    if not isinstance(url, str) or not url:
        raise ConfigError(f'{where}: [profiles.{name}] needs database = "sqlite:///path" (or postgresql://, mysql://)')
    if ":" not in url.split("/")[0]:  # a path, not a URL of some scheme
        suggestion = f"sqlite:///{url}"
        raise ConfigError(
            f"{where}: [profiles.{name}] database {url!r} is not a URL: for an SQLite file write "
            f'database = "{suggestion}" (or postgresql://, mysql://)'
        )
    scheme = _split_userinfo(url)[0]
    if scheme not in SCHEMES:
        raise ConfigError(
            f"{where}: [profiles.{name}] database {mask_url(url)!r}: unknown scheme {scheme!r}; "
            "use sqlite:///, postgresql:// or mysql://"
        )
    if scheme == "sqlite":
        url = _expand_sqlite(url, where, name)
    else:
        try:
            connect_params(url)
        except ConfigError as exc:
            raise ConfigError(f"{where}: [profiles.{name}] {exc}") from None
    options: dict[str, Any] = {"name": name, "database": url}
    types: dict[str, type | tuple[type, ...]] = {
        "password_env": str,
        "user": str,
        "hold_days": int,
        "sweep_interval": (int, float),
        "pool_size": int,
        "connect_timeout": (int, float),
        "busy_timeout": (int, float),
        "max_range": int,
        "reuse_after_days": int,
        "country": str,
        "number_format": str,
        "numbers": str,
    }
    for key, kind in types.items():
        if key in table:
            value = table[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError(f"{where}: [profiles.{name}] {key} has the wrong type ({value!r})")
            options[key] = value
    options["hooks"] = _parse_hooks(table.get("hooks", {}), hooks or Hooks(), f"{where}: [profiles.{name}.hooks]")
    if options.get("hold_days", 0) < 0:
        raise ConfigError(f"{where}: [profiles.{name}] hold_days cannot be negative")
    if not 0 <= options.get("reuse_after_days", 0) <= 3650:
        raise ConfigError(f"{where}: [profiles.{name}] reuse_after_days must be from 0 (off) to 3650")
    _check_numbering(options, f"{where}: [profiles.{name}]")
    return Profile(**options)


def _check_numbering(options: dict[str, Any], where: str) -> None:
    if "country" in options:
        country = options["country"].strip().upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(
                f'{where} country {options["country"]!r} is not an ISO 3166 country code: e.g. "US", "GB"'
            )
        options["country"] = country
    for key, allowed in (("number_format", NUMBER_FORMATS), ("numbers", NUMBER_LEVELS)):
        if key in options and options[key] not in allowed:
            raise ConfigError(f"{where} {key} {options[key]!r}: use one of {', '.join(allowed)}")


def _expand_sqlite(url: str, where: str, name: str) -> str:
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if not path:
        raise ConfigError(f"{where}: [profiles.{name}] sqlite URLs take three slashes: sqlite:///path/to/file.db")
    return "sqlite:///" + str(Path(path).expanduser())


def _refuse_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
