import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import {
  KernelMetadataSaver,
  withoutKernelMetadata
} from '../src/notebook/kernel-metadata-save';

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

  toJSON() {
    return {
      cells: [{ cell_type: 'code', source: this.source }],
      metadata: this.metadata
    } as any;
  }

  private _dirty = false;
}

/** A document context whose kernel answers at once; it counts the saves. */
class FakeContext implements KernelMetadataSaver.IContext {
  constructor(metadata: Record<string, unknown> = COURSE_METADATA) {
    this.model = new FakeModel(metadata);
  }

  readonly model: FakeModel;
  readonly ready = Promise.resolve();
  readonly isDisposed = false;
  readonly fileChanged = new Signal<this, unknown>(this);
  readonly sessionContext = {
    session: {
      kernel: {
        spec: Promise.resolve() as Promise<unknown>,
        info: Promise.resolve() as Promise<unknown>
      }
    }
  };
  saves = 0;

  async save(): Promise<void> {
    this.saves += 1;
    this.model.dirty = false;
    this.fileChanged.emit({});
  }
}

/** Let `context.ready` and the saver's setup run. */
async function opened(context: FakeContext): Promise<KernelMetadataSaver> {
  const saver = new KernelMetadataSaver(context);
  await context.ready;
  await Promise.resolve();
  return saver;
}

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

describe('KernelMetadataSaver', () => {
  it('keeps a course notebook clean when only the kernel metadata changes', async () => {
    const context = new FakeContext();
    await opened(context);

    context.model.setMetadata('kernelspec', KERNEL_SPEC);
    await Promise.resolve();

    expect(context.model.dirty).toBe(false);
  });

  it('saves the kernel metadata once the kernel has sent its spec and info', async () => {
    const context = new FakeContext();
    const info = new PromiseDelegate<unknown>();
    context.sessionContext.session.kernel.info = info.promise;
    const saver = await opened(context);
    context.model.setMetadata('kernelspec', KERNEL_SPEC);
    await Promise.resolve();
    const savesBeforeInfo = context.saves;

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    info.resolve({});
    await saver.settled;

    expect(savesBeforeInfo).toBe(0);
    expect(context.saves).toBe(1);
    expect(context.model.dirty).toBe(false);
  });

  it('leaves a notebook the student edited modified and unsaved', async () => {
    const context = new FakeContext();
    const saver = await opened(context);

    context.model.source = 'print(2)';
    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await saver.settled;

    expect(context.saves).toBe(0);
    expect(context.model.dirty).toBe(true);
  });

  it('leaves a notebook that is no course notebook alone', async () => {
    const context = new FakeContext({ language_info: { name: 'python' } });
    const saver = await opened(context);

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await saver.settled;

    expect(context.saves).toBe(0);
    expect(context.model.dirty).toBe(true);
  });

  it('compares with the content of the latest save', async () => {
    const context = new FakeContext();
    const saver = await opened(context);
    context.model.source = 'print(2)';
    context.model.dirty = true;
    await context.save();

    context.model.setMetadata('language_info', LANGUAGE_INFO);
    await saver.settled;

    expect(context.saves).toBe(2);
    expect(context.model.dirty).toBe(false);
  });
});
