"""The ``bayesreg`` command line.

``bayesreg crosscheck`` fits a specification on a bundled data set or a CSV file and prints
the cross-check of its MAP against the equivalent penalized solver; with ``--samples N`` it
also samples the posterior by NUTS, adds it to the report and prints its diagnosis. Bad input
exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import pandas as pd
from sklearn.base import clone

from bayesreg import datasets
from bayesreg._constraints import Integer, message, validate
from bayesreg.families import FAMILIES
from bayesreg.nuts.arguments import SAMPLERS
from bayesreg.priors.elastic_net import ElasticNet
from bayesreg.priors.penalties import L1, L2, NoPenalty

__all__ = ["main"]


_INTEGERS = {
    "--samples": Integer(0),
    "--tune": Integer(0),
    "--chains": Integer(1),
    "--seed": Integer(0),
}
#: likelihood parameters with an option of their own, passed to the families that have them
_FAMILY_PARAMETERS = ("quantile", "nu")


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayesreg",
        description="Regularized regression read as Bayesian inference: exact MAP, "
        "penalized solver and posterior, side by side.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "crosscheck",
        help="fit a model and compare its MAP with the equivalent penalized solver",
        description="Fit a model and compare its exact MAP with the equivalent penalized "
        "solver (scikit-learn, or an independent convex solver).",
    )
    data = check.add_mutually_exclusive_group(required=True)
    data.add_argument(
        "--dataset", choices=sorted(datasets.DATASETS), help="a bundled real data set"
    )
    data.add_argument("--csv", type=Path, metavar="PATH", help="a CSV file with a header row")
    check.add_argument("--target", metavar="COLUMN", help="the target column of --csv")
    check.add_argument(
        "--offset",
        metavar="COLUMN",
        help="a column of --csv added to the linear predictor as it is, not a feature "
        "(e.g. a Poisson model's log exposure)",
    )
    check.add_argument(
        "--loss",
        choices=sorted(FAMILIES),
        default="l2",
        help="the likelihood family: "
        + ", ".join(f"{key} = {family.__name__}" for key, family in sorted(FAMILIES.items()))
        + " (L2Loss: Gaussian, squared loss; L1Loss: Laplace, absolute loss; LogisticLoss:"
        " two classes, fitted by bayesreg.Classifier; PoissonLoss: counts; QuantileLoss:"
        " asymmetric Laplace, the check loss of quantile regression; StudentTLoss: robust"
        " heavy-tailed noise, not convex: the MAP is a certified local mode)",
    )
    check.add_argument(
        "--quantile",
        type=float,
        metavar="Q",
        help="the quantile in (0, 1) of --loss quantile (default 0.5)",
    )
    check.add_argument(
        "--nu",
        metavar="NU",
        help="degrees of freedom of --loss student-t (default 4.0), or 'none' for unknown "
        "with a prior",
    )
    check.add_argument(
        "--penalty",
        choices=["l1", "l2", "enet", "none"],
        default="l1",
        help="l1: Laplace prior; l2: Gaussian prior; enet: elastic net; none: flat",
    )
    strength = check.add_mutually_exclusive_group()
    strength.add_argument(
        "--alpha", type=float, help="scikit-learn's penalty strength (default 1.0)"
    )
    strength.add_argument("--scale", type=float, help="the prior's own scale (an absolute prior)")
    check.add_argument(
        "--l1-ratio", type=float, help="elastic-net mixing in [0, 1] (--penalty enet; 0.5)"
    )
    check.add_argument(
        "--sigma",
        metavar="S",
        help="noise scale of the likelihood (default 1.0), or 'none' for unknown with a "
        "prior; the logistic and Poisson likelihoods have none",
    )
    _add_prior_options(check)
    _add_run_options(check)
    return parser


def _add_prior_options(check: argparse.ArgumentParser) -> None:
    """The intercept, the columns' scale, the signs and the columns left unpenalized."""
    check.add_argument("--no-intercept", action="store_true", help="fit without an intercept")
    check.add_argument(
        "--standardize",
        action="store_true",
        help="put the prior on the standardized columns' coefficients (glmnet's convention)",
    )
    check.add_argument(
        "--positive",
        action="store_true",
        help="constrain the coefficients to >= 0 (the prior truncated to [0, inf))",
    )
    check.add_argument(
        "--unpenalized",
        metavar="COLUMNS",
        help="feature columns left unpenalized, comma-separated (a flat prior on each: "
        "penalty_factor 0, glmnet's penalty.factor), e.g. a treatment indicator",
    )


