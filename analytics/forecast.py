"""Forecast bands: automatic ETS with AICc selection, simple fallbacks, rolling-origin backtest.

The forecast is a band, not a promise: 80% and 95% prediction intervals from an
exponential-smoothing state-space model (ETS, Hyndman et al. 2008) chosen by AICc from a
small candidate set, fitted with :class:`statsmodels.tsa.exponential_smoothing.ets.ETSModel`.
Series too short or too sparse for ETS fall back to a naive, drift or seasonal-naive
forecast with Gaussian intervals. Every forecast carries its own track record: MASE and
the empirical coverage of its intervals on a rolling-origin backtest.
"""

from __future__ import annotations

import inspect
import math
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.tools import eval_measures
from statsmodels.tsa.exponential_smoothing.ets import ETSModel, ETSResults, ETSResultsWrapper

from analytics.ets_kernel import forward_points, smooth_rows
from analytics.periods import forecast_horizon, grid_after, regular_series, season_length
from analytics.trend import is_seasonal

try:  # scipy's L-BFGS-B routine itself, driven by _lbfgsb_minimum
    from scipy.optimize import _lbfgsb
except ImportError:  # pragma: no cover - scipy moved it: optimize.minimize drives it
    _lbfgsb = None

try:  # ETS fits are many tiny BLAS calls: extra BLAS threads only fight the other workers.
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - optional; the fits are just slower on a busy machine

    def threadpool_limits(*args, **kwargs):
        return nullcontext()


#: Fewest contiguous values for an ETS model; shorter series use a naive forecast.
MIN_ETS_POINTS = 12
#: Fewest values for any forecast.
MIN_POINTS = 3
#: A series whose share of zero values is at least this is "intermittent": naive forecast.
INTERMITTENT_ZERO_SHARE = 0.3
#: Longest run of missing periods filled by linear interpolation, by frequency.
MAX_INTERPOLATED_GAP = {"day": 7, "week": 3, "month": 2, "quarter": 1, "year": 1}
#: Most recent periods used for fitting, by frequency: 2 years of days, 5 of weeks, 15 of
#: months and quarters, 60 years. Older history adds cost, and describes a process that has
#: usually changed since (on the bench's real series it widened the bands past 90% coverage).
MAX_LENGTH = {"day": 730, "week": 260, "month": 180, "quarter": 60, "year": 60}
#: Rolling-origin backtest: number of forecast origins.
BACKTEST_ORIGINS = 4
#: Iteration cap of the L-BFGS fit of each ETS candidate.
MAXITER = 400
#: Sample paths drawn for probabilities.
N_PATHS = 2000
LEVELS = (80, 95)

METHOD_LABELS = {
    "ets": "Exponential smoothing (ETS)",
    "naive": "Naive (last value)",
    "drift": "Drift (straight line from the first to the last value)",
    "seasonal_naive": "Seasonal naive (same period last cycle)",
}


@dataclass(frozen=True)
class ETSSpec:
    """One ETS candidate: error, trend, damping and seasonal component."""

    error: str
    trend: str | None
    damped: bool
    seasonal: str | None
    season_length: int = 1

    @property
    def name(self) -> str:
        """Hyndman's notation, e.g. ``ETS(M,Ad,M)``."""
        code = {"add": "A", "mul": "M", None: "N"}
        trend = code[self.trend] + ("d" if self.damped else "")
        return f"ETS({code[self.error]},{trend},{code[self.seasonal]})"

    @property
    def needs_positive(self) -> bool:
        return self.error == "mul" or self.seasonal == "mul"


@dataclass
class ForecastResult:
    """A forecast band and its track record.

    ``frame`` has columns ``period, mean, lo80, hi80, lo95, hi95``. ``paths`` (not
    serialised) holds ``N_PATHS`` simulated future paths, one per row, aligned with
    ``path_periods``; they give probabilities of reaching a value. ``error`` is a
    human-readable reason when no forecast could be made (everything else is then empty).
    """

    method: str | None
    model: str | None
    aicc: float | None
    horizon: int
    season_length: int
    frame: pd.DataFrame
    mase: float | None = None
    coverage80: float | None = None
    coverage95: float | None = None
    backtest_origins: int = 0
    backtest_points: int = 0
    training_start: pd.Timestamp | None = None
    training_end: pd.Timestamp | None = None
    n_train: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    paths: np.ndarray | None = None
    path_periods: pd.DatetimeIndex | None = None
    candidates: dict[str, float] = field(default_factory=dict)
    #: The chosen ETS model's fitted parameters, in statsmodels' order (not serialised).
    params: np.ndarray | None = None


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=["period", "mean", "lo80", "hi80", "lo95", "hi95"])


def failed(reason: str, frequency: str) -> ForecastResult:
    """A ForecastResult that carries only an error message."""
    return ForecastResult(
        method=None,
        model=None,
        aicc=None,
        horizon=forecast_horizon(frequency),
        season_length=season_length(frequency),
        frame=_empty_frame(),
        error=reason,
    )


