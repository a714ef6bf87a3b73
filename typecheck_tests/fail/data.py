"""batches / Batches: as many targets as rows, the runtime's rule (`data.check_rows`), a
[shape] error where both lengths are numbers."""

# fmt: off
from __future__ import annotations

import shapedl as sd

x, y = sd.zeros((10, 3)), sd.zeros((9,), dtype=sd.i64)
sd.data.batches(x, y, 4)  # E: [shape] batches: shapes (10, 3) and (9,): x and y need the same length along axis 0 (one target per row)
sd.data.Batches(x, y, 4)  # E: [shape] batches: shapes (10, 3) and (9,): x and y need the same length along axis 0
sd.data.batches(x, sd.zeros(()), 4)  # E: [shape] batches: shapes (10, 3) and (): x and y need the same length along axis 0
