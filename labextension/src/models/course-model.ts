import { ISignal, Signal } from '@lumino/signaling';

import { LearnFlowClient } from '../api/client';
import { CourseApi } from '../api/course-api';
import { messageOf } from '../api/errors';
import {
  IExercise,
  IModule,
  IModuleProgress,
  INextStep,
  ISubmission,
  ITopic
} from '../api/types';
import {
  copyIfAbsent,
  IWorkspaceContents,
  workspacePath
} from '../notebook/workspace-copy';

/**
 * The course as one student sees it, and the actions on it: opening lessons
 * and exercises as notebooks, completing and submitting.
 */
export class CourseModel {
  constructor(options: CourseModel.IOptions) {
    this.client = options.client;
    this._api = new CourseApi(options.client);
    this._contents = options.contents;
    this._openPath = options.openPath;
    this.client.userChanged.connect(() => {
      this._result = null;
      void this.refresh();
    });
  }

  readonly client: LearnFlowClient;

  /** Emitted after any part of the state changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get modules(): IModule[] {
    return this._modules;
  }

  get topics(): ITopic[] {
    return this._topics;
  }

  get nextStep(): INextStep | null {
    return this._nextStep;
  }

  /** The latest submission's grading, shown until the next one. */
  get result(): ISubmission | null {
    return this._result;
  }

  /** What the last action failed with, for the panel to show. */
  get error(): string | null {
    return this._error;
  }

  get busy(): boolean {
    return this._busy > 0;
  }

  /** The caller's figures for a module, if signed in. */
  progressOf(moduleId: string): IModuleProgress | undefined {
    return this._progress.get(moduleId);
  }

  /** The exercises of a topic, once `loadExercises` fetched them. */
  exercisesOf(topic: string): IExercise[] | undefined {
    return this._exercises.get(topic);
  }

  /** Fetch the modules and topics, and the caller's progress and next step. */
  async refresh(): Promise<void> {
    await this._run(async () => {
      const user = this.client.user;
      const [modules, topics, progress, nextStep] = await Promise.all([
        this._api.modules(),
        this._api.topics(),
        user ? this._api.progress(user.id) : Promise.resolve([]),
        user ? this._api.nextStep() : Promise.resolve(null)
      ]);
      this._modules = [...modules].sort((a, b) => a.order - b.order);
      this._topics = topics;
      this._progress = new Map(progress.map(p => [p.module_id, p]));
      this._nextStep = nextStep;
      this._exercises.clear();
    });
  }

  /** Fetch the exercises of one topic. */
  async loadExercises(topic: string): Promise<void> {
    await this._run(async () => {
      this._exercises.set(topic, await this._api.exercises(topic));
    });
  }

  /** Copy a lesson's notebook into the workspace if absent, then open it. */
  async openLesson(moduleId: string, lessonId: string): Promise<void> {
    await this._run(async () => {
      const path = workspacePath(moduleId, lessonId);
      await copyIfAbsent(this._contents, path, () =>
        this._api.lessonNotebook(lessonId)
      );
      this._openPath(path);
    });
  }

  /** Copy an exercise's notebook into the workspace if absent, then open it. */
  async openExercise(exerciseId: string, moduleId?: string): Promise<void> {
    await this._run(async () => {
      const module =
        moduleId ?? (await this._api.exercise(exerciseId)).module_id;
      const path = workspacePath(module, exerciseId);
      await copyIfAbsent(this._contents, path, () =>
        this._api.exerciseNotebook(exerciseId)
      );
      this._openPath(path);
    });
  }

  /** Mark a lesson completed, then refresh progress. */
  async completeLesson(lessonId: string): Promise<boolean> {
    const done = await this._run(() => this._api.completeLesson(lessonId));
    if (done) {
      await this.refresh();
    }
    return done;
  }

  /** Grade code for an exercise, keep the result, then refresh progress. */
  async submitExercise(exerciseId: string, code: string): Promise<boolean> {
    const done = await this._run(async () => {
      this._result = await this._api.submit(exerciseId, code);
    });
    if (done) {
      await this.refresh();
    }
    return done;
  }

  /** Run one action, keeping `busy` and `error` up to date. */
  private async _run(action: () => Promise<unknown>): Promise<boolean> {
    this._busy += 1;
    this._error = null;
    this._changed.emit();
    try {
      await action();
      return true;
    } catch (error) {
      this._error = messageOf(error);
      return false;
    } finally {
      this._busy -= 1;
      this._changed.emit();
    }
  }

  private _api: CourseApi;
  private _busy = 0;
  private _changed = new Signal<this, void>(this);
  private _contents: IWorkspaceContents;
  private _error: string | null = null;
  private _exercises = new Map<string, IExercise[]>();
  private _modules: IModule[] = [];
  private _nextStep: INextStep | null = null;
  private _openPath: (path: string) => void;
  private _progress = new Map<string, IModuleProgress>();
  private _result: ISubmission | null = null;
  private _topics: ITopic[] = [];
}

export namespace CourseModel {
  export interface IOptions {
    client: LearnFlowClient;
    /** The Contents API, to copy notebooks into the workspace. */
    contents: IWorkspaceContents;
    /** Open a workspace file, with the document manager. */
    openPath: (path: string) => void;
  }
}