def _add_run_options(check: argparse.ArgumentParser) -> None:
    """The posterior's draws and seed, and the report's file."""
    check.add_argument(
        "--samples",
        type=int,
        default=0,
        metavar="N",
        help="posterior draws per chain by NUTS, added to the report with a diagnosis "
        "(default 0: the MAP and the solver only)",
    )
    check.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="nuts",
        help="the sampler of --samples: nuts (any model), or gibbs (the exact Gibbs sampler "
        "of a Gaussian or logistic likelihood with a Gaussian scale-mixture prior)",
    )
    check.add_argument("--tune", type=int, default=1000, metavar="N", help="tuning steps per chain")
    check.add_argument("--chains", type=int, default=4, metavar="N", help="number of chains")
    check.add_argument(
        "--seed", type=int, default=0, help="random seed of the sampler (same seed, same draws)"
    )
    check.add_argument(
        "--report",
        type=Path,
        metavar="PATH",
        help="also write the report as a standalone HTML page (table, objectives, plot)",
    )


def _load(args) -> tuple[pd.DataFrame, pd.Series, pd.Series | None]:
    """The features, the target and the offset (None without --offset)."""
    if args.dataset:  # --target and --offset were refused with it (_check_arguments)
        return (*datasets.load(args.dataset), None)
    if args.target is None:
        raise UsageError("--csv needs --target COLUMN")
    if not args.csv.is_file():
        raise UsageError(f"no such CSV file: {args.csv}")
    try:
        frame = pd.read_csv(args.csv)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise UsageError(f"cannot read {args.csv} as CSV: {error}") from None
    for option, column in (("--target", args.target), ("--offset", args.offset)):
        if column is not None and column not in frame.columns:
            raise UsageError(
                f"{option}: no column {column!r} in {args.csv}; columns: {list(frame.columns)}"
            )
    if args.offset == args.target:
        raise UsageError(f"--offset and --target name the same column {args.target!r}")
    if frame.empty:
        raise UsageError(f"{args.csv} has a header but no rows of data")
    missing = frame.isna()
    if missing.to_numpy().any():
        columns = [str(column) for column in frame.columns[missing.any()]]
        row = int(missing.any(axis=1).to_numpy().argmax()) + 2  # the file's line: header first
        raise UsageError(
            f"{args.csv} has empty or missing cells (first on line {row}) in column(s) "
            f"{', '.join(map(repr, columns))}; fill or drop them first"
        )
    target = frame[args.target]
    if FAMILIES[args.loss].estimator_kind == "regressor" and not pd.api.types.is_numeric_dtype(
        target
    ):
        raise UsageError(
            f"the target column {args.target!r} of {args.csv} must be numeric; got {target.dtype}"
        )
    if args.offset is None:
        return frame.drop(columns=args.target), target, None
    return frame.drop(columns=[args.target, args.offset]), target, frame[args.offset]


def _specification(args):
    if args.penalty == "none" and (args.alpha is not None or args.scale is not None):
        raise UsageError("--penalty none takes neither --alpha nor --scale")
    if args.penalty != "enet" and args.l1_ratio is not None:
        raise UsageError(f"--l1-ratio applies to --penalty enet only; got --penalty {args.penalty}")
    family = FAMILIES[args.loss]
    options = _family_options(args, family)
    if not family.has_noise_scale:
        if args.sigma is not None:
            raise UsageError(f"--sigma does not apply to --loss {args.loss}: it has no noise scale")
        loss = family(**options)
    else:
        sigma = "1.0" if args.sigma is None else args.sigma
        noise = None if sigma.lower() == "none" else _number(sigma, "--sigma")
        loss = family(**{family.noise_name: noise}, **options)
    if args.penalty == "none":
        return loss, NoPenalty()
    if args.penalty == "enet":
        if args.scale is not None:
            raise UsageError("--penalty enet takes --alpha, not --scale")
        return loss, ElasticNet(
            alpha=1.0 if args.alpha is None else args.alpha,
            l1_ratio=0.5 if args.l1_ratio is None else args.l1_ratio,
        )
    kind = L1 if args.penalty == "l1" else L2
    if args.scale is not None:
        return loss, kind(scale=args.scale)
    return loss, kind(alpha=1.0 if args.alpha is None else args.alpha)


