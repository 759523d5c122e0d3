import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { CourseModel } from '../models/course-model';

const NEXT_CLASS = 'jp-LearnFlow-nextStep';

/** The recommended next lesson or exercise, with the reason for it. */
export function NextStep(props: NextStep.IProps): JSX.Element | null {
  const { model, trans } = props;
  const step = model.nextStep;
  if (!step) {
    return null;
  }

  const open = () => {
    if (step.kind === 'lesson' && step.id && step.module_id) {
      void model.openLesson(step.module_id, step.id);
    } else if (step.kind === 'exercise' && step.id) {
      void model.openExercise(step.id, step.module_id ?? undefined);
    }
  };

  return (
    <section
      className={NEXT_CLASS}
      data-testid="learnflow-next-step"
      aria-label={trans.__('Recommended next step')}
    >
      <h3>{trans.__('Next step')}</h3>
      {step.kind !== 'none' && step.title && (
        <button
          type="button"
          className="jp-mod-styled jp-mod-accept"
          data-testid="learnflow-open-next-step"
          onClick={open}
        >
          {step.kind === 'lesson'
            ? trans.__('Lesson: %1', step.title)
            : trans.__('Exercise: %1', step.title)}
        </button>
      )}
      <p className={`${NEXT_CLASS}-reason`}>{step.reason}</p>
    </section>
  );
}

export namespace NextStep {
  export interface IProps {
    model: CourseModel;
    trans: TranslationBundle;
  }
}
