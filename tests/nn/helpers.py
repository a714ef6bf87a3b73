"""Compare a shapedl module with a torch.nn module holding the same weights.

The weights are copied from torch into shapedl through `load_state_dict` (so the copy itself
is exercised); forward values, input gradients and every parameter gradient are compared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

import shapedl as sd

# sd name -> torch name, or (torch name, index into the torch tensor)
Source = str | tuple[str, Any]


def _source(mapping: Mapping[str, Source] | None, name: str) -> tuple[str, Any]:
    src = (mapping or {}).get(name, name)
    return (src, ...) if isinstance(src, str) else src


def copy_weights(module: sd.nn.Module, tmod: torch.nn.Module, mapping=None) -> None:
    tstate = tmod.state_dict()
    state = {}
    for name in module.state_dict():
        tname, index = _source(mapping, name)
        state[name] = tstate[tname][index].detach().numpy().copy()
    module.load_state_dict(state)


def check_module(
    module: sd.nn.Module,
    tmod: torch.nn.Module,
    inputs: Sequence[np.ndarray],
    *,
    mapping: Mapping[str, Source] | None = None,
    sd_call: Callable[..., Any] | None = None,
    torch_call: Callable[..., Any] | None = None,
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> None:
    """Assert forward, input gradients and parameter gradients match torch (inputs traced)."""
    copy_weights(module, tmod, mapping)
    xs = [sd.from_numpy(a) for a in inputs]
    traced = [x.traced() if x.data.dtype.kind == "f" else x for x in xs]
    out = (sd_call or (lambda m, *a: m(*a)))(module, *traced)
    ts = [torch.from_numpy(a.copy()) for a in inputs]
    for t in ts:
        t.requires_grad_(t.is_floating_point())
    tout = (torch_call or (lambda m, *a: m(*a)))(tmod, *ts)
    np.testing.assert_allclose(
        out.numpy(), tout.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward"
    )
    assert out.numpy().dtype == tout.detach().numpy().dtype
    w = np.random.default_rng(0).standard_normal(out.shape).astype(out.numpy().dtype)
    grads = (out * sd.from_numpy(w)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        if t.requires_grad:
            assert t.grad is not None
            np.testing.assert_allclose(
                grads[x].numpy(), t.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"input {i}"
            )
    tparams = dict(tmod.named_parameters())
    params = module.parameters()
    assert params, "the module has no parameters to compare"
    for name, p in params.items():
        tname, index = _source(mapping, name)
        grad = tparams[tname].grad
        assert grad is not None, f"torch gave {tname} no gradient"
        want = grad[index].numpy()
        np.testing.assert_allclose(
            grads[p].numpy(), want, rtol=rtol, atol=atol, err_msg=f"gradient of {name}"
        )


def attention_mapping(module: sd.nn.Module, embed_dim: int) -> dict[str, Source]:
    """Map shapedl's q/k/v projections onto torch's packed `in_proj_weight`/`in_proj_bias`."""
    mapping: dict[str, Source] = {}
    for name in module.state_dict():
        for i, proj in enumerate(("q_proj", "k_proj", "v_proj")):
            if f"{proj}." in name:
                prefix, kind = name.split(f"{proj}.")
                rows = slice(i * embed_dim, (i + 1) * embed_dim)
                mapping[name] = (f"{prefix}in_proj_{kind}", rows)
    return mapping
