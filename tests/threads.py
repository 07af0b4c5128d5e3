"""Requests sent at the same moment, for tests of races (STYLE 13)."""

import threading


def together(count: int, act) -> list:
    """Run `act(n)` for n in range(count) on as many threads, released at one moment by a
    barrier; the answers (or the exceptions raised) in order."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def run(n: int) -> None:
        barrier.wait(timeout=60)
        try:
            answers[n] = act(n)
        except Exception as error:  # noqa: BLE001 (reported by the test, not lost in a thread)
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers
