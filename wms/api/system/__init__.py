"""Health of the service, for load balancers and the PDA's connection indicator."""
