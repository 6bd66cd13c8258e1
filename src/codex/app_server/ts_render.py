"""TypeScript rendering for ``schema_gen`` (filled in below)."""


def render(model: dict, experimental: bool) -> dict[str, str]:
    raise NotImplementedError
