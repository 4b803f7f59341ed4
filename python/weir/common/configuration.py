"""Configuration, as PyFlink's pyflink.common.Configuration: string keys and values."""

from __future__ import annotations

from typing import Callable, Dict, Optional


class Configuration:
    """Key/value settings. A configuration taken from a TableEnvironment
    (``t_env.get_config().get_configuration()``) applies every change to it, and a
    key or value the engine does not accept raises UserError."""

    def __init__(self, other: "Configuration | None" = None,
                 _apply: Optional[Callable[[str, str], None]] = None) -> None:
        self._values: Dict[str, str] = dict(other._values) if other else {}
        self._apply = _apply

    def set_string(self, key: str, value: str) -> "Configuration":
        """Sets `key` to `value`."""
        value = str(value)
        if self._apply is not None:
            self._apply(key, value)
        self._values[key] = value
        return self

    def get_string(self, key: str, default_value: str = "") -> str:
        """Returns the value of `key`, or `default_value`."""
        return self._values.get(key, default_value)

    def set_integer(self, key: str, value: int) -> "Configuration":
        """Sets `key` to an integer."""
        return self.set_string(key, str(int(value)))

    def get_integer(self, key: str, default_value: int = 0) -> int:
        """Returns `key` as an integer, or `default_value`."""
        return int(self._values[key]) if key in self._values else default_value

    def set_boolean(self, key: str, value: bool) -> "Configuration":
        """Sets `key` to true or false."""
        return self.set_string(key, "true" if value else "false")

    def get_boolean(self, key: str, default_value: bool = False) -> bool:
        """Returns `key` as a boolean, or `default_value`."""
        if key not in self._values:
            return default_value
        return self._values[key].lower() == "true"

    def set(self, key: str, value: object) -> "Configuration":
        """Sets `key` (booleans as true/false)."""
        if isinstance(value, bool):
            return self.set_boolean(key, value)
        return self.set_string(key, str(value))

    def get(self, key: str, default_value: object = None) -> object:
        """Returns the value of `key`, or `default_value`."""
        return self._values.get(key, default_value)

    def contains_key(self, key: str) -> bool:
        """Whether `key` is set."""
        return key in self._values

    def key_set(self) -> set:
        """Returns the keys set."""
        return set(self._values)

    def to_dict(self) -> Dict[str, str]:
        """Returns the settings as a dict."""
        return dict(self._values)

    def add_all(self, other: "Configuration") -> "Configuration":
        """Sets every key of `other`."""
        for key, value in other._values.items():
            self.set_string(key, value)
        return self
