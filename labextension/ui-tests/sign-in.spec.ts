import {
  expect,
  JUPYTER_USER,
  openCoursePanel,
  openLab,
  server,
  test
} from './helpers';

test('the student opening JupyterLab is signed in without typing a password', async ({
  page,
  steps
}) => {
  await openLab(page, 'sign-in');
  await steps.shot(page, 'jupyterlab opened');

  const panel = await openCoursePanel(page);
  await expect(panel.getByTestId('learnflow-user')).toHaveText(
    `Signed in as ${JUPYTER_USER}`
  );
  await expect(panel.getByTestId('learnflow-signin-form')).toHaveCount(0);
  await expect(panel.getByTestId('learnflow-module').first()).toBeVisible();
  // The session's token is kept for the next reload.
  const stored = await page.evaluate(
    key => localStorage.getItem(key),
    `learnflow:token:${server.apiUrl}`
  );
  expect(stored).toBeTruthy();
  await steps.shot(page, 'course panel shows the signed-in user');
});
