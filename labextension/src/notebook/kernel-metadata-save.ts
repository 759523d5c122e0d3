import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { PartialJSONValue } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import { learnFlowMetadata } from './submission-code';

/** The notebook metadata JupyterLab rewrites from the kernel it connects. */
const KERNEL_KEYS = ['kernelspec', 'language_info'];

/**
 * How long to wait for the kernel's spec and info before deciding: a kernel
 * that never answers leaves the notebook as it is.
 */
const KERNEL_WAIT_MS = 30_000;

/**
 * A notebook's JSON as a string, without the metadata the kernel writes:
 * two notebooks with the same string differ at most in that metadata.
 */
export function withoutKernelMetadata(notebook: PartialJSONValue): string {
  const { metadata, ...rest } = (notebook ?? {}) as {
    metadata?: Record<string, unknown>;
  };
  const kept = Object.fromEntries(
    Object.entries(metadata ?? {}).filter(([key]) => !KERNEL_KEYS.includes(key))
  );
  return JSON.stringify({ ...rest, metadata: kept });
}

/** Wait for a promise, but no longer than `ms`; never reject. */
async function settledWithin(promise: Promise<unknown>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>(resolve => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keeps a course notebook clean when the only change since it was loaded or
 * saved is the kernel's `kernelspec` and `language_info`, and saves them.
 *
 * The course's notebooks carry a generic kernelspec and a bare
 * `language_info`; when the kernel starts, JupyterLab writes the kernel's own
 * into the model, which marks a notebook the student never touched as
 * modified (● on its tab, a question on closing). The saver marks it clean
 * again before the tab is redrawn, then, once the kernel's spec and info are
 * both in, saves it so that the file equals the model and the next opening
 * changes nothing.
 */
export class KernelMetadataSaver implements IDisposable {
  constructor(context: KernelMetadataSaver.IContext) {
    this._context = context;
    void context.ready.then(() => {
      if (this._isDisposed || !learnFlowMetadata(context.model.metadata)) {
        return;
      }
      this._remember();
      context.fileChanged.connect(this._remember, this);
      context.model.stateChanged.connect(this._onStateChanged, this);
    });
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Settles once the pending save, if any, is done. */
  get settled(): Promise<void> {
    // A change signalled just now is handled in a microtask: after it.
    return Promise.resolve().then(() => this._saving ?? undefined);
  }

  /** Stop watching the notebook. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._context.fileChanged.disconnect(this._remember, this);
    this._context.model.stateChanged.disconnect(this._onStateChanged, this);
  }

  private _remember(): void {
    this._saved = withoutKernelMetadata(this._context.model.toJSON());
  }

  private _onlyKernelChanged(): boolean {
    return withoutKernelMetadata(this._context.model.toJSON()) === this._saved;
  }

  private _onStateChanged(
    _: unknown,
    change: { name: string; newValue: unknown }
  ): void {
    if (change.name === 'dirty' && change.newValue === true) {
      // Not from inside the signal its other listeners are still receiving.
      void Promise.resolve().then(() => this._markClean());
    }
  }

  private _markClean(): void {
    if (this._isDisposed || !this._onlyKernelChanged()) {
      return;
    }
    this._context.model.dirty = false;
    if (!this._saving) {
      this._saving = this._saveWhenKernelIsKnown().finally(() => {
        this._saving = null;
      });
    }
  }

  private async _saveWhenKernelIsKnown(): Promise<void> {
    // JupyterLab writes the spec and the info as each arrives: wait for both.
    const kernel = this._context.sessionContext.session?.kernel;
    if (kernel) {
      await settledWithin(
        Promise.all([kernel.spec, kernel.info]),
        KERNEL_WAIT_MS
      );
    }
    // Let NotebookPanel's own callbacks on the same promises write first.
    await new Promise(resolve => setTimeout(resolve, 0));

    // Once the student has changed something, saving is theirs to do.
    if (
      this._isDisposed ||
      this._context.isDisposed ||
      !this._onlyKernelChanged()
    ) {
      return;
    }
    try {
      await this._context.save();
    } catch (error) {
      console.warn('LearnFlow: could not save the kernel metadata', error);
    }
  }

  private _context: KernelMetadataSaver.IContext;
  private _isDisposed = false;
  private _saved: string | null = null;
  private _saving: Promise<void> | null = null;
}

export namespace KernelMetadataSaver {
  /** The part of a notebook's document context the saver uses. */
  export interface IContext {
    readonly ready: Promise<void>;
    readonly isDisposed: boolean;
    readonly fileChanged: ISignal<any, unknown>;
    readonly model: {
      dirty: boolean;
      readonly metadata: Record<string, unknown>;
      readonly stateChanged: ISignal<
        any,
        { name: string; oldValue: unknown; newValue: unknown }
      >;
      toJSON(): PartialJSONValue;
    };
    readonly sessionContext: {
      readonly session: {
        readonly kernel: {
          readonly spec: Promise<unknown>;
          readonly info: Promise<unknown>;
        } | null;
      } | null;
    };
    save(): Promise<void>;
  }
}

/** Adds a `KernelMetadataSaver` to every notebook. */
export class KernelMetadataSaveExtension implements DocumentRegistry.IWidgetExtension<
  NotebookPanel,
  INotebookModel
> {
  createNew(
    _panel: NotebookPanel,
    context: DocumentRegistry.IContext<INotebookModel>
  ): IDisposable {
    return new KernelMetadataSaver(context);
  }
}