# -- preparing the data ------------------------------------------------------------------


def contiguous_history(
    series: pd.DataFrame | pd.Series, frequency: str, max_length: int | None = None
) -> tuple[pd.Series, list[str]]:
    """The contiguous recent stretch of a series that a forecast model is fitted to.

    The series is put on its regular grid. Runs of missing periods no longer than
    :data:`MAX_INTERPOLATED_GAP` (2 months, 1 quarter, 3 weeks, 7 days, 1 year) are filled
    by linear interpolation; if a longer gap remains, only the stretch after the last such
    gap is used. The stretch is then cut to its latest :data:`MAX_LENGTH` periods (15 years
    of months or quarters, 5 years of weeks, 2 years of days, 60 years). Returns the values
    and notes saying what was done.
    """
    if isinstance(series, pd.Series):
        series = series.rename("value").rename_axis("period").reset_index()
    grid = regular_series(series, frequency)["value"]
    notes: list[str] = []
    valid = grid.notna().to_numpy()
    if not valid.any():
        return grid.iloc[:0], notes
    first, last = np.flatnonzero(valid)[[0, -1]]
    y = grid.iloc[first : last + 1]
    missing = y.isna().to_numpy()
    if missing.any():
        limit = MAX_INTERPOLATED_GAP[frequency]
        edges = np.flatnonzero(np.diff(np.r_[0, missing.astype(int), 0]))
        long_gaps = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a > limit]
        if long_gaps:
            start = int(long_gaps[-1][1])  # first value after the last long gap
            notes.append(
                f"Used the data after the last gap of more than {limit} missing periods "
                f"({len(y) - start} periods)."
            )
            y = y.iloc[start:]
            missing = y.isna().to_numpy()
        if missing.any():
            notes.append(f"Filled {int(missing.sum())} missing periods by interpolation.")
            y = y.interpolate(method="linear", limit_area="inside")
    cap = MAX_LENGTH[frequency] if max_length is None else max_length
    if len(y) > cap:
        notes.append(f"Fitted to the latest {cap} periods.")
        y = y.iloc[-cap:]
    return y.astype(float), notes


# -- ETS ------------------------------------------------------------------------------------


def candidate_specs(y: np.ndarray, m: int) -> list[ETSSpec]:
    """The ETS candidates for a series.

    Errors additive or multiplicative; trend none, additive or additive damped; seasonal
    none, additive or multiplicative — seasonal ones only with ``m > 1`` and at least two
    full cycles, and not when three or more cycles show no seasonality
    (:func:`analytics.trend.is_seasonal`: the seasonal fits are the slow ones).
    Multiplicative components only for strictly positive data. Additive error with
    multiplicative seasonality is left out (numerically unstable; it is also excluded by
    the ``restrict`` default of R's ``forecast::ets``, Hyndman et al. 2008 §7.7). At most
    15 candidates.
    """
    positive = bool(np.all(y > 0))
    seasonal_ok = m > 1 and len(y) >= 2 * m
    if seasonal_ok and len(y) >= 3 * m and not is_seasonal(y, m):
        seasonal_ok = False
    specs = []
    for error in ("add", "mul"):
        if error == "mul" and not positive:
            continue
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            for seasonal in (None, "add", "mul"):
                if seasonal is not None and not seasonal_ok:
                    continue
                if seasonal == "mul" and (error == "add" or not positive):
                    continue
                specs.append(ETSSpec(error, trend, damped, seasonal, m if seasonal else 1))
    return specs


def _initialization(m: int) -> str:
    # Estimating 52 initial seasonal states is slow and often does not converge; weekly
    # series use the heuristic start of Hyndman et al. (2008, §2.6.1) for every candidate,
    # so their AICc values stay comparable with each other.
    return "heuristic" if m > 24 else "estimated"


class _ETSResults(ETSResults):
    """``ETSResults`` without parameter standard errors.

    statsmodels computes a complex-step numerical Hessian for them whenever results are
    built, which costs about as much as a fit. Nothing here uses them: prediction
    intervals come from the model's forecast variance (or simulation), not from
    parameter uncertainty.
    """

    @property
    def cov_params_approx(self):
        k = len(self.params)
        return np.full((k, k), np.nan)


class _ETSModel(ETSModel):
    @property
    def _res_classes(self):
        return {"fit": (_ETSResults, ETSResultsWrapper)}

    @property
    def _param_names(self):
        # statsmodels builds this list on every access (twice per ``param_names``),
        # thousands of times per fit through its start-value and bound conversions. The
        # names depend only on the model's structure, fixed when it is built.
        structure = (
            self.has_trend,
            self.has_seasonal,
            self.damped_trend,
            self.initialization_method,
            self.seasonal_periods,
        )
        cached = self.__dict__.get("_param_names_cache")
        if cached is None or cached[0] != structure:
            cached = self.__dict__["_param_names_cache"] = (
                structure,
                tuple(ETSModel._param_names.fget(self)),
            )
        return list(cached[1])


