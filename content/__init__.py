"""Steady's words, as data: the YAML files beside this module, and the loader that checks them.

`load()` runs once at start-up and raises ContentError (file, key, problem) for anything
wrong, so a bad edit stops the service before it can send a broken text.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.content import FILES, LANGUAGES, TRANSLATED_FILES, Content, ContentError, build

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



def parse(path: Path, name: str | None = None) -> object:
    """One file's data. Raises ContentError naming the file for a missing file or bad YAML."""
    name = name or path.name
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


_CONTENT_CACHE: dict[tuple, Content] = {}


def _stamp(path: Path) -> tuple:
    try:
        found = path.stat()
    except OSError:
        return (str(path), None)              # missing: parse says so, naming the file
    return (str(path), found.st_size, found.st_mtime_ns)


def load(directory: str | Path | None = None, *, examples: bool = True) -> Content:
    """Read and validate every content file in `directory` (default: this package's folder),
    with the labelled examples in its examples/ folder (unless examples=False).

    Kept in memory by the files' names, sizes and modification times, as the examples
    are, so a process that builds several apps (tests, the CLI) reads them once; an
    edited file is read again. Content is frozen, so one copy can serve every app.
    """
    from dataclasses import replace

    folder = Path(directory) if directory is not None else HERE
    others = [language for language in LANGUAGES if language != "en"]
    stamp = tuple(_stamp(folder / name) for name in FILES) + tuple(
        _stamp(folder / language / name) for language in others for name in TRANSLATED_FILES)
    loaded = _CONTENT_CACHE.get(stamp)
    if loaded is None:
        translations = {language: {name: parse(folder / language / name, f"{language}/{name}")
                                   for name in TRANSLATED_FILES} for language in others}
        loaded = build({name: parse(folder / name) for name in FILES}, translations)
        _CONTENT_CACHE[stamp] = loaded
    if examples and (folder / "examples").is_dir():
        corpus = load_examples(folder / "examples")
        # Every language shares the examples: each is copied with them, and joined again.
        loaded = Content.joined(*(replace(loaded.in_language(language), examples=corpus)
                                  for language in loaded.languages))
    return loaded


EXAMPLES = HERE / "examples"


def _walk(node: yaml.Node, keys: tuple[str, ...], file: str):
    """Every scalar text under `node`, with the mapping keys above it and its line."""
    from flows.corpus import RawExample

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value in node.value:
            key = str(key_node.value)
            if key in seen:
                raise ContentError(file, f"line {key_node.start_mark.line + 1}", f"{key!r} appears twice; keep one")
            seen.add(key)
            yield from _walk(value, keys + (key,), file)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise ContentError(file, f"line {item.start_mark.line + 1}", "each example must be one text on one line")
            yield RawExample(file, item.start_mark.line + 1, keys, item.value)
    elif isinstance(node, yaml.ScalarNode) and node.value not in ("", "~", "null"):
        raise ContentError(file, f"line {node.start_mark.line + 1}", "expected a list of texts (lines starting with - )")


# Composing (not constructing) keeps every text a plain string with its line number;
# libyaml's composer, when PyYAML has it, reads the examples ten times faster.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EXAMPLES_CACHE: dict[tuple, object] = {}


def load_examples(directory: str | Path | None = None):
    """Read content/examples/*.yaml into a checked `flows.corpus.Corpus`.

    Kept in memory by the files' names, sizes and modification times, so a process that
    builds several apps (tests, the CLI) reads them once; an edited file is read again.
    """
    from flows import intents
    from flows.corpus import build_corpus

    folder = Path(directory) if directory is not None else EXAMPLES
    paths = sorted(folder.glob("*.yaml"))
    stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    cached = _EXAMPLES_CACHE.get(stamp)
    if cached is not None:
        return cached
    raws = []
    for path in paths:
        name = f"examples/{path.name}"
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_COMPOSER)
        except UnicodeDecodeError as exc:
            raise ContentError(name, "(file)", f"not UTF-8 text (byte {exc.start + 1})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "(file)"
            raise ContentError(name, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
        if node is not None:
            raws.extend(_walk(node, (), name))
    corpus = build_corpus(raws, required=intents.CLASSIFIED)
    _EXAMPLES_CACHE.clear()
    _EXAMPLES_CACHE[stamp] = corpus
    return corpus
