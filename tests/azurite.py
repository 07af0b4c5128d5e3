"""A real Azure Blob Storage server for the tests: Azurite (Microsoft's emulator, from the npm
registry, installed by `make setup`), on a free local port with a folder of its own and a
container. The account and key are Azurite's well-known development ones, published by
Microsoft: not a secret."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from azure.storage.blob import BlobServiceClient

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONTAINER = "evidence"
AZURITE = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "azurite-blob"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connection_string(port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
    )


class Azurite:
    """`azurite-blob`, started on a free port; stopped with SIGKILL."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.connection_string = connection_string(self.port)
        self.container = CONTAINER
        self.process = None

    def start(self, tries: int = 3) -> "Azurite":
        """Start it; a port found free may be taken before Azurite binds it (test processes
        start servers at once), so a failed start is tried on a new port."""
        for attempt in range(tries):
            try:
                return self._launch(self.folder / f"data{attempt}")
            except RuntimeError:
                if attempt == tries - 1:
                    raise
                self.port = free_port()
                self.connection_string = connection_string(self.port)
        return self

    def _launch(self, data: Path) -> "Azurite":
        data.mkdir(parents=True, exist_ok=True)
        self.log = (self.folder / "azurite.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(AZURITE),
                "--blobHost=127.0.0.1",
                f"--blobPort={self.port}",
                f"--location={data}",
                "--silent",
                "--skipApiVersionCheck",  # the SDK may be newer than the emulator
                "--loose",
                "--disableTelemetry",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait()
        return self

    def service(self) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(self.connection_string, retry_total=0)

    def _wait(self, seconds: float = 30) -> None:
        """Until the container can be made (the server answers, not just listens)."""
        deadline, error = time.monotonic() + seconds, None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.service().create_container(CONTAINER)
                return
            except Exception as exc:  # not up yet
                error = exc
                time.sleep(0.1)
        self.stop()
        log = (self.folder / "azurite.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"Azurite did not start ({error}):\n{log}")

    def environment(self) -> dict[str, str]:
        """The standard variable the tracker's Azure client reads."""
        return {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
