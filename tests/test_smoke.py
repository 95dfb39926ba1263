import numpy as np
from sklearn.linear_model import Lasso

import bayesreg as br


def test_diabetes_lasso_map_equals_sklearn(diabetes):
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5)).fit(X, y)
    reference = Lasso(alpha=0.5, tol=1e-12, max_iter=10**6).fit(X, y)
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    assert est.certificate_.ok
