import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';

import { LearnFlowClient } from '../api/client';
import { ILearnFlowMetadata, INotebookJSON } from '../api/types';
import { CommandIDs } from '../commands';
import { courseIcon } from '../icons';
import { CourseModel } from '../models/course-model';
import { ModifiedStateExtension } from '../notebook/modified-state';
import { LearnFlowToolbarExtension } from '../notebook/learnflow-toolbar';
import { learnFlowMetadata, submissionCode } from '../notebook/submission-code';
import { ILearnFlowClient, ILearnFlowCourse } from '../tokens';
import { CourseWidget } from '../widgets/course-widget';

/** The course notebook of a notebook panel, or `null`. */
function courseEntry(panel: NotebookPanel | null): ILearnFlowMetadata | null {
  const metadata = panel?.content.model?.metadata;
  return learnFlowMetadata(metadata as Record<string, unknown> | undefined);
}

/**
 * The Course side panel, and the commands to open it, refresh it, submit
 * the current exercise and complete the current lesson.
 */
export const coursePlugin: JupyterFrontEndPlugin<CourseModel> = {
  id: '@learnflow/labextension:course',
  description: 'The LearnFlow Course panel and notebook actions.',
  autoStart: true,
  provides: ILearnFlowCourse,
  requires: [ILearnFlowClient, ITranslator, IDocumentManager, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    client: LearnFlowClient,
    translator: ITranslator,
    docManager: IDocumentManager,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): CourseModel => {
    const trans = translator.load('learnflow');
    const { commands, shell } = app;
    const model = new CourseModel({
      client,
      contents: app.serviceManager.contents,
      openPath: path => docManager.openOrReveal(path)
    });
    const widget = new CourseWidget({
      model,
      commands,
      currentNotebookChanged: tracker.currentChanged,
      trans
    });
    widget.title.icon = courseIcon;
    shell.add(widget, 'left', { rank: 150 });
    restorer?.add(widget, widget.id);

    const current = () => {
      const panel = tracker.currentWidget;
      return panel && panel === shell.currentWidget
        ? panel
        : tracker.currentWidget;
    };
    const signedIn = () => client.user !== null;

    commands.addCommand(CommandIDs.openCourse, {
      label: trans.__('Open Course'),
      icon: courseIcon,
      execute: () => shell.activateById(widget.id)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh'),
      caption: trans.__('Fetch the course and your progress again'),
      execute: () => model.refresh()
    });
    commands.addCommand(CommandIDs.submitExercise, {
      label: trans.__('Submit exercise'),
      caption: trans.__('Grade the starter cell of this exercise'),
      isEnabled: () =>
        signedIn() && courseEntry(current())?.kind === 'exercise',
      execute: async () => {
        const panel = current();
        const entry = courseEntry(panel);
        if (!panel?.content.model || entry?.kind !== 'exercise') {
          return;
        }
        const notebook =
          panel.content.model.toJSON() as unknown as INotebookJSON;
        shell.activateById(widget.id);
        const done = await model.submitExercise(
          entry.id,
          submissionCode(notebook)
        );
        const result = model.result;
        if (done && result) {
          Notification.info(
            trans.__(
              '%1: score %2%',
              result.status,
              Math.round(result.score * 100)
            ),
            { autoClose: 4000 }
          );
        }
      }
    });
    commands.addCommand(CommandIDs.completeLesson, {
      label: trans.__('Complete lesson'),
      caption: trans.__('Mark this lesson as completed'),
      isEnabled: () => signedIn() && courseEntry(current())?.kind === 'lesson',
      execute: async () => {
        const entry = courseEntry(current());
        if (entry?.kind !== 'lesson') {
          return;
        }
        if (await model.completeLesson(entry.id)) {
          Notification.success(trans.__('Lesson completed.'), {
            autoClose: 3000
          });
        }
      }
    });

    // The panel's buttons follow the session and the current notebook.
    const notify = () => commands.notifyCommandChanged();
    client.userChanged.connect(notify);
    tracker.currentChanged.connect(notify);

    app.docRegistry.addWidgetExtension(
      'Notebook',
      new LearnFlowToolbarExtension(commands)
    );
    // A course notebook shows as modified exactly when it holds unsaved work.
    app.docRegistry.addWidgetExtension(
      'Notebook',
      new ModifiedStateExtension()
    );
    for (const command of [
      CommandIDs.openCourse,
      CommandIDs.refresh,
      CommandIDs.submitExercise,
      CommandIDs.completeLesson
    ]) {
      palette?.addItem({ command, category: 'LearnFlow' });
    }

    void model.refresh();
    return model;
  }
};
