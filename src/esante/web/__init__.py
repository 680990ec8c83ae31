"""The web layer: the REST API (FastAPI) and, later, the practice console.

``create_app(settings)`` builds the application; :mod:`esante.web.server` runs it on a
socket bound beforehand (clear error when the port is taken).
"""

from esante.web.app import create_app
from esante.web.errors import PortInUseError, WebError
from esante.web.server import bind, bind_first_free, bound_port, run

__all__ = [
    "PortInUseError",
    "WebError",
    "bind",
    "bind_first_free",
    "bound_port",
    "create_app",
    "run",
]
