"""Strict checks for everything a write takes from a person or a caller.

queries.writeback calls these before it touches the database, so a write holds on its own,
whatever the form in front of it did. Nothing is coerced: `True` is not account 1, `9.5` is not
account 9, the string "12" is not a list of ids. Each refusal is a `Rejected` whose message is
for the user; no other exception escapes for bad input.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

ACCOUNT_ID_MAX = 2**31 - 1  # accounts.account_id is an integer column
FLAG_ID_MAX = 2**63 - 1  # risk_flags.flag_id is a bigint
EMAIL_MAX = 320
CODE_MAX = 100

# C0 and C1 controls (and DEL), once carriage returns are made newlines: newline and tab are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Characters that show nothing on their own: controls, format characters (zero-width space and
# joiners, BOM), combining marks without a base, spaces, and letters that render blank.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}  # Hangul fillers, braille blank


class Rejected(ValueError):
    """Input that must not be written; the message is for the user."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def account_id(value) -> int:
    """An account id: a Python int (not bool, float, str or Decimal) in the column's range."""
    if not _is_int(value):
        raise Rejected("Pick an account: the one given is not an account id.")
    if not 1 <= value <= ACCOUNT_ID_MAX:
        raise Rejected("There is no account with that id.")  # not echoed: it may have thousands of digits
    return int(value)


def account_ids(value) -> list[int]:
    """A non-empty list or tuple of account ids; a repeated id counts once (order kept)."""
    if not isinstance(value, (list, tuple)):
        raise Rejected("Choose the accounts: the value given is not a list of account ids.")
    ids = list(dict.fromkeys(account_id(v) for v in value))
    if not ids:
        raise Rejected("Choose at least one account.")
    return ids


def _row_id(value, most: int, not_an_id: str, no_such_row: str) -> int:
    """A row id: a Python int (not bool, float, str or Decimal) from 1 to the column's `most`."""
    if not _is_int(value):
        raise Rejected(not_an_id)
    if not 1 <= value <= most:
        raise Rejected(no_such_row)
    return int(value)


def flag_id(value) -> int:
    """A risk flag id."""
    return _row_id(value, FLAG_ID_MAX, "Pick a risk flag.", "There is no such risk flag.")


def severity(value, levels: dict[int, str]) -> int:
    """One of the severity levels, as an int (not bool, float or str)."""
    if not _is_int(value) or value not in levels:
        named = [f"{level} ({label})" for level, label in levels.items()]
        raise Rejected(f"Severity must be {', '.join(named[:-1])} or {named[-1]}.")
    return int(value)


def _storable(value: str, what: str) -> str:
    """Refuse what the database cannot keep or a reader cannot see; newlines become "\\n"."""
    surrogate = _SURROGATE.search(value)
    if surrogate:
        raise Rejected(f"{what} contains a broken character (a lone surrogate, U+{ord(surrogate.group()):04X}), "
                       f"which cannot be stored. Type or paste the text again.")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL.search(value)
    if control:
        found = "a NUL character" if control.group() == "\x00" else f"a control character (U+{ord(control.group()):04X})"
        raise Rejected(f"{what} contains {found}, which cannot be stored.")
    return unicodedata.normalize("NFC", value)


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS


def text(value, what: str, limit: int, required: bool) -> str | None:
    """Free text, normalised: Unicode NFC, line breaks as "\\n", surrounding whitespace stripped.

    Control characters other than newline and tab (NUL included) and lone surrogates are refused,
    not stripped, so the writer sees what was wrong. Empty or whitespace-only text is "not given"
    (refused if required); text of only invisible characters (zero-width spaces, joiners, ...)
    is refused either way. The limit counts characters after normalisation.
    """
    if value is None:
        if required:
            raise Rejected(f"{what} is required.")
        return None
    if not isinstance(value, str):
        raise Rejected(f"{what} must be text.")
    value = _storable(value, what).strip()
    if not value:
        if required:
            raise Rejected(f"{what} is required.")
        return None
    if len(value) > limit:
        raise Rejected(f"{what} is too long: {len(value):,} characters, at most {limit:,}.")
    if not any(map(_visible, value)):
        raise Rejected(f"{what} has no visible characters (only spaces, zero-width or control characters).")
    return value


def email(value, refusal: str) -> str | None:
    """An email address as staff emails are matched and stored: stripped and lower-cased.
    None or blank is "not given"; anything but text is refused with `refusal`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejected(refusal)
    value = _storable(value, "The email address").strip().lower()
    if len(value) > EMAIL_MAX:
        raise Rejected(refusal)
    return value or None


def _shown(value) -> str:
    """A refused value, short enough to quote in a message."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def reason_codes(primary, codes, known: dict[str, object]) -> list[str]:
    """The tag's reason codes, primary first unless `codes` already lists it, each once.

    `known` maps every code to its retired_at (None while active). Codes are compared exactly,
    as they are stored: no trimming or case folding.
    """
    if primary is None or isinstance(primary, str) and primary == "":
        raise Rejected("Choose the primary reason.")
    if codes is None:
        codes = []
    if not isinstance(codes, (list, tuple)):
        raise Rejected("The reasons must be a list of reason codes.")
    not_text = [c for c in (primary, *codes) if not isinstance(c, str)]
    if not_text:
        raise Rejected("A reason code must be text: " + ", ".join(map(_shown, not_text)) + ".")
    codes = list(dict.fromkeys(codes if primary in codes else [primary, *codes]))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Rejected("Unknown churn reason: " + ", ".join(map(_shown, unknown)) + ".")
    retired = [c for c in codes if known[c] is not None]
    if retired:
        raise Rejected("Retired churn reason, no longer used for new tags: " + ", ".join(retired) + ".")
    return codes


