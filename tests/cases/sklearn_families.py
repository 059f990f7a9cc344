"""scikit-learn model families: naive Bayes, nearest neighbours, neural networks, clustering,
decomposition and feature selection, support vector machines, generalized linear models and
discriminant analysis. Data is bundled with scikit-learn or generated here; rows at thresholds
and ties are added where the model has them."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from harness import threshold_edges
from sklearn import linear_model
from sklearn.cluster import AffinityPropagation, BisectingKMeans, KMeans, MeanShift, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, FastICA, IncrementalPCA, TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import (
    RFE,
    RFECV,
    GenericUnivariateSelect,
    SelectFdr,
    SelectFpr,
    SelectFromModel,
    SelectFwe,
    SelectKBest,
    SelectPercentile,
    SequentialFeatureSelector,
    VarianceThreshold,
    f_classif,
    f_regression,
)
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (
    RBF,
    ConstantKernel,
    DotProduct,
    Matern,
    RationalQuadratic,
    WhiteKernel,
)
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.kernel_approximation import RBFSampler
from sklearn.linear_model import (
    GammaRegressor,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    PoissonRegressor,
    QuantileRegressor,
    Ridge,
    TweedieRegressor,
)
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid
from sklearn.neural_network import BernoulliRBM, MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from sklearn.tree import DecisionTreeClassifier

from cases import Case
from cases.data import diabetes, iris, iris_binary, iris_named, numeric_nan

SEED = 11


@functools.cache
def _counts() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(SEED)
    n = 300
    y = rng.integers(0, 3, n)
    rates = np.array([[1, 4, 2, 0.5, 3], [3, 1, 1, 2, 0.5], [0.5, 2, 4, 1, 1]])
    X = pd.DataFrame(rng.poisson(rates[y]).astype(np.float64), columns=[f"w{i}" for i in range(5)])
    return X, pd.Series(np.array(["spam", "ham", "eggs"])[y], name="y")


def counts() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Word counts of three classes (string labels); scored rows add all-zero and large counts."""
    X, y = _counts()
    extra = pd.DataFrame([[0.0] * 5, [50.0, 0, 0, 0, 0], [0, 0, 0, 0, 80.0]], columns=X.columns)
    return X, y, pd.concat([X.iloc[:150], extra], ignore_index=True)


def categories() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Integer-coded categories (0..k-1) of four columns, binary labels."""
    rng = np.random.default_rng(SEED + 1)
    n = 300
    X = pd.DataFrame({"a": rng.integers(0, 3, n), "b": rng.integers(0, 4, n), "c": rng.integers(0, 2, n),
                      "d": rng.integers(0, 5, n)}).astype(np.float64)
    y = pd.Series(((X["a"] + X["b"] + rng.normal(0, 1, n)) > 2.5).astype(int), name="y")
    return X, y, X.iloc[:200]


def _edges(column_thresholds: dict[str, list[float]]):
    """Rows at, below and above the given thresholds of each column (others at their median)."""
    def rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
        frames = []
        for column, values in column_thresholds.items():
            edges = threshold_edges(np.asarray(values, dtype=np.float64))
            frame = pd.DataFrame({c: np.full(len(edges), X[c].median()) for c in X.columns})
            frame[column] = edges
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)
    return rows


NAIVE_BAYES = [
    Case("gaussian-nb", lambda: GaussianNB(), iris_named),
    Case("gaussian-nb-binary", lambda: GaussianNB(var_smoothing=1e-3), iris_binary),
    Case("gaussian-nb-priors", lambda: GaussianNB(priors=[0.5, 0.3, 0.2]), iris),
    Case("multinomial-nb", lambda: MultinomialNB(alpha=0.5), counts),
    Case("complement-nb", lambda: ComplementNB(), counts),
    Case("bernoulli-nb-binarize", lambda: BernoulliNB(binarize=3.0), iris_named,
         extra_rows=_edges({c: [3.0] for c in ("sepal_length", "sepal_width", "petal_length", "petal_width")})),
    Case("bernoulli-nb-counts", lambda: BernoulliNB(binarize=1.0, alpha=0.3), counts,
         extra_rows=_edges({"w0": [1.0], "w3": [1.0]})),
    Case("categorical-nb", lambda: CategoricalNB(alpha=0.7), categories),
]

@functools.cache
def _blobs() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + 2)
    n = 120
    labels = rng.integers(0, 3, n)
    centers = np.array([[0.0, 0.0, 1.0], [2.0, 1.0, 0.0], [1.0, 3.0, 2.0]])
    X = pd.DataFrame(centers[labels] + rng.normal(0, 0.9, (n, 3)), columns=["u", "v", "w"])
    return X, labels, X.to_numpy() @ np.array([1.5, -2.0, 0.7]) + rng.normal(0, 0.5, n)


def blobs() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Three overlapping classes in three continuous features (string labels). The scored rows
    are training rows (a neighbour at distance 0, several at once for a duplicated row) and new
    points; a duplicated training row makes a tie at the k-th distance with equal labels."""
    X, labels, _ = _blobs()
    X = pd.concat([X, X.iloc[[3, 3]]], ignore_index=True)
    y = pd.Series(np.array(["red", "green", "blue"])[np.concatenate([labels, labels[[3, 3]]])], name="y")
    rng = np.random.default_rng(SEED + 3)
    new = pd.DataFrame(rng.normal(1.0, 1.5, (60, 3)), columns=X.columns)
    return X, y, pd.concat([X.iloc[:80], new], ignore_index=True)