def _ets_model(y: np.ndarray, spec: ETSSpec, m: int) -> ETSModel:
    return _ETSModel(
        pd.Series(np.asarray(y, dtype=float)),  # get_prediction needs a pandas endog
        error=spec.error,
        trend=spec.trend,
        damped_trend=spec.damped,
        seasonal=spec.seasonal,
        seasonal_periods=spec.season_length if spec.seasonal else None,
        initialization_method=_initialization(m),
    )


def _fit_params(model: ETSModel, start_params=None, maxiter: int = MAXITER) -> np.ndarray:
    """Maximum-likelihood parameters only: building full results (with a numerical
    Hessian for standard errors) costs as much as a fit, and only the winner needs them."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _lbfgs_params(model, start_params, maxiter)
        except AttributeError:  # statsmodels' internals moved: its own, slower, fit
            return model.fit(
                disp=False, maxiter=maxiter, start_params=start_params, return_params=True
            )


#: L-BFGS-B settings: the tolerances of ``ETSModel.fit`` (scipy's ``fmin_l_bfgs_b``
#: defaults), with 20 stored correction pairs instead of 10, so the curvature estimate of a
#: seasonal candidate (up to 18 free parameters) can be of full rank: fewer iterations, and
#: on the bench's series optima at least as good. Then the absolute step of the
#: forward-difference gradient, as statsmodels uses it.
_LBFGS_OPTIONS = {"maxcor": 20, "ftol": 1e7 * np.finfo(float).eps, "gtol": 1e-5, "maxls": 20}
_LBFGS_MAXFUN = 15000
_FD_STEP = 1e-8


def _lbfgs_params(model: ETSModel, start_params, maxiter: int) -> np.ndarray:
    """``ETSModel.fit(return_params=True)`` without its per-evaluation overhead.

    The same estimator and optimiser: L-BFGS-B on the concentrated negative
    log-likelihood per observation, computed exactly as statsmodels computes it, with
    its parameter transformation, bounds and start values, its tolerances, and scipy's
    forward-difference gradient (absolute step 1e-8; a step that would leave the bounds
    is flipped, as in ``scipy.optimize.approx_derivative``). The bookkeeping is leaner:
    the value and the gradient's steps (one smoother pass each) run in one compiled call
    (:func:`analytics.ets_kernel.smooth_rows`, statsmodels' smoother transcribed; the
    Cython smoother, row by row, for a multiplicative trend), about three times as
    fast as statsmodels' own fit per iteration; scipy's L-BFGS-B routine is driven
    without ``optimize.minimize``'s wrappers (:func:`_lbfgsb_minimum`), and keeps 20
    correction pairs (:data:`_LBFGS_OPTIONS`). With ``maxcor=10`` the parameters are bit
    for bit those of ``ETSModel.fit``.
    """
    start = model.start_params if start_params is None else np.asarray(start_params)
    internal = model._convert_and_bound_start_params(start)
    bounds = model._setup_bounds()
    use_beta_star = "smoothing_trend" not in model.bounds
    if use_beta_star:
        internal[1] /= internal[0]
    use_gamma_star = "smoothing_seasonal" not in model.bounds
    if use_gamma_star:
        internal[2] /= 1 - internal[0]
    lower = np.array([b[0] for b in bounds], dtype=float)
    upper = np.array([b[1] for b in bounds], dtype=float)
    fixed = lower == upper
    is_fixed = fixed.astype(np.int64)
    fixed_values = np.where(fixed, lower, 0.0)
    free = ~fixed
    lb, ub = lower[free], upper[free]
    data = np.asarray(model.endog, dtype=float)
    nobs = model.nobs
    bounded = not np.all(np.isneginf(lb) & np.isposinf(ub))
    k = int(free.sum())
    # Row 0: the parameters; row i + 1: parameter i moved by its forward-difference step.
    points, denominators = np.empty((k + 1, k)), np.empty(k)
    yhats = np.zeros((k + 1, nobs))
    xhat = np.zeros((nobs, model._k_states_internal))
    smooth_args = (data, yhats, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
    multiplicative = model.error == "mul"
    add = np.add.reduce

    def smooth_points() -> None:
        if model.trend != "mul":  # the smoothers analytics.ets_kernel has
            smooth_rows(points, *smooth_args, model.seasonal == "mul")
            return
        for row, yhat in zip(points, yhats, strict=True):  # statsmodels', row by row
            model._smoothing_func(row, data, yhat, *smooth_args[2:])

    def objective_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        forward_points(x, lb, ub, bounded, _FD_STEP, points, denominators)
        smooth_points()
        # ETSModel._loglike_internal of each row, negated and divided by nobs as
        # LikelihoodModel.fit does. Keep the arithmetic exactly as statsmodels has it
        # (elementwise, and pairwise sums row by row): these likelihoods are flat, and a
        # last-bit difference can send L-BFGS-B to another local optimum.
        # (np.add.reduce is what np.mean and np.sum call, without their dispatch cost.)
        res = (data - yhats) / yhats if multiplicative else data - yhats
        llf = -nobs / 2 * (np.log(2 * np.pi * (add(res**2, axis=1) / nobs)) + 1)
        if multiplicative:
            yhats[yhats == 0] = 1e-32
            llf -= add(np.log(np.abs(yhats)), axis=1)
        f = -llf / nobs
        return f[0], (f[1:] - f[0]) / denominators

    x0 = np.clip(internal[free], lb, ub)
    fitted = internal.copy()
    fitted[fixed] = fixed_values[fixed]
    fitted[free] = _lbfgsb_minimum(objective_and_gradient, x0, lb, ub, maxiter)
    if use_beta_star:
        fitted[1] *= fitted[0]
    if use_gamma_star:
        fitted[2] *= 1 - fitted[0]
    return model._model_params(fitted)


def _lbfgsb_minimum(
    objective, x0: np.ndarray, lb: np.ndarray, ub: np.ndarray, maxiter: int
) -> np.ndarray:
    """Where ``optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", ...)`` stops.

    scipy's routine (``setulb``) is driven here as ``_minimize_lbfgsb`` drives it: the
    same arguments, the objective evaluated first at ``x0`` and then at each point the
    routine asks for (once per point), the same iteration and evaluation limits. Only
    the wrappers around each evaluation are left out, a fifth of a fit's time. Should
    scipy change the routine's interface, ``optimize.minimize`` takes over.
    """
    options = {**_LBFGS_OPTIONS, "maxiter": maxiter, "maxfun": _LBFGS_MAXFUN}
    if _lbfgsb is None:
        return _minimize_lbfgsb(objective, x0, lb, ub, options)
    m, n = options["maxcor"], len(x0)
    factr = options["ftol"] / np.finfo(float).eps
    has_lower, has_upper = np.isfinite(lb), np.isfinite(ub)
    # setulb's bound codes: 0 none, 1 lower only, 2 both, 3 upper only.
    kinds = np.where(has_lower, np.where(has_upper, 2, 1), np.where(has_upper, 3, 0))
    nbd = kinds.astype(np.int32)
    low, high = np.where(has_lower, lb, 0.0), np.where(has_upper, ub, 0.0)
    x = np.array(x0, dtype=np.float64)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m)
    iwa = np.zeros(3 * n, dtype=np.int32)
    task, ln_task = np.zeros(2, dtype=np.int32), np.zeros(2, dtype=np.int32)
    lsave, isave, dsave = np.zeros(4, np.int32), np.zeros(44, np.int32), np.zeros(29)
    at = x.copy()  # where f and gradient were last evaluated
    f, gradient = objective(at.copy())
    evaluations, iterations = 1, 0
    while True:
        g = np.array(gradient, dtype=np.float64)  # setulb may write in the array it gets
        try:
            _lbfgsb.setulb(
                m, x, low, high, nbd, f, g, factr, options["gtol"], wa, iwa, task,
                lsave, isave, dsave, options["maxls"], ln_task,
            )  # fmt: skip
        except (TypeError, ValueError):  # pragma: no cover - another scipy's interface
            return _minimize_lbfgsb(objective, x0, lb, ub, options)
        if task[0] == 3:  # the routine wants f and g at x
            if not np.array_equal(x, at):
                at = x.copy()
                f, gradient = objective(at.copy())
                evaluations += 1
        elif task[0] == 1:  # a new iterate: stop at the limits, as minimize does
            iterations += 1
            if iterations >= options["maxiter"]:
                task[:] = 5, 504
            elif evaluations > options["maxfun"]:
                task[:] = 5, 502
        else:
            return x


def _minimize_lbfgsb(objective, x0, lb, ub, options: dict) -> np.ndarray:
    bounds = list(zip(lb, ub, strict=True))
    found = optimize.minimize(
        objective, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options
    )
    return found.x


def _aicc(model: ETSModel, params: np.ndarray) -> float:
    """AICc exactly as ``ETSResults.aicc``: k = free parameters + 1 (the error variance)."""
    with np.errstate(all="ignore"):
        llf = model.loglike(params)
    return float(eval_measures.aicc(llf, model.nobs, model.k_params + 1))


def _results(model: ETSModel, params: np.ndarray):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = model.smooth(params)
    if not (np.isfinite(res.llf) and np.isfinite(res.aicc)):
        raise ValueError("the model did not produce a finite likelihood")
    return res


def _fit_ets(y: np.ndarray, spec: ETSSpec, m: int, start_params=None, maxiter: int = MAXITER):
    model = _ets_model(y, spec, m)
    return _results(model, _fit_params(model, start_params, maxiter))


def select_ets(y: np.ndarray, m: int, maxiter: int = MAXITER):
    """Fit every :func:`candidate_specs` model and keep the lowest AICc.

    Returns ``(spec, results, {name: aicc})``; ``spec`` is None when no candidate could
    be fitted. AICc is :math:`-2\\log L + 2k + 2k(k+1)/(n-k-1)` with ``k`` the number of
    estimated parameters plus one, as statsmodels computes it (Hyndman et al. 2008, §7.1).
    Selection happens once, on the full history.

    Candidates are fitted simplest first, and each starts its maximum-likelihood search
    from the best (highest likelihood) of statsmodels' default start and the optimum of
    every simpler candidate already fitted, carried over (:func:`_carried_start`): a new
    trend or season starts flat, a damping factor at 0.98, additive and multiplicative
    seasonal states are converted. A richer model thus starts no worse than the simpler
    model it contains — so its AICc reflects its structure, not a lost optimiser — and
    the fits take about half the iterations.
    """
    best: tuple | None = None
    scores: dict[str, float] = {}
    fitted: list[tuple[ETSSpec, list[str], np.ndarray]] = []
    for spec in candidate_specs(y, m):
        try:
            model = _ets_model(y, spec, m)
            start = _best_start(model, spec, fitted)
            params = _fit_params(model, start, maxiter=maxiter)
            score = _aicc(model, params)
        except Exception:  # noqa: BLE001 - a candidate that cannot be fitted is skipped
            continue
        if not np.isfinite(score):
            continue
        fitted.append((spec, list(model.param_names), np.asarray(params, dtype=float)))
        scores[spec.name] = score
        if best is None or score < best[0]:
            best = (score, spec, model, params)
    if best is None:
        return None, None, scores
    _, spec, model, params = best
    try:
        return spec, _results(model, params), scores
    except Exception:  # noqa: BLE001 - reported as "no model could be fitted"
        return None, None, scores


def _contains(spec: ETSSpec, simpler: ETSSpec) -> bool:
    """Whether ``spec`` has every component of ``simpler`` (the error type may differ)."""
    return (
        (spec.trend is not None or simpler.trend is None)
        and (spec.damped or not simpler.damped)
        and (spec.seasonal is not None or simpler.seasonal is None)
        and spec != simpler
    )


def _carried_start(
    model: ETSModel, spec: ETSSpec, simpler: ETSSpec, names: list[str], params: np.ndarray
) -> np.ndarray:
    """Start values for ``model`` from a simpler candidate's fitted parameters."""
    start = dict(zip(model.param_names, np.asarray(model.start_params, dtype=float), strict=True))
    fitted = dict(zip(names, params, strict=True))
    for name in start.keys() & fitted.keys():
        start[name] = fitted[name]
    if spec.seasonal and simpler.seasonal and spec.seasonal != simpler.seasonal:
        level = fitted["initial_level"]
        for i in range(spec.season_length):
            key = f"initial_seasonal.{i}"
            start[key] = (
                1.0 + fitted[key] / level if spec.seasonal == "mul" else (fitted[key] - 1.0) * level
            )
    return np.array([start[name] for name in model.param_names])


