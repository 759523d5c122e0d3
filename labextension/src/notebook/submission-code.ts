import { ILearnFlowMetadata, INotebookJSON } from '../api/types';

/** The text of a cell's source, which nbformat stores as a string or lines. */
function sourceText(source: string | string[]): string {
  return Array.isArray(source) ? source.join('') : source;
}

/**
 * Return the code to submit from an exercise notebook: the cells marked as
 * the starter (`metadata.learnflow.role == "starter"`), or, when the
 * student removed that mark, every code cell, in notebook order.
 */
export function submissionCode(notebook: INotebookJSON): string {
  const codeCells = notebook.cells.filter(cell => cell.cell_type === 'code');
  const starters = codeCells.filter(
    cell => cell.metadata?.learnflow?.role === 'starter'
  );
  const chosen = starters.length > 0 ? starters : codeCells;
  return chosen.map(cell => sourceText(cell.source)).join('\n\n');
}

/** Read a notebook's `learnflow` metadata, or `null` if it is no course one. */
export function learnFlowMetadata(
  metadata: Record<string, unknown> | undefined
): ILearnFlowMetadata | null {
  const entry = metadata?.learnflow as ILearnFlowMetadata | undefined;
  if (!entry || (entry.kind !== 'lesson' && entry.kind !== 'exercise')) {
    return null;
  }
  return typeof entry.id === 'string' ? entry : null;
}
