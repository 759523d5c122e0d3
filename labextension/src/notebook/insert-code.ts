import { Notebook, NotebookActions } from '@jupyterlab/notebook';

/**
 * Insert code as a new code cell below the notebook's active cell, and make
 * it the active cell.
 */
export function insertCodeBelow(notebook: Notebook, code: string): void {
  NotebookActions.insertBelow(notebook);
  NotebookActions.changeCellType(notebook, 'code');
  notebook.activeCell?.model.sharedModel.setSource(code);
}
