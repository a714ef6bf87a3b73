"""PyTorch's `dim=` where shapedl takes NumPy's `axis=`: mypy's one `[call-arg]` error (with a
note naming `axis=`), and no shape computed for the default axis, here or downstream."""

# fmt: off
import shapedl as sd
from shapedl import nn

z = sd.randn((4, 6))
onehot = sd.randn((4, 10))
h = sd.cat([z, onehot], dim=1)  # E: [call-arg] Unexpected keyword argument "dim" for "concat"
fc = nn.Linear(16, 2)
logits = fc(sd.concat((z, onehot), dim=1))  # E: [call-arg] Unexpected keyword argument "dim" for "concat"
probs = sd.ops.softmax(fc(h), dim=-1)  # E: [call-arg] Unexpected keyword argument "dim" for "softmax"
pair = sd.stack([z, z], dim=1)  # E: [call-arg] Unexpected keyword argument "dim" for "stack"
fc(pair)