def blobs_regression() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    X, _, values = _blobs()
    rng = np.random.default_rng(SEED + 4)
    new = pd.DataFrame(rng.normal(1.0, 1.5, (60, 3)), columns=X.columns)
    return X, pd.Series(values, name="y"), pd.concat([X.iloc[:80], new], ignore_index=True)


def _knn(**options):
    return lambda: KNeighborsClassifier(**options)


NEIGHBORS = [
    Case("knn-uniform", _knn(), blobs),
    Case("knn-uniform-even-k", _knn(n_neighbors=4), blobs),
    Case("knn-distance", _knn(n_neighbors=7, weights="distance"), blobs),
    Case("knn-brute-uniform", _knn(n_neighbors=5, algorithm="brute"), blobs),
    Case("knn-ball-tree-distance", _knn(n_neighbors=5, weights="distance", algorithm="ball_tree"), blobs),
    Case("knn-manhattan", _knn(n_neighbors=3, metric="manhattan", weights="distance"), blobs),
    Case("knn-minkowski-p3", _knn(n_neighbors=5, p=3), blobs),
    Case("knn-chebyshev", _knn(n_neighbors=5, metric="chebyshev"), blobs),
    Case("knn-binary-scaled", lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=6)),
         iris_binary),
    Case("knn-regressor", lambda: KNeighborsRegressor(), blobs_regression),
    Case("knn-regressor-distance", lambda: KNeighborsRegressor(n_neighbors=8, weights="distance"),
         blobs_regression),
    Case("nearest-centroid", lambda: NearestCentroid(), iris_named),
    Case("nearest-centroid-manhattan", lambda: NearestCentroid(metric="manhattan"), blobs),
    # priors (and predict_proba) arrived in scikit-learn 1.6.
    *([Case("nearest-centroid-priors", lambda: NearestCentroid(priors=[0.2, 0.3, 0.5]), blobs)]
      if "priors" in NearestCentroid().get_params() else []),
]

def _mlp(model, **options):
    options = {"hidden_layer_sizes": (6,), "max_iter": 200, "random_state": 0, **options}
    return lambda: make_pipeline(StandardScaler(), model(**options))


NEURAL = [
    Case("mlp-relu", _mlp(MLPClassifier), iris_named),
    Case("mlp-tanh-two-layers", _mlp(MLPClassifier, activation="tanh", hidden_layer_sizes=(6, 4)), iris),
    Case("mlp-logistic-binary", _mlp(MLPClassifier, activation="logistic"), iris_binary),
    # Logistic hidden units and a softmax output: the shape of Spark's MultilayerPerceptronClassifier.
    Case("mlp-logistic-softmax", _mlp(MLPClassifier, activation="logistic", hidden_layer_sizes=(5, 4)), iris_named),
    Case("mlp-identity", _mlp(MLPClassifier, activation="identity"), blobs),
    Case("mlp-regressor-relu", _mlp(MLPRegressor, hidden_layer_sizes=(5, 5, 3)), blobs_regression),
    Case("mlp-regressor-tanh", _mlp(MLPRegressor, activation="tanh"), blobs_regression),
    Case("mlp-regressor-logistic", _mlp(MLPRegressor, activation="logistic"), blobs_regression),
    Case("mlp-regressor-identity", _mlp(MLPRegressor, activation="identity"), blobs_regression),
]

