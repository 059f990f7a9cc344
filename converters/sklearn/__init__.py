"""scikit-learn converters, keyed by estimator class.

Each converter is ``function(estimator, features, context)``: a transformer's returns the list of
its output fields, a model's returns its model element (see :class:`pmmlkit.context.Context`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def converters() -> dict[type, Callable[..., Any]]:
    from sklearn import calibration as sk_calibration
    from sklearn import compose as sk_compose
    from sklearn import ensemble, impute, linear_model, pipeline, svm
    from sklearn import multiclass as sk_multiclass
    from sklearn import preprocessing as sk_preprocessing
    from sklearn import tree as sk_tree

    from . import (
        boosting,
        calibration,
        compose,
        encoders,
        feature_union,
        features,
        hist,
        linear,
        preprocessing,
        scalers,
        splines,
        target_encoder,
        target_transform,
        tree,
    )
    from . import ensemble as meta
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
        ensemble.VotingClassifier: meta.convert_voting_classifier,
        ensemble.VotingRegressor: meta.convert_voting_regressor,
        ensemble.StackingClassifier: meta.convert_stacking,
        ensemble.StackingRegressor: meta.convert_stacking,
        ensemble.BaggingClassifier: meta.convert_bagging,
        ensemble.BaggingRegressor: meta.convert_bagging,
        ensemble.AdaBoostClassifier: meta.convert_adaboost_classifier,
        ensemble.AdaBoostRegressor: meta.convert_adaboost_regressor,
        ensemble.IsolationForest: meta.convert_isolation_forest,
        sk_calibration.CalibratedClassifierCV: calibration.convert_calibrated_classifier,
        sk_compose.TransformedTargetRegressor: target_transform.convert_transformed_target,
        pipeline.FeatureUnion: feature_union.convert_feature_union,
        sk_preprocessing.TargetEncoder: target_encoder.convert_target_encoder,
        sk_preprocessing.SplineTransformer: splines.convert_spline_transformer,
    }
