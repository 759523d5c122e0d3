"""JupyterHub configuration that runs LearnFlow for the whole class as a hub service.

Put this file in a directory the hub reads configuration from (The Littlest
JupyterHub: /opt/tljh/config/jupyterhub_config.d/), or load it from your own
jupyterhub_config.py:

    load_subconfig("/path/to/learnflow.py")

What it does:

- The hub starts ``jupyter learnflow serve`` as the service ``learnflow``, at
  /services/learnflow/, so every student's JupyterLab reaches the same course,
  progress, grading and chat.
- Students sign in to LearnFlow through the hub (its OAuth for services), with no
  second password. Hub admins, and members of the hub group
  ``learnflow-teachers``, are teachers.
- Each user's server finds the service by itself: LearnFlow, installed in the
  users' environment, points JupyterLab at /services/learnflow/learnflow/api and
  serves no API of its own.

Set in the hub's environment (never in this file):

- LEARNFLOW_DATABASE_URL: the PostgreSQL database, such as
  postgresql://learnflow:secret@db.example.org/learnflow. Without it, the service
  keeps an SQLite file in its user's Jupyter data directory: fine to try, not for a
  class.
- LEARNFLOW_JWT_SECRET: at least 32 bytes that sign LearnFlow's access tokens;
  every LearnFlow process of the class needs the same one. Without it, one is made
  and kept in the data directory.

LearnFlow's other settings (LearnFlow.* traits) go in a jupyter_server_config.py
in the service's Jupyter configuration path.
"""

import os
import shutil
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

#: Where the service listens; the hub's proxy sends /services/learnflow/ there.
LEARNFLOW_URL = os.environ.get("LEARNFLOW_SERVICE_URL", "http://127.0.0.1:10101")

# LearnFlow may be installed where the users' servers run rather than beside the hub
# (The Littlest JupyterHub keeps them in /opt/tljh/user).
search_path = os.pathsep.join(
    [os.path.dirname(sys.executable), "/opt/tljh/user/bin", os.environ.get("PATH", "")]
)
command = shutil.which("jupyter-learnflow", path=search_path) or "jupyter-learnflow"

#: What the service gets from the hub's environment: its database and secret, and where
#: Jupyter keeps its configuration and data, if the hub's environment says.
PASSED_ON = (
    "LEARNFLOW_DATABASE_URL",
    "LEARNFLOW_JWT_SECRET",
    "PATH",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
)

c.JupyterHub.services.append(
    {
        "name": "learnflow",
        "display": True,
        "url": LEARNFLOW_URL,
        "command": [command, "serve"],
        "environment": {name: os.environ[name] for name in PASSED_ON if name in os.environ},
        # The sign-in happens inside JupyterLab: ask nothing, the hub already knows who
        # it is. The service learns only the person's name, groups and admin flag.
        "oauth_no_confirm": True,
    }
)

# Every user may sign in to the service: add it to the default role of users.
ACCESS = "access:services!service=learnflow"
roles = c.JupyterHub.load_roles
configured = roles if isinstance(roles, list) else []
user_role = next((role for role in configured if role.get("name") == "user"), None)
if user_role is None:
    c.JupyterHub.load_roles.append({"name": "user", "scopes": ["self", ACCESS]})
elif ACCESS not in user_role.setdefault("scopes", ["self"]):
    user_role["scopes"].append(ACCESS)
