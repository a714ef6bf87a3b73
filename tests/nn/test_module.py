"""Module: field discovery and names, strict state loading, save/load, to/astype, subclasses,
Sequential and Residual against torch."""

import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from shapedl.checkpoint import CheckpointError
from tests.nn.helpers import check_module


class Block(sd.nn.Module):
    """Dataclass style: annotated fields, a generated constructor."""

    attn: sd.nn.Linear
    mlp: sd.nn.Sequential
    scale: float = 1.0

    def forward(self, x):
        return self.mlp(self.attn(x)) * self.scale


class Net(sd.nn.Module):
    """PyTorch style: fields assigned in its own __init__, lists and dicts of modules."""

    def __init__(self, width: int, depth: int) -> None:
        self.embed = sd.nn.Linear(3, width)
        self.blocks = [
            Block(
                sd.nn.Linear(width, width),
                sd.nn.Sequential(sd.nn.ReLU(), sd.nn.Linear(width, width)),
            )
            for _ in range(depth)
        ]
        self.heads = {"a": sd.nn.Linear(width, 2), "b": sd.nn.Linear(width, 1, bias=False)}
        self.bn = sd.nn.BatchNorm1d(width)
        self.depth = depth

    def forward(self, x):
        h = self.embed(x)
        for block in self.blocks:
            h = h + block(h)
        h = self.bn(h)
        return self.heads["a"](h).sum() + self.heads["b"](h).sum()


NET_PARAMS = [
    "embed.weight",
    "embed.bias",
    "blocks.0.attn.weight",
    "blocks.0.attn.bias",
    "blocks.0.mlp.1.weight",
    "blocks.0.mlp.1.bias",
    "blocks.1.attn.weight",
    "blocks.1.attn.bias",
    "blocks.1.mlp.1.weight",
    "blocks.1.mlp.1.bias",
    "heads.a.weight",
    "heads.a.bias",
    "heads.b.weight",
    "bn.weight",
    "bn.bias",
]


