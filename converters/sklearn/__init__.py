"""scikit-learn converters, keyed by estimator class.

Each converter is ``function(estimator, features, context)``: a transformer's returns the list of
its output fields, a model's returns its model element (see :class:`pmmlkit.context.Context`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def converters() -> dict[type, Callable[..., Any]]:
    from sklearn import compose as sk_compose
    from sklearn import ensemble, impute, linear_model, pipeline, svm
    from sklearn import multiclass as sk_multiclass
    from sklearn import preprocessing as sk_preprocessing
    from sklearn import tree as sk_tree

    from . import boosting, compose, encoders, features, hist, linear, preprocessing, scalers, tree
    from . import impute as imputers

    return {
        pipeline.Pipeline: compose.convert_pipeline,
        sk_compose.ColumnTransformer: compose.convert_column_transformer,
        sk_preprocessing.StandardScaler: preprocessing.convert_standard_scaler,
        sk_preprocessing.MinMaxScaler: preprocessing.convert_min_max_scaler,
        sk_preprocessing.OneHotEncoder: preprocessing.convert_one_hot_encoder,
        sk_preprocessing.MaxAbsScaler: scalers.convert_max_abs_scaler,
        sk_preprocessing.RobustScaler: scalers.convert_robust_scaler,
        sk_preprocessing.Normalizer: scalers.convert_normalizer,
        sk_preprocessing.Binarizer: scalers.convert_binarizer,
        sk_preprocessing.OrdinalEncoder: encoders.convert_ordinal_encoder,
        sk_preprocessing.KBinsDiscretizer: encoders.convert_kbins_discretizer,
        sk_preprocessing.PolynomialFeatures: features.convert_polynomial_features,
        sk_preprocessing.FunctionTransformer: features.convert_function_transformer,
        impute.SimpleImputer: imputers.convert_simple_imputer,
        linear_model.LinearRegression: linear.convert_linear_regressor,
        linear_model.Ridge: linear.convert_linear_regressor,
        linear_model.Lasso: linear.convert_linear_regressor,
        linear_model.ElasticNet: linear.convert_linear_regressor,
        linear_model.SGDRegressor: linear.convert_linear_regressor,
        linear_model.HuberRegressor: linear.convert_linear_regressor,
        linear_model.BayesianRidge: linear.convert_linear_regressor,
        svm.LinearSVR: linear.convert_linear_regressor,
        linear_model.LogisticRegression: linear.convert_logistic_regression,
        linear_model.SGDClassifier: linear.convert_linear_classifier,
        linear_model.RidgeClassifier: linear.convert_linear_classifier,
        svm.LinearSVC: linear.convert_linear_classifier,
        sk_multiclass.OneVsRestClassifier: linear.convert_one_vs_rest,
        sk_tree.DecisionTreeClassifier: tree.convert_decision_tree,
        sk_tree.DecisionTreeRegressor: tree.convert_decision_tree,
        ensemble.GradientBoostingClassifier: boosting.convert_gradient_boosting,
        ensemble.GradientBoostingRegressor: boosting.convert_gradient_boosting,
        ensemble.HistGradientBoostingClassifier: hist.convert_hist_gradient_boosting,
        ensemble.HistGradientBoostingRegressor: hist.convert_hist_gradient_boosting,
        ensemble.RandomForestClassifier: tree.convert_random_forest,
        ensemble.RandomForestRegressor: tree.convert_random_forest,
        ensemble.ExtraTreesClassifier: tree.convert_random_forest,
        ensemble.ExtraTreesRegressor: tree.convert_random_forest,
        sk_tree.ExtraTreeClassifier: tree.convert_decision_tree,
        sk_tree.ExtraTreeRegressor: tree.convert_decision_tree,
        **families(),
    }


def families() -> dict[type, Callable[..., Any]]:
    """Model families converted into modules named after scikit-learn's own."""
    from sklearn import cluster as sk_cluster
    from sklearn import decomposition as sk_decomposition
    from sklearn import discriminant_analysis as sk_discriminant_analysis
    from sklearn import feature_selection as sk_feature_selection
    from sklearn import impute as sk_impute
    from sklearn import linear_model as sk_linear_model
    from sklearn import naive_bayes as sk_naive_bayes
    from sklearn import neighbors as sk_neighbors
    from sklearn import neural_network as sk_neural_network
    from sklearn import svm as sk_svm

    from . import (
        cluster,
        decomposition,
        discriminant_analysis,
        feature_selection,
        glm,
        linear,
        missing,
        naive_bayes,
        neighbors,
        neural_network,
    )
    from . import svm as svms

    return {
        sk_naive_bayes.GaussianNB: naive_bayes.convert_gaussian_nb,
        sk_naive_bayes.MultinomialNB: naive_bayes.convert_multinomial_nb,
        sk_naive_bayes.ComplementNB: naive_bayes.convert_complement_nb,
        sk_naive_bayes.BernoulliNB: naive_bayes.convert_bernoulli_nb,
        sk_naive_bayes.CategoricalNB: naive_bayes.convert_categorical_nb,
        sk_neighbors.KNeighborsClassifier: neighbors.convert_k_neighbors_classifier,
        sk_neighbors.KNeighborsRegressor: neighbors.convert_k_neighbors_regressor,
        sk_neighbors.NearestCentroid: neighbors.convert_nearest_centroid,
        sk_neural_network.MLPClassifier: neural_network.convert_mlp_classifier,
        sk_neural_network.MLPRegressor: neural_network.convert_mlp_regressor,
        sk_cluster.KMeans: cluster.convert_kmeans,
        sk_cluster.MiniBatchKMeans: cluster.convert_kmeans,
        sk_cluster.BisectingKMeans: cluster.convert_bisecting_kmeans,
        sk_decomposition.PCA: decomposition.convert_pca,
        sk_decomposition.TruncatedSVD: decomposition.convert_truncated_svd,
        sk_impute.MissingIndicator: missing.convert_missing_indicator,
        sk_svm.SVC: svms.convert_svc,
        sk_svm.NuSVC: svms.convert_svc,
        sk_svm.SVR: svms.convert_svr,
        sk_svm.NuSVR: svms.convert_svr,
        sk_svm.OneClassSVM: svms.convert_one_class_svm,
        sk_linear_model.PoissonRegressor: glm.convert_glm,
        sk_linear_model.GammaRegressor: glm.convert_glm,
        sk_linear_model.TweedieRegressor: glm.convert_glm,
        sk_linear_model.QuantileRegressor: linear.convert_linear_regressor,
        sk_linear_model.PassiveAggressiveRegressor: linear.convert_linear_regressor,
        sk_linear_model.Perceptron: linear.convert_linear_classifier,
        sk_linear_model.PassiveAggressiveClassifier: linear.convert_linear_classifier,
        sk_discriminant_analysis.LinearDiscriminantAnalysis: discriminant_analysis.convert_lda,
        sk_discriminant_analysis.QuadraticDiscriminantAnalysis: discriminant_analysis.convert_qda,
        **{selector: feature_selection.convert_selector for selector in (
            sk_feature_selection.SelectKBest, sk_feature_selection.SelectPercentile,
            sk_feature_selection.SelectFromModel, sk_feature_selection.VarianceThreshold,
            sk_feature_selection.RFE, sk_feature_selection.RFECV, sk_feature_selection.GenericUnivariateSelect,
            sk_feature_selection.SelectFpr, sk_feature_selection.SelectFdr, sk_feature_selection.SelectFwe,
            sk_feature_selection.SequentialFeatureSelector)},
    }
