"""Check digits of the identifiers we mask: they turn "a long number" into "a card number".

A 16-digit order number and a card number look alike; Luhn tells them apart nine times in ten. The same holds
for IBAN (ISO 13616 mod 97), the Russian INN (ФНС weights, 10 and 12 digits), the Ukrainian РНОКПП/ІПН and the
Russian СНИЛС. Every function takes the bare digits (or characters, for IBAN) and never raises.
"""

from __future__ import annotations

__all__ = ["iban_ok", "inn_ok", "luhn_ok", "snils_ok", "ua_tax_id_ok"]

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_UA_TAX = (-1, 5, 7, 9, 4, 6, 10, 5, 7)


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def inn_ok(digits: str) -> bool:
    """Russian INN: 10 digits (an organisation) or 12 (a person), with their check digits."""
    if not digits.isdigit():
        return False
    if len(digits) == 10:
        return _weighted(digits, _INN10) == int(digits[9])
    if len(digits) == 12:
        return _weighted(digits, _INN11) == int(digits[10]) and _weighted(digits, _INN12) == int(digits[11])
    return False


def ua_tax_id_ok(digits: str) -> bool:
    """Ukrainian РНОКПП (ІПН), 10 digits."""
    return len(digits) == 10 and digits.isdigit() and _weighted(digits, _UA_TAX) == int(digits[9])


def snils_ok(digits: str) -> bool:
    """Russian СНИЛС, 11 digits: the first nine weighted 9..1, the sum mod 101 is the last two."""
    if len(digits) != 11 or not digits.isdigit() or int(digits[:9]) <= 1001998:
        return False  # numbers up to 001-001-998 carry no check digits: too weak to call them SNILS
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return check == int(digits[9:])


def iban_ok(value: str) -> bool:
    """IBAN: two letters, two check digits, 11 to 30 letters or digits; mod 97 of the rearranged number is 1."""
    compact = value.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    if not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1
