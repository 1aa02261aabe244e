"""The setup blueprint; each subject's pages are in their own module of this package."""

from flask import Blueprint

bp = Blueprint("setup", __name__, url_prefix="/setup", template_folder="../templates",
               static_folder="../static", static_url_path="/static")
