"""Helpers of the Streamlit app: levers to overrides, runs to small records, pictures.

Nothing here models the network: levers become `--set` overrides and runs go through
`sim.api`, exactly as on the command line.
"""
