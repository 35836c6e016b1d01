"""Privacy: defences against re-identification, and the attack harness that measures them."""