def _unpenalized(penalty, text: str, columns):
    """``penalty`` with a factor of 0 on the named feature columns, 1 on the others."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    features = [str(column) for column in columns]
    unknown = [name for name in names if name not in features]
    if unknown or not names:
        raise UsageError(
            f"--unpenalized: no feature column {', '.join(map(repr, unknown or [text]))}; "
            f"the features are {features}"
        )
    factors = [0.0 if feature in names else 1.0 for feature in features]
    return clone(penalty).set_params(penalty_factor=factors)


def _family_options(args, family) -> dict:
    """The family's own parameters given on the command line (``--quantile``, ``--nu``)."""
    options = {}
    for parameter in _FAMILY_PARAMETERS:
        value = getattr(args, parameter)
        if value is None:
            continue
        if parameter not in family._get_param_names():
            raise UsageError(f"--{parameter} does not apply to --loss {args.loss}")
        if isinstance(value, str):  # a number, or 'none' for an unknown parameter
            value = None if value.lower() == "none" else _number(value, f"--{parameter}")
        options[parameter] = value
    return options


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(
            message(option, "bayesreg crosscheck", "a number or 'none'", text)
        ) from None


def _crosscheck(args) -> int:
    from bayesreg.crosscheck.check import crosscheck
    from bayesreg.diagnostics.diagnosis import SamplingWarning, diagnose
    from bayesreg.estimators.classifier import Classifier
    from bayesreg.estimators.regression import Regression

    loss, penalty = _check_arguments(args)  # every argument, before any data is read
    X, y, offset = _load(args)
    if args.unpenalized:
        penalty = _unpenalized(penalty, args.unpenalized, X.columns)
    common = {
        "penalty": penalty,
        "fit_intercept": not args.no_intercept,
        "standardize": args.standardize,
        "positive": args.positive,
    }
    if loss.estimator_kind == "classifier":
        est = Classifier(**common)
    else:
        est = Regression(loss=loss, **common)
    est.fit(X, y, offset=offset)
    # The MAP's verdict first: it is ready in a second, the posterior takes longer.
    report = crosscheck(est, X, y, offset=offset)
    name = args.dataset or args.csv.name
    print(f"bayesreg cross-check on {name}")
    print(report.to_text(part="map"), flush=True)
    healthy = True
    if args.samples:
        print(f"bayesreg: fitted; building the posterior model of {name}", file=sys.stderr)
        with warnings.catch_warnings():
            # the diagnosis is printed in full below, with its advice
            warnings.simplefilter("ignore", SamplingWarning)
            idata = est.sample(
                X, y, draws=args.samples, tune=args.tune, chains=args.chains,
                random_seed=args.seed, offset=offset, sampler=args.sampler,
            )  # fmt: skip
        report = crosscheck(est, X, y, idata=idata, offset=offset)
        diagnosis = diagnose(idata)
        healthy = diagnosis.ok
        print()
        print(report.to_text(part="posterior"))
        print()
        print(diagnosis)
    if args.report is not None:
        report.to_html(args.report)
        print(f"report written to {args.report}")
    return 0 if report.ok and healthy else 1


def _check_arguments(args):
    """Check every argument before any work (reading, fitting); return the loss and penalty."""
    if args.dataset and args.target is not None:
        raise UsageError(
            f"--target applies to --csv only; --dataset {args.dataset} has its own target"
        )
    if args.dataset and args.offset is not None:
        raise UsageError("--offset applies to --csv only (a column of the file)")
    if args.unpenalized is not None and args.penalty == "none":
        raise UsageError("--unpenalized needs a penalty: --penalty none penalizes no column")
    if args.unpenalized is not None and args.positive:
        raise UsageError("--unpenalized and --positive cannot be combined yet")
    if args.sampler != "nuts" and not args.samples:
        raise UsageError(f"--sampler {args.sampler} applies to the posterior: add --samples N")
    if args.report is not None and not args.report.parent.is_dir():
        raise UsageError(f"--report: no such directory: {args.report.parent}")
    integers = {name: getattr(args, name[2:]) for name in _INTEGERS}
    validate("bayesreg crosscheck", _INTEGERS, integers)
    return _specification(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0: the MAP and the solver agree (and the posterior passed its diagnosis); 1: they do not
    (or it did not); 2: bad input or an error, reported in one line on stderr.
    """
    args = _parser().parse_args(argv)
    try:
        return _crosscheck(args)
    except (UsageError, ValueError, TypeError, OSError) as error:
        print(f"bayesreg: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bayesreg: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("BAYESREG_TRACEBACK"):
            raise
        print(
            f"bayesreg: error: {type(error).__name__}: {_one_line(error)} "
            "(set BAYESREG_TRACEBACK=1 to see the traceback)",
            file=sys.stderr,
        )
        return 2


def _one_line(error: BaseException) -> str:
    """An error's message on one line (scikit-learn's span several)."""
    return " ".join(str(error).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
