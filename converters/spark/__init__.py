"""The Spark ML front end (installed as pmmlkit.converters.spark; registered as the ``spark``
entry point of ``pmmlkit.frontends``).

:mod:`.frontend` is the front end, :mod:`.driver` walks a PipelineModel stage by stage; every
other module holds converters and lists them in its own ``converters()``, which the front end
collects. Converters follow pmmlkit's one contract (:class:`pmmlkit.context.Converter`):
``converter(stage, fields, context)`` gets the fields of the stage's input column(s) and a
:class:`.columns.StageContext`, whose ``columns`` maps every column so far to its fields;

* a transformer's returns the fields of its output column(s), which the driver names after
  them (a converter whose output columns are vectors of different sizes sets
  ``context.columns[name]`` itself);
* a model's calls ``context.classification_target(context.columns.classes(stage.getLabelCol(),
  stage.numClasses))`` or ``context.regression_target()`` and returns its model element.
"""