def _best_start(
    model: ETSModel, spec: ETSSpec, fitted: list[tuple[ETSSpec, list[str], np.ndarray]]
) -> np.ndarray | None:
    """The start (None: statsmodels' default) with the highest log-likelihood."""
    best_start, best_llf = None, _start_llf(model, np.asarray(model.start_params, dtype=float))
    for simpler, names, params in fitted:
        if not _contains(spec, simpler):
            continue
        try:
            start = _carried_start(model, spec, simpler, names, params)
        except (KeyError, ZeroDivisionError, ValueError):
            continue
        llf = _start_llf(model, start)
        if llf > best_llf:
            best_start, best_llf = start, llf
    return best_start


def _start_llf(model: ETSModel, params: np.ndarray) -> float:
    """Log-likelihood at a start, once moved inside the bounds as the fit will move it."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            llf = float(
                model.loglike(model._model_params(model._convert_and_bound_start_params(params)))
            )
        except Exception:  # noqa: BLE001 - an unusable start is not taken
            return -np.inf
    return llf if np.isfinite(llf) else -np.inf


_RNG_ARG = "rng" if "rng" in inspect.signature(ETSResults.simulate).parameters else None


def _sim_kwargs(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    if _RNG_ARG is None:  # statsmodels < 0.15 calls it random_state
        return {"random_state": rng}
    return {"rng": rng}


def _ets_bands(res, n: int, steps: int, seed: int) -> dict[str, np.ndarray]:
    """Mean and 80%/95% bands: ``summary_frame(alpha)``'s ``mean``, ``pi_lower`` and
    ``pi_upper``, computed as ``PredictionResults.pred_int`` computes them but on arrays
    (its frames cost twice the prediction)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        wrapped = res.get_prediction(start=n, end=n + steps - 1, **_sim_kwargs(seed))
        pred = getattr(wrapped, "_results", wrapped)  # the wrapper would re-index arrays
        mean = np.asarray(pred.predicted_mean, dtype=float)
        bands = {"mean": mean}
        for level, alpha in ((80, 0.20), (95, 0.05)):
            if pred.method == "simulated":
                paths = np.asarray(pred.simulation_results, dtype=float)
                lower = np.quantile(paths, alpha / 2, axis=1)
                upper = np.quantile(paths, 1 - alpha / 2, axis=1)
            else:
                half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(np.asarray(pred.forecast_variance))
                lower, upper = mean - half, mean + half
            bands[f"lo{level}"], bands[f"hi{level}"] = lower, upper
    return bands


