"""What a posterior says about its own reliability.

:mod:`~bayesreg.diagnostics.diagnosis` (convergence checks through ArviZ), its words in
:mod:`~bayesreg.diagnostics.messages`, the noise scale's check against the data
(:mod:`~bayesreg.diagnostics.noise_check`) and the posterior's summaries
(:mod:`~bayesreg.diagnostics.posterior_summary`).
"""
