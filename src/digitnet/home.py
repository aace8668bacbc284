"""Where digitnet keeps what it makes on this machine: trained models, and the digits a user keeps."""

import os
from pathlib import Path


def home() -> Path:
    """The folder for trained models and kept digits: $DIGITNET_HOME, else $XDG_DATA_HOME/digitnet, else
    ~/.local/share/digitnet."""
    if os.environ.get("DIGITNET_HOME"):
        return Path(os.environ["DIGITNET_HOME"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "digitnet"
