/**
 * Start a real `jupyter lab` with LearnFlow for the test run, and stop it.
 *
 * Everything the server writes lives in one fresh temporary directory: HOME,
 * the Jupyter config, data and runtime directories, the workspace (root_dir)
 * and the SQLite database. How the server was started, and its pid, go to
 * a control file there (LEARNFLOW_E2E_CONTROL), from which a test may
 * restart it (`server-control.ts`). The teardown stops the server running
 * then and every process it started (kernels, sandboxes), then removes that
 * directory. The servers' log is kept in `test-artifacts/ui/jupyter-server.log`.
 *
 * Unless LEARNFLOW_E2E_JUPYTER names another environment, the server serves
 * the extension as `jlpm build` last built it from this checkout.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import type { FullConfig } from '@playwright/test';

import {
  descendants,
  IServerControl,
  kill,
  readControl,
  spawnServer,
  stopServerTree,
  waitUntilServing,
  writeControl
} from './server-control';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'ui');

/** The extension as `jlpm build` last built it from this checkout. */
const BUILT_EXTENSION = path.resolve(
  __dirname,
  '..',
  '..',
  'learnflow_ext',
  'labextension'
);

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

/**
 * Serve the extension this checkout last built (`jlpm build` writes it to
 * learnflow_ext/labextension) rather than the copy an editable install made
 * of it when it was installed: Jupyter takes an extension from its data
 * directory before the environment's.
 */
function serveBuiltExtension(dataDir: string): void {
  if (!fs.existsSync(path.join(BUILT_EXTENSION, 'package.json'))) {
    return;
  }
  const scope = path.join(dataDir, 'labextensions', '@learnflow');
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(BUILT_EXTENSION, path.join(scope, 'labextension'), 'dir');
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
  // Every server of the run appends to it, restarted ones too.
  fs.writeFileSync(logFile, '');
  if (!process.env.LEARNFLOW_E2E_JUPYTER) {
    serveBuiltExtension(dirs.data);
  }

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

  const launch: Omit<IServerControl, 'pid'> = {
    command: jupyter,
    args,
    cwd: dirs.root,
    env,
    logFile,
    url,
    token
  };
  const server = spawnServer(launch);
  let exited: string | null = null;
  server.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  server.on('error', error => {
    exited = `could not start: ${error.message}`;
  });
  // Tests may restart the server: the control file names the one running.
  const control = path.join(tmp, 'server-control.json');
  if (server.pid !== undefined) {
    writeControl(control, { ...launch, pid: server.pid });
  }
  const currentPid = (): number | undefined => {
    try {
      return readControl(control).pid;
    } catch {
      return server.pid;
    }
  };

  let stopped = false;
  const cleanUpNow = () => {
    // Last resort when the runner dies: no waiting, just kill and remove.
    if (stopped) {
      return;
    }
    stopped = true;
    const pid = currentPid();
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
    const pid = currentPid();
    if (pid !== undefined) {
      await stopServerTree(pid);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await waitUntilServing(launch, () => exited);
  } catch (error) {
    await teardown();
    throw error;
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
  process.env.LEARNFLOW_E2E_CONTROL = control;
  return teardown;
}
