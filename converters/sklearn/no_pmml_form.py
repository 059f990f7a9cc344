"""scikit-learn classes that have no PMML form, with why and the nearest supported alternative.

The registry adds these reasons to its "no converter" error, so that a user learns that waiting
for a converter will not help, and what to fit instead.
"""

from __future__ import annotations

# public module + class name -> why there is no PMML form, and what to use instead.
REASONS: dict[str, str] = {
    "sklearn.neighbors.RadiusNeighborsClassifier":
        "its number of neighbours varies per row (none may be in range), which PMML cannot state; "
        "use KNeighborsClassifier",
    "sklearn.neighbors.RadiusNeighborsRegressor":
        "its number of neighbours varies per row (none may be in range), which PMML cannot state; "
        "use KNeighborsRegressor",
    "sklearn.neighbors.LocalOutlierFactor":
        "its scores compare local densities of the whole training set; use IsolationForest or OneClassSVM",
    "sklearn.neighbors.KernelDensity": "it has no predict; use GaussianNB for class densities",
    "sklearn.cluster.DBSCAN": "it has no predict for new rows; use KMeans, MeanShift or BisectingKMeans",
    "sklearn.cluster.HDBSCAN": "it has no predict for new rows; use KMeans, MeanShift or BisectingKMeans",
    "sklearn.cluster.OPTICS": "it has no predict for new rows; use KMeans, MeanShift or BisectingKMeans",
    "sklearn.cluster.AgglomerativeClustering":
        "it has no predict for new rows; use KMeans or BisectingKMeans",
    "sklearn.cluster.SpectralClustering": "it has no predict for new rows; use KMeans",
    "sklearn.decomposition.KernelPCA":
        "its transform centres a kernel against every training row; use PCA (after PolynomialFeatures for "
        "a polynomial kernel)",
    "sklearn.decomposition.NMF":
        "its transform solves an optimisation per row; use PCA or TruncatedSVD",
    "sklearn.decomposition.MiniBatchNMF":
        "its transform solves an optimisation per row; use PCA or TruncatedSVD",
    "sklearn.decomposition.LatentDirichletAllocation":
        "its transform runs variational inference per row; use TruncatedSVD",
    "sklearn.decomposition.DictionaryLearning":
        "its transform solves a sparse coding problem per row; use PCA",
    "sklearn.decomposition.MiniBatchDictionaryLearning":
        "its transform solves a sparse coding problem per row; use PCA",
    "sklearn.manifold.TSNE": "it has no transform for new rows; use PCA",
    "sklearn.manifold.SpectralEmbedding": "it has no transform for new rows; use PCA",
    "sklearn.manifold.MDS": "it has no transform for new rows; use PCA",
}


def no_pmml_form(cls: type) -> str | None:
    """Why ``cls`` has no PMML form and what to use instead, or None when it might get a converter."""
    module = cls.__module__.split(".")
    while len(module) > 1 and module[-1].startswith("_"):
        module.pop()
    return REASONS.get(f"{'.'.join(module)}.{cls.__qualname__}")
