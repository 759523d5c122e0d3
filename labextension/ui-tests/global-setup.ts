/**
 * Start a real `jupyter lab` with LearnFlow for the test run, and stop it.
 *
 * Everything the server writes lives in one fresh temporary directory: HOME,
 * the Jupyter config, data and runtime directories, the workspace (root_dir)
 * and the SQLite database. The teardown stops the server and every process
 * it started (kernels, sandboxes), then removes that directory. The server's
 * log is kept in `test-artifacts/ui/jupyter-server.log`.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import type { FullConfig } from '@playwright/test';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'ui');
const STARTUP_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;

/** A TCP port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf-8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The pids of every living descendant of `root` (Linux: read from /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter(name => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf-8');
      // The command name is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Jupyter's settings that keep pop-ups (news, update checks) off the page. */
function writeUserSettings(configDir: string): void {
  const dir = path.join(
    configDir,
    'lab',
    'user-settings',
    '@jupyterlab',
    'apputils-extension'
  );
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'notification.jupyterlab-settings'),
    JSON.stringify({ checkForUpdates: false, fetchNews: 'false' })
  );
}

export default async function globalSetup(
  _config: FullConfig
): Promise<() => Promise<void>> {
  const chromium = process.env.LEARNFLOW_E2E_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) {
    throw new Error(
      `Chromium is missing at ${chromium}: install it with ` +
        '`apt-get install chromium` (the tests never download a browser).'
    );
  }

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'learnflow-e2e-'));
  const dirs = {
    home: path.join(tmp, 'home'),
    config: path.join(tmp, 'config'),
    data: path.join(tmp, 'data'),
    runtime: path.join(tmp, 'runtime'),
    root: path.join(tmp, 'work')
  };
  for (const dir of Object.values(dirs)) {
    fs.mkdirSync(dir, { recursive: true });
  }
  writeUserSettings(dirs.config);

  const token = randomBytes(24).toString('hex');
  const inviteCode = `invite-${randomBytes(12).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const jupyter = process.env.LEARNFLOW_E2E_JUPYTER || 'jupyter';
  const logFile = path.join(ARTIFACTS, 'jupyter-server.log');
  const log = fs.openSync(logFile, 'w');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTER_PLATFORM_DIRS: '1',
    IPYTHONDIR: path.join(dirs.home, '.ipython'),
    PYTHONUNBUFFERED: '1'
  };
  // A pyenv shim finds its Pythons under $HOME/.pyenv unless told otherwise.
  const pyenvRoot = path.join(os.homedir(), '.pyenv');
  if (!env.PYENV_ROOT && fs.existsSync(pyenvRoot)) {
    env.PYENV_ROOT = pyenvRoot;
  }

  const args = [
    'lab',
    '--no-browser',
    '--allow-root',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${dirs.root}`,
    `--ServerApp.token=${token}`,
    '--ServerApp.disable_check_xsrf=False',
    '--LabApp.expose_app_in_browser=True',
    `--LearnFlow.database_url=sqlite:///${path.join(tmp, 'learnflow.db')}`,
    `--LearnFlow.teacher_invite_code=${inviteCode}`,
    '--LearnFlow.password_hash_time_cost=1',
    '--LearnFlow.password_hash_memory_kib=8192',
    '--LearnFlow.password_hash_parallelism=1'
  ];

  const server: ChildProcess = spawn(jupyter, args, {
    cwd: dirs.root,
    env,
    stdio: ['ignore', log, log],
    detached: true
  });
  let exited: string | null = null;
  server.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  server.on('error', error => {
    exited = `could not start: ${error.message}`;
  });
  const pid = server.pid;

  let stopped = false;
  const cleanUpNow = () => {
    // Last resort when the runner dies: no waiting, just kill and remove.
    if (stopped) {
      return;
    }
    stopped = true;
    if (pid !== undefined) {
      for (const child of descendants(pid)) {
        kill(child, 'SIGKILL');
      }
      kill(-pid, 'SIGKILL');
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanUpNow);

  const teardown = async () => {
    if (stopped) {
      return;
    }
    stopped = true;
    process.off('exit', cleanUpNow);
    if (pid !== undefined) {
      // Remember the whole tree now: sandboxes may leave the process group.
      const tree = descendants(pid);
      kill(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (alive(pid) && Date.now() < deadline) {
        await sleep(200);
      }
      for (const child of [...tree, ...descendants(pid)]) {
        kill(child, 'SIGKILL');
      }
      kill(-pid, 'SIGKILL');
      kill(pid, 'SIGKILL');
    }
    fs.closeSync(log);
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  // Ready when Jupyter answers and LearnFlow serves the course.
  const started = Date.now();
  for (;;) {
    if (exited) {
      await teardown();
      throw new Error(`jupyter lab ${exited}:\n${tail(logFile)}`);
    }
    if (Date.now() - started > STARTUP_TIMEOUT_MS) {
      await teardown();
      throw new Error(`jupyter lab did not start in time:\n${tail(logFile)}`);
    }
    try {
      const status = await fetch(`${url}api/status`, {
        headers: { Authorization: `token ${token}` }
      });
      const modules = await fetch(`${url}learnflow/api/modules`);
      if (status.ok && modules.ok && ((await modules.json()) as []).length) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }

  // Without the extension every scenario would time out: say why at once.
  const lab = await (await fetch(`${url}lab?token=${token}`)).text();
  if (!lab.includes('@learnflow/labextension')) {
    await teardown();
    throw new Error(
      `${jupyter} serves JupyterLab without @learnflow/labextension. Install ` +
        'LearnFlow with its built extension (pip install -e ".[test]"), or set ' +
        'LEARNFLOW_E2E_JUPYTER to a jupyter whose environment has it.'
    );
  }

  process.env.LEARNFLOW_E2E_URL = url;
  process.env.LEARNFLOW_E2E_TOKEN = token;
  process.env.LEARNFLOW_E2E_INVITE_CODE = inviteCode;
  process.env.LEARNFLOW_E2E_ROOT_DIR = dirs.root;
  return teardown;
}
