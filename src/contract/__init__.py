"""The sender document contract: the JSON Schema and the functions that apply it."""

from contract.validation import (
    SCHEMA_VERSION,
    SUPPORTED_MAJOR,
    ContractError,
    ContractViolation,
    iter_violations,
    load_schema,
    validate_document,
    validator,
)

__all__ = [
    "SCHEMA_VERSION",
    "SUPPORTED_MAJOR",
    "ContractError",
    "ContractViolation",
    "iter_violations",
    "load_schema",
    "validate_document",
    "validator",
]
