"""network: qjnet's model — graph building, scenarios, routing, reachability, accessibility, matrices."""

__all__: list[str] = []
