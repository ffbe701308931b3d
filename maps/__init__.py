"""maps: folium rendering of qjnet results; self-contained (offline) HTML."""

__all__: list[str] = []
