"""Chaos drills: steady state, inject one fault, observe judged probes, revert always, time the recovery.

>>> record = run_experiment(context, DRILLS["redis-outage"])   # phases in experiment.py
>>> record.failures()                                          # the findings, each with its runbook remedy

Phases are modules, as in chaostoolkit-lib: ``steady`` (the hypothesis before
and after), ``probes`` (what the runbook expects during the fault),
``experiment`` (the run and its revert), ``drills`` (the catalogue),
``record`` (the Allure attachments, the chart and the journal's figures),
``azure`` (the Azure tier's faults, on the ``[azure]`` resources), ``marks`` (on Azure, the
drill's alert notifications held and its phases annotated on the dashboards).
Importing this package loads none of them.
"""
