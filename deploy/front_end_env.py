"""Print the environment the front end (deploy/Caddyfile.scale) needs for one frontend build.

    python deploy/front_end_env.py /srv/doorstep/frontend > /etc/doorstep/front-end.env

In the production profile Caddy serves the static frontend itself, so the headers the
portal puts on its pages when it serves them (``portal_app/api/http.py``
``security_headers``) must come from Caddy. Their values come from that same code: the
Content-Security-Policy of a page names the hash of every inline script in this build,
so run this again after every new build (``deploy/run-prod.sh`` does).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal_app.api.http import IMMUTABLE, REVALIDATE, content_security_policy  # noqa: E402


def front_end_env(frontend: Path) -> dict[str, str]:
    frontend = frontend.resolve()
    return {
        "DOORSTEP_FRONTEND": str(frontend),
        "DOORSTEP_CSP_PAGE": content_security_policy("/home", frontend).decode(),
        "DOORSTEP_CSP_OTHER": content_security_policy("/assets/x.js", frontend).decode(),
        "DOORSTEP_CACHE_PAGE": REVALIDATE.decode(),
        "DOORSTEP_CACHE_ASSET": IMMUTABLE.decode(),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1], "index.html").is_file():
        sys.exit("usage: deploy/front_end_env.py <frontend folder, the one holding index.html>")
    for key, value in front_end_env(Path(sys.argv[1])).items():
        print(f"{key}={value}")
