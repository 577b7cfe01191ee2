"""`sim risk`: Monte Carlo over random disruptions, risk by risk and all together, and the
resilience of plans compared on the same draws."""
