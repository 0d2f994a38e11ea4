"""The baseline: a bare Flask "hello", served exactly like fieldapp."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
