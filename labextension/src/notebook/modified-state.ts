import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { PartialJSONValue } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import { learnFlowMetadata } from './submission-code';

/** The notebook metadata JupyterLab rewrites from the kernel it connects. */
const KERNEL_KEYS = ['kernelspec', 'language_info'];

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

/**
 * Keeps a course notebook's modified marker (● on its tab) true to what the
 * student has and has not saved.
 *
 * - The course's notebooks carry a generic kernelspec and a bare
 *   `language_info`. When the kernel starts, JupyterLab writes the kernel's
 *   own into the model, which marks a notebook the student never touched as
 *   modified. If that metadata is the only difference from the file, the
 *   notebook is marked clean again before the tab is redrawn. The file is
 *   not written: the student's next save stores the metadata with their work.
 * - JupyterLab marks a notebook clean when a save finishes, even if the
 *   student typed while it was in flight, so those keystrokes are neither on
 *   disk nor guarded by the marker (closing the tab loses them). When a save
 *   finishes, a notebook that differs from what the save stored is marked
 *   modified again.
 */
export class ModifiedState implements IDisposable {
  constructor(context: ModifiedState.IContext) {
    this._context = context;
    void context.ready.then(() => {
      if (this._isDisposed || !learnFlowMetadata(context.model.metadata)) {
        return;
      }
      this._stored = this._current();
      context.fileChanged.connect(this._onFileChanged, this);
      context.saveState.connect(this._onSaveState, this);
      context.model.stateChanged.connect(this._onStateChanged, this);
    });
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Stop watching the notebook. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._context.fileChanged.disconnect(this._onFileChanged, this);
    this._context.saveState.disconnect(this._onSaveState, this);
    this._context.model.stateChanged.disconnect(this._onStateChanged, this);
  }

  private _current(): string {
    return withoutKernelMetadata(this._context.model.toJSON());
  }

  private _onFileChanged(): void {
    // Loaded or reverted from disk: the model is the file. After a save,
    // `_onSaveState` replaces this with what the save stored.
    this._stored = this._current();
  }

  private _onSaveState(_: unknown, state: string): void {
    if (state === 'started') {
      // JupyterLab reads the model for the save right after this signal.
      this._saving = this._current();
    } else if (state === 'completed' && this._saving !== null) {
      this._stored = this._saving;
      this._saving = null;
      if (this._current() !== this._stored) {
        this._context.model.dirty = true;
      }
    } else if (state === 'failed') {
      this._saving = null;
    }
  }

  private _onStateChanged(
    _: unknown,
    change: { name: string; newValue: unknown }
  ): void {
    if (change.name === 'dirty' && change.newValue === true) {
      // Not from inside the signal its other listeners are still receiving.
      void Promise.resolve().then(() => this._markCleanIfOnlyKernelChanged());
    }
  }

  private _markCleanIfOnlyKernelChanged(): void {
    if (this._isDisposed || this._current() !== this._stored) {
      return;
    }
    this._context.model.dirty = false;
  }

  private _context: ModifiedState.IContext;
  private _isDisposed = false;
  /** The notebook as last loaded or saved, without kernel metadata. */
  private _stored: string | null = null;
  /** What the save in flight is storing, if one is. */
  private _saving: string | null = null;
}

export namespace ModifiedState {
  /** The part of a notebook's document context this uses. */
  export interface IContext {
    readonly ready: Promise<void>;
    readonly fileChanged: ISignal<any, unknown>;
    readonly saveState: ISignal<any, string>;
    readonly model: {
      dirty: boolean;
      readonly metadata: Record<string, unknown>;
      readonly stateChanged: ISignal<
        any,
        { name: string; oldValue: unknown; newValue: unknown }
      >;
      toJSON(): PartialJSONValue;
    };
  }
}

/** Adds a `ModifiedState` to every notebook. */
export class ModifiedStateExtension implements DocumentRegistry.IWidgetExtension<
  NotebookPanel,
  INotebookModel
> {
  createNew(
    _panel: NotebookPanel,
    context: DocumentRegistry.IContext<INotebookModel>
  ): IDisposable {
    return new ModifiedState(context);
  }
}
