"""Every op of shapedl, one module per op family; `REGISTRY` holds their shape rules."""

# NOTE: the modules dropout, einsum, embedding, fmod, linear, matmul, meshgrid, pad, softmax and
# sort are not bound here: their functions of the same name (from the star imports) are
# `sd.ops.matmul` and so on.
from shapedl.ops import (
    activation,
    attention,
    compare,
    conv,
    creation,
    diagonals,
    elementwise,
    index,
    join,
    like,
    linalg,
    logic,
    mask,
    movement,
    nanreduce,
    pool,
    pool1d,
    predicates,
    products,
    rearrange,
    reduce,
    resample,
    rounding,
    sampling,
    scan,
    scatter,
    search,
    segment,
    unary,
)
from shapedl.ops.activation import *  # noqa: F403
from shapedl.ops.attention import *  # noqa: F403
from shapedl.ops.compare import *  # noqa: F403
from shapedl.ops.conv import *  # noqa: F403
from shapedl.ops.creation import *  # noqa: F403
from shapedl.ops.diagonals import *  # noqa: F403
from shapedl.ops.dropout import *  # noqa: F403
from shapedl.ops.einsum import *  # noqa: F403
from shapedl.ops.elementwise import *  # noqa: F403
from shapedl.ops.embedding import *  # noqa: F403
from shapedl.ops.fmod import *  # noqa: F403
from shapedl.ops.index import *  # noqa: F403
from shapedl.ops.join import *  # noqa: F403
from shapedl.ops.like import *  # noqa: F403
from shapedl.ops.linear import *  # noqa: F403
from shapedl.ops.logic import *  # noqa: F403
from shapedl.ops.mask import *  # noqa: F403
from shapedl.ops.mask import nonzero as argwhere
from shapedl.ops.matmul import *  # noqa: F403
from shapedl.ops.meshgrid import *  # noqa: F403
from shapedl.ops.movement import *  # noqa: F403
from shapedl.ops.movement import movedim as moveaxis
from shapedl.ops.movement import transpose as swapaxes
from shapedl.ops.movement import transpose as swapdims
from shapedl.ops.nanreduce import *  # noqa: F403
from shapedl.ops.norm import *  # noqa: F403
from shapedl.ops.normalize import *  # noqa: F403
from shapedl.ops.pad import *  # noqa: F403
from shapedl.ops.pool import *  # noqa: F403
from shapedl.ops.pool1d import *  # noqa: F403
from shapedl.ops.predicates import *  # noqa: F403
from shapedl.ops.products import *  # noqa: F403
from shapedl.ops.rearrange import *  # noqa: F403
from shapedl.ops.rearrange import repeat as repeat_interleave
from shapedl.ops.reduce import *  # noqa: F403
from shapedl.ops.reduce import max as amax
from shapedl.ops.reduce import min as amin
from shapedl.ops.registry import REGISTRY, OpSpec, register
from shapedl.ops.resample import *  # noqa: F403
from shapedl.ops.rounding import *  # noqa: F403
from shapedl.ops.sampling import *  # noqa: F403
from shapedl.ops.scan import *  # noqa: F403
from shapedl.ops.scatter import *  # noqa: F403
from shapedl.ops.search import *  # noqa: F403
from shapedl.ops.segment import *  # noqa: F403
from shapedl.ops.softmax import *  # noqa: F403
from shapedl.ops.sort import *  # noqa: F403
from shapedl.ops.unary import *  # noqa: F403

# NOTE: last, so that `sd.ops.norm` is the vector norm: importing the module shapedl.ops.norm
# (layer_norm, batch_norm) above bound the name `norm` to that module; reach that module with
# `from shapedl.ops.norm import ...` (`import shapedl.ops.norm as m` gives the function). The
# same for `sd.ops.normalize`, PyTorch's `F.normalize`, beside the module shapedl.ops.normalize
# isort: off
from shapedl.ops.linalg import norm
from shapedl.ops.normalize import normalize
# isort: on

__all__ = [
    "REGISTRY",
    "OpSpec",
    "register",
    "amax",
    "amin",
    "repeat_interleave",
    "moveaxis",
    "swapaxes",
    "swapdims",
    "argwhere",
    "activation",
    "attention",
    "compare",
    "conv",
    "creation",
    "diagonals",
    "elementwise",
    "index",
    "join",
    "like",
    "linalg",
    "logic",
    "mask",
    "movement",
    "nanreduce",
    "norm",
    "normalize",
    "pool",
    "pool1d",
    "predicates",
    "products",
    "rearrange",
    "reduce",
    "resample",
    "rounding",
    "sampling",
    "scan",
    "scatter",
    "search",
    "segment",
    "unary",
]
