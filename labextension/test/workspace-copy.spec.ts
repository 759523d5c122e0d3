import { INotebookJSON } from '../src/api/types';
import {
  copyIfAbsent,
  IWorkspaceContents,
  workspacePath
} from '../src/notebook/workspace-copy';

const NOTEBOOK: INotebookJSON = {
  cells: [],
  metadata: { learnflow: { kind: 'lesson', id: 'l1' } },
  nbformat: 4,
  nbformat_minor: 5
};

/** A Contents API over a set of existing paths, recording every save. */
class FakeContents implements IWorkspaceContents {
  constructor(readonly paths: Set<string>) {}
  saved: Array<{ path: string; type: string; content?: unknown }> = [];

  async get(path: string): Promise<unknown> {
    if (!this.paths.has(path)) {
      throw { response: { status: 404 } };
    }
    return { path };
  }

  async save(
    path: string,
    options: { type: 'directory' | 'notebook'; content?: unknown }
  ) {
    this.paths.add(path);
    this.saved.push({ path, ...options });
    return { path };
  }
}

describe('copyIfAbsent', () => {
  it('writes the notebook and its folders when the file is absent', async () => {
    const contents = new FakeContents(new Set());
    const fetchNotebook = jest.fn(async () => NOTEBOOK);

    const wrote = await copyIfAbsent(
      contents,
      'learnflow/m1/l1.ipynb',
      fetchNotebook
    );

    expect(wrote).toBe(true);
    expect(contents.saved.map(s => [s.path, s.type])).toEqual([
      ['learnflow', 'directory'],
      ['learnflow/m1', 'directory'],
      ['learnflow/m1/l1.ipynb', 'notebook']
    ]);
    expect(contents.saved[2].content).toBe(NOTEBOOK);
  });

  it('never overwrites a file the student already has', async () => {
    const contents = new FakeContents(new Set(['learnflow/m1/l1.ipynb']));
    const fetchNotebook = jest.fn(async () => NOTEBOOK);

    const wrote = await copyIfAbsent(
      contents,
      'learnflow/m1/l1.ipynb',
      fetchNotebook
    );

    expect(wrote).toBe(false);
    expect(contents.saved).toEqual([]);
    expect(fetchNotebook).not.toHaveBeenCalled();
  });

  it('passes on failures other than not found', async () => {
    const contents = new FakeContents(new Set());
    contents.get = async () => {
      throw { response: { status: 500 } };
    };

    const copy = copyIfAbsent(
      contents,
      'learnflow/m1/l1.ipynb',
      async () => NOTEBOOK
    );

    await expect(copy).rejects.toEqual({ response: { status: 500 } });
    expect(contents.saved).toEqual([]);
  });
});

describe('workspacePath', () => {
  it('keeps course ids and replaces characters unsafe in a path', () => {
    expect(workspacePath('01-basics', 'loops/1')).toBe(
      'learnflow/01-basics/loops_1.ipynb'
    );
  });
});
