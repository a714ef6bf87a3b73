"""Type-check tests: programs with their expected mypy results written inline.

- `pass/`: must type-check clean with the plugin, and are executed (they really run).
- `fail/`: each expected error is written at the end of its line as `# E: [code] text`
  (`text` is a substring of the message); no other error may appear.
- `reveal/`: `reveal_type(x)  # R: <type>` (module prefixes dropped, `Const[Literal[3]]`
  written `Const[3]`) or `assert_type(...)`; no error may appear unless marked `# E:`.
- `noplugin/`: what plain typing promises, checked by mypy without the plugin (and by pyright
  when it runs here): `# E:` lines must be errors, `assert_type` must hold.

`# op: name` comments mark the cases of each registered op; `tests/test_plugin_coverage.py`
requires one in `pass/` and one in `fail/` for every op in the registry.

Run with `python -m typecheck_tests` (one mypy run per folder); `make typecheck-tests`. The
plugin's cost (mypy with it over mypy without it) is `python -m typecheck_tests.bench`.
"""
