"""Brazilian places: the states (UFs) an address, an organization or a profile may name."""

from __future__ import annotations

# The 26 states and the Federal District, by their two-letter codes (IBGE).
BRAZILIAN_STATES = (
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR", "PE", "PI", "RJ",
    "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
)  # fmt: skip


def is_state(value: str) -> bool:
    """A UF in any case ("sp" is São Paulo); the empty string is "not given" and is checked by the caller."""
    return value.strip().upper() in BRAZILIAN_STATES
