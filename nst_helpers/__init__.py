"""Helpers for the neural style transfer course (Gatys, Ecker & Bethge, CVPR 2016).

The notebooks teach each piece, then import it from here; the README's Layout section lists the
modules, one job each. Importing this package does not import TensorFlow; the modules that need it
import it themselves.
"""

from nst_helpers.core.errors import NSTError

__version__ = "0.1.0"
__all__ = ["NSTError", "__version__"]
