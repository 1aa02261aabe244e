"""The reference for bench/register_bench.py: a bare Flask app with one "hello" view."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.get("/healthz")
def health():
    return "ok"
