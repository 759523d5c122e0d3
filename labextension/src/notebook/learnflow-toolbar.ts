import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { CommandToolbarButton } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { CommandIDs } from '../commands';
import { learnFlowMetadata } from './submission-code';

/**
 * Adds "Submit exercise" or "Complete lesson" to the toolbar of notebooks
 * whose metadata marks them as a LearnFlow exercise or lesson.
 */
export class LearnFlowToolbarExtension implements DocumentRegistry.IWidgetExtension<
  NotebookPanel,
  INotebookModel
> {
  constructor(commands: CommandRegistry) {
    this._commands = commands;
  }

  createNew(panel: NotebookPanel): IDisposable | void {
    let button: CommandToolbarButton | null = null;
    void panel.context.ready.then(() => {
      if (panel.isDisposed) {
        return;
      }
      const entry = learnFlowMetadata(
        panel.content.model?.metadata as Record<string, unknown> | undefined
      );
      if (!entry) {
        return;
      }
      const id =
        entry.kind === 'exercise'
          ? CommandIDs.submitExercise
          : CommandIDs.completeLesson;
      button = new CommandToolbarButton({
        commands: this._commands,
        id,
        label: this._commands.label(id)
      });
      button.addClass('jp-LearnFlow-toolbarButton');
      button.node.dataset.testid =
        entry.kind === 'exercise'
          ? 'learnflow-toolbar-submit'
          : 'learnflow-toolbar-complete';
      panel.toolbar.insertItem(10, `learnflow-${entry.kind}`, button);
    });
    return {
      get isDisposed() {
        return button?.isDisposed ?? false;
      },
      dispose: () => button?.dispose()
    };
  }

  private _commands: CommandRegistry;
}
