"""The refusal of protocol work that a person reads (service.py, images.py)."""

from __future__ import annotations


class ProtocolError(Exception):
    """A refusal a person sees: `message` is a German msgid (N_), translated where it is shown."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params

    def __reduce__(self):  # as itself out of a job worker (protocols/images.py)
        return _protocol_error, (type(self), self.message, self.params)


def _protocol_error(cls, message: str, params: dict) -> ProtocolError:
    return cls(message, **params)
