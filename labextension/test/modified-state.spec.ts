import { Signal } from '@lumino/signaling';

import {
  ModifiedState,
  withoutKernelMetadata
} from '../src/notebook/modified-state';

const COURSE_METADATA = {
  kernelspec: { name: 'python3', display_name: 'Python 3' },
  language_info: { name: 'python' },
  learnflow: { kind: 'lesson', id: 'l1' }
};

const KERNEL_SPEC = { name: 'python3', display_name: 'Python 3 (ipykernel)' };
const LANGUAGE_INFO = { name: 'python', version: '3.11.7' };

/** A notebook model: metadata and one cell's source, with a dirty flag. */
class FakeModel {
  constructor(metadata: Record<string, unknown>) {
    this.metadata = metadata;
  }

  metadata: Record<string, unknown>;
  source = 'print(1)';
  stateChanged = new Signal<
    this,
    { name: string; oldValue: unknown; newValue: unknown }
  >(this);

  get dirty(): boolean {
    return this._dirty;
  }
  set dirty(value: boolean) {
    const oldValue = this._dirty;
    this._dirty = value;
    if (oldValue !== value) {
      this.stateChanged.emit({ name: 'dirty', oldValue, newValue: value });
    }
  }

  /** Change a metadata key as JupyterLab does: the model becomes dirty. */
  setMetadata(key: string, value: unknown): void {
    this.metadata = { ...this.metadata, [key]: value };
    this.dirty = true;
  }

  /** Type into the cell as the student does: the model becomes dirty. */
  type(source: string): void {
    this.source = source;
    this.dirty = true;
  }

  toJSON() {
    return {
      cells: [{ cell_type: 'code', source: this.source }],
      metadata: this.metadata
    } as any;
  }

  private _dirty = false;
}

/**
 * A document context that saves as JupyterLab's does: it signals the start,
 * reads the model, waits for the server, marks the model clean, signals the
 * file's change, then the end. `file` is what the last save stored.
 */
class FakeContext implements ModifiedState.IContext {
  constructor(metadata: Record<string, unknown> = COURSE_METADATA) {
    this.model = new FakeModel(metadata);
    this.file = this.model.toJSON();
  }

  readonly model: FakeModel;
  readonly ready = Promise.resolve();
  readonly fileChanged = new Signal<this, unknown>(this);
  readonly saveState = new Signal<this, string>(this);
  file: unknown;

  /** Start a save; `server` resolves when the server has stored the file. */
  async save(server: Promise<void> = Promise.resolve()): Promise<void> {
    this.saveState.emit('started');
    const content = this.model.toJSON();
    await server;
    this.file = content;
    this.model.dirty = false;
    this.fileChanged.emit({});
    this.saveState.emit('completed');
  }
}

/** Let `context.ready` and the watcher's setup run. */
async function opened(context: FakeContext): Promise<ModifiedState> {
  const state = new ModifiedState(context);
  await context.ready;
  await Promise.resolve();
  return state;
}

/** Let the watcher's reaction to a dirty change run. */
const settled = () => Promise.resolve().then(() => undefined);

describe('withoutKernelMetadata', () => {
  it('ignores kernelspec and language_info but keeps other metadata', () => {
    const course = { cells: [], metadata: COURSE_METADATA };
    const kernel = {
      cells: [],
      metadata: {
        ...COURSE_METADATA,
        kernelspec: KERNEL_SPEC,
        language_info: LANGUAGE_INFO
      }
    };

    const other = { cells: [], metadata: { learnflow: { id: 'l2' } } };

    expect(withoutKernelMetadata(kernel)).toBe(withoutKernelMetadata(course));
    expect(withoutKernelMetadata(other)).not.toBe(
      withoutKernelMetadata(course)
    );
  });
});

describe('ModifiedState', () => {
  it('keeps a course notebook clean when only the kernel metadata changes', async () => {
    const context = new FakeContext();
    await opened(context);

    context.model.setMetadata('kernelspec', KERNEL_SPEC);
    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await settled();

    expect(context.model.dirty).toBe(false);
  });

  it('leaves a notebook the student edited modified', async () => {
    const context = new FakeContext();
    await opened(context);

    context.model.source = 'print(2)';
    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await settled();

    expect(context.model.dirty).toBe(true);
  });

  it('leaves a notebook that is no course notebook alone', async () => {
    const context = new FakeContext({ language_info: { name: 'python' } });
    await opened(context);

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await settled();

    expect(context.model.dirty).toBe(true);
  });

  it('compares with the content of the latest save', async () => {
    const context = new FakeContext();
    await opened(context);
    context.model.type('print(2)');
    await context.save();

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await settled();

    expect(context.model.dirty).toBe(false);
  });

  it('marks modified again a notebook edited while a save was in flight', async () => {
    const context = new FakeContext();
    await opened(context);
    context.model.type('print(2)');
    let serverStored!: () => void;
    const saving = context.save(
      new Promise(resolve => (serverStored = resolve))
    );

    context.model.type('print(3)');
    serverStored();
    await saving;
    await settled();

    expect(JSON.stringify(context.file)).toContain('print(2)');
    expect(context.model.dirty).toBe(true);
  });

  it('stops watching once disposed', async () => {
    const context = new FakeContext();
    const state = await opened(context);
    state.dispose();

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await settled();

    expect(context.model.dirty).toBe(true);
  });
});
