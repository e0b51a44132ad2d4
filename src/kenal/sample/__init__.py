"""kenal.sample: a synthetic Indonesian omnichannel retailer with planted truth.

>>> data = generate_sample(n_customers=2_000, seed=0)      # doctest: +SKIP
>>> write_sample(data, "sample/input", "sample/truth")      # doctest: +SKIP

``data.tables`` holds every table of :mod:`kenal.schema` (text columns as pandas
``string[pyarrow]``, timestamps as ISO-8601 text in Jakarta time).  ``data.truth`` holds what
was planted: the behavioural segment of every customer (:data:`SEGMENT_NAMES`) and whether it is
a planted outlier (a reseller buying by the carton, 0.3% of customers; ``outlier``), churn in the
90 days after the cut-off, the language / sentiment / complaint / spam / aspects of every text,
and one row per defective row (``defects``, counted in ``data.defects``).  With ``shift_share``,
known customers start behaving as another segment at a known date (``shifts``; see
:mod:`kenal.sample.shifts`).

Or from a shell: ``python -m kenal.sample --customers 50000 --seed 0 --out sample``.

Too large for memory?  :func:`write_sample_chunked` makes and writes the sample a chunk of
customers at a time, as Parquet parts (``input_dir/<table>/part-00000.parquet``...).
"""

from kenal.sample.chunked import write_sample_chunked
from kenal.sample.generate import SampleData, generate_sample, write_sample
from kenal.sample.segments import NAMES as SEGMENT_NAMES

__all__ = ["SampleData", "generate_sample", "write_sample", "write_sample_chunked",
           "SEGMENT_NAMES"]