def test_parameters_have_stable_complete_dotted_names():
    net = Net(4, 2)
    assert list(net.parameters()) == NET_PARAMS
    assert list(Net(4, 2).parameters()) == NET_PARAMS  # the same for a new instance
    state = net.state_dict()
    assert list(state) == NET_PARAMS[:-2] + [
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert all(isinstance(t, sd.Tensor) for t in state.values())


def test_parameters_are_the_field_tensors_themselves():
    net = Net(4, 1)
    assert net.parameters()["embed.weight"] is net.embed.weight
    assert net.parameters()["heads.a.bias"] is net.heads["a"].bias


def test_every_parameter_gets_a_gradient():
    net = Net(4, 2)
    loss = net(sd.randn((5, 3)).traced())
    grads = loss.backward()
    for name, p in net.parameters().items():
        assert p in grads, name
        assert grads[p].shape == p.shape


def test_shared_parameter_is_listed_once():
    lin = sd.nn.Linear(2, 2)
    tied = sd.nn.Sequential(lin, sd.nn.ReLU(), lin)
    assert list(tied.parameters()) == ["0.weight", "0.bias"]
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_tuple_and_nested_list_fields():
    class M(sd.nn.Module):
        pair: tuple
        grid: list

        def forward(self, x):
            return x

    m = M((sd.ones((1,)), sd.nn.Linear(1, 1)), [[sd.zeros((2,))], {"k": sd.ones((3,))}])
    assert list(m.parameters()) == [
        "pair.0",
        "pair.1.weight",
        "pair.1.bias",
        "grid.0.0",
        "grid.1.k",
    ]


def test_dataclass_style_subclass():
    block = Block(sd.nn.Linear(3, 3), sd.nn.Sequential(sd.nn.Tanh()), scale=2.0)
    assert block.scale == 2.0 and list(block.parameters()) == ["attn.weight", "attn.bias"]
    x = randn(4, 3)
    want = 2 * np.tanh(x @ block.attn.weight.numpy().T + block.attn.bias.numpy())
    np.testing.assert_allclose(block(sd.from_numpy(x)).numpy(), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError):
        Block(sd.nn.Linear(3, 3))  # missing field


def test_pytorch_style_subclass_with_super_init():
    class Mlp(sd.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = sd.nn.Linear(3, 5)
            self.fc2 = sd.nn.Linear(5, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    class TMlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 5)
            self.fc2 = torch.nn.Linear(5, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    check_module(Mlp(), TMlp(), [randn(4, 3)])


def test_subclass_overriding_forward_is_called():
    class Doubled(sd.nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    layer = Doubled(2, 2)
    x = sd.ones((1, 2))
    plain = sd.nn.Linear.forward(layer, x).numpy()
    np.testing.assert_allclose(layer(x).numpy(), 2 * plain)


def test_subclass_keeps_the_inherited_hand_written_constructor():
    # a field declared in the subclass does not turn Linear's constructor into a generated one
    class Tagged(sd.nn.Linear):
        tag: str = "x"

    layer = Tagged(3, 2, bias=False)
    assert layer.weight.shape == (2, 3) and layer.bias is None
    assert Tagged.__init__ is sd.nn.Linear.__init__


def test_init_false_keyword():
    class Scale(sd.nn.Module):
        weight: sd.Tensor

    class Plain(sd.nn.Module, init=False):
        weight: sd.Tensor

    class Explicit(sd.nn.Linear, init=False):
        pass

    assert Scale(sd.ones((2,))).weight.shape == (2,)
    with pytest.raises(TypeError):
        Plain(sd.ones((2,)))  # NOTE: no generated constructor: Module's takes no fields
    assert Explicit(3, 2).weight.shape == (2, 3)

    # a subclass of an init=False class inherits Module's constructor: generated again
    class Child(Plain):
        bias: sd.Tensor

    assert set(Child(sd.ones((2,)), sd.zeros((2,))).parameters()) == {"weight", "bias"}


def test_batch_norms_take_the_shared_constructor():
    for cls in (sd.nn.BatchNorm1d, sd.nn.BatchNorm2d):
        bn = cls(3, eps=1e-3, momentum=0.2, affine=False)
        assert (bn.num_features, bn.eps, bn.momentum, bn.weight) == (3, 1e-3, 0.2, None)
        assert bn.running_mean.shape == (3,)


def test_module_without_forward():
    class Empty(sd.nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty"):
        Empty()(sd.ones((1,)))


# ---- state loading -----------------------------------------------------------------------
def test_load_state_dict_copies_in_place_and_keeps_identity():
    a, b = Net(4, 1), Net(4, 1)
    weight = b.embed.weight
    b.load_state_dict(a.state_dict())
    assert b.embed.weight is weight
    for name, t in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[name].numpy(), t.numpy())
    # a copy, not a view of the source
    a.embed.weight.data[...] = 0
    assert b.embed.weight.numpy().any()


def test_load_state_dict_accepts_numpy_arrays():
    layer = sd.nn.Linear(2, 3)
    layer.load_state_dict({"weight": np.ones((3, 2), np.float32), "bias": np.zeros(3, np.float32)})
    assert layer.weight.numpy().sum() == 6


def test_load_state_dict_lists_every_offending_name():
    net = Net(4, 1)
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    del state["embed.bias"]
    del state["bn.running_var"]
    state["extra.weight"] = np.ones(2, np.float32)
    state["heads.a.weight"] = np.ones((3, 4), np.float32)
    state["blocks.0.attn.bias"] = state["blocks.0.attn.bias"].astype(np.float64)
    with pytest.raises(CheckpointError) as info:
        net.load_state_dict(state)
    text = str(info.value)
    for name in [
        "embed.bias",
        "bn.running_var",
        "extra.weight",
        "heads.a.weight",
        "blocks.0.attn.bias",
    ]:
        assert name in text, (name, text)
    assert re.search(r"missing", text) and re.search(r"unexpected", text)
    assert "(2, 4)" in text and "(3, 4)" in text and "float64" in text


def test_failed_load_changes_nothing():
    layer = sd.nn.Linear(2, 3)
    before = layer.weight.numpy().copy()
    with pytest.raises(CheckpointError):
        layer.load_state_dict({"weight": np.zeros((3, 2), np.float32)})
    np.testing.assert_array_equal(layer.weight.numpy(), before)


def test_load_state_dict_rejects_non_arrays():
    with pytest.raises(CheckpointError, match="weight"):
        sd.nn.Linear(2, 3).load_state_dict({"weight": "nope", "bias": np.zeros(3, np.float32)})


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_save_load_round_trip(tmp_path, suffix):
    path = tmp_path / f"net{suffix}"
    a, b = Net(4, 2), Net(4, 2)
    a.bn(sd.randn((8, 4)).traced())  # running stats differ from a fresh module
    a.save(path)
    assert b.load(path) is b
    for name, t in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[name].numpy(), t.numpy(), err_msg=name)


def test_load_of_another_model_names_the_differences(tmp_path):
    path = tmp_path / "small.safetensors"
    Net(4, 1).save(path)
    with pytest.raises(CheckpointError, match=r"blocks\.1\.attn\.weight"):
        Net(4, 2).load(path)


# ---- to / astype -------------------------------------------------------------------------
def test_astype_converts_floats_in_place():
    net = Net(4, 1)
    weight = net.embed.weight
    assert net.astype(sd.f64) is net
    assert net.embed.weight is weight
    state = net.state_dict()
    assert state.pop("bn.num_batches_tracked").dtype is sd.i64  # a count stays an integer
    assert all(t.dtype is sd.f64 for t in state.values())
    out = net(sd.randn((3, 3), dtype=sd.f64).traced())
    assert out.dtype is sd.f64
    grads = out.backward()
    assert grads[net.embed.weight].dtype is sd.f64


def test_astype_keeps_integer_tensors():
    class M(sd.nn.Module):
        idx: sd.Tensor
        w: sd.Tensor

    m = M(sd.tensor([1, 2]), sd.ones((2,))).astype(sd.f16)
    assert m.idx.dtype is sd.i64 and m.w.dtype is sd.f16


def test_named_parameters_are_the_items_of_parameters():
    net = Net(4, 1)
    assert list(net.named_parameters()) == list(net.parameters().items())


@pytest.mark.parametrize(
    ("cast", "dtype"),
    [("half", sd.f16), ("bfloat16", sd.bf16), ("double", sd.f64), ("float", sd.f32)],
)
def test_pytorch_casts_are_astype(cast, dtype):
    net = Net(4, 1).astype(sd.f64 if dtype is sd.f32 else sd.f32)
    assert getattr(net, cast)() is net
    state = net.state_dict()
    assert state.pop("bn.num_batches_tracked").dtype is sd.i64
    assert all(t.dtype is dtype for t in state.values())


def test_to_moves_every_tensor_and_keeps_identity():
    dev = sd.Cpu(seed=5)
    net = Net(4, 1)
    weight = net.embed.weight
    assert net.to(dev) is net
    assert net.embed.weight is weight
    assert all(t.device is dev for t in net.state_dict().values())
    assert net(sd.randn((2, 3), device=dev)).device is dev


# ---- Sequential / Residual ---------------------------------------------------------------
def test_sequential_matches_torch():
    model = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.Tanh(), sd.nn.Linear(8, 3))
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    check_module(model, tmodel, [randn(5, 4)])  # the same names: `0.weight`


def test_sequential_indexing_and_functions_as_layers():
    model = sd.nn.Sequential(sd.nn.Linear(2, 2), sd.ops.relu)
    assert len(model) == 2 and isinstance(model[0], sd.nn.Linear) and list(model)[1] is sd.ops.relu
    assert model(sd.ones((1, 2))).shape == (1, 2)


def test_sequential_of_an_ordered_dict_names_its_layers_as_torch():
    """torchvision's named stages: `Sequential(OrderedDict([("conv", ...), ...]))` was taken
    as one layer, and failed at the first call ("'OrderedDict' object is not callable")."""
    tn = torch.nn
    tmodel = tn.Sequential(
        OrderedDict([("conv", tn.Conv2d(3, 4, 3, padding=1)), ("bn", tn.BatchNorm2d(4)),
                     ("relu", tn.ReLU())])
    )
    model = sd.nn.Sequential(
        OrderedDict([("conv", sd.nn.Conv2d(3, 4, 3, padding=1)), ("bn", sd.nn.BatchNorm2d(4)),
                     ("relu", sd.nn.ReLU())])
    )
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert list(model.parameters()) == [n for n, _ in tmodel.named_parameters()]
    assert model.conv is model[0] and model.relu is model[-1] and len(model) == len(tmodel) == 3
    assert [type(m).__name__ for m in model] == [type(m).__name__ for m in tmodel]
    model.load_state_dict(tmodel.state_dict())
    x = randn(2, 3, 5, 5)
    want = tmodel.eval()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(sd.from_numpy(x)).numpy(), want, rtol=1e-5, atol=1e-5)
    assert list(model[1:].state_dict()) == list(tmodel[1:].state_dict())  # `bn.weight`, ...
    assert model[1:].relu is model.relu
    with pytest.raises(AttributeError, match="'Sequential' object has no attribute 'fc'"):
        model.fc  # noqa: B018


def test_sequential_of_a_dict_repr_shows_the_names_as_torch():
    tn = torch.nn
    tmodel = tn.Sequential(OrderedDict(fc=tn.Linear(2, 3), act=tn.ReLU()))
    model = sd.nn.Sequential(OrderedDict(fc=sd.nn.Linear(2, 3), act=sd.nn.ReLU()))
    assert repr(model) == repr(tmodel)


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([[sd.nn.ReLU(), sd.nn.Tanh()]], r"Sequential: layer 0 is a list, not a layer; pass"),
        ([sd.nn.ReLU(), {"a": sd.nn.Tanh()}], r"Sequential: layer 1 is a dict, not a layer"),
        ([{"a.b": sd.nn.Tanh()}], r"Sequential: a layer's name .* got 'a\.b'"),
        ([{"forward": sd.nn.Tanh()}], r"Sequential: a layer's name .* got 'forward'"),
        ([{"layers": sd.nn.Tanh()}], r"Sequential: a layer's name .* got 'layers'"),
        ([{"": sd.nn.Tanh()}], r"Sequential: a layer's name .* got ''"),
    ],
)
def test_sequential_says_at_construction_what_it_takes(layers, message):
    with pytest.raises(TypeError, match=message):
        sd.nn.Sequential(*layers)


