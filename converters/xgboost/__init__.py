"""The XGBoost front end (installed as pmmlkit.converters.xgboost; the ``xgboost`` entry point of
``pmmlkit.frontends``): XGBoost's scikit-learn API and native Booster, alone or inside a
scikit-learn pipeline. Its converters are in :mod:`.boosters`; xgboost itself is imported only
when one of its models is converted (the optional extra ``pmmlkit[xgboost]``)."""
