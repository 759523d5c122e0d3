import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ISignal } from '@lumino/signaling';
import React from 'react';

import { CommandIDs } from '../commands';
import { CourseModel } from '../models/course-model';
import { ExerciseList } from './exercise-list';
import { ModuleList } from './module-list';
import { NextStep } from './next-step';
import { SignInForm } from './sign-in-form';
import { SubmissionResult } from './submission-result';
import { useSignal } from './use-signal';

const PANEL_CLASS = 'jp-LearnFlow-course';

/** The Course side panel: the session, the course, and the latest result. */
export function CoursePanel(props: CoursePanel.IProps): JSX.Element {
  const { model, commands, trans } = props;
  useSignal(model.changed);
  useSignal(model.client.userChanged);
  useSignal(props.currentNotebookChanged);
  const user = model.client.user;

  const button = (id: string, testId: string, accept = false) =>
    commands.hasCommand(id) && (
      <button
        type="button"
        className={`jp-mod-styled ${accept ? 'jp-mod-accept' : ''}`}
        data-testid={testId}
        disabled={!commands.isEnabled(id)}
        onClick={() => void commands.execute(id)}
      >
        {commands.label(id)}
      </button>
    );

  return (
    <div
      className={PANEL_CLASS}
      data-testid="learnflow-course-panel"
      aria-busy={model.busy}
    >
      <header className={`${PANEL_CLASS}-header`}>
        {user ? (
          <span data-testid="learnflow-user">
            {trans.__('Signed in as %1', user.name)}
          </span>
        ) : (
          <span>{trans.__('Not signed in')}</span>
        )}
        <div className={`${PANEL_CLASS}-actions`}>
          {button(CommandIDs.refresh, 'learnflow-refresh')}
          {user?.role === 'teacher' &&
            button(CommandIDs.openClass, 'learnflow-open-class')}
          {user && button(CommandIDs.signOut, 'learnflow-sign-out')}
        </div>
      </header>
      {model.error && (
        <p
          className="jp-LearnFlow-error"
          role="alert"
          data-testid="learnflow-course-error"
        >
          {model.error}
        </p>
      )}
      {!user && <SignInForm client={model.client} trans={trans} />}
      {user && (
        <div className={`${PANEL_CLASS}-notebookActions`}>
          {button(CommandIDs.submitExercise, 'learnflow-submit', true)}
          {button(CommandIDs.completeLesson, 'learnflow-complete-current')}
        </div>
      )}
      {model.result && <SubmissionResult result={model.result} trans={trans} />}
      {user && <NextStep model={model} trans={trans} />}
      <h3>{trans.__('Modules')}</h3>
      <ModuleList model={model} trans={trans} />
      <h3>{trans.__('Exercises')}</h3>
      <ExerciseList model={model} trans={trans} />
    </div>
  );
}

export namespace CoursePanel {
  export interface IProps {
    model: CourseModel;
    commands: CommandRegistry;
    /** Fires when the current notebook changes, to update the actions. */
    currentNotebookChanged: ISignal<unknown, unknown>;
    trans: TranslationBundle;
  }
}
