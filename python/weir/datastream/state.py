"""Keyed state for Python functions (PyFlink's pyflink.datastream.state):
descriptors and the Value/List/Map state a KeyedProcessFunction reads and writes
for its current key. The state lives in the Python operator of its subtask and is
part of checkpoints: pickled per key, under the key's key group."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple


class StateDescriptor:
    """Names a piece of keyed state."""

    def __init__(self, name: str, type_info: Any = None) -> None:
        self.name = name
        self.type_info = type_info


class ValueStateDescriptor(StateDescriptor):
    """One value per key."""


class ListStateDescriptor(StateDescriptor):
    """A list per key."""


class MapStateDescriptor(StateDescriptor):
    """A map per key."""

    def __init__(self, name: str, key_type_info: Any = None, value_type_info: Any = None):
        super().__init__(name, value_type_info)
        self.key_type_info = key_type_info


class KeyedStateStore:
    """Every state of one operator instance, by (state name, key)."""

    def __init__(self) -> None:
        self.values: Dict[Tuple[str, bytes], Any] = {}
        self.current_key: Optional[bytes] = None

    def slot(self, name: str) -> Tuple[str, bytes]:
        if self.current_key is None:
            raise RuntimeError("keyed state is read only while processing a keyed record "
                               "or timer")
        return (name, self.current_key)


class ValueState:
    """The value of the current key."""

    def __init__(self, store: KeyedStateStore, name: str) -> None:
        self._store, self._name = store, name

    def value(self) -> Any:
        return self._store.values.get(self._store.slot(self._name))

    def update(self, value: Any) -> None:
        self._store.values[self._store.slot(self._name)] = value

    def clear(self) -> None:
        self._store.values.pop(self._store.slot(self._name), None)


class ListState:
    """The list of the current key."""

    def __init__(self, store: KeyedStateStore, name: str) -> None:
        self._store, self._name = store, name

    def _list(self, create: bool = False) -> Optional[List[Any]]:
        slot = self._store.slot(self._name)
        if create:
            return self._store.values.setdefault(slot, [])
        return self._store.values.get(slot)

    def get(self) -> Iterable[Any]:
        return list(self._list() or [])

    def add(self, value: Any) -> None:
        self._list(True).append(value)

    def add_all(self, values: Iterable[Any]) -> None:
        self._list(True).extend(values)

    def update(self, values: Iterable[Any]) -> None:
        self._store.values[self._store.slot(self._name)] = list(values)

    def clear(self) -> None:
        self._store.values.pop(self._store.slot(self._name), None)


class MapState:
    """The map of the current key."""

    def __init__(self, store: KeyedStateStore, name: str) -> None:
        self._store, self._name = store, name

    def _map(self, create: bool = False) -> Dict[Any, Any]:
        slot = self._store.slot(self._name)
        if create:
            return self._store.values.setdefault(slot, {})
        return self._store.values.get(slot) or {}

    def get(self, key: Any) -> Any:
        return self._map().get(key)

    def put(self, key: Any, value: Any) -> None:
        self._map(True)[key] = value

    def put_all(self, items: Dict[Any, Any]) -> None:
        self._map(True).update(items)

    def remove(self, key: Any) -> None:
        self._map(True).pop(key, None)

    def contains(self, key: Any) -> bool:
        return key in self._map()

    def keys(self) -> Iterable[Any]:
        return list(self._map().keys())

    def values(self) -> Iterable[Any]:
        return list(self._map().values())

    def items(self) -> Iterable[Tuple[Any, Any]]:
        return list(self._map().items())

    def is_empty(self) -> bool:
        return not self._map()

    def clear(self) -> None:
        self._store.values.pop(self._store.slot(self._name), None)
