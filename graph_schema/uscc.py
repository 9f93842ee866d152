"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character."""

from __future__ import annotations

from operator import mul

__all__ = ["USCC_ALPHABET", "USCC_WEIGHTS", "is_valid_uscc", "uscc_check_char"]

#: The 31 characters a code may use: digits and capitals without I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
#: The weights of the first 17 characters' values in the sum the check character completes.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_WEIGHTS = USCC_WEIGHTS


def uscc_check_char(first17: str) -> str:
    """The 18th character that the standard derives from the first 17.

    Examples
    --------
    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` has 18 allowed characters and the right check character.

    (What :func:`uscc_check_char` computes, in one pass: a load checks a code per enterprise.)
    """
    if len(code) != 18 or code[17] not in _VALUE:
        return False
    try:
        total = sum(map(mul, map(_VALUE.__getitem__, code[:17]), _WEIGHTS))
    except KeyError:  # a character outside the alphabet
        return False
    return USCC_ALPHABET[-total % 31] == code[17]
