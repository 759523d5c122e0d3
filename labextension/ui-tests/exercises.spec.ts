import { Locator, Page } from '@playwright/test';

import {
  courseCell,
  currentNotebook,
  currentNotebookModel,
  expect,
  expectCurrentNotebook,
  expectSignedInAs,
  JUPYTER_USER,
  openCoursePanel,
  openLab,
  replaceCellText,
  test
} from './helpers';

const MODULE = 'values-and-variables';
const EXERCISE = 'celsius-to-fahrenheit';
const PATH = `learnflow/${MODULE}/${EXERCISE}.ipynb`;
const SOURCE =
  '01-values-and-variables/exercise-01-celsius-to-fahrenheit.ipynb';

/** Open the exercise from the Course panel's topic list. */
async function openExercise(page: Page): Promise<Locator> {
  const panel = await openCoursePanel(page);
  const topic = panel.locator(
    `[data-testid="learnflow-topic"][data-topic="${MODULE}"]`
  );
  const button = topic.locator(
    `[data-testid="learnflow-open-exercise"][data-exercise-id="${EXERCISE}"]`
  );
  if (!(await button.isVisible())) {
    await topic.locator('summary').click();
  }
  await button.click();
  await expectCurrentNotebook(page, PATH);
  return topic;
}

/** The starter cell of the open exercise notebook (its only code cell). */
async function starterCell(page: Page): Promise<Locator> {
  const cells = currentNotebook(page).locator('.jp-CodeCell');
  await expect(cells).toHaveCount(1);
  return cells.first();
}

/** The first module's progress bar value and mastery percentage. */
async function moduleFigures(panel: Locator) {
  const module = panel.locator(
    `[data-testid="learnflow-module"][data-module-id="${MODULE}"]`
  );
  const progress = Number(
    await module.getByRole('progressbar').getAttribute('aria-valuenow')
  );
  const text = await module.getByText(/^Mastery \d+%$/).textContent();
  return { progress, mastery: Number(/(\d+)%/.exec(text ?? '')![1]) };
}

/** The topic's mastery percentage shown in the exercise list. */
async function topicMastery(topic: Locator): Promise<number> {
  const text = (await topic.locator('summary').textContent()) ?? '';
  return Number(/mastery (\d+)%/.exec(text)![1]);
}

test('submitting the starter code shows the failed tests with their messages', async ({
  page,
  steps
}) => {
  await openLab(page, 'exercise-fails');
  await expectSignedInAs(page, JUPYTER_USER);
  await openExercise(page);
  const starter = await starterCell(page);
  await expect(starter.locator('.cm-content')).toContainText(
    '# your code here'
  );
  await steps.shot(page, 'exercise opened with its starter code');

  await currentNotebook(page).getByTestId('learnflow-toolbar-submit').click();
  const panel = await openCoursePanel(page);
  const result = panel.getByTestId('learnflow-submission-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result).not.toHaveAttribute('data-status', 'passed');
  await expect(result).toContainText('Not passed yet');
  await expect(panel.getByTestId('learnflow-submission-score')).toHaveText(
    'score 0%'
  );

  const failed = result.locator(
    '[data-testid="learnflow-test-result"][data-passed="false"]'
  );
  await expect(failed.first()).toBeVisible();
  expect(await failed.count()).toBeGreaterThan(0);
  await expect(
    result.locator('[data-testid="learnflow-test-result"][data-passed="true"]')
  ).toHaveCount(0);
  // Each failed test says why, in words written for the student.
  await expect(
    failed.first().locator('.jp-LearnFlow-testMessage')
  ).toContainText('celsius_to_fahrenheit(0) should return a number');
  for (const message of await failed
    .locator('.jp-LearnFlow-testMessage')
    .allTextContents()) {
    expect(message.trim()).not.toBe('');
  }
  expect(await failed.locator('.jp-LearnFlow-testMessage').count()).toBe(
    await failed.count()
  );
  await result.scrollIntoViewIfNeeded();
  await steps.shot(page, 'failed tests with their messages');
});

test('submitting the reference solution passes every test and updates progress and mastery', async ({
  page,
  steps
}) => {
  const solution = courseCell(SOURCE, 'solution');

  await openLab(page, 'exercise-passes');
  await expectSignedInAs(page, JUPYTER_USER);
  const topic = await openExercise(page);
  const panel = await openCoursePanel(page);
  const before = await moduleFigures(panel);
  const masteryBefore = await topicMastery(topic);
  await steps.shot(page, 'exercise opened');

  const starter = await starterCell(page);
  await replaceCellText(starter, solution);
  expect((await currentNotebookModel(page)).cells).toContain(solution);
  await steps.shot(page, 'reference solution typed into the starter cell');

  await currentNotebook(page).getByTestId('learnflow-toolbar-submit').click();
  const result = panel.getByTestId('learnflow-submission-result');
  await expect(result).toHaveAttribute('data-status', 'passed', {
    timeout: 60_000
  });
  await expect(result).toContainText('Passed');
  await expect(panel.getByTestId('learnflow-submission-score')).toHaveText(
    'score 100%'
  );
  const tests = result.getByTestId('learnflow-test-result');
  expect(await tests.count()).toBeGreaterThan(1);
  await expect(
    result.locator('[data-testid="learnflow-test-result"][data-passed="false"]')
  ).toHaveCount(0);
  await result.scrollIntoViewIfNeeded();
  await steps.shot(page, 'every test passed');

  // The panel refreshes the student's figures after grading.
  await expect
    .poll(async () => (await moduleFigures(panel)).progress)
    .toBeGreaterThan(before.progress);
  await expect
    .poll(async () => (await moduleFigures(panel)).mastery)
    .toBeGreaterThan(before.mastery);
  await expect.poll(() => topicMastery(topic)).toBeGreaterThan(masteryBefore);
  await panel
    .locator(`[data-testid="learnflow-module"][data-module-id="${MODULE}"]`)
    .scrollIntoViewIfNeeded();
  await steps.shot(page, 'progress and mastery updated');
});