def test_residual_matches_torch():
    class TResidual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = torch.nn.Linear(3, 3)

        def forward(self, x):
            return x + self.block(x)

    check_module(sd.nn.Residual(sd.nn.Linear(3, 3)), TResidual(), [randn(4, 3)])


def test_residual_needs_a_shape_keeping_block():
    with pytest.raises(sd.ShapeError):
        sd.nn.Residual(sd.nn.Linear(3, 2))(sd.ones((4, 3)))


def test_repr_shows_the_tree_as_torch_does():
    text = repr(sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU(), sd.nn.Sequential(sd.nn.Tanh())))
    tn = torch.nn
    assert text == repr(tn.Sequential(tn.Linear(2, 3), tn.ReLU(), tn.Sequential(tn.Tanh())))


def test_state_dict_names_are_torchs_for_sequential_and_batch_norm():
    """A PyTorch model's state dict loads as it is (a `Sequential`'s `0.weight`, BatchNorm's
    `num_batches_tracked`, torch tensors as values), with no renaming."""
    tn = torch.nn
    tmodel = tn.Sequential(tn.Linear(3, 4), tn.BatchNorm1d(4), tn.ReLU(), tn.Linear(4, 2))
    model = sd.nn.Sequential(
        sd.nn.Linear(3, 4), sd.nn.BatchNorm1d(4), sd.nn.ReLU(), sd.nn.Linear(4, 2)
    )
    assert list(model.state_dict()) == list(tmodel.state_dict())
    model.load_state_dict(tmodel.state_dict())
    x = randn(5, 3)
    want = tmodel.eval()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(sd.from_numpy(x)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_load_state_dict_takes_torch_parameters_that_require_grad():
    """`dict(tmodel.named_parameters())` and `state_dict(keep_vars=True)` hold tensors that
    require grad, which torch refuses to hand to NumPy undetached."""
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model = sd.nn.Sequential(sd.nn.Linear(3, 4), sd.nn.ReLU(), sd.nn.Linear(4, 2))
    for state in (dict(tmodel.named_parameters()), tmodel.state_dict(keep_vars=True)):
        model.load_state_dict(state)
        got = model[2].weight.numpy()
        np.testing.assert_array_equal(got, tmodel[2].weight.detach().numpy())


def test_a_sequential_slice_is_a_sequential_of_those_layers_as_torchs():
    """`model[:-1]`, PyTorch's feature extractor: the same layers (shared), callable."""
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model = sd.nn.Sequential(sd.nn.Linear(3, 4), sd.nn.ReLU(), sd.nn.Linear(4, 2))
    model.load_state_dict(tmodel.state_dict())
    features = model[:-1]
    assert isinstance(features, sd.nn.Sequential) and features[0] is model[0]
    assert list(features.state_dict()) == list(tmodel[:-1].state_dict())
    x = randn(5, 3)
    want = tmodel[:-1](torch.from_numpy(x)).detach().numpy()
    got = features(sd.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert len(model[1:1]) == 0 and len(model[::2]) == 2


@pytest.mark.parametrize(
    "parts", [(slice(1, None),), (slice(None, None, 2),), (slice(1, None), slice(1, None))]
)
def test_a_slice_keeps_its_layers_names_as_torchs(parts):
    """`model[1:]` holds `2.weight` in both libraries, so a slice's state loads into a slice."""
    tn = torch.nn
    tmodel = tn.Sequential(tn.Linear(3, 4), tn.ReLU(), tn.Linear(4, 4), tn.ReLU(), tn.Linear(4, 2))
    model = sd.nn.Sequential(
        sd.nn.Linear(3, 4), sd.nn.ReLU(), sd.nn.Linear(4, 4), sd.nn.ReLU(), sd.nn.Linear(4, 2)
    )
    tpart, part = tmodel, model
    for index in parts:
        tpart, part = tpart[index], part[index]
    assert list(part.state_dict()) == list(tpart.state_dict())
    part.load_state_dict(tpart.state_dict())
    for name, t in tpart.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name].numpy(), t.numpy())


