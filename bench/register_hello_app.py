"""The reference for bench/register_bench.py: a bare Flask app with one "hello" view."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.get("/healthz")
def health():
    return "ok"


def gradebook_with_hello():
    """The gradebook with one extra "hello" view (the app's own hooks, no page work)."""
    from gradebook_service import create_app

    gradebook = create_app()

    @gradebook.get("/bench/hello")
    def bench_hello():
        return "hello"

    return gradebook