def _ets_paths(res, steps: int, n_paths: int, seed: int) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        sim = res.simulate(steps, anchor="end", repetitions=n_paths, **_sim_kwargs(seed + 1))
    return np.asarray(sim, dtype=float).reshape(steps, n_paths).T


# -- simple methods -------------------------------------------------------------------------


def _simple_parts(y: np.ndarray, method: str, m: int) -> tuple[np.ndarray, float, float]:
    """Residuals, drift and residual standard deviation of a simple method."""
    lag = m if method == "seasonal_naive" else 1
    resid = y[lag:] - y[:-lag]
    drift = 0.0
    if method == "drift":
        drift = (y[-1] - y[0]) / (len(y) - 1)
        resid = resid - drift
    k = 1 if method == "drift" else 0
    dof = max(len(resid) - k, 1)
    sigma = float(np.sqrt(np.sum(resid**2) / dof)) if len(resid) else float("nan")
    return resid, drift, sigma


def simple_forecast(y: np.ndarray, method: str, steps: int, m: int = 1) -> dict[str, np.ndarray]:
    r"""Naive, drift or seasonal-naive point forecasts with Gaussian prediction intervals.

    With residual standard deviation :math:`\hat\sigma` of the one-step (or one-season)
    forecasts (Hyndman & Athanasopoulos, *FPP3* §5.5, table 5.2):

    * naive: :math:`\hat y_{T+h} = y_T`, :math:`\sigma_h = \hat\sigma\sqrt h`;
    * drift: :math:`\hat y_{T+h} = y_T + h\,(y_T - y_1)/(T-1)`,
      :math:`\sigma_h = \hat\sigma\sqrt{h(1 + h/(T-1))}`;
    * seasonal naive: :math:`\hat y_{T+h} = y_{T+h-m(k+1)}`,
      :math:`\sigma_h = \hat\sigma\sqrt{k+1}`, :math:`k = \lfloor (h-1)/m \rfloor`.

    Intervals are :math:`\hat y \pm z\,\sigma_h`.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    h = np.arange(1, steps + 1)
    _, drift, sigma = _simple_parts(y, method, m)
    if method == "seasonal_naive":
        k = (h - 1) // m
        mean = y[n - m + (h - 1) % m]
        sd = sigma * np.sqrt(k + 1)
    elif method == "drift":
        mean = y[-1] + drift * h
        sd = sigma * np.sqrt(h * (1 + h / (n - 1)))
    else:
        mean = np.full(steps, y[-1])
        sd = sigma * np.sqrt(h)
    out = {"mean": mean.astype(float)}
    for level in LEVELS:
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lo{level}"] = mean - z * sd
        out[f"hi{level}"] = mean + z * sd
    return out


def _simple_paths(
    y: np.ndarray, method: str, steps: int, m: int, n_paths: int, seed: int
) -> np.ndarray:
    """Sample paths whose margins match :func:`simple_forecast`'s Gaussian intervals."""
    rng = np.random.default_rng(seed)
    _, drift, sigma = _simple_parts(y, method, m)
    e = rng.normal(0.0, sigma, size=(n_paths, steps))
    if method == "seasonal_naive":
        paths = np.empty((n_paths, steps))
        for i in range(steps):
            base = y[len(y) - m + i] if i < m else paths[:, i - m]
            paths[:, i] = base + e[:, i]
        return paths
    h = np.arange(1, steps + 1)
    if method == "drift":
        # Drift estimation error, so the path variance matches sigma^2 h (1 + h/(T-1)).
        c = drift + rng.normal(0.0, sigma / np.sqrt(len(y) - 1), size=(n_paths, 1))
        return y[-1] + c * h + np.cumsum(e, axis=1)
    return y[-1] + np.cumsum(e, axis=1)


def choose_simple_method(y: np.ndarray, m: int) -> str:
    """Seasonal naive for seasonal-length data with two full cycles, else drift from 12
    values, else naive."""
    if m > 1 and len(y) >= 3 * m and is_seasonal(y, m):
        return "seasonal_naive"
    if len(y) >= MIN_ETS_POINTS:
        return "drift"
    return "naive"


# -- backtest -------------------------------------------------------------------------------


def backtest_origins(n: int, horizon: int, min_train: int, origins: int) -> list[int]:
    """Forecast origins (training lengths) for a rolling-origin backtest.

    The last origin leaves one full horizon of held-out data; earlier origins step back by
    half a horizon (so test windows overlap). Origins whose training data would be
    shorter than ``min_train`` are dropped.
    """
    step = max(1, math.ceil(horizon / 2))
    out = [n - horizon - k * step for k in range(origins)]
    return sorted(o for o in out if o >= min_train)


def _mase_scale(y: np.ndarray, m: int) -> float:
    lag = m if (m > 1 and len(y) >= 2 * m) else 1
    diffs = np.abs(y[lag:] - y[:-lag])
    return float(np.mean(diffs)) if len(diffs) else float("nan")


def _evaluate(
    y: np.ndarray, origins: list[int], horizon: int, predict, m: int
) -> tuple[float | None, float | None, float | None, int, int]:
    errors, in80, in95 = [], [], []
    used = 0
    for origin in origins:
        steps = min(horizon, len(y) - origin)
        try:
            bands = predict(y[:origin], steps)
        except Exception:  # noqa: BLE001 - a failed origin is left out of the scores
            continue
        used += 1
        actual = y[origin : origin + steps]
        errors.extend(np.abs(actual - bands["mean"]))
        in80.extend((actual >= bands["lo80"]) & (actual <= bands["hi80"]))
        in95.extend((actual >= bands["lo95"]) & (actual <= bands["hi95"]))
    if not errors:
        return None, None, None, 0, 0
    scale = _mase_scale(y, m)
    mase = float(np.mean(errors) / scale) if scale and np.isfinite(scale) else None
    return mase, float(np.mean(in80)), float(np.mean(in95)), used, len(errors)


