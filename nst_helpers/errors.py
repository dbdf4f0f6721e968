"""The one exception the course raises for bad input (its one-line display is set up by every
notebook's setup cell, see ``environment.show_errors_in_one_line``).

Every message is one line that says what is wrong and what to do about it; the command line
prints it without a traceback and exits with a non-zero code.
"""


class NSTError(Exception):
    """A problem with the user's input or environment, explained in one line."""
