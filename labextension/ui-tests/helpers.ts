/**
 * What the scenarios share: the server started by `global-setup.ts`, a
 * `steps` fixture that saves a screenshot of each step, JupyterLab and
 * LearnFlow page helpers, and direct API calls to prepare data.
 */
import {
  APIRequestContext,
  Browser,
  BrowserContext,
  expect,
  Locator,
  Page,
  request,
  test as base,
  TestInfo
} from '@playwright/test';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export { expect } from '@playwright/test';

/** Where each test's step screenshots go: `test-artifacts/ui/<file>/<test>/`. */
export const ARTIFACTS = path.resolve(
  __dirname,
  '..',
  '..',
  'test-artifacts',
  'ui'
);

/** The repository's course, the same one the server serves by default. */
export const COURSE_DIR = path.resolve(__dirname, '..', '..', 'notebooks');

/** An environment variable the test runner sets, or an error naming the runner. */
export function required(name: string, runner = '`jlpm test:e2e`'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is unset: run the tests with ${runner}`);
  }
  return value;
}

/** The running server. */
export const server = {
  get url(): string {
    return required('LEARNFLOW_E2E_URL');
  },
  get token(): string {
    return required('LEARNFLOW_E2E_TOKEN');
  },
  get inviteCode(): string {
    return required('LEARNFLOW_E2E_INVITE_CODE');
  },
  get rootDir(): string {
    return required('LEARNFLOW_E2E_ROOT_DIR');
  },
  get apiUrl(): string {
    return `${this.url}learnflow/api`;
  }
};

/**
 * The name JupyterLab's student gets: with one shared token, the Jupyter
 * user is the operating-system account that runs the server.
 */
export const JUPYTER_USER = os.userInfo().username;

/** A short random suffix, so each test's accounts and titles are its own. */
export function unique(): string {
  return randomBytes(4).toString('hex');
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'test'
  );
}

/** Saves numbered screenshots of a test's steps and attaches them to it. */
export class Steps {
  constructor(testInfo: TestInfo) {
    this._testInfo = testInfo;
    this.dir = path.join(
      ARTIFACTS,
      slug(path.basename(testInfo.file, '.spec.ts')),
      slug(testInfo.title)
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
  }

  readonly dir: string;

  /** Screenshot a page (the whole window) as the next step. */
  async shot(page: Page, name: string): Promise<string> {
    this._count += 1;
    const file = path.join(
      this.dir,
      `${String(this._count).padStart(2, '0')}-${slug(name)}.png`
    );
    await page.screenshot({ path: file });
    await this._testInfo.attach(name, { path: file, contentType: 'image/png' });
    return file;
  }

  private _count = 0;
  private _testInfo: TestInfo;
}

/** Direct calls to the LearnFlow API, without a browser. */
export class Api {
  constructor(context: APIRequestContext) {
    this._context = context;
  }

  static async create(): Promise<Api> {
    return new Api(await request.newContext());
  }

  async dispose(): Promise<void> {
    await this._context.dispose();
  }

  /** Register an account; teachers give the server's invite code. */
  async register(account: IAccount): Promise<void> {
    const response = await this._context.post(
      `${server.apiUrl}/auth/register`,
      {
        data: {
          name: account.name,
          email: account.email,
          password: account.password,
          ...(account.role === 'teacher'
            ? { role: 'teacher', invite_code: server.inviteCode }
            : {})
        }
      }
    );
    expect(response.status(), await response.text()).toBe(201);
  }

  /** Sign in; returns the bearer token. */
  async login(account: IAccount): Promise<string> {
    const response = await this._context.post(`${server.apiUrl}/auth/login`, {
      data: { email: account.email, password: account.password }
    });
    expect(response.ok(), await response.text()).toBeTruthy();
    return (await response.json()).access_token;
  }

  /** Submit code for an exercise with a bearer token; returns the grading. */
  async submit(token: string, exerciseId: string, code: string) {
    const response = await this._context.post(
      `${server.apiUrl}/exercises/${exerciseId}/submissions`,
      {
        headers: { Authorization: `Bearer ${token}` },
        data: { code }
      }
    );
    expect(response.ok(), await response.text()).toBeTruthy();
    return response.json();
  }

  /** The conversations of the account a bearer token signs in. */
  async conversations(token: string): Promise<any[]> {
    const response = await this._context.get(
      `${server.apiUrl}/chat/conversations`,
      { headers: { Authorization: `Bearer ${token}` } }
    );
    expect(response.ok(), await response.text()).toBeTruthy();
    return response.json();
  }

  /** Post a chat message with a bearer token; returns the stored message. */
  async postMessage(token: string, conversationId: string, message: string) {
    const response = await this._context.post(`${server.apiUrl}/chat/message`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { conversation_id: conversationId, message }
    });
    expect(response.ok(), await response.text()).toBeTruthy();
    return response.json();
  }

  /** A workspace file through Jupyter's Contents API, or `null` if absent. */
  async workspaceFile(filePath: string): Promise<any | null> {
    const response = await this._context.get(
      `${server.url}api/contents/${filePath}?content=1`,
      { headers: { Authorization: `token ${server.token}` } }
    );
    if (response.status() === 404) {
      return null;
    }
    expect(response.ok(), await response.text()).toBeTruthy();
    return response.json();
  }

  private _context: APIRequestContext;
}

/**
 * Replace the user's LearnFlow settings, which JupyterLab reads when the
 * page loads; `{}` restores the defaults. (A request context of its own:
 * Jupyter's cookies would make the LearnFlow API ask for an XSRF token.)
 */
export async function setLearnFlowSettings(
  settings: Record<string, unknown>
): Promise<void> {
  const context = await request.newContext();
  try {
    const response = await context.put(
      `${server.url}lab/api/settings/@learnflow/labextension:plugin`,
      {
        headers: { Authorization: `token ${server.token}` },
        data: { raw: JSON.stringify(settings) }
      }
    );
    expect(response.ok(), await response.text()).toBeTruthy();
  } finally {
    await context.dispose();
  }
}

export interface IAccount {
  name: string;
  email: string;
  password: string;
  role?: 'student' | 'teacher';
}

/** A fresh account's details (not yet registered). */
export function newAccount(
  name: string,
  role: 'student' | 'teacher' = 'student'
): IAccount {
  const id = unique();
  return {
    name: `${name} ${id}`,
    email: `${slug(name)}-${id}@example.org`,
    password: `correct horse ${id} battery`,
    role
  };
}

/** The code of a course notebook's cell with a `learnflow.role`. */
export function courseCell(notebook: string, role: string): string {
  const json = JSON.parse(
    fs.readFileSync(path.join(COURSE_DIR, notebook), 'utf-8')
  );
  const cell = json.cells.find(
    (c: any) => c.metadata?.learnflow?.role === role
  );
  if (!cell) {
    throw new Error(`${notebook} has no cell with role ${role}`);
  }
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/**
 * Open JupyterLab in a workspace of its own (so tests do not restore each
 * other's layouts), passing the server's token on this first navigation.
 */
export async function openLab(page: Page, workspace: string): Promise<void> {
  await page.goto(
    `${server.url}lab/workspaces/${slug(workspace)}?token=${server.token}`
  );
  await waitForLab(page);
}

/**
 * Wait until the page's JupyterLab has started and restored its layout, so
 * that a panel it reopens does not close again under a click.
 */
export async function waitForLab(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).jupyterapp?.started, null, {
    timeout: 60_000
  });
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.started;
    await app.restored;
  });
  await expect(page.locator('#jp-main-dock-panel')).toBeVisible();
}

/** A new browser context (its own cookies and localStorage) on JupyterLab. */
export async function newLab(
  browser: Browser,
  workspace: string
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openLab(page, workspace);
  return { context, page };
}

/** The side-bar tab of a panel, by the panel's widget id. */
function sideBarTab(page: Page, id: string): Locator {
  return page.locator(`.jp-SideBar .lm-TabBar-tab[data-id="${id}"]`);
}

async function showSidePanel(page: Page, id: string): Promise<Locator> {
  const panel = page.locator(`#${id}`);
  if (!(await panel.isVisible())) {
    await sideBarTab(page, id).click();
  }
  await expect(panel).toBeVisible();
  return panel;
}

