"""Running handshake on clusters: batch job scripts for sweeps, collecting their results,
and estimating the resources of a scenario before it runs.

- :mod:`.cases`: the cases of a parameter sweep (values × seeds) as ``--set`` overrides;
- :mod:`.seed_sweep`: ``handshake sweep``, a random alloy over many seeds run here, CRSS statistics;
- :mod:`.jobscript`: Slurm and PBS job-array scripts that run one case per array task;
- :mod:`.collect`: the ``summary.json`` of every case in one table and one plot;
- :mod:`.estimate`: atoms, mesh, memory and wall time of a scenario from measured costs.
"""
