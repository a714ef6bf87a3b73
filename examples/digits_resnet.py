"""A ResNet written once for any width, checked by mypy at every stage, trained on the digits.

Every block is generic in its channels (`C`) and the image size (`H`); the model is generic in
its width (`W`) and its classes (`K`), and built from literal sizes: `ResNet(16, 10)` is
`ResNet[Const[16], Const[10]]`. Each `assert_type` below is checked by mypy with the plugin,
for every batch size, width and image size at once.

    python examples/digits_resnet.py [--quick]
"""

from __future__ import annotations

import argparse
from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Add, Const, Dim, FloorDiv, Mul, Size, Sub, Tape, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
W = TypeVar("W", bound=Dim)
K = TypeVar("K", bound=Dim)
TT = TypeVar("TT", bound=Tape)

# a stride-2 3x3 convolution with padding 1, as the formula is written: (H + 2 - 3) // 2 + 1
Half = Add[FloorDiv[Sub[H, Const[1]], Const[2]], Const[1]]


class BasicBlock(nn.Module, Generic[C]):
    """conv-bn-relu-conv-bn, plus the input: `(B, C, H, H) -> (B, C, H, H)`."""

    def __init__(self, channels: Size[C]) -> None:
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor[tuple[B, C, H, H], f32, TT]) -> Tensor[tuple[B, C, H, H], f32, TT]:
        y = self.bn1(self.conv1(x)).relu()
        assert_type(y, Tensor[tuple[B, C, H, H], f32, TT])
        y = self.bn2(self.conv2(y))
        return (x + y).relu()


class Down(nn.Module, Generic[C, D]):
    """A stride-2 convolution to `D` channels: `(B, C, H, H) -> (B, D, Half[H], Half[H])`."""

    def __init__(self, cin: Size[C], cout: Size[D]) -> None:
        self.conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(
        self, x: Tensor[tuple[B, C, H, H], f32, TT]
    ) -> Tensor[tuple[B, D, Half[H], Half[H]], f32, TT]:
        return self.bn(self.conv(x)).relu()


class ResNet(nn.Module, Generic[W, K]):
    """stem -> block -> down (twice the width, half the size) -> block -> mean -> linear."""

    def __init__(self, width: Size[W], classes: Size[K]) -> None:
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.block1 = BasicBlock(width)
        self.down = Down(width, 2 * width)
        self.block2 = BasicBlock(2 * width)
        self.head = nn.Linear(2 * width, classes)

    def forward(self, x: Tensor[tuple[B, Const[1], H, H], f32, TT]) -> Tensor[tuple[B, K], f32, TT]:
        y = self.stem(x)
        assert_type(y, Tensor[tuple[B, W, H, H], f32, TT])
        y = self.block1(y)
        assert_type(y, Tensor[tuple[B, W, H, H], f32, TT])
        z = self.block2(self.down(y))  # inline calls are typed as named ones
        assert_type(z, Tensor[tuple[B, Mul[Const[2], W], Half[H], Half[H]], f32, TT])
        pooled = z.mean(axis=(2, 3))
        assert_type(pooled, Tensor[tuple[B, Mul[Const[2], W]], f32, TT])
        return self.head(pooled)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one epoch, for the tests")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))
    from digits_cnn import digit_images  # NOTE: the same data and split as the CNN example

    x_train, x_test, y_train, y_test = digit_images()
    model = ResNet(16, 10)
    assert_type(model, ResNet[Const[16], Const[10]])
    # a check for 8x8 images in a batch of 4: 8 -> (8 - 1) // 2 + 1 = 4 after `down`
    assert_type(model(sd.randn((4, 1, 8, 8))), Tensor[tuple[Const[4], Const[10]]])

    sd.train.fit(
        model,
        (x_train, y_train),
        loss=sd.losses.cross_entropy_with_logits_loss,
        optimizer=sd.optim.Adam(lr=3e-3),
        epochs=1 if args.quick else args.epochs,
        batch_size=32,
        metrics=["accuracy"],
        validation=(x_test, y_test),
    )
    test = sd.train.evaluate(model, (x_test, y_test), metrics=["accuracy"])
    print(f"test accuracy: {test['accuracy']:.2%}")
    return test["accuracy"]


if __name__ == "__main__":
    main()