CLUSTERING = [
    Case("kmeans", lambda: KMeans(n_clusters=3, n_init=3, random_state=0), iris),
    Case("kmeans-scaled", lambda: make_pipeline(StandardScaler(), KMeans(n_clusters=5, n_init=3, random_state=0)),
         blobs),
    Case("mini-batch-kmeans", lambda: MiniBatchKMeans(n_clusters=4, n_init=3, random_state=0), blobs),
    Case("bisecting-kmeans", lambda: BisectingKMeans(n_clusters=5, random_state=0), blobs),
    Case("mean-shift", lambda: make_pipeline(StandardScaler(), MeanShift(bandwidth=1.2)), blobs),
    Case("affinity-propagation", lambda: AffinityPropagation(random_state=0, damping=0.9), blobs),
    Case("gaussian-mixture-full", lambda: GaussianMixture(n_components=3, random_state=0), iris),
    Case("gaussian-mixture-tied", lambda: GaussianMixture(n_components=4, covariance_type="tied", random_state=0),
         blobs),
    Case("gaussian-mixture-diag", lambda: GaussianMixture(n_components=3, covariance_type="diag", random_state=0),
         diabetes),
    Case("gaussian-mixture-spherical", lambda: make_pipeline(StandardScaler(), GaussianMixture(
        n_components=2, covariance_type="spherical", random_state=0)), blobs),
    Case("bayesian-gaussian-mixture", lambda: BayesianGaussianMixture(n_components=4, random_state=0, max_iter=200),
         iris),
    Case("bayesian-gaussian-mixture-dirichlet", lambda: make_pipeline(StandardScaler(), BayesianGaussianMixture(
        n_components=3, covariance_type="diag", weight_concentration_prior_type="dirichlet_distribution",
        random_state=0)), blobs),
    Case("bisecting-kmeans-largest", lambda: BisectingKMeans(n_clusters=4, bisecting_strategy="largest_cluster",
                                                             random_state=0), iris),
]

def _then_logistic(*steps):
    return lambda: make_pipeline(*steps, LogisticRegression(max_iter=1000))


def _with_indicators(**options):
    """Imputed columns beside their missing indicators (NaNs in fit and in the scored rows)."""
    return lambda: make_pipeline(
        ColumnTransformer([("value", SimpleImputer(), ["age", "income"]),
                           ("missing", MissingIndicator(**options), ["age", "income"])]),
        StandardScaler(), LogisticRegression())


def wide() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """400 features: sums over every feature must not nest deeper than XML parsers allow."""
    rng = np.random.default_rng(SEED + 5)
    X = pd.DataFrame(rng.normal(0, 1, (80, 400)), columns=[f"f{i}" for i in range(400)])
    return X, pd.Series(X.iloc[:, :10].sum(axis=1) + rng.normal(0, 0.1, 80), name="y"), X


