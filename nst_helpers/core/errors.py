"""The one exception the course raises for bad input: one line that says what is wrong and what to do,
shown without a traceback (``setup.show_errors_in_one_line``, the command line)."""


class NSTError(Exception):
    """A problem with the user's input or environment, explained in one line (notebook 01)."""


class StopRequested(NSTError):
    """The user asked to stop (the playground's Stop) while a download was under way."""


def shown(text: object, limit: int = 0) -> str:
    """A name, path or address as one-line messages show it: control characters escaped, cut to ``limit``."""
    value = str(text)
    if limit and len(value) > limit:
        value = value[: limit - 3] + "..."
    return value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
