import { INotebookJSON } from '../src/api/types';
import {
  learnFlowMetadata,
  submissionCode
} from '../src/notebook/submission-code';

function notebook(cells: INotebookJSON['cells']): INotebookJSON {
  return {
    cells,
    metadata: { learnflow: { kind: 'exercise', id: 'loops-1' } },
    nbformat: 4,
    nbformat_minor: 5
  };
}

describe('submissionCode', () => {
  it('submits only the starter cells when they are marked', () => {
    const nb = notebook([
      { cell_type: 'markdown', source: '# Sum', metadata: {} },
      { cell_type: 'code', source: 'print("scratch")', metadata: {} },
      {
        cell_type: 'code',
        source: ['def total(xs):\n', '    return sum(xs)\n'],
        metadata: { learnflow: { role: 'starter' } }
      }
    ]);

    const code = submissionCode(nb);

    expect(code).toBe('def total(xs):\n    return sum(xs)\n');
  });

  it('submits every code cell, joined, when no cell is marked', () => {
    const nb = notebook([
      { cell_type: 'code', source: 'a = 1', metadata: {} },
      { cell_type: 'markdown', source: 'text', metadata: {} },
      { cell_type: 'code', source: 'b = a + 1', metadata: {} }
    ]);

    expect(submissionCode(nb)).toBe('a = 1\n\nb = a + 1');
  });

  it('submits nothing from a notebook without code', () => {
    expect(submissionCode(notebook([]))).toBe('');
  });
});

describe('learnFlowMetadata', () => {
  it.each([
    [undefined, null],
    [{}, null],
    [{ learnflow: { kind: 'quiz', id: 'x' } }, null],
    [{ learnflow: { kind: 'lesson' } }, null],
    [{ learnflow: { kind: 'lesson', id: 'l1' } }, { kind: 'lesson', id: 'l1' }]
  ])('reads %j as %j', (metadata, expected) => {
    expect(learnFlowMetadata(metadata)).toEqual(expected);
  });
});
