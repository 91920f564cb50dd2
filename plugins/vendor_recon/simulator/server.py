"""SimulatorServer: the simulator app served by uvicorn on a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime
from types import TracebackType

import uvicorn

from vendor_recon.simulator.api import SimulatedApi
from vendor_recon.simulator.app import create_app
from vendor_recon.simulator.faults import FaultPlan
from vendor_recon.simulator.state import LoggedRequest, SimulatorState

log = logging.getLogger(__name__)
START_TIMEOUT_S = 5.0


class SimulatorServer:
    """An SP-API look-alike on `host`; port 0 picks a free port, see `.url`."""

    def __init__(
        self,
        world: SimulatedApi,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: datetime | None = None,
        token_lifetime_s: float = 3600,
        rate_limits: bool = True,
        faults: FaultPlan | None = None,
    ):
        self.world = world
        self.host = host
        self._requested_port = port
        self.state = SimulatorState(
            world,
            clock=clock,
            token_lifetime_s=token_lifetime_s,
            rate_limits=rate_limits,
            faults=faults,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def start(self) -> SimulatorServer:
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        # Bind here, not in uvicorn, so the real port is known before start.
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets
        # only then, and without it every keep-alive answer waits ~40 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        self._port = sock.getsockname()[1]

        config = uvicorn.Config(
            create_app(self.state),
            log_config=None,
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"sp-api-simulator-{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._thread = None
                sock.close()
                raise RuntimeError(f"the simulator did not start on {self.url}")
            time.sleep(0.005)
        log.info("SP-API simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        if self._thread is None or self._server is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)
        log.info(
            "SP-API simulator on %s stopped after %s requests",
            self.url,
            len(self.request_log),
        )
        self._thread = None
        self._server = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def clock(self) -> datetime:
        return self.state.now

    def set_clock(self, moment: datetime) -> None:
        """Move the simulated now; documents and events after it stay hidden."""
        self.state.set_now(moment)

    @property
    def request_log(self) -> list[LoggedRequest]:
        """(method, path, query, status) of every request so far, oldest first."""
        return self.state.request_log()
