"""The LightGBM front end (installed as pmmlkit.converters.lightgbm; the ``lightgbm`` entry point of
``pmmlkit.frontends``): LightGBM's scikit-learn API and native Booster, alone or inside a
scikit-learn pipeline. Its converters are in :mod:`.boosters`; lightgbm itself is imported only
when one of its models is converted (the optional extra ``pmmlkit[lightgbm]``)."""
