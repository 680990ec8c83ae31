"""The national services' sandbox: the other side of the wire, on one machine.

esante ships faithful simulators of the services practice software talks to, so that every
flow runs end to end without the real platforms: the DMP (:mod:`esante.sandbox.dmp`),
and later the MSSanté operator, INSi, Pro Santé Connect and the Mon espace santé patient
page. Each keeps its own database and speaks the real protocols; the sandbox may use the
formats, transport and trust layers, never the practice side, the clients or the web layer.
"""

__all__: list[str] = []
