"""statsmodels' ETS smoother, compiled with numba, for many parameter vectors per call.

Fitting an ETS model spends most of its time in the forward-difference gradient: one
smoother pass over the series for the parameters and one more per free parameter, each a
separate call into statsmodels' Cython smoother with Python and numpy overhead around
it. :func:`smooth_rows` runs all of those passes in one compiled call.

The arithmetic is statsmodels' own (``statsmodels/tsa/exponential_smoothing/
_ets_smooth.pyx``, ``_ets_smooth_add_add`` and ``_ets_smooth_add_mul``), transcribed
operation for operation, so each pass gives the same numbers bit for bit:
``tests/unit/analytics/test_fast_paths.py`` checks it against the Cython smoother and a
whole fit against ``ETSModel.fit``. Only the additive-trend smoothers are here: the
candidates Statroom fits have no multiplicative trend.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")  # IEEE inf/nan on division by zero, as in C
def smooth_rows(
    rows: np.ndarray,
    y: np.ndarray,
    yhat: np.ndarray,
    xhat: np.ndarray,
    is_fixed: np.ndarray,
    fixed_values: np.ndarray,
    use_beta_star: bool,
    use_gamma_star: bool,
    multiplicative_season: bool,
) -> None:
    """One smoother pass per row of ``rows`` (free internal parameters), into the same
    row of ``yhat``. ``xhat`` (``n × k_states``) is scratch space for the states."""
    n_all = is_fixed.shape[0]
    n = y.shape[0]
    m = n_all - 6
    full = np.empty(n_all)
    for row in range(rows.shape[0]):
        # _initialize_ets_smooth
        k = 0
        for j in range(n_all):
            if is_fixed[j] == 0:
                full[j] = rows[row, k]
                k += 1
            else:
                full[j] = fixed_values[j]
        alpha, beta, gamma, phi = full[0], full[1], full[2], full[3]
        beta_star = beta if use_beta_star else beta / alpha
        gamma_star = gamma if use_gamma_star else gamma / (1 - alpha)
        for j in range(n_all - 4):
            xhat[n - 1, j] = full[4 + j]
        # _ets_smooth_add_add / _ets_smooth_add_mul
        for i in range(n):
            prev = (n + i - 1) % n
            if multiplicative_season:
                yhat[row, i] = (xhat[prev, 0] + phi * xhat[prev, 1]) * xhat[prev, 2 + m - 1]
                xhat[i, 0] = alpha * (y[i] / xhat[prev, 2 + m - 1]) + (1 - alpha) * (
                    xhat[prev, 0] + phi * xhat[prev, 1]
                )
                xhat[i, 1] = (
                    beta_star * (xhat[i, 0] - xhat[prev, 0]) + (1 - beta_star) * phi * xhat[prev, 1]
                )
                xhat[i, 2] = (
                    gamma_star * (y[i] / xhat[i, 0]) + (1 - gamma_star) * xhat[prev, 2 + m - 1]
                )
            else:
                yhat[row, i] = xhat[prev, 0] + phi * xhat[prev, 1] + xhat[prev, 2 + m - 1]
                xhat[i, 0] = alpha * (y[i] - xhat[prev, 2 + m - 1]) + (1 - alpha) * (
                    xhat[prev, 0] + phi * xhat[prev, 1]
                )
                xhat[i, 1] = (
                    beta_star * (xhat[i, 0] - xhat[prev, 0]) + (1 - beta_star) * phi * xhat[prev, 1]
                )
                xhat[i, 2] = (
                    gamma_star * (y[i] - xhat[i, 0]) + (1 - gamma_star) * xhat[prev, 2 + m - 1]
                )
            for j in range(3, 2 + m):
                xhat[i, j] = xhat[prev, j - 1]


@njit(cache=True, error_model="numpy")
def forward_points(
    x: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    bounded: bool,
    step: float,
    points: np.ndarray,
    denominators: np.ndarray,
) -> None:
    """The points of a forward-difference gradient at ``x``: row 0 is ``x``, row
    ``i + 1`` is ``x`` with ``x[i]`` moved by its step, and ``denominators[i]`` is that
    move as stored. The steps are those of :func:`analytics.forecast._forward_steps`
    (scipy's ``approx_derivative`` rules), element by element."""
    k = x.shape[0]
    root_eps = np.finfo(np.float64).eps ** 0.5
    for i in range(k):
        points[0, i] = x[i]
    for i in range(k):
        h = step
        if (x[i] + h) - x[i] == 0:  # huge |x|: a relative step
            sign = 1.0 if x[i] >= 0 else -1.0
            h = root_eps * sign * np.maximum(1.0, np.abs(x[i]))
        if bounded:
            lower_dist, upper_dist = x[i] - lower[i], upper[i] - x[i]
            violated = (x[i] + h < lower[i]) or (x[i] + h > upper[i])
            fitting = np.abs(h) <= np.maximum(lower_dist, upper_dist)
            if violated and fitting:
                h = h * -1
            if not fitting:
                if upper_dist >= lower_dist:
                    h = upper_dist
                elif upper_dist < lower_dist:
                    h = -lower_dist
        for j in range(k):
            points[i + 1, j] = x[j]
        points[i + 1, i] = x[i] + h
        denominators[i] = points[i + 1, i] - x[i]
