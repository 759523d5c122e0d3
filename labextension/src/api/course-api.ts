import { LearnFlowClient } from './client';
import {
  IClassProgress,
  IExercise,
  IExerciseDetail,
  ILessonCompletion,
  IModule,
  IModuleProgress,
  INextStep,
  INotebookJSON,
  ISubmission,
  ITopic
} from './types';

const e = encodeURIComponent;

/**
 * The course routes: modules, lessons, exercises, progress and the class.
 */
export class CourseApi {
  constructor(client: LearnFlowClient) {
    this._client = client;
  }

  /** The modules in course order, each with its lessons. */
  modules(): Promise<IModule[]> {
    return this._client.request('GET', '/modules');
  }

  /** One account's progress and mastery per module. */
  progress(userId: string): Promise<IModuleProgress[]> {
    return this._client.request('GET', `/progress/user/${e(userId)}`);
  }

  /** Every topic in course order, with the caller's mastery. */
  topics(): Promise<ITopic[]> {
    return this._client.request('GET', '/topics');
  }

  /** The exercises of one topic. */
  exercises(topic: string): Promise<IExercise[]> {
    return this._client.request('GET', `/exercises/topic/${e(topic)}`);
  }

  /** One exercise, with the module it belongs to. */
  exercise(exerciseId: string): Promise<IExerciseDetail> {
    return this._client.request('GET', `/exercises/${e(exerciseId)}`);
  }

  /** The caller's recommended next step, and why. */
  nextStep(): Promise<INextStep> {
    return this._client.request('GET', '/recommendations/next');
  }

  /** A lesson as an nbformat 4 notebook. */
  lessonNotebook(lessonId: string): Promise<INotebookJSON> {
    return this._client.request('GET', `/lessons/${e(lessonId)}/notebook`);
  }

  /** An exercise's prompt and starter code as an nbformat 4 notebook. */
  exerciseNotebook(exerciseId: string): Promise<INotebookJSON> {
    return this._client.request('GET', `/exercises/${e(exerciseId)}/notebook`);
  }

  /** Mark a lesson completed for the caller. */
  completeLesson(lessonId: string): Promise<ILessonCompletion> {
    return this._client.request('POST', `/lessons/${e(lessonId)}/complete`);
  }

  /** Grade code against an exercise's hidden tests. */
  submit(exerciseId: string, code: string): Promise<ISubmission> {
    return this._client.request(
      'POST',
      `/exercises/${e(exerciseId)}/submissions`,
      { code }
    );
  }

  /** Every student's progress, and each exercise's pass rate (teachers). */
  classProgress(): Promise<IClassProgress> {
    return this._client.request('GET', '/class/progress');
  }

  private _client: LearnFlowClient;
}