/** Show the Course panel (left) and return it. */
export function openCoursePanel(page: Page): Promise<Locator> {
  return showSidePanel(page, 'learnflow-course');
}

/** Show the Chat panel (right) and return it. */
export function openChatPanel(page: Page): Promise<Locator> {
  return showSidePanel(page, 'learnflow-chat');
}

/** Wait until the Course panel says who is signed in. */
export async function expectSignedInAs(page: Page, name: string) {
  const panel = await openCoursePanel(page);
  await expect(panel.getByTestId('learnflow-user')).toHaveText(
    `Signed in as ${name}`
  );
}

/** Sign out with the Course panel's button; the sign-in form appears. */
export async function signOut(page: Page): Promise<void> {
  const panel = await openCoursePanel(page);
  await panel.getByTestId('learnflow-sign-out').click();
  await expect(panel.getByTestId('learnflow-signin-form')).toBeVisible();
}

/** Sign in with the Course panel's form. */
export async function signInWithForm(page: Page, account: IAccount) {
  const form = (await openCoursePanel(page)).getByTestId(
    'learnflow-signin-form'
  );
  await form.getByTestId('learnflow-signin-email').fill(account.email);
  await form.getByTestId('learnflow-signin-password').fill(account.password);
  await form.getByTestId('learnflow-signin-submit').click();
  await expectSignedInAs(page, account.name);
}

