import { Page } from '@playwright/test';

import {
  currentNotebook,
  currentNotebookModel,
  documentTab,
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

/**
 * Record, from now on, whether any frame the browser draws shows a tab's
 * modified marker (●); the returned function stops and reads the record.
 */
async function recordDirtyFrames(
  page: Page,
  fileName: string
): Promise<() => Promise<boolean>> {
  await page.evaluate(name => {
    const record = { dirty: false, stop: false };
    const look = () => {
      const tabs = document.querySelectorAll(
        '#jp-main-dock-panel .lm-TabBar-tab.jp-mod-dirty'
      );
      if ([...tabs].some(tab => tab.textContent?.includes(name))) {
        record.dirty = true;
      }
      if (!record.stop) {
        requestAnimationFrame(look);
      }
    };
    requestAnimationFrame(look);
    (window as any).learnflowDirtyFrames = record;
  }, fileName);
  return () =>
    page.evaluate(() => {
      const record = (window as any).learnflowDirtyFrames;
      record.stop = true;
      return record.dirty as boolean;
    });
}

/** The current notebook's kernel metadata, once its kernel has sent its info. */
async function kernelMetadata(page: Page) {
  const read = () =>
    page.evaluate(() => {
      const model = (window as any).jupyterapp.shell.currentWidget.context
        .model;
      return {
        kernelspec: model.getMetadata('kernelspec'),
        language_info: model.getMetadata('language_info')
      };
    });
  await expect
    .poll(async () => (await read()).language_info?.version)
    .toBeTruthy();
  return read();
}

test('opening a module shows its lessons and progress', async ({
  page,
  steps
}) => {
  await openLab(page, 'module');
  await expectSignedInAs(page, JUPYTER_USER);
  const panel = await openCoursePanel(page);

  const module = panel.locator(
    '[data-testid="learnflow-module"][data-module-id="conditionals"]'
  );
  const lessons = module.getByTestId('learnflow-open-lesson');
  await expect(lessons.first()).toBeHidden();
  await steps.shot(page, 'module closed');

  await module.locator('summary').click();
  await expect(lessons).toHaveCount(3);
  await expect(lessons).toHaveText([
    'Comparisons and booleans',
    'if, elif and else',
    'Combining conditions'
  ]);
  await expect(lessons.first()).toBeVisible();
  const progress = module.getByRole('progressbar');
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('aria-valuenow', '0');
  await expect(module.getByText(/^Mastery \d+%$/)).toBeVisible();
  await steps.shot(page, 'module open with its lessons and progress');

  // Completing a lesson moves the module's progress bar.
  await module
    .locator(
      '[data-testid="learnflow-complete-lesson"][data-lesson-id="comparisons-and-booleans"]'
    )
    .click();
  await expect
    .poll(async () => Number(await progress.getAttribute('aria-valuenow')))
    .toBeGreaterThan(0);
  await steps.shot(page, 'progress after completing a lesson');
});

test('opening a lesson copies its notebook into the workspace and opens it', async ({
  page,
  steps,
  api
}) => {
  const path = `learnflow/${MODULE}/numbers-and-arithmetic.ipynb`;
  expect(await api.workspaceFile(path)).toBeNull();

  await openLab(page, 'open-lesson');
  await expectSignedInAs(page, JUPYTER_USER);
  const panel = await openCoursePanel(page);
  await steps.shot(page, 'before opening the lesson');

  await panel
    .locator(
      '[data-testid="learnflow-open-lesson"][data-lesson-id="numbers-and-arithmetic"]'
    )
    .click();
  await expectCurrentNotebook(page, path);
  await expect(
    currentNotebook(page).getByTestId('learnflow-toolbar-complete')
  ).toBeVisible();
  await steps.shot(page, 'lesson notebook opened');

  const file = await api.workspaceFile(path);
  expect(file?.type).toBe('notebook');
  expect(file.content.metadata.learnflow).toMatchObject({
    kind: 'lesson',
    id: 'numbers-and-arithmetic'
  });
  expect(file.content.cells.length).toBeGreaterThan(1);
});

test('opening a lesson a second time keeps the edits made to it', async ({
  page,
  steps,
  api
}) => {
  const path = `learnflow/${MODULE}/strings-and-variables.ipynb`;
  const open = async () => {
    const panel = await openCoursePanel(page);
    await panel
      .locator(
        '[data-testid="learnflow-open-lesson"][data-lesson-id="strings-and-variables"]'
      )
      .click();
    await expectCurrentNotebook(page, path);
  };

  await openLab(page, 'reopen-lesson');
  await expectSignedInAs(page, JUPYTER_USER);
  await open();
  await steps.shot(page, 'lesson opened');

  // Edit the first code cell and save.
  const edit = '# My own note, which must survive\nname = "Ada"\nprint(name)';
  const cell = currentNotebook(page).locator('.jp-CodeCell').first();
  await replaceCellText(cell, edit);
  await expect(cell.locator('.cm-content')).toContainText('My own note');
  await page.keyboard.press('ControlOrMeta+s');
  await expect
    .poll(async () => (await currentNotebookModel(page)).dirty)
    .toBe(false);
  await expect
    .poll(async () => JSON.stringify((await api.workspaceFile(path))?.content))
    .toContain('My own note, which must survive');
  await steps.shot(page, 'lesson edited and saved');

  // Close it, then open the lesson again from the Course panel.
  const tab = documentTab(page, 'strings-and-variables.ipynb');
  await tab.locator('.lm-TabBar-tabCloseIcon').click();
  await expect(tab).toHaveCount(0);
  await steps.shot(page, 'lesson closed');

  await open();
  const { cells } = await currentNotebookModel(page);
  expect(cells).toContain(edit);
  await expect(
    currentNotebook(page).locator('.jp-CodeCell').first().locator('.cm-content')
  ).toContainText('My own note, which must survive');
  const saved = await api.workspaceFile(path);
  expect(JSON.stringify(saved.content)).toContain(
    'My own note, which must survive'
  );
  await steps.shot(page, 'reopened lesson still holds the edit');
});

test('a freshly opened lesson notebook shows no unsaved changes', async ({
  page,
  steps,
  api
}) => {
  const fileName = 'types-and-conversion.ipynb';
  const path = `learnflow/${MODULE}/${fileName}`;
  expect(await api.workspaceFile(path)).toBeNull();
  await openLab(page, 'fresh-lesson');
  await expectSignedInAs(page, JUPYTER_USER);
  const panel = await openCoursePanel(page);

  await panel
    .locator(
      '[data-testid="learnflow-open-lesson"][data-lesson-id="types-and-conversion"]'
    )
    .click();
  await expectCurrentNotebook(page, path);
  const copied = await api.workspaceFile(path);
  const dirtyFrames = await recordDirtyFrames(page, fileName);
  // The kernel starts and JupyterLab writes its spec and info in the model.
  const kernel = await kernelMetadata(page);

  expect((await currentNotebookModel(page)).dirty).toBe(false);
  await expect(documentTab(page, fileName)).not.toHaveClass(/jp-mod-dirty/);
  expect(await dirtyFrames()).toBe(false);
  // Nothing was written: the student's first save stores the metadata.
  const file = await api.workspaceFile(path);
  expect(file.last_modified).toBe(copied.last_modified);
  expect(file.content.metadata.language_info).not.toMatchObject(
    kernel.language_info
  );
  await steps.shot(page, 'lesson notebook opened without the modified marker');
});

test('an edit typed while the notebook is being saved stays marked unsaved', async ({
  page,
  steps,
  api
}) => {
  const fileName = 'while-loops.ipynb';
  const path = `learnflow/loops/${fileName}`;
  await openLab(page, 'edit-during-save');
  await expectSignedInAs(page, JUPYTER_USER);
  const panel = await openCoursePanel(page);
  const module = panel.locator(
    '[data-testid="learnflow-module"][data-module-id="loops"]'
  );
  await module.locator('summary').click();
  await module
    .locator(
      '[data-testid="learnflow-open-lesson"][data-lesson-id="while-loops"]'
    )
    .click();
  await expectCurrentNotebook(page, path);
  await kernelMetadata(page);

  // Start a save and type into the first cell once JupyterLab has read the
  // notebook for it, as a student typing through an autosave does.
  const typed = '# typed while saving';
  const dirtyAfterSave = await page.evaluate(async text => {
    const context = (window as any).jupyterapp.shell.currentWidget.context;
    const started = new Promise<void>(resolve => {
      const onState = (_: unknown, state: string) => {
        if (state === 'started') {
          context.saveState.disconnect(onState);
          resolve();
        }
      };
      context.saveState.connect(onState);
    });
    const saving = context.save();
    await started;
    context.model.cells.get(0).sharedModel.setSource(text);
    await saving;
    await new Promise(resolve => setTimeout(resolve, 0));
    return context.model.dirty as boolean;
  }, typed);

  expect(dirtyAfterSave).toBe(true);
  await expect(documentTab(page, fileName)).toHaveClass(/jp-mod-dirty/);
  const file = await api.workspaceFile(path);
  expect(JSON.stringify(file.content)).not.toContain(typed);
  await steps.shot(page, 'edit made during a save still marked unsaved');
});