def test_load_state_dict_not_strict_loads_what_both_have_as_torch():
    """Fine-tuning: a pretrained body under a new head. strict=False loads the shared names
    and leaves the rest, as torch's does; a shape mismatch is still an error in both."""
    tn = torch.nn
    pretrained = tn.Sequential(tn.Linear(3, 4), tn.ReLU(), tn.Linear(4, 7)).state_dict()
    del pretrained["2.weight"], pretrained["2.bias"]
    pretrained["extra.weight"] = torch.ones(2)
    model = sd.nn.Sequential(sd.nn.Linear(3, 4), sd.nn.ReLU(), sd.nn.Linear(4, 2))
    tmodel = tn.Sequential(tn.Linear(3, 4), tn.ReLU(), tn.Linear(4, 2))
    head = model[2].weight.numpy().copy()
    with pytest.raises(CheckpointError, match=r"missing: 2\.weight, 2\.bias; unexpected: extra"):
        model.load_state_dict(pretrained)
    with pytest.raises(RuntimeError):
        tmodel.load_state_dict(pretrained)
    assert model.load_state_dict(pretrained, strict=False) is model
    tmodel.load_state_dict(pretrained, strict=False)
    np.testing.assert_array_equal(model[0].weight.numpy(), tmodel[0].weight.detach().numpy())
    np.testing.assert_array_equal(model[2].weight.numpy(), head)  # the new head is untouched
    pretrained["0.weight"] = torch.ones(5, 3)
    with pytest.raises(CheckpointError, match=r"wrong shape: 0\.weight \(expected \(4, 3\)"):
        model.load_state_dict(pretrained, strict=False)
    with pytest.raises(RuntimeError, match="size mismatch"):
        tmodel.load_state_dict(pretrained, strict=False)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_half_precision_torch_state_dict_loads_as_it_is(dtype):
    # NOTE: torch hands no bfloat16 to NumPy; most released checkpoints are bf16
    theirs = torch.nn.Linear(4, 2).to(getattr(torch, dtype))
    ours = sd.nn.Linear(4, 2).astype(sd.bf16 if dtype == "bfloat16" else sd.f16)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(3, 4).to(getattr(torch, dtype))
    got = ours(sd.tensor(x.float().numpy()).astype(ours.weight.dtype)).astype(sd.f32).numpy()
    for name, p in theirs.state_dict().items():
        mine = ours.state_dict()[name].astype(sd.f32).numpy()
        np.testing.assert_array_equal(mine, p.float().numpy())
    np.testing.assert_allclose(got, theirs(x).float().detach().numpy(), rtol=2e-2, atol=2e-2)


