"""kenal.sample: a synthetic Indonesian omnichannel retailer with planted truth.

>>> data = generate_sample(n_customers=2_000, seed=0)      # doctest: +SKIP
>>> write_sample(data, "sample/input", "sample/truth")      # doctest: +SKIP

Planted truth: a behavioural segment per customer, churn in the 90 days after the cut-off,
language / sentiment / complaint / spam / aspects of every text, and data-quality defects
(row by row in ``truth["defects"]``, counted in ``defects``).
"""

from kenal.sample.generate import SampleData, generate_sample, write_sample
from kenal.sample.segments import NAMES as SEGMENT_NAMES

__all__ = ["SampleData", "generate_sample", "write_sample", "SEGMENT_NAMES"]
