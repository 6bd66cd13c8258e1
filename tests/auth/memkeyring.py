"""An in-memory keyring backend for the keyring-store tests."""
from __future__ import annotations


class MemoryKeyring:
    """An in-memory keyring with the `keyring` package's three methods."""

    def __init__(self, fail: str | None = None):
        self.items: dict[tuple[str, str], str] = {}
        self.fail = fail

    def _check(self):
        if self.fail:
            raise RuntimeError(self.fail)

    def get_password(self, service, account):
        self._check()
        return self.items.get((service, account))

    def set_password(self, service, account, value):
        self._check()
        self.items[(service, account)] = value

    def delete_password(self, service, account):
        self._check()
        if (service, account) not in self.items:
            from keyring.errors import PasswordDeleteError

            raise PasswordDeleteError("not found")
        del self.items[(service, account)]