def test_traced_results_kept_on_a_module_are_not_parameters_as_in_torch():
    # NOTE: REINFORCE's episode bookkeeping; PyTorch registers only nn.Parameter, and a
    # traced tensor here is a result (parameters are never traced)
    class Policy(sd.nn.Module):
        def __init__(self):
            self.fc = sd.nn.Linear(4, 2)
            self.saved_log_probs = []

        def forward(self, x):
            return self.fc(x).log_softmax(axis=1)

    policy = Policy()
    opt = sd.optim.Adam(lr=1e-2)
    for _ in range(2):
        for _ in range(3):
            policy.saved_log_probs.append(policy(sd.randn((1, 4)).traced())[:, 0])
        assert sorted(policy.parameters()) == ["fc.bias", "fc.weight"]
        assert sorted(policy.state_dict()) == ["fc.bias", "fc.weight"]
        opt.update(policy, (-sd.concat(policy.saved_log_probs).sum()).backward())
        del policy.saved_log_probs[:]
    untraced = Policy()
    untraced.saved_log_probs.append(sd.ones((2,)))
    assert "saved_log_probs.0" in untraced.parameters()  # NOTE: a plain tensor still is one


def test_modules_and_apply_visit_as_torchs_do():
    # NOTE: DCGAN's `model.apply(weights_init)`; PyTorch's containers (ModuleList, ModuleDict)
    # are list and dict fields here, which are not modules themselves
    class Net(sd.nn.Module):
        def __init__(self):
            self.a = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU())
            self.blocks = [sd.nn.Linear(3, 3), sd.nn.Linear(3, 3)]
            self.d = {"x": sd.nn.Tanh()}

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)])
            self.d = torch.nn.ModuleDict({"x": torch.nn.Tanh()})

    containers = {"ModuleList", "ModuleDict"}
    names = [type(m).__name__ for m in TNet().modules() if type(m).__name__ not in containers]
    assert [type(m).__name__ for m in Net().modules()] == ["Net", *names[1:]]
    ours: list[str] = []
    theirs: list[str] = []
    net = Net()
    assert net.apply(lambda m: ours.append(type(m).__name__)) is net
    TNet().apply(lambda m: theirs.append(type(m).__name__))
    assert ours == [n if n != "TNet" else "Net" for n in theirs if n not in containers]

    def weights_init(m):
        if isinstance(m, sd.nn.Linear):
            sd.nn.init.constant_(m.weight, 0.5)

    weights = [p for n, p in net.apply(weights_init).parameters().items() if n.endswith("weight")]
    assert len(weights) == 3 and all(float(p.numpy().min()) == 0.5 for p in weights)


