"""Reference figures for tests/agreement_reference.rs, computed once by other implementations.

Run with Python 3 and `pip install pingouin scikit-learn statsmodels` (versions used are written
into the output):

    python3 tests/data/agreement/make_reference.py > tests/data/agreement/reference.json

The data are generated here with a fixed NumPy seed and written into the JSON with the figures,
so the Rust tests need no Python.

* ICC(2,1) = pingouin "ICC(A,1)" (two-way random, absolute agreement, single rater) and ICC(3,1)
  = "ICC(C,1)"; their 95 % intervals as pingouin gives them (rounded by pingouin to 2 dp).
* Cohen's kappa (unweighted, linear, quadratic) = sklearn.metrics.cohen_kappa_score with
  labels 0..3.
* Fleiss' kappa = statsmodels.stats.inter_rater.fleiss_kappa.
* Bland-Altman bias and limits = NumPy mean and 1.96 x sample SD (ddof = 1) of the differences.
"""

import json

import numpy as np
import pandas as pd
import pingouin
import sklearn
import statsmodels
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

rng = np.random.default_rng(20261205)


def icc_case(n, k, noise, rater_bias):
    truth = rng.normal(0.35, 0.12, n)
    bias = rng.normal(0.0, rater_bias, k)
    table = np.round(truth[:, None] + bias[None, :] + rng.normal(0.0, noise, (n, k)), 4)
    long = pd.DataFrame(
        [(i, j, table[i, j]) for i in range(n) for j in range(k)],
        columns=["subject", "rater", "value"],
    )
    res = pingouin.intraclass_corr(long, targets="subject", raters="rater", ratings="value")
    res = res.set_index("Type")
    out = {
        "rows": table.tolist(),
        "icc_2_1": float(res.loc["ICC(A,1)", "ICC"]),
        "icc_2_1_ci95": [float(x) for x in res.loc["ICC(A,1)", "CI95"]],
        "icc_3_1": float(res.loc["ICC(C,1)", "ICC"]),
        "icc_3_1_ci95": [float(x) for x in res.loc["ICC(C,1)", "CI95"]],
    }
    if k == 2:
        d = table[:, 0] - table[:, 1]
        sd = float(np.std(d, ddof=1))
        out["bias"] = float(np.mean(d))
        out["loa"] = [float(np.mean(d) - 1.96 * sd), float(np.mean(d) + 1.96 * sd)]
    return out


def kappa_case(n, agree):
    a = rng.integers(0, 4, n)
    b = np.where(rng.random(n) < agree, a, np.clip(a + rng.choice([-1, 1, 2], n), 0, 3))
    return {
        "a": a.tolist(),
        "b": b.tolist(),
        "unweighted": float(cohen_kappa_score(a, b, labels=[0, 1, 2, 3])),
        "linear": float(cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights="linear")),
        "quadratic": float(cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights="quadratic")),
    }


def fleiss_case(n, m, agree):
    truth = rng.integers(0, 4, n)
    ratings = np.where(
        rng.random((n, m)) < agree, truth[:, None], rng.integers(0, 4, (n, m))
    )
    counts, _ = aggregate_raters(ratings, n_cat=4)
    return {"ratings": ratings.tolist(), "fleiss_kappa": float(fleiss_kappa(counts))}


print(
    json.dumps(
        {
            "generator": {
                "pingouin": pingouin.__version__,
                "scikit-learn": sklearn.__version__,
                "statsmodels": statsmodels.__version__,
                "numpy": np.__version__,
            },
            "icc": [
                icc_case(20, 2, 0.03, 0.02),
                icc_case(30, 3, 0.05, 0.03),
                icc_case(12, 4, 0.10, 0.0),
                icc_case(40, 2, 0.12, 0.05),
            ],
            "kappa": [kappa_case(60, 0.7), kappa_case(25, 0.4), kappa_case(100, 0.9)],
            "fleiss": [fleiss_case(30, 3, 0.6), fleiss_case(50, 5, 0.8)],
        },
        indent=1,
    )
)
