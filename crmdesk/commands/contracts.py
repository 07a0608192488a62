"""crmdesk contracts …: placeholder until the contracts service is written."""


def register(sub, common) -> None:
    return None
