/**
 * Start, stop and restart the `jupyter lab` of the test run.
 *
 * `global-setup.ts` starts the server and writes how it did so (command,
 * arguments, directory, environment, log) and its pid to a control file,
 * whose path it exports as LEARNFLOW_E2E_CONTROL. A test worker restarts the
 * server from that file — the same port, token, database and Jupyter
 * directories, so the browser's session stays valid — and writes the new
 * pid back, so the teardown stops whichever server runs last.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';

/** How the server was started, and which process runs it now. */
export interface IServerControl {
  pid: number;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  url: string;
  token: string;
}

export const STARTUP_TIMEOUT_MS = 120_000;
export const STOP_TIMEOUT_MS = 20_000;

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The last lines of a log file, for an error message. */
export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf-8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The control file's path, from the environment global-setup exported. */
export function controlFile(): string {
  const file = process.env.LEARNFLOW_E2E_CONTROL;
  if (!file) {
    throw new Error(
      'LEARNFLOW_E2E_CONTROL is unset: run the tests with `jlpm test:e2e`'
    );
  }
  return file;
}

export function readControl(file: string): IServerControl {
  return JSON.parse(fs.readFileSync(file, 'utf-8'));
}

/** Write the control file in one step, readable only by this user. */
export function writeControl(file: string, control: IServerControl): void {
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(control, null, 2), { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** The pids of every living descendant of `root` (Linux: read from /proc). */
export function descendants(root: number): number[] {
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

/** Whether a process runs; a zombie waiting for its parent does not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf-8');
    return (
      stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
    );
  } catch {
    return false;
  }
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Start the server as its own process group, appending its output to the
 * log. The process outlives the one that starts it.
 */
export function spawnServer(
  control: Omit<IServerControl, 'pid'>
): ChildProcess {
  const log = fs.openSync(control.logFile, 'a');
  try {
    return spawn(control.command, control.args, {
      cwd: control.cwd,
      env: control.env,
      stdio: ['ignore', log, log],
      detached: true
    });
  } finally {
    // The child holds its own copy of the descriptor.
    fs.closeSync(log);
  }
}

/**
 * Wait until Jupyter answers and LearnFlow serves the course; fail early
 * when `exited` says the process is gone.
 */
export async function waitUntilServing(
  control: Omit<IServerControl, 'pid'>,
  exited: () => string | null,
  timeoutMs = STARTUP_TIMEOUT_MS
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const reason = exited();
    if (reason) {
      throw new Error(`jupyter lab ${reason}:\n${tail(control.logFile)}`);
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `jupyter lab did not start in time:\n${tail(control.logFile)}`
      );
    }
    try {
      const status = await fetch(`${control.url}api/status`, {
        headers: { Authorization: `token ${control.token}` }
      });
      const modules = await fetch(`${control.url}learnflow/api/modules`);
      if (status.ok && modules.ok && ((await modules.json()) as []).length) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
}

/**
 * Stop a server and everything it started: SIGTERM to its process group,
 * a wait for it to exit, then SIGKILL to whatever is left (sandboxes may
 * have left the group, so the whole tree is remembered first).
 */
export async function stopServerTree(
  pid: number,
  timeoutMs = STOP_TIMEOUT_MS
): Promise<void> {
  const tree = descendants(pid);
  kill(-pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) {
    await sleep(100);
  }
  for (const child of [...tree, ...descendants(pid)]) {
    kill(child, 'SIGKILL');
  }
  kill(-pid, 'SIGKILL');
  kill(pid, 'SIGKILL');
  const killed = Date.now() + 5_000;
  while (alive(pid) && Date.now() < killed) {
    await sleep(50);
  }
}

/** Stop the test run's server; `startServer()` brings it back. */
export async function stopServer(): Promise<void> {
  await stopServerTree(readControl(controlFile()).pid);
}

/**
 * Start the test run's server again, exactly as global-setup did, wait
 * until it serves the course, and record its pid for the teardown.
 */
export async function startServer(): Promise<void> {
  const file = controlFile();
  const control = readControl(file);
  const server = spawnServer(control);
  let exited: string | null = null;
  server.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  server.on('error', error => {
    exited = `could not start: ${error.message}`;
  });
  // The worker may end while the server keeps running for the next test.
  server.unref();
  if (server.pid !== undefined) {
    writeControl(file, { ...control, pid: server.pid });
  }

  await waitUntilServing(control, () => exited);
}

/**
 * Restart the test run's server on the same port with the same arguments,
 * environment and database; `whileDown` runs while it is stopped.
 */
export async function restartServer(
  options: { whileDown?: () => Promise<void> } = {}
): Promise<void> {
  await stopServer();
  await options.whileDown?.();
  await startServer();
}