def code(value) -> str:
    """A reason code to look up: text the database can take, compared exactly as given."""
    if value is None or isinstance(value, str) and value == "":
        raise Rejected("Choose the reason code to retire.")
    if not isinstance(value, str) or len(value) > CODE_MAX or _SURROGATE.search(value) or _CONTROL.search(value):
        raise Rejected(f"No active churn reason has the code {_shown(value)}.")
    return value


def earliest_due_date() -> dt.date:
    """Today, for everyone: the date where the day is youngest (UTC-12), so nobody's today is refused."""
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=12)).date()


def due_date(value) -> dt.date | None:
    """An optional follow-up date: a datetime.date (not a datetime or a string), not in the past."""
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise Rejected("The due date is not a date.")
    value = dt.date(value.year, value.month, value.day)
    if value < earliest_due_date():
        raise Rejected(f"The due date {value.isoformat()} is in the past: choose today or a later day.")
    return value


def submission_key(value) -> str | None:
    """A form's submission key (components.writeback_forms.Form's nonce): 16 to 64 ASCII letters
    and digits, or None for a write that is not from a form."""
    if value is None:
        return None
    if type(value) is not str or not 16 <= len(value) <= 64 or not value.isalnum() or not value.isascii():
        raise Rejected("This form's submission key is not valid; reload the page and submit again.")
    return value


def touch_kind(value, kinds: dict[str, str]) -> str:
    """One of the kinds of touch a CSM logs (definitions.TOUCH_KINDS)."""
    if not isinstance(value, str) or value not in kinds:
        raise Rejected("Choose what kind of touch it was: " + ", ".join(kinds.values()).lower() + ".")
    return value


def touch_day(value, backdate_days: int) -> dt.date:
    """The day a touch happened: a datetime.date, not in the future, at most `backdate_days` ago
    (older touches belong in the CRM's history)."""
    if type(value) is not dt.date:
        raise Rejected("The day of the touch is not a date.")
    today = dt.date.today()
    if value > today:
        raise Rejected("A touch is logged once it happened: the day is in the future.")
    if value < today - dt.timedelta(days=backdate_days):
        raise Rejected(f"A touch more than {backdate_days} days ago belongs in the CRM's history, not here.")
    return value


def health_weights(value, components: list[str]) -> dict[str, float]:
    """Proposed health-score weights: a dict giving every component of the warehouse's score
    (`components`) a weight between 0 and 1, as ints or floats (not bools, strings or NaN), adding
    up to 1 like the warehouse's own weights."""
    if not isinstance(value, dict):
        raise Rejected("The weights must name each health component and its weight.")
    unknown = [c for c in value if c not in components]
    if unknown:
        raise Rejected("Unknown health component: " + ", ".join(map(_shown, unknown)) + ".")
    missing = [c for c in components if c not in value]
    if missing:
        raise Rejected("Give every health component a weight (0 to leave it out): missing " + ", ".join(missing) + ".")
    weights = {}
    for component in components:
        w = value[component]
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
            raise Rejected(f"The weight of {component} is not a number.")
        if not 0 <= w <= 1:
            raise Rejected(f"The weight of {component} must lie between 0% and 100%.")
        weights[component] = float(w)
    total = sum(weights.values())
    if abs(total - 1) > 1e-6:
        raise Rejected(f"The weights add up to {total:.1%}; they must add up to 100%.")
    return weights


def choice(value, options, what: str) -> int:
    """One of a fixed set of whole-number options (a look-back in days, a span in quarters)."""
    if not _is_int(value) or value not in options:
        raise Rejected(f"{what} must be one of " + ", ".join(map(str, options)) + ".")
    return int(value)


RENEWAL_ID_MAX = 2**31 - 1  # renewals.renewal_id is an integer column


def renewal_id(value) -> int:
    """A renewal id."""
    return _row_id(value, RENEWAL_ID_MAX, "Pick a renewal: the one given is not a renewal id.",
                   "There is no renewal with that id.")


def forecast_category(value, categories: dict[str, str]) -> str:
    """One of the forecast categories a CSM records (labels.CSM_FORECASTS), compared exactly."""
    if not isinstance(value, str) or value not in categories:
        named = [label.lower() for label in categories.values()]
        raise Rejected(f"Choose the forecast category: {', '.join(named[:-1])} or {named[-1]}.")
    return value


def dollars(value, what: str, most: float) -> float:
    """An amount of dollars: an int or float (not bool, str or Decimal), finite, from 0 to `most`,
    kept to the cent."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Rejected(f"{what} must be a number of dollars.")
    if value != value or value in (float("inf"), float("-inf")):
        raise Rejected(f"{what} must be a number of dollars.")
    if value < 0:
        raise Rejected(f"{what} cannot be negative: enter 0 for a renewal expected to churn.")
    if value > most:
        raise Rejected(f"{what} is more than ${most:,.0f}: check the number.")
    return round(float(value), 2)
