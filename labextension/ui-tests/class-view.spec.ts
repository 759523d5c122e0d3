import {
  courseCell,
  expect,
  expectSignedInAs,
  JUPYTER_USER,
  newAccount,
  openCoursePanel,
  openLab,
  signInWithForm,
  signOut,
  test
} from './helpers';

test('a teacher sees every student in the Class view heatmap', async ({
  page,
  steps,
  api
}) => {
  // A second student with a passed exercise, and a teacher, registered directly.
  const student = newAccount('Heatmap Student');
  await api.register(student);
  const token = await api.login(student);
  const graded = await api.submit(
    token,
    'celsius-to-fahrenheit',
    courseCell(
      '01-values-and-variables/exercise-01-celsius-to-fahrenheit.ipynb',
      'solution'
    )
  );
  expect(graded.status).toBe('passed');
  const teacher = newAccount('Teacher', 'teacher');
  await api.register(teacher);

  // Opening JupyterLab signs its own student in; the teacher takes over.
  await openLab(page, 'class-view');
  await expectSignedInAs(page, JUPYTER_USER);
  const panel = await openCoursePanel(page);
  await expect(panel.getByTestId('learnflow-open-class')).toHaveCount(0);
  await signOut(page);
  await steps.shot(page, 'signed out, the sign-in form');
  await signInWithForm(page, teacher);
  await steps.shot(page, 'teacher signed in through the form');

  await panel.getByTestId('learnflow-open-class').click();
  const view = page.locator('#learnflow-class');
  await expect(view).toBeVisible();
  const heatmap = view.getByTestId('learnflow-heatmap');
  await expect(heatmap).toBeVisible();

  const rows = heatmap.getByTestId('learnflow-heatmap-row');
  await expect(rows.filter({ hasText: JUPYTER_USER })).toHaveCount(1);
  await expect(rows.filter({ hasText: student.name })).toHaveCount(1);
  await expect(rows.filter({ hasText: teacher.name })).toHaveCount(0);

  // The student's passed exercise shows as mastery in their topic's cell.
  const row = rows.filter({ hasText: student.name });
  const cell = row.locator(
    '[data-testid="learnflow-heatmap-cell"][data-topic="values-and-variables"]'
  );
  await expect(cell).toHaveText(/^\d+%/);
  await expect(cell).toHaveAttribute(
    'title',
    new RegExp(
      `^${student.name}, values-and-variables: mastery \\d+% after 1 attempts$`
    )
  );
  await expect(view.getByTestId('learnflow-pass-rates')).toBeVisible();
  await steps.shot(page, 'class view with the heatmap');
});
