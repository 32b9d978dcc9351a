"""nginx in front of the production topology (bot.stack.topology): its configuration from the
package's template ``bot/stack/templates/nginx.conf.j2``, the files under the stack's folder,
and nginx's own check of them.

nginx runs in the foreground with its own prefix, configuration, pid and temporary files under
the stack's folder; it balances the Rasa replicas and limits the staff login per address.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

from bot.stack.endpoints import endpoints_text
from bot.stack.topology import Topology, TopologyError

# The largest request body nginx accepts and keeps in memory (the REST channel refuses more
# than 16 KB itself with its JSON error; staff forms are small).
MAX_BODY = "64k"
# Staff login POSTs nginx lets through per client address: a rate a minute and a burst.
LOGIN_RATE_PER_MINUTE = 10
LOGIN_BURST = 5


def nginx_config(top: Topology, template: Path | None = None) -> str:
    """nginx's configuration for ``top``, from the Jinja2 template (the package's own unless
    ``template`` is given)."""
    import jinja2

    template = template or Path(str(files("bot.stack") / "templates" / "nginx.conf.j2"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - an nginx configuration, not HTML
    )
    return env.get_template(template.name).render(
        conf_path=top.nginx_conf,
        prefix=top.nginx_prefix,
        log_name="nginx",
        worker_processes=1,
        listen=top.listen,
        port=top.port,
        rasa_ports=top.rasa_ports,
        web_port=top.web_port,
        balance=top.balance,
        trusted_proxies=top.trusted_proxies,
        max_body=MAX_BODY,
        fail_timeout=5,
        connect_timeout=2,
        read_timeout=60,
        next_upstream_tries=max(2, top.replicas),
        login_rate=LOGIN_RATE_PER_MINUTE,
        login_burst=LOGIN_BURST,
    )


def nginx_executable() -> str:
    """Debian's nginx (``apt-get install nginx``; ``make services`` installs it)."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise TopologyError(
            "nginx is not installed: install Debian's nginx package (apt-get install nginx), "
            "or run make services"
        )
    return found


def write_files(top: Topology, poll_seconds: int) -> None:
    """The endpoints file and nginx's configuration and folders under ``top.state_dir``."""
    top.state_dir.mkdir(parents=True, exist_ok=True)
    top.endpoints.write_text(endpoints_text(top, poll_seconds), encoding="utf-8")
    for sub in ("tmp", "logs"):
        (top.nginx_prefix / sub).mkdir(parents=True, exist_ok=True)
    top.nginx_conf.write_text(nginx_config(top), encoding="utf-8")


def check_nginx_config(top: Topology) -> None:
    """``nginx -t`` on the written configuration; TopologyError with nginx's reason."""
    prefix, conf = str(top.nginx_prefix), str(top.nginx_conf)
    result = subprocess.run(
        [nginx_executable(), "-t", "-q", "-e", "stderr", "-p", prefix, "-c", conf],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise TopologyError(f"{top.nginx_conf}: nginx refuses it: {reason[-1] if reason else ''}")