# ---- children, named_children, add_module, append ------------------------------------------
class _Net(sd.nn.Module):
    def __init__(self):
        self.conv = sd.nn.Conv2d(1, 2, 3)
        self.act = sd.nn.ReLU()
        self.head = sd.nn.Sequential(sd.nn.Flatten(), sd.nn.Linear(8, 3))


class _TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.act = torch.nn.ReLU()
        self.head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 3))


def _named(module):
    return [(name, type(m).__name__) for name, m in module.named_children()]


def test_children_and_named_children_as_torch():
    net, tnet = _Net(), _TNet()
    assert _named(net) == _named(tnet)
    assert [type(m).__name__ for m in net.children()] == [type(m).__name__ for m in tnet.children()]
    assert _named(net.head) == _named(tnet.head)
    named = OrderedDict(fc=sd.nn.Linear(2, 2), act=sd.nn.ReLU())
    tnamed = OrderedDict(fc=torch.nn.Linear(2, 2), act=torch.nn.ReLU())
    assert _named(sd.nn.Sequential(named)) == _named(torch.nn.Sequential(tnamed))
    assert _named(sd.nn.Sequential(named)[1:]) == _named(torch.nn.Sequential(tnamed)[1:])
    shared = sd.nn.ReLU()
    assert len(list(sd.nn.Sequential(shared, shared).children())) == 1


