"""The web package's branch of the exception tree.

::

    EsanteError
     └── WebError              the service cannot start or serve
          ├── PortInUseError   the address/port to listen on is taken
          └── RequestBodyError (esante.web.api.errors) a request body refused (422)
               ├── BodyTooLargeError          over the size limit (413)
               └── UnsupportedMediaTypeError  not a type the route reads (415)
"""

from __future__ import annotations

from esante.errors import EsanteError


class WebError(EsanteError):
    """The web service cannot start or serve."""


class PortInUseError(WebError):
    """The port the service should listen on is already in use."""
