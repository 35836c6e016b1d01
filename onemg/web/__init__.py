"""Web app factories: create_node_app(settings) and create_hub_app(settings, network)."""
