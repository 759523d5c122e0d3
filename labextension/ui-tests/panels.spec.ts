import * as fs from 'fs';
import * as path from 'path';

import {
  currentNotebook,
  expect,
  expectCurrentNotebook,
  expectSignedInAs,
  JUPYTER_USER,
  openChatPanel,
  openCoursePanel,
  openLab,
  test
} from './helpers';

/** The README's picture of LearnFlow in JupyterLab. */
const README_IMAGE = path.resolve(
  __dirname,
  '..',
  '..',
  'docs',
  'images',
  'learnflow-panels.png'
);

test('the Course and Chat panels open side by side around a notebook', async ({
  page,
  steps
}) => {
  await openLab(page, 'panels');
  await expectSignedInAs(page, JUPYTER_USER);

  // An exercise in the main area, opened from the Course panel.
  const course = await openCoursePanel(page);
  const topic = course.locator(
    '[data-testid="learnflow-topic"][data-topic="loops"]'
  );
  await topic.locator('summary').click();
  await topic
    .locator(
      '[data-testid="learnflow-open-exercise"][data-exercise-id="fizzbuzz"]'
    )
    .click();
  await expectCurrentNotebook(page, 'learnflow/loops/fizzbuzz.ipynb');
  await expect(
    currentNotebook(page).getByTestId('learnflow-toolbar-submit')
  ).toBeVisible();

  // A question to the tutor, who answers from the course.
  const chat = await openChatPanel(page);
  await expect(chat.getByTestId('learnflow-chat-status')).toHaveText(
    'Connected'
  );
  await chat.getByTestId('learnflow-new-conversation-open').click();
  await chat
    .getByTestId('learnflow-new-conversation-title')
    .fill('Loops with the tutor');
  await chat.getByTestId('learnflow-new-conversation-tutor').setChecked(true);
  await chat.getByTestId('learnflow-new-conversation-submit').click();
  await chat
    .getByTestId('learnflow-composer')
    .fill('How do I repeat something a number of times with range?');
  await chat.getByTestId('learnflow-composer-send').click();
  const messages = chat.getByTestId('learnflow-message');
  await expect(messages).toHaveCount(2, { timeout: 60_000 });
  await expect(messages.nth(1)).toHaveClass(/jp-mod-tutor/);

  // Both panels from their tops: who is signed in, and the question asked.
  await course
    .getByTestId('learnflow-course-panel')
    .evaluate(node => (node.scrollTop = 0));
  await chat
    .getByTestId('learnflow-message-list')
    .evaluate(node => (node.scrollTop = 0));
  await expect(course).toBeVisible();
  await expect(chat).toBeVisible();
  await steps.shot(page, 'course and chat panels');
  fs.mkdirSync(path.dirname(README_IMAGE), { recursive: true });
  await page.screenshot({ path: README_IMAGE });
});
