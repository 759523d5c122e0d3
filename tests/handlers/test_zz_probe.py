import json, os, time
import pytest

@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'learnflow.db'}"

IPC = "import os, sys; d = os.path.dirname(sys.argv[-1])\n"
SNIPPETS = [
    IPC + "print(os.listdir(d))",
    IPC + "open(os.path.join(d, 'x'), 'w').write('hi'); print(os.listdir(d))",
    IPC + "print(os.listdir(d))",
    IPC + "chunk = b'x' * 2**20\nfor i in range(300):\n    open(os.path.join(d, f'f{i}'), 'wb').write(chunk)\nprint(len(os.listdir(d)))",
    IPC + "import time; time.sleep(0.2); print(len(os.listdir(d)))",
    "import os\nwhile True: os.fork()",
    "print(2)",
    "import threading, time\nwhile True: threading.Thread(target=time.sleep, args=(100,)).start()",
    "print(3)",
    "f = open('big', 'wb')\nchunk = b'0' * 2**20\nfor _ in range(2048): f.write(chunk)",
    "import os\nfor i in range(100000): open(f'f{i}', 'w').write('x')",
    "import os; print(os.listdir('/tmp'))",
    "def f(): f()\nf()",
]

@pytest.mark.learnflow_config(wall_time_limit_s=3, cpu_time_limit_s=2, memory_limit_mb=128)
async def test_probe(api, student, learnflow):
    out = []
    for code in SNIPPETS:
        t = time.monotonic()
        reply = await api.post("/code/execute", {"code": code, "language": "python"}, token=student.token)
        j = reply.json()
        j['output'] = j.get('output', '')[:600]; j['errors'] = j.get('errors', '')[-600:]
        out.append((code, reply.status, time.monotonic() - t, j))
    with open("/tmp/probe/out.txt", "w") as f:
        for o in out:
            f.write(repr(o) + "\n\n")
