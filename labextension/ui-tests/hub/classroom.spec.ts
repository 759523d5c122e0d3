import { Browser, Page, test as base } from '@playwright/test';

import {
  expect,
  expectSignedInAs,
  openChatPanel,
  openCoursePanel,
  required,
  send,
  startConversation,
  Steps,
  waitForLab
} from '../helpers';

/** These tests need the hub that tests/test_hub.py starts. */
const RUNNER = 'tests/test_hub.py';

const hub = {
  get url(): string {
    return required('LEARNFLOW_E2E_HUB_URL', RUNNER);
  },
  get password(): string {
    return required('LEARNFLOW_E2E_HUB_PASSWORD', RUNNER);
  },
  get admin(): string {
    return required('LEARNFLOW_E2E_HUB_ADMIN', RUNNER);
  }
};

const test = base.extend<{ steps: Steps }>({
  steps: async ({}, use, testInfo) => {
    await use(new Steps(testInfo));
  }
});

/** A hub user name no other test uses. */
function newHubUser(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Sign in with the hub's login form and wait for the user's JupyterLab. */
async function openLabThroughHub(page: Page, name: string): Promise<void> {
  await page.goto(`${hub.url}/hub/login`);
  await page.locator('#username_input').fill(name);
  await page.locator('#password_input').fill(hub.password);
  await page.locator('#login_submit').click();
  await page.waitForURL(`**/user/${name}/lab**`, { timeout: 120_000 });
  await waitForLab(page);
}

/** A browser context of its own, in the user's JupyterLab. */
async function newStudent(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openLabThroughHub(page, name);
  return page;
}

test('a student who opens JupyterLab through the hub is signed in to LearnFlow as their hub user', async ({
  page,
  steps
}) => {
  const name = newHubUser('student');

  await openLabThroughHub(page, name);

  await expectSignedInAs(page, name);
  const panel = await openCoursePanel(page);
  await expect(panel.getByTestId('learnflow-signin-form')).toHaveCount(0);
  await expect(panel.getByTestId('learnflow-module').first()).toBeVisible();
  await steps.shot(page, 'course panel signed in through the hub');
});

test("a hub admin sees the class's students in the Class view", async ({
  page,
  browser,
  steps
}) => {
  const students = [newHubUser('ada'), newHubUser('bo')];
  for (const name of students) {
    const studentPage = await newStudent(browser, name);
    await expectSignedInAs(studentPage, name);
    await studentPage.context().close();
  }

  await openLabThroughHub(page, hub.admin);
  await expectSignedInAs(page, hub.admin);
  const panel = await openCoursePanel(page);
  await panel.getByTestId('learnflow-open-class').click();

  const rows = page
    .locator('#learnflow-class')
    .getByTestId('learnflow-heatmap')
    .getByTestId('learnflow-heatmap-row');
  for (const name of students) {
    await expect(rows.filter({ hasText: name })).toHaveCount(1);
  }
  await expect(rows.filter({ hasText: hub.admin })).toHaveCount(0);
  await steps.shot(page, 'class view of the hub admin');
});

test('a chat message from one student reaches a classmate live through the hub', async ({
  browser,
  steps
}) => {
  const [ada, bo] = [newHubUser('ada'), newHubUser('bo')];
  const boPage = await newStudent(browser, bo);
  await expectSignedInAs(boPage, bo);
  const boChat = await openChatPanel(boPage);
  await expect(boChat.getByTestId('learnflow-chat-status')).toHaveText(
    'Connected'
  );
  const adaPage = await newStudent(browser, ada);
  await expectSignedInAs(adaPage, ada);

  // Accounts made through the hub are addressed as name@jupyterhub.invalid.
  const title = `Pair work ${ada}`;
  const adaChat = await startConversation(adaPage, title, [
    `${bo}@jupyterhub.invalid`
  ]);
  await send(adaChat, 'Shall we do the loops together?');
  await steps.shot(adaPage, 'first student wrote through the hub');

  const conversation = boChat.getByTestId('learnflow-conversation');
  await expect(conversation).toContainText(title);
  await conversation.click();
  await expect(boChat.getByTestId('learnflow-message')).toContainText(
    'Shall we do the loops together?'
  );
  await steps.shot(boPage, 'classmate received it live');
});
