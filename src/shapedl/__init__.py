"""shapedl: tensors whose shapes are in their types, checked by mypy and at run time."""

from shapedl import checkpoint, data, losses, nn, ops, optim, train  # noqa: E402  (after the core)
from shapedl.device import Cpu, Cuda, Device, default_device, set_default_device
from shapedl.dims import DYN
from shapedl.errors import DTypeError, ShapeError, TapeError
from shapedl.graphs import CaptureError, Graphed, graphed
from shapedl.ops.compare import where
from shapedl.ops.creation import (
    arange,
    eye,
    from_numpy,
    full,
    linspace,
    ones,
    rand,
    randn,
    tensor,
    zeros,
)
from shapedl.ops.diagonals import diag, diagonal, trace
from shapedl.ops.einsum import einsum
from shapedl.ops.elementwise import abs as abs
from shapedl.ops.elementwise import (
    clamp,
    clamp_max,
    clamp_min,
    cos,
    exp,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)
from shapedl.ops.fmod import fmod
from shapedl.ops.index import gather
from shapedl.ops.join import chunk, concat, narrow, split, stack, unbind
from shapedl.ops.join import concat as cat
from shapedl.ops.like import clone, full_like, ones_like, rand_like, randn_like, zeros_like
from shapedl.ops.logic import logical_and, logical_not, logical_or, logical_xor
from shapedl.ops.mask import masked_fill, masked_select, nonzero, tril, triu
from shapedl.ops.mask import nonzero as argwhere
from shapedl.ops.matmul import bmm, dot, matmul, mm, mv
from shapedl.ops.meshgrid import meshgrid
from shapedl.ops.movement import (
    broadcast_to,
    flatten,
    movedim,
    permute,
    reshape,
    squeeze,
    transpose,
    unsqueeze,
)
from shapedl.ops.movement import movedim as moveaxis
from shapedl.ops.movement import transpose as swapaxes
from shapedl.ops.movement import transpose as swapdims
from shapedl.ops.nanreduce import nanmean, nansum
from shapedl.ops.pad import pad
from shapedl.ops.predicates import (
    allclose,
    count_nonzero,
    isclose,
    isfinite,
    isinf,
    isnan,
    nan_to_num,
)
from shapedl.ops.products import outer, prod
from shapedl.ops.rearrange import flip, repeat, roll, tile
from shapedl.ops.rearrange import repeat as repeat_interleave
from shapedl.ops.reduce import argmax, argmin, mean
from shapedl.ops.reduce import max as amax
from shapedl.ops.reduce import min as amin
from shapedl.ops.reduce import sum as sum
from shapedl.ops.rounding import ceil, floor, sign, trunc
from shapedl.ops.rounding import round as round
from shapedl.ops.sampling import multinomial, randint, randperm
from shapedl.ops.scan import cumprod, cumsum, diff
from shapedl.ops.scatter import scatter_add
from shapedl.ops.search import bucketize, searchsorted
from shapedl.ops.segment import bincount, index_add, scatter_reduce
from shapedl.ops.softmax import log_softmax, softmax
from shapedl.ops.sort import argsort, sort, topk
from shapedl.ops.unary import (
    acos,
    asin,
    atan,
    atan2,
    cosh,
    erf,
    expm1,
    lerp,
    log1p,
    log2,
    log10,
    logaddexp,
    rsqrt,
    sinh,
    tan,
)
from shapedl.tape import Gradients, no_grad
from shapedl.tensor import Tensor
from shapedl.types import (
    Add,
    Const,
    Dim,
    DType,
    Dyn,
    FloorDiv,
    Mul,
    NoTape,
    Rank0,
    Rank1,
    Rank2,
    Rank3,
    Rank4,
    Rank5,
    Rank6,
    Size,
    Sub,
    Tape,
    Traced,
    bf16,
    bool_,
    f16,
    f32,
    f64,
    i32,
    i64,
)

__version__ = "0.1.0"

__all__ = [
    "DYN",
    "Add",
    "CaptureError",
    "Graphed",
    "graphed",
    "Const",
    "Cpu",
    "Cuda",
    "DType",
    "DTypeError",
    "Device",
    "Dim",
    "Dyn",
    "FloorDiv",
    "Gradients",
    "Mul",
    "NoTape",
    "Rank0",
    "Rank1",
    "Rank2",
    "Rank3",
    "Rank4",
    "Rank5",
    "Rank6",
    "ShapeError",
    "Size",
    "Sub",
    "Tape",
    "TapeError",
    "Tensor",
    "Traced",
    "arange",
    "bf16",
    "bool_",
    "default_device",
    "eye",
    "f16",
    "f32",
    "f64",
    "from_numpy",
    "full",
    "no_grad",
    "i32",
    "i64",
    "ones",
    "ops",
    "nn",
    "optim",
    "losses",
    "train",
    "data",
    "checkpoint",
    "rand",
    "randn",
    "set_default_device",
    "tensor",
    "zeros",
    # NOTE: the functions users look for at the top level (`torch.cat`, `np.where`): the same
    # objects as in `sd.ops`, so the plugin's hooks apply to both spellings. `sd.abs` and
    # `sd.sum` are re-exported above but not listed, so `from shapedl import *` keeps builtins
    "clamp",
    "cos",
    "exp",
    "log",
    "maximum",
    "minimum",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "gather",
    "chunk",
    "concat",
    "split",
    "stack",
    "cat",
    "masked_fill",
    "tril",
    "triu",
    "matmul",
    "broadcast_to",
    "flatten",
    "permute",
    "reshape",
    "squeeze",
    "transpose",
    "unsqueeze",
    "pad",
    "argmax",
    "argmin",
    "mean",
    "log_softmax",
    "softmax",
    "where",
    "einsum",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "flip",
    "repeat",
    "roll",
    "tile",
    "cumprod",
    "cumsum",
    "scatter_add",
    "argsort",
    "sort",
    "topk",
    # ---- ops of branch ops: elementwise math, tests of values, products, creation, draws
    "acos",
    "asin",
    "atan",
    "atan2",
    "ceil",
    "clone",
    "cosh",
    "count_nonzero",
    "erf",
    "expm1",
    "floor",
    "full_like",
    "isfinite",
    "isinf",
    "isnan",
    "linspace",
    "log10",
    "log1p",
    "log2",
    "multinomial",
    "nan_to_num",
    "ones_like",
    "outer",
    "prod",
    "rand_like",
    "randint",
    "randn_like",
    "rsqrt",
    "sign",
    "sinh",
    "trunc",
    "zeros_like",
    # ---- PyTorch's names users port (ops of branch breadth)
    "amax",
    "amin",
    "clamp_max",
    "clamp_min",
    "diff",
    "lerp",
    "logaddexp",
    "narrow",
    "repeat_interleave",
    "unbind",
    # ---- more of PyTorch's names: axes moved, diagonals, closeness, grids, draws, selections
    "movedim",
    "moveaxis",
    "swapaxes",
    "swapdims",
    "diag",
    "diagonal",
    "trace",
    "isclose",
    "allclose",
    "meshgrid",
    "randperm",
    "tan",
    # ---- PyTorch's products of fixed ranks
    "mm",
    "bmm",
    "mv",
    "dot",
    # ---- C's remainder (the dividend's sign)
    "fmod",
    # ---- reductions that skip nan
    "nansum",
    "nanmean",
    # ---- what a mask selects (sizes known only at run time)
    "nonzero",
    "argwhere",
    "masked_select",
    # ---- reductions into segments, binary search (graph networks, RL)
    "index_add",
    "scatter_reduce",
    "bincount",
    "searchsorted",
    "bucketize",
]
