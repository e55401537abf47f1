"""Start the browser chat on the bundled article (or the index in --index).

    python ui.py [--host 127.0.0.1] [--port 7860] [--index DIR]

The same as ``qa serve``.
"""

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from qa.apps.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