def coded_missing() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Blobs with -1 standing for "missing" in two columns."""
    X, y, X_eval = blobs()
    X, X_eval = X.copy(), X_eval.copy()
    X.loc[::7, "u"] = -1.0
    X.loc[::5, "w"] = -1.0
    X_eval.loc[::3, "w"] = -1.0
    return X, y, X_eval


SELECTION = [
    Case("pca", _then_logistic(StandardScaler(), PCA(n_components=2)), iris_named),
    Case("pca-whiten", lambda: make_pipeline(PCA(n_components=4, whiten=True), Ridge()), diabetes),
    Case("pca-wide", lambda: make_pipeline(PCA(n_components=3), LinearRegression()), wide),
    Case("pca-full", lambda: make_pipeline(PCA(), LinearRegression()), diabetes),
    Case("incremental-pca", lambda: make_pipeline(IncrementalPCA(n_components=3, batch_size=100), Ridge()),
         diabetes),
    Case("fast-ica", _then_logistic(FastICA(n_components=3, random_state=0)), iris),
    Case("fast-ica-unwhitened", lambda: make_pipeline(FastICA(whiten=False, random_state=0, max_iter=500),
                                                      LinearRegression()), diabetes),
    Case("bernoulli-rbm", _then_logistic(MinMaxScaler(), BernoulliRBM(n_components=4, n_iter=5, random_state=0)),
         iris_named),
    Case("gaussian-random-projection", lambda: make_pipeline(GaussianRandomProjection(n_components=4, random_state=0),
                                                             Ridge()), diabetes),
    Case("sparse-random-projection", lambda: make_pipeline(SparseRandomProjection(n_components=5, density=0.5,
                                                                                  random_state=0), Ridge()), diabetes),
    Case("rbf-sampler", _then_logistic(StandardScaler(), RBFSampler(n_components=8, gamma=0.5, random_state=0)),
         iris_named),
    Case("truncated-svd", lambda: make_pipeline(TruncatedSVD(n_components=3, random_state=0), Ridge()), diabetes),
    Case("select-k-best", _then_logistic(SelectKBest(f_classif, k=2)), iris),
    Case("select-percentile", lambda: make_pipeline(SelectPercentile(f_regression, percentile=40), Ridge()),
         diabetes),
    Case("select-from-model", lambda: make_pipeline(SelectFromModel(Lasso(alpha=0.5)), LinearRegression()),
         diabetes),
    Case("variance-threshold-nan", lambda: make_pipeline(VarianceThreshold(threshold=0.5),
                                                        HistGradientBoostingClassifier(max_iter=10)), numeric_nan),
    Case("rfe", _then_logistic(StandardScaler(), RFE(LogisticRegression(max_iter=1000), n_features_to_select=2)),
         iris_named),
    Case("rfecv", lambda: make_pipeline(RFECV(Ridge(), cv=3), Ridge()), diabetes),
    Case("generic-univariate-select", _then_logistic(GenericUnivariateSelect(f_classif, mode="k_best", param=3)),
         iris),
    Case("select-fpr-fdr-fwe", _then_logistic(SelectFpr(f_classif, alpha=0.5), SelectFdr(f_classif, alpha=0.5),
                                              SelectFwe(f_classif, alpha=0.5)), iris_binary),
    Case("sequential-feature-selector", lambda: make_pipeline(
        SequentialFeatureSelector(LinearRegression(), n_features_to_select=3, cv=2), LinearRegression()), diabetes),
    Case("select-from-model-nan", lambda: make_pipeline(
        SelectFromModel(DecisionTreeClassifier(max_depth=3, random_state=0), max_features=1),
        HistGradientBoostingClassifier(max_iter=10)), numeric_nan),
    Case("rfe-nan", lambda: make_pipeline(RFE(DecisionTreeClassifier(max_depth=3, random_state=0),
                                              n_features_to_select=1),
                                          HistGradientBoostingClassifier(max_iter=10)), numeric_nan),
    Case("missing-indicator", _with_indicators(), numeric_nan),
    Case("missing-indicator-all", _with_indicators(features="all"), numeric_nan),
    Case("missing-indicator-marker", lambda: make_pipeline(
        ColumnTransformer([("value", "passthrough", ["u", "v", "w"]),
                           ("missing", MissingIndicator(missing_values=-1.0), ["u", "v", "w"])]),
        LogisticRegression(max_iter=500)), coded_missing, extra_rows=_edges({"u": [-1.0], "w": [-1.0]})),
]

def _scaled(model, **options):
    return lambda: make_pipeline(StandardScaler(), model(**options))


SVM = [
    Case("svc-rbf", _scaled(SVC), iris_named),
    Case("svc-linear-ovo", _scaled(SVC, kernel="linear", C=0.5, decision_function_shape="ovo"), iris),
    Case("svc-break-ties", _scaled(SVC, break_ties=True, C=0.3), blobs),
    Case("svc-poly", _scaled(SVC, kernel="poly", degree=2, coef0=1.0, gamma=0.3), blobs),
    Case("svc-sigmoid-binary", _scaled(SVC, kernel="sigmoid", gamma=0.1), iris_binary),
    Case("svc-probability-binary", _scaled(SVC, probability=True, random_state=0), iris_binary),
    Case("nu-svc", _scaled(NuSVC, nu=0.3), blobs),
    Case("svr-rbf", _scaled(SVR, C=10.0), blobs_regression),
    Case("svr-linear", lambda: SVR(kernel="linear", C=2.0), blobs_regression),
    Case("svr-poly", _scaled(SVR, kernel="poly", degree=3, coef0=0.5), blobs_regression),
    Case("svr-sigmoid", _scaled(SVR, kernel="sigmoid", gamma=0.05, C=5.0), blobs_regression),
    Case("nu-svr", _scaled(NuSVR, nu=0.4), diabetes),
    # A kernel sum that cancels: the last bit of one exp (C library vs java.lang.Math) becomes 2.6e-12.
    Case("one-class-svm", _scaled(OneClassSVM, nu=0.2, gamma=0.5), blobs, engine_tolerance=1e-11),
    Case("one-class-svm-poly", lambda: OneClassSVM(kernel="poly", degree=2, nu=0.3), blobs),
]

def positive_target() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Diabetes with its (positive) target scaled down, for log-link models."""
    X, y, X_eval = diabetes()
    return X, y / 100.0, X_eval


