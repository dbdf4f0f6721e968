"""The one exception the course raises for bad input (its one-line display is set up by every
notebook's setup cell, see ``setup.show_errors_in_one_line``).

Every message is one line that says what is wrong and what to do about it; the command line
prints it without a traceback and exits with a non-zero code.
"""


class NSTError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class StopRequested(NSTError):
    """The user asked to stop (the playground's Stop) while a download was under way."""


def shown(text: object, limit: int = 0) -> str:
    """A name, path or address as one-line messages show it: control characters (a newline in a
    file name) escaped, and at most ``limit`` characters when ``limit`` is given."""
    value = str(text)
    if limit and len(value) > limit:
        value = value[: limit - 3] + "..."
    return value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
