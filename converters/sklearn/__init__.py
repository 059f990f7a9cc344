"""The scikit-learn front end (installed as pmmlkit.converters.sklearn; registered as the
``sklearn`` entry point of ``pmmlkit.frontends``).

:mod:`.frontend` is the front end. Converter modules are named after scikit-learn's own modules
(``linear_model``, ``preprocessing.scalers``, ``compose``, ...); each lists its converters in its
own ``converters()``, which the front end collects. Every converter follows pmmlkit's one
contract (:class:`pmmlkit.context.Converter`): ``converter(estimator, fields, context)`` returns
its output fields (a transformer) or its model element (a model).
"""

from .no_pmml_form import no_pmml_form

__all__ = ["no_pmml_form"]
