"""Example Pay: a made-up payment service, to show a provider package end to end."""
