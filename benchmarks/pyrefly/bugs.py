"""Twelve shape bugs, each a one-line textual patch planted alone in both GPT files.

Each is a slip a user makes: a wrong argument in a head split, a forgotten transpose, a
mask of the wrong length, a loss fed the wrong batch. Where the two spellings differ, the
patch is given for each file; otherwise one patch serves both. `compare.py` applies them.
`PROBES` are variants outside the twelve, tabled apart: each tests one reading of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

# (old, new): `old` must occur exactly once in the file
Patch = tuple[str, str]


@dataclass(frozen=True)
class Bug:
    key: str
    what: str
    shapedl: Patch
    torch: Patch


def same(old: str, new: str) -> tuple[Patch, Patch]:
    return (old, new), (old, new)


BUGS: list[Bug] = [
    Bug(
        "head-split",
        "query split into `heads` heads of width `heads` (not `head_width`)",
        *same(
            "q = self.query(x).reshape((b, t, self.heads, self.head_width))",
            "q = self.query(x).reshape((b, t, self.heads, self.heads))",
        ),
    ),
    Bug(
        "matmul-untransposed",
        "`q @ k`: the keys are not transposed",
        *same("scores = (q @ k.transpose(2, 3))", "scores = (q @ k)"),
    ),
    Bug(
        "transpose-axes",
        "`k.transpose(1, 3)` for `k.transpose(2, 3)`",
        *same("scores = (q @ k.transpose(2, 3))", "scores = (q @ k.transpose(1, 3))"),
    ),
    Bug(
        "mask-length",
        "causal mask cropped to `(t, b)` instead of `(t, t)`",
        *same("future = self.mask[:t, :t]", "future = self.mask[:t, :b]"),
    ),
    Bug(
        "mask-uncropped",
        "the `(context, context)` mask used whole, not cropped to the sequence",
        *same("future = self.mask[:t, :t]", "future = self.mask"),
    ),
    Bug(
        "merge-heads",
        "heads merged back to width `head_width` instead of `d`",
        *same(
            ".transpose(1, 2).reshape((b, t, d))",
            ".transpose(1, 2).reshape((b, t, self.head_width))",
        ),
    ),
    Bug(
        "mlp-width",
        "MLP widens to `4 * width` but narrows from `3 * width`",
        *same("Linear(4 * width, width))", "Linear(3 * width, width))"),
    ),
    Bug(
        "layernorm-width",
        "second LayerNorm built over `4 * width`",
        *same("self.ln2 = LayerNorm(width)", "self.ln2 = LayerNorm(4 * width)"),
    ),
    Bug(
        "positions-over-batch",
        "position indices `arange(b)` instead of `arange(t)`",
        ("sd.arange(t, dtype=i64)", "sd.arange(b, dtype=i64)"),
        ("torch.arange(t, dtype=torch.int64)", "torch.arange(b, dtype=torch.int64)"),
    ),
    Bug(
        "head-vocab",
        "output head sized by the context instead of the vocabulary",
        *same("Linear(width, vocab)", "Linear(width, context)"),
    ),
    Bug(
        "loss-batch",
        "targets of batch 3 given with inputs of batch 2",
        ("targets = sd.zeros((2, 5), dtype=i64)", "targets = sd.zeros((3, 5), dtype=i64)"),
        (
            "targets = torch.zeros((2, 5), dtype=torch.int64)",
            "targets = torch.zeros((3, 5), dtype=torch.int64)",
        ),
    ),
    Bug(
        "literal-construction",
        "model declared with vocabulary 11 but built with 12",
        (
            "= GPT(11, 8, 2, 4)",
            "= GPT(12, 8, 2, 4)",
        ),
        ("= GPT(11, 8, 2, 4)", "= GPT(12, 8, 2, 4)"),
    ),
]

PROBES: list[Bug] = [
    Bug(
        "head-split-value",
        "bug 1 in the values: a wrong symbolic reshape whose result is reshaped back",
        *same(
            "v = self.value(x).reshape((b, t, self.heads, self.head_width))",
            "v = self.value(x).reshape((b, t, self.heads, self.heads))",
        ),
    ),
]
