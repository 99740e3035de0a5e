"""Writes the two small parquet files tests/hostile.rs reads: a column of a type benchtop's
polars cannot hold (a decimal; a 16-bit float) beside the columns of a long table, so that every
reader meets it. Run with pyarrow installed:  python tests/data/make_hostile_parquet.py
"""

import decimal
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

here = pathlib.Path(__file__).parent
long_table = {
    "params": pa.array(["150M", "1B"]),
    "data": pa.array(["C4", "C4"]),
    "step": pa.array([1000.0, 2000.0]),
    "tokens": pa.array([1.0e9, 2.0e9]),
    "compute": pa.array([1.0e18, 2.0e18]),
    "metric": pa.array(["arc_easy_acc_raw", "arc_easy_acc_raw"]),
    "value": pa.array([0.5, 0.6]),
}
decimal_table = dict(long_table, price=pa.array([decimal.Decimal("1.25"), decimal.Decimal("2.50")], pa.decimal128(5, 2)))
pq.write_table(pa.table(decimal_table), here / "decimal_column.parquet")
half_table = dict(long_table, half=pa.array(np.array([0.5, 1.5], dtype=np.float16), pa.float16()))
pq.write_table(pa.table(half_table), here / "float16_column.parquet")
