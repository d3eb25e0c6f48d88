"""What each role may see: roles are given with `monitor users add --role`.

- slt: sees and acts on every alert; the details of safeguarding matters are withheld.
- dsl: the same, and safeguarding details in full (quote, link, author, summary).
- admin: the same as slt, and source health and the users. An IT administrator is not given
  safeguarding details: they are shared on a need-to-know basis (KCSIE), with the DSL.

Safeguarding matters are alerts of the `safeguarding` and `extremism` (Prevent) rules, and
every other alert about a mention that one of those is about (its summary may quote it).
"""

from __future__ import annotations

from monitor.model import Role

DSL_RULES = ("safeguarding", "extremism")
WITHHELD = "Safeguarding details are shown to the Designated Safeguarding Lead only."


def sees_safeguarding(role: Role) -> bool:
    """True for the role that reads safeguarding details in full."""
    return role is Role.DSL


def sees_admin(role: Role) -> bool:
    """True for the role that sees source health and the users."""
    return role is Role.ADMIN