# -- the forecast -----------------------------------------------------------------------------


def _clip(bands: dict[str, np.ndarray], bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    for key, arr in bands.items():
        bands[key] = np.clip(arr, lo, hi) if (lo is not None or hi is not None) else arr


def forecast_series(
    series: pd.DataFrame | pd.Series,
    frequency: str,
    *,
    horizon: int | None = None,
    bounds: tuple[float | None, float | None] = (None, None),
    backtest: bool = True,
    origins: int = BACKTEST_ORIGINS,
    path_steps: int | None = None,
    n_paths: int = N_PATHS,
    max_length: int | None = None,
    maxiter: int = MAXITER,
    seed: int = 0,
) -> ForecastResult:
    """Forecast a series with 80% and 95% prediction intervals and score it on a backtest.

    Method
    ------
    1. Data: :func:`contiguous_history` (interpolate short gaps, keep the stretch after
       the last long gap, cap the length).
    2. Method: with fewer than 3 values, no forecast (``error`` says why). With fewer
       than :data:`MIN_ETS_POINTS` (12) values, or when at least 30% of values are zero
       (intermittent series, where ETS likelihoods break down), a simple method from
       :func:`choose_simple_method`. Otherwise ETS: every :func:`candidate_specs` model is
       fitted by maximum likelihood (:data:`MAXITER` L-BFGS iterations at most, simplest
       first, each from the better of the default start and a simpler candidate's
       optimum) and the lowest AICc wins (:func:`select_ets`). If no candidate fits, a simple method.
    3. Bands: ``ETSResults.get_prediction(start, end).summary_frame(alpha)`` with
       ``alpha`` 0.20 and 0.05 gives ``mean``, ``pi_lower``, ``pi_upper`` (analytic for
       additive models, from 1,000 simulated paths for multiplicative ones); simple
       methods use :func:`simple_forecast`. All are clipped to ``bounds`` (e.g. ``(0,
       None)`` for counts, ``(0, 100)`` for percentages).
    4. Track record: the *chosen* specification is refitted (starting from the full-data
       parameters) at up to ``origins`` (4) rolling origins (:func:`backtest_origins`),
       each forecasting one horizon ahead. ``mase`` is the mean absolute error over all
       held-out points divided by the in-sample mean absolute seasonal-naive difference
       of the whole history (lag ``m`` when there are two full cycles, else lag 1;
       Hyndman & Koehler 2006). ``coverage80``/``coverage95`` are the shares of held-out
       values inside the 80%/95% intervals: a well-calibrated 80% band covers about 80%.
    5. Paths: with ``path_steps``, ``n_paths`` future sample paths are simulated from the
       fitted model (``ETSResults.simulate``; Gaussian random walks for the simple
       methods), clipped to ``bounds`` like the bands.

    BLAS is limited to one thread while fitting (``threadpoolctl``, when installed): the
    fits are thousands of tiny matrix operations, and on a busy two-core machine extra
    BLAS threads made them five times slower.

    Parameters
    ----------
    series : DataFrame or Series
        ``period``/``value`` frame or a Series indexed by period.
    frequency : str
        The measure's frequency; sets season length and horizon.
    horizon : int, optional
        Periods ahead; default :func:`analytics.periods.forecast_horizon` (month 12, week
        26, quarter 8, day 60, year 3).
    bounds : tuple
        Natural ``(lower, upper)`` bounds of the values.
    backtest : bool
        Skip the backtest for a cheaper on-demand forecast.

    References
    ----------
    Hyndman, R. J., Koehler, A. B., Ord, J. K., Snyder, R. D. (2008). *Forecasting with
    Exponential Smoothing: The State Space Approach*. Springer.
    Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of forecast accuracy.
    *International Journal of Forecasting* 22, 679–688.
    Hyndman, R. J., Athanasopoulos, G. (2021). *Forecasting: Principles and Practice*,
    3rd ed., ch. 5 and 8. OTexts.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast(
            series,
            frequency,
            horizon=horizon,
            bounds=bounds,
            backtest=backtest,
            origins=origins,
            path_steps=path_steps,
            n_paths=n_paths,
            max_length=max_length,
            maxiter=maxiter,
            seed=seed,
        )


def _forecast(
    series,
    frequency: str,
    *,
    horizon: int | None,
    bounds: tuple[float | None, float | None],
    backtest: bool,
    origins: int,
    path_steps: int | None,
    n_paths: int,
    max_length: int | None,
    maxiter: int,
    seed: int,
) -> ForecastResult:
    h = horizon or forecast_horizon(frequency)
    m = season_length(frequency)
    try:
        y_series, notes = contiguous_history(series, frequency, max_length)
    except Exception as exc:  # noqa: BLE001 - reported as the forecast's reason
        return failed(f"The series could not be prepared for forecasting ({exc}).", frequency)
    y = y_series.to_numpy(dtype=float)
    n = len(y)
    if n < MIN_POINTS:
        return failed(
            f"A forecast needs at least {MIN_POINTS} recent values without long gaps; "
            f"there are {n}.",
            frequency,
        )
    periods = grid_after(y_series.index[-1], frequency, max(h, path_steps or 0))
    steps_paths = path_steps or 0

    spec = res = None
    scores: dict[str, float] = {}
    zero_share = float(np.mean(y == 0))
    if n < MIN_ETS_POINTS:
        notes.append(f"Only {n} values: a simple method is used instead of ETS.")
    elif zero_share >= INTERMITTENT_ZERO_SHARE:
        notes.append(
            f"{zero_share:.0%} of values are zero (intermittent): a simple method is used."
        )
    else:
        spec, res, scores = select_ets(y, m, maxiter)
        if spec is None:
            notes.append("No exponential-smoothing model could be fitted: a simple method is used.")

    if spec is not None:
        method = "ets"
        model_name = spec.name
        aicc = float(res.aicc)
        bands = _ets_bands(res, n, h, seed)
        start_params = np.asarray(res.params)

        def predict(train, steps):
            fit = _fit_ets(train, spec, m, start_params=start_params, maxiter=maxiter)
            return _ets_bands(fit, len(train), steps, seed)

        min_train = max(MIN_ETS_POINTS, 2 * m + 2 if spec.seasonal else 0)
        paths = _ets_paths(res, steps_paths, n_paths, seed) if steps_paths else None
    else:
        method = choose_simple_method(y, m) if n >= 2 else "naive"
        model_name = METHOD_LABELS[method]
        aicc = None
        bands = simple_forecast(y, method, h, m)

        def predict(train, steps):
            return simple_forecast(train, method, steps, m)

        min_train = {"seasonal_naive": 2 * m, "drift": 3, "naive": 2}[method]
        paths = _simple_paths(y, method, steps_paths, m, n_paths, seed) if steps_paths else None

    if not all(np.all(np.isfinite(v)) for v in bands.values()):
        return failed(
            f"The {model_name} model produced an unusable forecast (non-finite values).",
            frequency,
        )
    _clip(bands, bounds)
    if paths is not None:
        lo, hi = bounds
        if lo is not None or hi is not None:
            paths = np.clip(paths, lo, hi)

    mase = cov80 = cov95 = None
    used = points = 0
    if backtest:
        chosen = backtest_origins(n, h, min_train, origins)

        def clipped(train, steps):
            out = predict(train, steps)
            _clip(out, bounds)
            return out

        mase, cov80, cov95, used, points = _evaluate(y, chosen, h, clipped, m)
    frame = pd.DataFrame({"period": periods[:h], **bands})
    return ForecastResult(
        method=method,
        model=model_name,
        aicc=aicc,
        horizon=h,
        season_length=m,
        frame=frame,
        mase=mase,
        coverage80=cov80,
        coverage95=cov95,
        backtest_origins=used,
        backtest_points=points,
        training_start=y_series.index[0],
        training_end=y_series.index[-1],
        n_train=n,
        notes=notes,
        paths=paths,
        path_periods=periods[:steps_paths] if steps_paths else None,
        candidates=scores,
        params=None if spec is None else np.asarray(res.params, dtype=float),
    )
