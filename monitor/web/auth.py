"""Sign-in by email: a known address is mailed a link and a short code.

    request(address, next)  → Requested: the nonce for the code form, and the mail to send
                              (None for an unknown address: the page says the same either way)
    by_link(token)          → SignedIn | Refused      the link's page POSTs this (never a GET:
                                                      mail scanners open every link)
    by_code(nonce, code)    → SignedIn | Refused      the code typed on the asking browser

The link's token, the nonce and the code are stored only as hashes (the code keyed by the
nonce, so the stored hash cannot be tried against a million codes without it). A link or code
signs in once, within 15 minutes; five wrong codes spend it. A user is mailed at most three
sign-ins in 15 minutes, whoever asks.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from monitor.config.settings import Config, EmailConfig
from monitor.mail import smtp
from monitor.mail.compose import HEADER_POLICY, header_text, new_message_id
from monitor.model import LoginToken
from monitor.web.sessions import Sessions, hash_token
from storage import login_tokens, users
from storage.database import Store, Transaction

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
MAILS_PER_USER = 3  # sign-in mails to one user in LINK_LIFETIME, however many ask
CODE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Requested:
    """What a sign-in request produced: the code form's nonce and the mail to send, if any."""

    nonce: str
    mail: EmailMessage | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: its cookie token, and where to go now."""

    token: str
    next_path: str


@dataclass(frozen=True, slots=True)
class Refused:
    """No sign-in; `reason` is shown on the page."""

    reason: str


EXPIRED = Refused(
    "This sign-in link or code has expired or has been used already. Ask for a new one."
)


def normalise(address: str) -> str:
    """An address as stored: trimmed, lower case."""
    return address.strip().lower()


def code_hash(nonce: str, code: str) -> str:
    """The stored form of a code: HMAC-SHA-256 keyed by the asking browser's nonce."""
    return hmac.new(nonce.encode(), code.encode(), hashlib.sha256).hexdigest()


class EmailSignIn:
    """Sign-in links and codes for the users in the store (call from a thread: they block)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        sessions: Sessions,
        clock: Callable[[], datetime],
    ) -> None:
        assert config.web is not None and config.email is not None
        self.email: EmailConfig = config.email
        self.base_url = config.web.base_url
        self.school = config.school.name
        self.store = store
        self.sessions = sessions
        self._clock = clock

    def request(self, address: str, next_path: str) -> Requested:
        """Start a sign-in for `address`; the mail is None unless the address is a user's."""
        nonce = secrets.token_urlsafe(24)
        now = self._clock()
        with self.store.transaction() as tx:
            login_tokens.delete_expired(tx, now)
            user = users.get_by_email(tx, normalise(address))
            if user is None:
                return Requested(nonce, None)
            if login_tokens.count_since(tx, user.id, now - LINK_LIFETIME) >= MAILS_PER_USER:
                log.warning(
                    "sign-in mail to user %d not sent: %d in 15 min", user.id, MAILS_PER_USER
                )
                return Requested(nonce, None)
            link = secrets.token_urlsafe(32)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            login_tokens.add(
                tx,
                user_id=user.id,
                link_hash=hash_token(link),
                pending_hash=hash_token(nonce),
                code_hash=code_hash(nonce, code),
                next_path=next_path,
                now=now,
                expires_at=now + LINK_LIFETIME,
            )
        return Requested(nonce, self.compose(user.email, link, code, now))

    def compose(self, to: str, link: str, code: str, now: datetime) -> EmailMessage:
        """The sign-in mail: the link, the code, and what to do if it was not you."""
        message = EmailMessage(policy=HEADER_POLICY)
        message["From"] = header_text(self.email.sender, 300)
        message["To"] = to
        message["Subject"] = header_text(f"Sign in to the {self.school} reputation monitor")
        message["Date"] = format_datetime(now)
        message["Message-ID"] = new_message_id(self.email.sender, "signin")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            f"To sign in to the {self.school} reputation monitor, open this link and press"
            f' "Sign in":\n\n{self.base_url}/login/{link}\n\n'
            f"Or type this code on the page where you asked to sign in: {code}\n\n"
            "The link and the code work once, for 15 minutes.\n"
            "If you did not ask to sign in, ignore this mail: nobody can sign in without it.\n"
        )
        return message

    def send(self, message: EmailMessage) -> None:
        """Hand the sign-in mail to the SMTP server; a failure is logged (without the link)."""
        try:
            smtp.send(self.email, message, [str(message["To"])])
        except smtp.SendError as error:
            log.error("sign-in mail not sent: %s", error)

    def link_usable(self, link: str) -> bool:
        """True when the link can still sign in (for the page it opens: a GET changes nothing)."""
        with self.store.transaction(read_only=True) as tx:
            found = login_tokens.by_link(tx, hash_token(link))
        return found is not None and self._live(found)

    def by_link(self, link: str) -> SignedIn | Refused:
        """Sign in with the mailed link's token."""
        with self.store.transaction() as tx:
            found = login_tokens.by_link(tx, hash_token(link))
            if found is None or not self._live(found):
                return EXPIRED
            return self._sign_in(tx, found)

    def by_code(self, nonce: str, code: str) -> SignedIn | Refused:
        """Sign in with the code typed in the browser that asked (its nonce)."""
        code = "".join(code.split())
        with self.store.transaction() as tx:
            found = login_tokens.by_pending(tx, hash_token(nonce))
            if found is None or not self._live(found):
                return EXPIRED
            if found.code_attempts >= CODE_ATTEMPTS:
                return EXPIRED
            if not hmac.compare_digest(found.code_hash, code_hash(nonce, code)):
                attempts = login_tokens.count_wrong_code(tx, found.id)
                if attempts >= CODE_ATTEMPTS:
                    return EXPIRED
                return Refused("That code is not the one we sent. Check the mail and try again.")
            return self._sign_in(tx, found)

    def _live(self, token: LoginToken) -> bool:
        return token.used_at is None and self._clock() < token.expires_at

    def _sign_in(self, tx: Transaction, token: LoginToken) -> SignedIn | Refused:
        if not login_tokens.claim(tx, token.id, self._clock()):
            return EXPIRED
        return SignedIn(self.sessions.start(tx, token.user_id), token.next_path)
