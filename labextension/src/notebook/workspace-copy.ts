import { INotebookJSON } from '../api/types';

/** The two Contents API calls the copy needs (a `ContentsManager` fits). */
export interface IWorkspaceContents {
  get(path: string, options: { content: false }): Promise<unknown>;
  save(
    path: string,
    options: {
      type: 'directory' | 'notebook';
      format?: 'json';
      content?: any;
    }
  ): Promise<unknown>;
}

/** The folder of the student's workspace that holds course notebooks. */
export const WORKSPACE_FOLDER = 'learnflow';

/** Where a course notebook lives in the workspace. */
export function workspacePath(moduleId: string, id: string): string {
  return `${WORKSPACE_FOLDER}/${safeName(moduleId)}/${safeName(id)}.ipynb`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Whether a Contents API failure says the path does not exist. */
export function isNotFound(error: unknown): boolean {
  const response = (error as { response?: { status?: number } } | null)
    ?.response;
  return response?.status === 404;
}

async function exists(
  contents: IWorkspaceContents,
  path: string
): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch (error) {
    if (isNotFound(error)) {
      return false;
    }
    throw error;
  }
}

/**
 * Copy a course notebook into the workspace unless a file is already at
 * `path`: the student's edits are never overwritten. The notebook is only
 * fetched when it is needed.
 *
 * Returns whether a file was written.
 */
export async function copyIfAbsent(
  contents: IWorkspaceContents,
  path: string,
  fetchNotebook: () => Promise<INotebookJSON>
): Promise<boolean> {
  if (await exists(contents, path)) {
    return false;
  }

  const notebook = await fetchNotebook();
  const folders = path.split('/').slice(0, -1);
  for (let depth = 1; depth <= folders.length; depth++) {
    const folder = folders.slice(0, depth).join('/');
    if (!(await exists(contents, folder))) {
      await contents.save(folder, { type: 'directory' });
    }
  }

  await contents.save(path, {
    type: 'notebook',
    format: 'json',
    content: notebook
  });
  return true;
}
