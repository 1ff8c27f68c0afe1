class Rejected(Exception):
    """An operation that is not allowed or not valid. Nothing was changed.

    code is stable and machine-readable (documented in docs/realtime.md); message names what
    is wrong in words a person understands.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_ack(self) -> dict:
        return {"ok": False, "error": {"code": self.code, "message": self.message}}


    @classmethod
    def internal(cls) -> "Rejected":
        """A fault on the server's side (logged where it happened); the op changed nothing."""
        return cls("internal", "Something went wrong on the server; nothing was changed.")
