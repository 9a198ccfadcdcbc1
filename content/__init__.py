"""Steady's words, as data: the YAML files beside this module, and the loader that checks them.

`load()` runs once at start-up and raises ContentError (file, key, problem) for anything
wrong, so a bad edit stops the service before it can send a broken text.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.content import FILES, Content, ContentError, build

HERE = Path(__file__).resolve().parent


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: object, line: int, first_line: int):
        self.key, self.line, self.first_line = key, line, first_line
        super().__init__(f"duplicate key {key!r}")


class ContentLoader(yaml.SafeLoader):
    """A SafeLoader for words: every plain value stays text, and a key may appear once.

    Plain YAML would turn `on`, `off`, `yes`, `no` into booleans and `988` into a number,
    and would let a second `help:` silently replace the first.
    """

    yaml_implicit_resolvers: dict = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first_line: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in first_line:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1, first_line[key])
                first_line[key] = key_node.start_mark.line + 1
            except TypeError:
                pass  # an unhashable key: let SafeLoader report it
        return super().construct_mapping(node, deep=deep)



def parse(path: Path) -> object:
    """One file's data. Raises ContentError naming the file for a missing file or bad YAML."""
    name = path.name
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(name, "(file)", f"not found in {path.parent}") from None
    except UnicodeDecodeError as exc:
        raise ContentError(name, "(file)", f"not UTF-8 text (byte {exc.start + 1})") from None
    try:
        return yaml.load(source, Loader=ContentLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ContentError(name, str(exc.key),
                           f"appears twice (lines {exc.first_line} and {exc.line}); keep one") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(name, where, f"not valid YAML: {problem}") from None


def load(directory: str | Path | None = None) -> Content:
    """Read and validate every content file in `directory` (default: this package's folder)."""
    folder = Path(directory) if directory is not None else HERE
    return build({name: parse(folder / name) for name in FILES})