/** Create a student account with the Course panel's registration form. */
export async function registerWithForm(page: Page, account: IAccount) {
  const form = (await openCoursePanel(page)).getByTestId(
    'learnflow-signin-form'
  );
  await form.getByTestId('learnflow-signin-toggle').click();
  await form.getByTestId('learnflow-signin-name').fill(account.name);
  await form.getByTestId('learnflow-signin-email').fill(account.email);
  await form.getByTestId('learnflow-signin-password').fill(account.password);
  await form.getByTestId('learnflow-signin-submit').click();
  await expectSignedInAs(page, account.name);
}

/** The main-area tab of a document, by its file name. */
export function documentTab(page: Page, fileName: string): Locator {
  return page.locator('#jp-main-dock-panel .lm-TabBar-tab', {
    hasText: fileName
  });
}

/** The notebook shown in the main area. */
export function currentNotebook(page: Page): Locator {
  return page.locator('#jp-main-dock-panel .jp-NotebookPanel:visible');
}

/** The path and cell sources of the current notebook, from its model. */
export async function currentNotebookModel(
  page: Page
): Promise<{ path: string; cells: string[]; dirty: boolean }> {
  return page.evaluate(() => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    const cells = widget.content.model.sharedModel.cells.map((cell: any) =>
      cell.getSource()
    );
    return {
      path: widget.context.path,
      cells,
      dirty: widget.context.model.dirty
    };
  });
}

/** Wait until the current notebook is a given workspace file, loaded. */
export async function expectCurrentNotebook(page: Page, filePath: string) {
  await expect(documentTab(page, path.basename(filePath))).toBeVisible();
  await expect(currentNotebook(page).locator('.jp-Cell').first()).toBeVisible();
  await expect
    .poll(async () => (await currentNotebookModel(page)).path)
    .toBe(filePath);
}

/** Replace the text of a cell's editor as a person would, and return it. */
export async function replaceCellText(cell: Locator, text: string) {
  const page = cell.page();
  const editor = cell.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  // One input, like a paste: no auto-indent or bracket closing on the way.
  await page.keyboard.insertText(text);
}

/** Start a conversation from the Chat panel; it opens. */
export async function startConversation(
  page: Page,
  title: string,
  members: string[],
  tutor = false
): Promise<Locator> {
  const chat = await openChatPanel(page);
  await expect(chat.getByTestId('learnflow-chat-status')).toHaveText(
    'Connected'
  );
  await chat.getByTestId('learnflow-new-conversation-open').click();
  const form = chat.getByTestId('learnflow-new-conversation');
  await form.getByTestId('learnflow-new-conversation-title').fill(title);
  await form
    .getByTestId('learnflow-new-conversation-members')
    .fill(members.join(', '));
  await form.getByTestId('learnflow-new-conversation-tutor').setChecked(tutor);
  await form.getByTestId('learnflow-new-conversation-submit').click();
  await expect(chat.locator('.jp-LearnFlow-chat-title')).toHaveText(title);
  await expect(chat.getByTestId('learnflow-composer')).toBeVisible();
  return chat;
}

/** Type a message into the composer and send it with the button. */
export async function send(chat: Locator, text: string): Promise<void> {
  await chat.getByTestId('learnflow-composer').fill(text);
  await chat.getByTestId('learnflow-composer-send').click();
  await expect(chat.getByTestId('learnflow-composer')).toHaveValue('');
}

/**
 * Let a page's chat WebSocket through to the server, except while held:
 * then each attempt to connect closes at once, as if the server were still
 * down. Set up before the page loads.
 */
export async function holdableChatSocket(
  page: Page
): Promise<{ hold(): void; release(): void }> {
  let held = false;
  await page.routeWebSocket(/\/learnflow\/api\/chat\/ws/, socket => {
    if (held) {
      void socket.close({ code: 1011, reason: 'held by the test' });
    } else {
      socket.connectToServer();
    }
  });
  return {
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
    }
  };
}

/** Fail the test if the page ever opens an alert, confirm or prompt. */
export function failOnDialog(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', dialog => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return dialogs;
}

/** The test fixture with `steps` and `api`. */
export const test = base.extend<{ steps: Steps; api: Api }>({
  steps: async ({}, use, testInfo) => {
    await use(new Steps(testInfo));
  },
  api: async ({}, use) => {
    const api = await Api.create();
    await use(api);
    await api.dispose();
  }
});