def test_children_drop_the_head_as_the_siamese_example():
    net = sd.nn.Sequential(sd.nn.Linear(4, 3), sd.nn.ReLU(), sd.nn.Linear(3, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    body = sd.nn.Sequential(*list(net.children())[:-1])
    tbody = torch.nn.Sequential(*list(tnet.children())[:-1])
    assert list(body.state_dict()) == list(tbody.state_dict())
    assert body[0] is net[0]


def test_add_module_and_append_as_torch():
    net, tnet = sd.nn.Module(), torch.nn.Module()
    for m in (net, tnet):
        lib = sd.nn if m is net else torch.nn
        m.add_module("fc", lib.Linear(2, 3))
        m.add_module("act", lib.ReLU())
    assert _named(net) == _named(tnet)
    assert list(net.state_dict()) == list(tnet.state_dict())
    seq = sd.nn.Sequential(sd.nn.Linear(4, 3))
    tseq = torch.nn.Sequential(torch.nn.Linear(4, 3))
    assert seq.append(sd.nn.ReLU()) is seq
    assert tseq.append(torch.nn.ReLU()) is tseq
    seq.add_module("out", sd.nn.Linear(3, 2))
    tseq.add_module("out", torch.nn.Linear(3, 2))
    seq.append(sd.nn.Tanh())
    tseq.append(torch.nn.Tanh())
    assert _named(seq) == _named(tseq)
    assert list(seq.state_dict()) == list(tseq.state_dict())
    seq.load_state_dict(tseq.state_dict())
    x = randn(5, 4)
    np.testing.assert_allclose(
        seq(sd.from_numpy(x)).numpy(), tseq(torch.from_numpy(x)).detach().numpy(), rtol=1e-5
    )
    assert seq.out is seq[2]


def test_add_module_refuses_what_torch_refuses():
    net, tnet = _Net(), _TNet()
    for name, error in [("a.b", KeyError), ("", KeyError), ("forward", KeyError), (3, TypeError)]:
        with pytest.raises(error):
            tnet.add_module(name, torch.nn.ReLU())
        with pytest.raises(error):
            net.add_module(name, sd.nn.ReLU())
    with pytest.raises(TypeError, match="must be a Module"):
        net.add_module("x", 3)
    seq = sd.nn.Sequential(OrderedDict(act=sd.nn.ReLU(), fc=sd.nn.Linear(2, 2)))
    tseq = torch.nn.Sequential(OrderedDict(act=torch.nn.ReLU(), fc=torch.nn.Linear(2, 2)))
    seq.add_module("act", sd.nn.Tanh())
    tseq.add_module("act", torch.nn.Tanh())
    assert _named(seq) == _named(tseq)
    with pytest.raises(TypeError, match="not a layer"):
        sd.nn.Sequential(sd.nn.ReLU()).append(3)