GLM = [
    Case("poisson", lambda: PoissonRegressor(alpha=0.01), positive_target),
    Case("gamma", lambda: GammaRegressor(alpha=0.01, max_iter=300), positive_target),
    Case("tweedie-log", lambda: TweedieRegressor(power=1.5, alpha=0.01), positive_target),
    Case("tweedie-identity", lambda: TweedieRegressor(power=0.0, alpha=0.01), diabetes),
    Case("tweedie-no-intercept", lambda: TweedieRegressor(power=2.0, link="log", fit_intercept=False, alpha=0.1),
         positive_target),
    Case("quantile", lambda: QuantileRegressor(quantile=0.8, alpha=0.0), diabetes),
    Case("perceptron-binary", _scaled(Perceptron, random_state=0), iris_binary),
    Case("perceptron-multiclass", _scaled(Perceptron, random_state=0), iris_named),
    # Deprecated in scikit-learn 1.8, removed in 1.10: rows only where the class exists.
    *([Case("passive-aggressive-classifier", _scaled(linear_model.PassiveAggressiveClassifier, random_state=0),
            blobs),
       Case("passive-aggressive-regressor", _scaled(linear_model.PassiveAggressiveRegressor, random_state=0),
            diabetes)] if hasattr(linear_model, "PassiveAggressiveClassifier") else []),
    Case("lda", lambda: LinearDiscriminantAnalysis(), iris_named),
    Case("lda-binary", lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), iris_binary),
    Case("lda-eigen", lambda: LinearDiscriminantAnalysis(solver="eigen", priors=[0.2, 0.5, 0.3]), blobs),
    Case("qda", lambda: QuadraticDiscriminantAnalysis(), iris_named),
    Case("qda-binary", lambda: QuadraticDiscriminantAnalysis(reg_param=0.1), iris_binary),
]

def _gp(kernel, **options):
    return lambda: make_pipeline(StandardScaler(), GaussianProcessRegressor(kernel, random_state=0, **options))


GAUSSIAN_PROCESS = [
    # 120 kernel terms ~400 that sum to ~1: one exp's last bit (C library vs java.lang.Math) becomes 2.2e-12.
    Case("gp-rbf-white", _gp(ConstantKernel() * RBF([1.0, 1.0, 1.0]) + WhiteKernel(), normalize_y=True),
         blobs_regression, engine_tolerance=1e-11),
    Case("gp-matern", _gp(Matern(nu=1.5) + WhiteKernel(0.1)), blobs_regression),
    Case("gp-matern-half-and-five-halves", _gp(Matern(nu=0.5) * Matern(length_scale=2.0, nu=2.5) + WhiteKernel()),
         blobs_regression),
    Case("gp-rational-quadratic", _gp(RationalQuadratic() + WhiteKernel(), normalize_y=True), blobs_regression),
    Case("gp-dot-product-power", _gp(DotProduct(sigma_0=1.0) ** 2 + WhiteKernel(), normalize_y=True),
         blobs_regression),
    Case("gp-matern-infinite", _gp(Matern(nu=np.inf) + WhiteKernel(), optimizer=None), blobs_regression),
]

CASES = [*NAIVE_BAYES, *NEIGHBORS, *NEURAL, *CLUSTERING, *SELECTION, *SVM, *GLM, *GAUSSIAN_PROCESS]
